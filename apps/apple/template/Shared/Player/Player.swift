import AVKit
import SwiftUI

/// Plays a title: starts a playback session (the API checks the window,
/// country, rating, entitlement and stream limit), opens its HLS master (the
/// master lists the WebVTT subtitles, which AVPlayerViewController offers),
/// seeks to the resume position, sends a heartbeat with the position every
/// 30 seconds and ends the session when the viewer closes the player.
@MainActor
final class PlaybackController: ObservableObject {
    @Published var player: AVPlayer?
    @Published var refusal: String?
    private var session: PlaybackSession?
    private var beats: Task<Void, Never>?
    private let repo: Repository
    let titleId: String

    init(repo: Repository, titleId: String) {
        self.repo = repo
        self.titleId = titleId
    }

    func start() async {
        do {
            let result = try await repo.startPlayback(titleId)
            guard let s = result.session, let url = URL(string: s.hlsURL) else {
                refusal = result.refusal?.reason ?? "This title cannot be played."
                return
            }
            session = s
            let player = AVPlayer(url: url)
            if s.resumePositionSeconds > 0 {
                await player.seek(to: CMTime(seconds: Double(s.resumePositionSeconds), preferredTimescale: 1))
            }
            player.appliesMediaSelectionCriteriaAutomatically = true
            self.player = player
            player.play()
            beats = Task { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(nanoseconds: 30_000_000_000)
                    await self?.beat()
                }
            }
        } catch {
            refusal = error.localizedDescription
        }
    }

    private func position() -> (Int, Int) {
        guard let item = player?.currentItem else { return (0, 0) }
        let pos = player?.currentTime().seconds ?? 0
        let dur = item.duration.seconds
        return (pos.isFinite ? Int(pos) : 0, dur.isFinite ? Int(dur) : 0)
    }

    private func beat() async {
        guard let s = session else { return }
        let (pos, dur) = position()
        try? await repo.heartbeat(sessionId: s.id, titleId: titleId, position: pos, duration: dur)
    }

    func stop() {
        beats?.cancel()
        player?.pause()
        guard let s = session else { return }
        let (pos, dur) = position()
        let repo = self.repo, titleId = self.titleId
        session = nil
        Task.detached {
            try? await repo.heartbeat(sessionId: s.id, titleId: titleId, position: pos, duration: dur)
            try? await repo.endPlayback(s.id)
        }
    }
}

/// AVPlayerViewController: the system's transport controls, subtitle and
/// audio menus, AirPlay and Picture in Picture on iOS, the Siri Remote on tvOS.
struct SystemPlayer: UIViewControllerRepresentable {
    let player: AVPlayer

    func makeUIViewController(context: Context) -> AVPlayerViewController {
        let vc = AVPlayerViewController()
        vc.player = player
        return vc
    }

    func updateUIViewController(_ vc: AVPlayerViewController, context: Context) {
        vc.player = player
    }
}

struct PlayerScreen: View {
    @StateObject private var controller: PlaybackController
    @Environment(\.dismiss) private var dismiss

    init(repo: Repository, titleId: String) {
        _controller = StateObject(wrappedValue: PlaybackController(repo: repo, titleId: titleId))
    }

    var body: some View {
        ZStack {
            Color.black.ignoresSafeArea()
            if let player = controller.player {
                SystemPlayer(player: player).ignoresSafeArea()
            } else if let refusal = controller.refusal {
                VStack(spacing: 24) {
                    Text(refusal).foregroundColor(.white).multilineTextAlignment(.center)
                    Button("Close") { dismiss() }
                }.padding()
            } else {
                ProgressView()
            }
        }
        .task { await controller.start() }
        .onDisappear { controller.stop() }
    }
}
