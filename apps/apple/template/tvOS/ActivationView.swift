import SwiftUI

/// TV activation (RFC 8628): shows the code and where to enter it, polls until
/// the viewer approves on their phone or computer; a new code replaces an
/// expired one.
struct ActivationView: View {
    let repo: Repository
    let onEmail: () -> Void
    let done: () -> Void
    @State private var auth: DeviceAuthorization?
    @State private var message: String?
    @State private var attempt = 0

    var body: some View {
        VStack(spacing: 32) {
            Text("Sign in on your phone or computer").font(.title2).foregroundColor(Palette.text)
            if let auth {
                Text("Go to \(auth.verificationUri) and enter this code:").foregroundColor(Palette.text)
                Text(auth.userCode).font(.system(size: 96, weight: .bold, design: .monospaced)).foregroundColor(Palette.primary)
            } else {
                ProgressView()
            }
            if let message { Text(message).foregroundColor(Palette.accent) }
            Button("Sign in with email and password", action: onEmail)
        }
        .padding(60)
        .task(id: attempt) {
            let activation = DeviceActivation(session: repo.session)
            do {
                let a = try await activation.start()
                auth = a
                try await activation.waitForApproval(a)
                try? await repo.selectDefaultProfile()
                done()
            } catch let e as ActivationError {
                if e.code == "access_denied" {
                    message = "The sign-in was declined."
                } else {
                    message = "The code expired. A new one is shown."
                    attempt += 1
                }
            } catch is CancellationError {
            } catch {
                message = error.localizedDescription
            }
        }
    }
}
