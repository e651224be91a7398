import SwiftUI

/// Loading, failed or loaded.
enum Load<T> {
    case loading
    case failed(String)
    case done(T)
}

struct Loaded<T, Content: View>: View {
    let state: Load<T>
    @ViewBuilder let content: (T) -> Content

    var body: some View {
        switch state {
        case .loading: ProgressView().frame(maxWidth: .infinity, maxHeight: .infinity)
        case .failed(let message): Text(message).foregroundColor(Palette.text).padding()
        case .done(let value): content(value)
        }
    }
}

func load<T>(_ block: () async throws -> T) async -> Load<T> {
    do { return .done(try await block()) } catch { return .failed(error.localizedDescription) }
}

#if os(tvOS)
private let posterWidth: CGFloat = 220
#else
private let posterWidth: CGFloat = 120
#endif

struct PosterView: View {
    let title: Title

    var body: some View {
        AsyncImage(url: title.poster.best(300)?.url) { image in
            image.resizable().aspectRatio(contentMode: .fill)
        } placeholder: {
            Palette.surface.overlay(Text(title.title).font(.caption).foregroundColor(Palette.muted).padding(4))
        }
        .frame(width: posterWidth, height: posterWidth * 1.5)
        .clipped()
        .accessibilityLabel(title.title)
    }
}

struct RailView: View {
    let heading: String
    let titles: [Title]

    var body: some View {
        VStack(alignment: .leading, spacing: 8) {
            Text(heading).font(.headline).foregroundColor(Palette.text).padding(.horizontal)
            ScrollView(.horizontal, showsIndicators: false) {
                LazyHStack(spacing: 16) {
                    ForEach(titles) { t in
                        NavigationLink(value: routeFor(t)) { PosterView(title: t) }.cardButtonStyle()
                    }
                }.padding(.horizontal)
            }
        }
    }
}

struct HomeView: View {
    let repo: Repository
    let signedIn: Bool
    @State private var rails: Load<[Rail]> = .loading
    @State private var continuing: [ContinueItem] = []
    @State private var playing: String?

    var body: some View {
        Loaded(state: rails) { list in
            ScrollView {
                LazyVStack(alignment: .leading, spacing: 24) {
                    if !continuing.isEmpty {
                        VStack(alignment: .leading) {
                            Text("Continue watching").font(.headline).foregroundColor(Palette.text).padding(.horizontal)
                            ScrollView(.horizontal, showsIndicators: false) {
                                LazyHStack(spacing: 16) {
                                    ForEach(continuing) { c in
                                        Button { playing = c.title.id } label: {
                                            VStack(alignment: .leading) {
                                                PosterView(title: c.title)
                                                ProgressView(value: Double(c.positionSeconds), total: Double(max(c.durationSeconds, 1)))
                                                    .tint(Palette.primary).frame(width: posterWidth)
                                            }
                                        }.cardButtonStyle()
                                    }
                                }.padding(.horizontal)
                            }
                        }
                    }
                    ForEach(list) { rail in RailView(heading: rail.title, titles: rail.collection.items.nodes) }
                }.padding(.vertical)
            }
        }
        .background(Palette.background.ignoresSafeArea())
        .task(id: signedIn) {
            rails = await load { try await repo.home() }
            continuing = signedIn ? ((try? await repo.continueWatching()) ?? []) : []
        }
        .fullScreenCover(item: Binding(get: { playing.map(PlayID.init) }, set: { playing = $0?.id })) { p in
            PlayerScreen(repo: repo, titleId: p.id)
        }
    }
}

struct PlayID: Identifiable { let id: String }

struct TitleDetailView: View {
    let repo: Repository
    @ObservedObject var session: Session
    let id: String
    @State private var title: Load<Title> = .loading
    @State private var inList: Bool?
    @State private var playing = false
    @State private var signingIn = false

