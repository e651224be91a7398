import Foundation
import Security
#if canImport(UIKit)
import UIKit
#endif

/// The viewer's tokens, kept in the Keychain. The access token lives 15
/// minutes; refresh() trades the refresh token (once) at baseURL/oauth/token
/// for a new pair.
final class Session: ObservableObject {
    @Published private(set) var signedIn: Bool

    private(set) var accessToken: String?
    private var refreshToken: String?
    private(set) var deviceId: String?
    private(set) var profileId: String?

    init() {
        accessToken = Keychain.get("access")
        refreshToken = Keychain.get("refresh")
        deviceId = Keychain.get("device")
        profileId = Keychain.get("profile")
        signedIn = refreshToken != nil
    }

    /// The viewer's device platform, as DevicePlatform in viewers.graphqls.
    static var devicePlatform: String {
        #if os(tvOS)
        return "TVOS"
        #else
        return "IOS"
        #endif
    }

    static var deviceName: String {
        #if canImport(UIKit)
        return UIDevice.current.name
        #else
        return "Apple device"
        #endif
    }

    func store(_ t: Tokens) {
        accessToken = t.accessToken
        refreshToken = t.refreshToken
        deviceId = t.deviceId
        profileId = t.profileId
        Keychain.set("access", t.accessToken)
        Keychain.set("refresh", t.refreshToken)
        Keychain.set("device", t.deviceId)
        Keychain.set("profile", t.profileId)
        DispatchQueue.main.async { self.signedIn = true }
    }

    /// Forgets the tokens; the device id stays so a later sign-in keeps its slot.
    func clear() {
        accessToken = nil
        refreshToken = nil
        profileId = nil
        for key in ["access", "refresh", "profile"] { Keychain.set(key, nil) }
        DispatchQueue.main.async { self.signedIn = false }
    }

    private let lock = NSLock()
    private var refreshing: Task<Bool, Never>?

    /// Exchanges the refresh token; false (and signed out on invalid_grant) when
    /// refused. Concurrent callers share one exchange: presenting a used refresh
    /// token twice would sign every device of the account out.
    func refresh() async -> Bool {
        lock.lock()
        if let running = refreshing {
            lock.unlock()
            return await running.value
        }
        let task = Task { await self.exchange() }
        refreshing = task
        lock.unlock()
        let ok = await task.value
        lock.lock()
        refreshing = nil
        lock.unlock()
        return ok
    }

    private func exchange() async -> Bool {
        guard let refreshToken else { return false }
        var request = URLRequest(url: AppConfig.baseURL.appendingPathComponent("oauth/token"))
        request.httpMethod = "POST"
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        request.setValue(AppConfig.appKey, forHTTPHeaderField: "X-Marquee-App-Key")
        request.httpBody = formBody(["grant_type": "refresh_token", "refresh_token": refreshToken])
        guard let answer = try? await URLSession.shared.data(for: request),
              let body = try? JSONSerialization.jsonObject(with: answer.0) as? JSONObject else { return false }
        guard (answer.1 as? HTTPURLResponse)?.statusCode == 200, let tokens = Tokens(oauth: body) else {
            if body["error"] as? String == "invalid_grant" { clear() }
            return false
        }
        store(tokens)
        return true
    }
}

extension Tokens {
    /// The token endpoint's JSON (RFC 6749 §5.1 plus device_id and profile_id).
    init?(oauth o: JSONObject) {
        guard let access = o["access_token"] as? String, let refresh = o["refresh_token"] as? String,
              let device = o["device_id"] as? String else { return nil }
        self.init(accessToken: access, refreshToken: refresh, expiresIn: o["expires_in"] as? Int ?? 900,
                  deviceId: device, profileId: o["profile_id"] as? String)
    }
}

/// application/x-www-form-urlencoded.
func formBody(_ fields: [String: String]) -> Data {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return fields.map { k, v in
        "\(k)=\(v.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")"
    }.joined(separator: "&").data(using: .utf8)!
}

/// A few generic-password items under the bundle id.
enum Keychain {
    private static func query(_ key: String) -> JSONObject {
        [kSecClass as String: kSecClassGenericPassword,
         kSecAttrService as String: AppConfig.scheme,
         kSecAttrAccount as String: key]
    }

    static func get(_ key: String) -> String? {
        var q = query(key)
        q[kSecReturnData as String] = true
        q[kSecMatchLimit as String] = kSecMatchLimitOne
        var out: AnyObject?
        guard SecItemCopyMatching(q as CFDictionary, &out) == errSecSuccess, let data = out as? Data else { return nil }
        return String(data: data, encoding: .utf8)
    }

    static func set(_ key: String, _ value: String?) {
        SecItemDelete(query(key) as CFDictionary)
        guard let value else { return }
        var q = query(key)
        q[kSecValueData as String] = Data(value.utf8)
        q[kSecAttrAccessible as String] = kSecAttrAccessibleAfterFirstUnlock
        SecItemAdd(q as CFDictionary, nil)
    }
}
