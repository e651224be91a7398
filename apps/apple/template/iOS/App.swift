import SwiftUI

/// iPhone and iPad.
@main
struct MarqueeApp: App {
    @StateObject private var session: Session
    private let repo: Repository

    init() {
        let session = Session()
        _session = StateObject(wrappedValue: session)
        repo = Repository(session: session)
    }

    var body: some Scene {
        WindowGroup {
            RootView(repo: repo, session: session)
        }
    }
}