    var body: some View {
        Loaded(state: title) { t in
            ScrollView {
                VStack(alignment: .leading, spacing: 16) {
                    AsyncImage(url: t.backdrop.best(1280)?.url) { $0.resizable().aspectRatio(16 / 9, contentMode: .fill) } placeholder: { Palette.surface }
                        .aspectRatio(16 / 9, contentMode: .fit).clipped()
                    Text(t.title).font(.title).bold().foregroundColor(Palette.text)
                    Text(t.meta).foregroundColor(Palette.muted)
                    HStack(spacing: 16) {
                        Button { if session.signedIn { playing = true } else { signingIn = true } } label: {
                            Label("Play", systemImage: "play.fill")
                        }.buttonStyle(.borderedProminent).tint(Palette.primary)
                        if session.signedIn, let inList {
                            Button(inList ? "Remove from My List" : "Add to My List") {
                                Task {
                                    if (try? await repo.setInMyList(t.id, !inList)) != nil { self.inList = !inList }
                                }
                            }.buttonStyle(.bordered)
                        }
                    }
                    Text(t.synopsis ?? "").foregroundColor(Palette.text)
                }.padding()
            }
        }
        .background(Palette.background.ignoresSafeArea())
        .task(id: session.signedIn) {
            title = await load { try await repo.title(id) }
            if session.signedIn { inList = (try? await repo.myList())?.contains { $0.id == id } }
        }
        .fullScreenCover(isPresented: $playing) { PlayerScreen(repo: repo, titleId: id) }
        .sheet(isPresented: $signingIn) { SignInView(repo: repo) }
    }
}

struct SeriesView: View {
    let repo: Repository
    @ObservedObject var session: Session
    let id: String
    @State private var series: Load<Series> = .loading
    @State private var playing: String?

    var body: some View {
        Loaded(state: series) { s in
            ScrollView {
                VStack(alignment: .leading, spacing: 16) {
                    Text(s.title).font(.title).bold().foregroundColor(Palette.text)
                    Text(s.synopsis).foregroundColor(Palette.text)
                    ForEach(s.seasons) { season in
                        Text(season.name.isEmpty ? "Season \(season.number)" : season.name).font(.headline).foregroundColor(Palette.text)
                        ForEach(season.episodes) { e in
                            Button { playing = e.id } label: {
                                HStack {
                                    AsyncImage(url: e.backdrop.best(320)?.url) { $0.resizable().aspectRatio(contentMode: .fill) } placeholder: { Palette.surface }
                                        .frame(width: 160, height: 90).clipped()
                                    VStack(alignment: .leading) {
                                        Text("\(e.episodeNumber.map(String.init) ?? ""). \(e.title)").foregroundColor(Palette.text)
                                        Text(formatDuration(e.durationSeconds) ?? "").foregroundColor(Palette.muted)
                                    }
                                    Spacer()
                                }
                            }.cardButtonStyle().disabled(!session.signedIn)
                        }
                    }
                }.padding()
            }
        }
        .background(Palette.background.ignoresSafeArea())
        .task { series = await load { try await repo.series(id) } }
        .fullScreenCover(item: Binding(get: { playing.map(PlayID.init) }, set: { playing = $0?.id })) { p in
            PlayerScreen(repo: repo, titleId: p.id)
        }
    }
}

struct SearchView: View {
    let repo: Repository
    @State private var query = ""
    @State private var results: [Title] = []

    var body: some View {
        ScrollView {
            LazyVGrid(columns: [GridItem(.adaptive(minimum: posterWidth), spacing: 16)], spacing: 16) {
                ForEach(results) { t in NavigationLink(value: routeFor(t)) { PosterView(title: t) }.cardButtonStyle() }
            }.padding()
        }
        .background(Palette.background.ignoresSafeArea())
        .searchable(text: $query, prompt: "Titles, genres, people")
        .task(id: query) {
            guard !query.trimmingCharacters(in: .whitespaces).isEmpty else { results = []; return }
            try? await Task.sleep(nanoseconds: 300_000_000) // debounce typing
            guard !Task.isCancelled else { return }
            results = (try? await repo.search(query).nodes) ?? []
        }
    }
}

