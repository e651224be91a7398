import Foundation

/// The device authorization response (RFC 8628 §3.2).
struct DeviceAuthorization: Decodable {
    let deviceCode: String
    let userCode: String
    let verificationUri: String
    let verificationUriComplete: String?
    let expiresIn: Int
    let interval: Int?

    enum CodingKeys: String, CodingKey {
        case deviceCode = "device_code", userCode = "user_code", verificationUri = "verification_uri"
        case verificationUriComplete = "verification_uri_complete", expiresIn = "expires_in", interval
    }
}

/// How an activation ended without tokens: access_denied or expired_token.
struct ActivationError: LocalizedError {
    let code: String
    let message: String
    var errorDescription: String? { message }
}

/// TV sign-in without a keyboard (RFC 8628): the TV shows a code, the viewer
/// enters it on the web app's activate page, the TV polls the token endpoint.
struct DeviceActivation {
    let session: Session

    /// POST baseURL/oauth/device_authorization (§3.1).
    func start() async throws -> DeviceAuthorization {
        let (ok, data) = try await post("oauth/device_authorization", [
            "device_name": Session.deviceName, "device_platform": Session.devicePlatform,
        ])
        guard ok else { throw ActivationError(code: "invalid_request", message: String(decoding: data, as: UTF8.self)) }
        return try JSONDecoder().decode(DeviceAuthorization.self, from: data)
    }

    /// Polls baseURL/oauth/token every interval seconds until the viewer approves
    /// (tokens stored), declines or the code expires (throws). authorization_pending
    /// keeps polling; slow_down adds 5 seconds (§3.5).
    func waitForApproval(_ auth: DeviceAuthorization) async throws {
        var interval = max(auth.interval ?? 5, 1)
        let deadline = Date().addingTimeInterval(TimeInterval(auth.expiresIn))
        while Date() < deadline {
            try await Task.sleep(nanoseconds: UInt64(interval) * 1_000_000_000)
            let (ok, data) = try await post("oauth/token", [
                "grant_type": "urn:ietf:params:oauth:grant-type:device_code", "device_code": auth.deviceCode,
            ])
            let body = (try? JSONSerialization.jsonObject(with: data) as? JSONObject) ?? [:]
            if ok, let tokens = Tokens(oauth: body) {
                session.store(tokens)
                return
            }
            switch body["error"] as? String {
            case "authorization_pending"?:
                continue
            case "slow_down"?:
                interval = body["interval"] as? Int ?? interval + 5
            case let code:
                throw ActivationError(code: code ?? "error", message: body["error_description"] as? String ?? "activation failed")
            }
        }
        throw ActivationError(code: "expired_token", message: "the code expired")
    }

    private func post(_ path: String, _ fields: [String: String]) async throws -> (Bool, Data) {
        var request = URLRequest(url: AppConfig.baseURL.appendingPathComponent(path))
        request.httpMethod = "POST"
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        request.setValue(AppConfig.appKey, forHTTPHeaderField: "X-Marquee-App-Key")
        request.httpBody = formBody(fields)
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode == 200, data)
    }
}
