import SwiftUI

/// Where a NavigationStack can go.
enum Route: Hashable {
    case title(String)
    case series(String)
}

/// Deep links: SCHEME://title/{id}, SCHEME://series/{id}, and the web app's
/// https …/title/{id} and …/series/{id} pages (universal links, when the
/// associated domains entitlement is added).
func route(for url: URL) -> Route? {
    var parts = url.pathComponents.filter { $0 != "/" }
    if url.scheme == AppConfig.scheme, let host = url.host { parts.insert(host, at: 0) }
    guard let i = parts.firstIndex(where: { $0 == "title" || $0 == "series" }), i + 1 < parts.count else { return nil }
    return parts[i] == "title" ? .title(parts[i + 1]) : .series(parts[i + 1])
}

enum AppTab: Hashable { case home, search, shorts, myList }

/// The app: Home, Search, Shorts and My List tabs (a top tab bar on tvOS), each a navigation stack.
struct RootView: View {
    let repo: Repository
    @ObservedObject var session: Session
    @State private var tab: AppTab = .home
    @State private var homePath = NavigationPath()

    var body: some View {
        TabView(selection: $tab) {
            NavigationStack(path: $homePath) {
                HomeView(repo: repo, signedIn: session.signedIn).destinations(repo: repo, session: session)
            }
            .tabItem { Label("Home", systemImage: "house") }.tag(AppTab.home)

            NavigationStack { SearchView(repo: repo).destinations(repo: repo, session: session) }
                .tabItem { Label("Search", systemImage: "magnifyingglass") }.tag(AppTab.search)

            if AppConfig.shorts {
                ShortsView(repo: repo, session: session)
                    .tabItem { Label("Shorts", systemImage: "play.rectangle.on.rectangle") }.tag(AppTab.shorts)
            }

            NavigationStack {
                Group {
                    if session.signedIn { MyListView(repo: repo) } else { SignInView(repo: repo) }
                }.destinations(repo: repo, session: session)
            }
            .tabItem { Label("My List", systemImage: "heart") }.tag(AppTab.myList)
        }
        .tint(Palette.primary)
        .background(Palette.background.ignoresSafeArea())
        .preferredColorScheme(.dark)
        .onOpenURL { url in
            guard let r = route(for: url) else { return }
            tab = .home
            homePath.append(r)
        }
    }
}

extension View {
    func destinations(repo: Repository, session: Session) -> some View {
        navigationDestination(for: Route.self) { r in
            switch r {
            case .title(let id): TitleDetailView(repo: repo, session: session, id: id)
            case .series(let id): SeriesView(repo: repo, session: session, id: id)
            }
        }
    }

    /// Cards lift with focus on tvOS; plain taps on iOS.
    @ViewBuilder func cardButtonStyle() -> some View {
        #if os(tvOS)
        buttonStyle(.card)
        #else
        buttonStyle(.plain)
        #endif
    }
}

func routeFor(_ t: Title) -> Route {
    if t.kind == "EPISODE", let s = t.series { return .series(s.id) }
    return .title(t.id)
}
