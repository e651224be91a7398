import Foundation

typealias JSONObject = [String: Any]

/// A GraphQL error: code is errors[0].extensions.code (UNAUTHENTICATED, NOT_FOUND, BAD_USER_INPUT, …).
struct GraphQLError: LocalizedError {
    let code: String
    let message: String
    var errorDescription: String? { message }
}

/// POSTs queries to baseURL/graphql with the app key and, when signed in, the
/// viewer's bearer token; an UNAUTHENTICATED answer refreshes the tokens once
/// and retries.
final class GraphQL {
    private let session: Session
    private let http: URLSession

    init(session: Session, http: URLSession = .shared) {
        self.session = session
        self.http = http
    }

    /// Runs query and decodes the value at path under data.
    func execute<T: Decodable>(_ query: String, variables: [String: Any?] = [:], at path: [String], as type: T.Type = T.self) async throws -> T {
        do {
            return try await once(query, variables, path)
        } catch let e as GraphQLError where e.code == "UNAUTHENTICATED" {
            guard await session.refresh() else { throw e }
            return try await once(query, variables, path)
        }
    }

    private func once<T: Decodable>(_ query: String, _ variables: [String: Any?], _ path: [String]) async throws -> T {
        var request = URLRequest(url: AppConfig.baseURL.appendingPathComponent("graphql"))
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(AppConfig.appKey, forHTTPHeaderField: "X-Marquee-App-Key")
        if let token = session.accessToken {
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        }
        let vars: JSONObject = variables.compactMapValues { $0 }
        request.httpBody = try JSONSerialization.data(withJSONObject: ["query": query, "variables": vars])
        let (data, response) = try await http.data(for: request)
        guard let root = try? JSONSerialization.jsonObject(with: data) as? JSONObject else {
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            throw GraphQLError(code: "HTTP_\(status)", message: "unexpected answer (\(status))")
        }
        if let errors = root["errors"] as? [JSONObject], let first = errors.first {
            let code = (first["extensions"] as? JSONObject)?["code"] as? String ?? "ERROR"
            throw GraphQLError(code: code, message: first["message"] as? String ?? code)
        }
        var node: Any? = root["data"]
        for key in path { node = (node as? JSONObject)?[key] }
        guard let node, !(node is NSNull) else {
            throw GraphQLError(code: "ERROR", message: "missing \(path.joined(separator: "."))")
        }
        let json = try JSONSerialization.data(withJSONObject: node, options: [.fragmentsAllowed])
        return try JSONDecoder().decode(T.self, from: json)
    }
}
