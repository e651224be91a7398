import Foundation

private let card = """
  id kind title vertical durationSeconds releaseYear
  poster: artwork(role: POSTER) { key width height }
  backdrop: artwork(role: BACKDROP) { key width height }
"""

/// Every call the screens make, with the real field names of the Marquee schema.
final class Repository {
    let session: Session
    private let gql: GraphQL

    init(session: Session) {
        self.session = session
        self.gql = GraphQL(session: session)
    }

    func home() async throws -> [Rail] {
        let rails: Connection<Rail> = try await gql.execute("""
            query Home { storefront { home { rails(first: 20) { edges { node {
              id title collection { items(first: 20) { edges { node { \(card) } } } } } } } } } }
            """, at: ["storefront", "home", "rails"])
        // The API includes rails whose collection shows nothing right now: hide them.
        return rails.nodes.filter { !$0.collection.items.edges.isEmpty }
    }

    func title(_ id: String) async throws -> Title {
        try await gql.execute("""
            query Title($id: ID!) { storefront { title(id: $id) {
              \(card) synopsis genres rating { system value } seasonNumber episodeNumber series { id title } } } }
            """, variables: ["id": id], at: ["storefront", "title"])
    }

    func series(_ id: String) async throws -> Series {
        try await gql.execute("""
            query Series($id: ID!) { storefront { series(id: $id) {
              id title synopsis genres backdrop: artwork(role: BACKDROP) { key width height }
              seasons { id number name episodes { \(card) synopsis seasonNumber episodeNumber } } } } }
            """, variables: ["id": id], at: ["storefront", "series"])
    }

    func search(_ query: String, after: String? = nil) async throws -> Connection<Title> {
        try await gql.execute("""
            query Search($q: String!, $after: String) { storefront {
              search(query: $q, first: 30, after: $after) { edges { node { \(card) } } pageInfo { hasNextPage endCursor } } } }
            """, variables: ["q": query, "after": after], at: ["storefront", "search"])
    }

    func shorts(after: String? = nil) async throws -> Connection<Title> {
        try await gql.execute("""
            query Shorts($after: String) { storefront {
              shortsFeed(first: 10, after: $after) { edges { node { \(card) synopsis } } pageInfo { hasNextPage endCursor } } } }
            """, variables: ["after": after], at: ["storefront", "shortsFeed"])
    }

    func myList() async throws -> [Title] {
        let c: Connection<Title> = try await gql.execute(
            "query MyList { myList(first: 50) { edges { node { \(card) } } } }", at: ["myList"])
        return c.nodes
    }

    func continueWatching() async throws -> [ContinueItem] {
        let c: Connection<ContinueItem> = try await gql.execute("""
            query Continue { continueWatching(first: 20) { edges { node {
              positionSeconds durationSeconds title { \(card) } } } } }
            """, at: ["continueWatching"])
        return c.nodes
    }

    func setInMyList(_ titleId: String, _ add: Bool) async throws {
        let field = add ? "addToMyList" : "removeFromMyList"
        let _: Bool = try await gql.execute("mutation L($t: ID!) { \(field)(titleId: $t) }", variables: ["t": titleId], at: [field])
    }

    /// Email and password sign-in, then the first profile without a PIN is selected.
    func signIn(email: String, password: String) async throws {
        var input: JSONObject = ["email": email, "password": password]
        if let device = session.deviceId {
            input["deviceId"] = device
        } else {
            input["device"] = ["name": Session.deviceName, "platform": Session.devicePlatform]
        }
        let tokens: Tokens = try await gql.execute("""
            mutation SignIn($in: ViewerSignInInput!) { viewerSignIn(input: $in) {
              accessToken refreshToken expiresIn deviceId profileId } }
            """, variables: ["in": input], at: ["viewerSignIn"])
        session.store(tokens)
        try await selectDefaultProfile()
    }

    /// Binds the tokens to a profile (My List and Continue watching are per profile).
    func selectDefaultProfile() async throws {
        guard session.profileId == nil else { return }
        let profiles: [Profile] = try await gql.execute(
            "query Profiles { viewerAccount { profiles { id name pinProtected } } }", at: ["viewerAccount", "profiles"])
        guard let profile = profiles.first(where: { !$0.pinProtected }) else { return }
        let tokens: Tokens = try await gql.execute("""
            mutation Select($p: ID!) { selectProfile(profileId: $p) {
              accessToken refreshToken expiresIn deviceId profileId } }
            """, variables: ["p": profile.id], at: ["selectProfile"])
        session.store(tokens)
    }

    func signOut() async {
        _ = try? await gql.execute("mutation { viewerSignOut }", at: ["viewerSignOut"], as: Bool.self)
        session.clear()
    }

    func startPlayback(_ titleId: String) async throws -> PlaybackResult {
        try await gql.execute("""
            mutation Play($t: ID!) { playbackSession(titleId: $t) {
              session { id titleId hlsURL expiresAt resumePositionSeconds subtitles { language name sdh url } }
              refusal { code reason } } }
            """, variables: ["t": titleId], at: ["playbackSession"])
    }

    /// Keeps the session alive (every 30 s) and records the position for resume and Continue watching.
    func heartbeat(sessionId: String, titleId: String, position: Int, duration: Int) async throws {
        let _: Bool = try await gql.execute("""
            mutation Beat($s: ID!, $p: Int!, $t: ID!, $d: Int!) {
              playbackHeartbeat(sessionId: $s, positionSeconds: $p) { id }
              reportProgress(titleId: $t, positionSeconds: $p, durationSeconds: $d) }
            """, variables: ["s": sessionId, "p": position, "t": titleId, "d": duration], at: ["reportProgress"])
    }

    func endPlayback(_ sessionId: String) async throws {
        let _: Bool = try await gql.execute(
            "mutation End($s: ID!) { endPlayback(sessionId: $s) }", variables: ["s": sessionId], at: ["endPlayback"])
    }
}