struct MyListView: View {
    let repo: Repository
    @State private var list: Load<[Title]> = .loading

    var body: some View {
        Loaded(state: list) { titles in
            if titles.isEmpty {
                Text("Nothing here yet.").foregroundColor(Palette.muted)
            } else {
                ScrollView {
                    LazyVGrid(columns: [GridItem(.adaptive(minimum: posterWidth), spacing: 16)], spacing: 16) {
                        ForEach(titles) { t in NavigationLink(value: routeFor(t)) { PosterView(title: t) }.cardButtonStyle() }
                    }.padding()
                }
            }
        }
        .navigationTitle("My List")
        .background(Palette.background.ignoresSafeArea())
        .task { list = await load { try await repo.myList() } }
    }
}

/// The vertical shorts feed: one short per page, paging vertically; select plays it.
struct ShortsView: View {
    let repo: Repository
    @ObservedObject var session: Session
    @State private var feed: Load<[Title]> = .loading
    @State private var playing: String?

    var body: some View {
        Loaded(state: feed) { shorts in
            ScrollView(.vertical) {
                LazyVStack(spacing: 0) {
                    ForEach(shorts) { t in
                        Button { if session.signedIn { playing = t.id } } label: {
                            ZStack(alignment: .bottomLeading) {
                                AsyncImage(url: (t.poster.best(600) ?? t.backdrop.best(600))?.url) { $0.resizable().aspectRatio(contentMode: .fill) } placeholder: { Palette.surface }
                                VStack(alignment: .leading) {
                                    Text(t.title).font(.title2).bold()
                                    Text(t.synopsis ?? "").lineLimit(3)
                                }.foregroundColor(Palette.text).padding(24)
                            }
                            .containerRelativeFrame([.horizontal, .vertical])
                            .clipped()
                        }.buttonStyle(.plain)
                    }
                }.scrollTargetLayout()
            }
            .scrollTargetBehavior(.paging)
            .ignoresSafeArea()
        }
        .background(Palette.background.ignoresSafeArea())
        .task { feed = await load { try await repo.shorts().nodes } }
        .fullScreenCover(item: Binding(get: { playing.map(PlayID.init) }, set: { playing = $0?.id })) { p in
            PlayerScreen(repo: repo, titleId: p.id)
        }
    }
}

/// Email and password sign-in (tvOS shows the activation code first; see tvOS/ActivationView.swift).
struct SignInView: View {
    let repo: Repository
    @State private var email = ""
    @State private var password = ""
    @State private var error: String?
    @State private var busy = false
    @State private var useCode = true
    @Environment(\.dismiss) private var dismiss

    var body: some View {
        #if os(tvOS)
        if useCode {
            ActivationView(repo: repo, onEmail: { useCode = false }, done: { dismiss() })
        } else {
            form
        }
        #else
        form
        #endif
    }

    private var form: some View {
        VStack(spacing: 16) {
            Text("Sign in").font(.title).foregroundColor(Palette.text)
            TextField("Email", text: $email)
                .textContentType(.emailAddress)
                .autocorrectionDisabled()
                #if os(iOS)
                .keyboardType(.emailAddress)
                .textInputAutocapitalization(.never)
                .textFieldStyle(.roundedBorder)
                #endif
            SecureField("Password", text: $password)
                .textContentType(.password)
                #if os(iOS)
                .textFieldStyle(.roundedBorder)
                #endif
            if let error { Text(error).foregroundColor(Palette.accent) }
            Button("Sign in") {
                busy = true
                Task {
                    do {
                        try await repo.signIn(email: email.trimmingCharacters(in: .whitespaces), password: password)
                        dismiss()
                    } catch {
                        self.error = error.localizedDescription
                    }
                    busy = false
                }
            }
            .buttonStyle(.borderedProminent).tint(Palette.primary)
            .disabled(busy || email.isEmpty || password.isEmpty)
        }
        .padding()
        .frame(maxWidth: 600)
    }
}
