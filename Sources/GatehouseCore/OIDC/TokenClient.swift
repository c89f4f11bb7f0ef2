/// The token endpoint and the userinfo endpoint: requests built here, sent through `OutboundHTTP`.
struct TokenClient: Sendable {
    let http: any OutboundHTTP

    struct Tokens: Sendable {
        let idToken: String
        let accessToken: String?
    }

    /// Exchanges the code (RFC 6749 4.1.3 with PKCE). Client authentication is `client_secret_basic` unless the
    /// config asks for `client_secret_post`, or the provider advertises only post.
    func exchange(code: String, login: PendingLogin, provider: ProviderConfig, metadata: ProviderMetadata, redirectURI: String) throws(GatehouseError) -> Tokens {
        var form = QueryParameters([("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI),
                                    ("code_verifier", login.codeVerifier)])
        var headers = [Response.Header("Content-Type", "application/x-www-form-urlencoded"), Response.Header("Accept", "application/json")]
        let supported = metadata.tokenEndpointAuthMethods
        let usePost = provider.tokenEndpointAuthMethod == "client_secret_post"
            || (!supported.contains("client_secret_basic") && supported.contains("client_secret_post"))
        if usePost {
            form.append("client_id", provider.clientID)
            if let secret = provider.clientSecret { form.append("client_secret", secret) }
        } else {
            // RFC 6749 2.3.1: each part form-urlencoded before base64.
            let credentials = PercentEncoding.encode(provider.clientID) + ":" + PercentEncoding.encode(provider.clientSecret ?? "")
            headers.append(Response.Header("Authorization", "Basic " + Base64.standard(Array(credentials.utf8))))
        }
        let response: OutboundResponse
        do {
            response = try http.send(OutboundRequest(method: .post, url: metadata.tokenEndpoint, headers: headers, body: Array(form.encoded.utf8)))
        } catch {
            throw .provider(error, "The sign-in service did not answer. Please try again.", detail: "token endpoint of \(provider.name)")
        }
        let json = JSONText.parseObject(response.body)
        guard response.status == 200 else {
            let code = json?["error"]?.stringValue.map(Self.safeErrorCode) ?? "none"
            let kind: GatehouseError.Kind = (400..<500).contains(response.status) ? .badRequest : .providerUnavailable
            throw GatehouseError(kind, "The sign-in service refused to complete the sign-in. Please start again.",
                                 detail: "token endpoint of \(provider.name) answered HTTP \(response.status), error \(code)")
        }
        guard let json, let idToken = json["id_token"]?.stringValue else {
            throw GatehouseError(.providerUnavailable, "The sign-in service sent an unusable answer.",
                                 detail: "token endpoint of \(provider.name): no id_token in the response")
        }
        return Tokens(idToken: idToken, accessToken: json["access_token"]?.stringValue)
    }

    /// Userinfo with the access token as a Bearer header (never in the query). Nil when it cannot be used.
    func userinfo(accessToken: String, endpoint: String) -> Result<[String: JSONValue], GatehouseError> {
        do {
            let r = try http.send(OutboundRequest(method: .get, url: endpoint, headers: [
                Response.Header("Authorization", "Bearer " + accessToken), Response.Header("Accept", "application/json"),
            ]))
            guard r.status == 200, let claims = JSONText.parseObject(r.body) else {
                return .failure(GatehouseError(.providerUnavailable, "userinfo unusable", detail: "userinfo answered HTTP \(r.status)"))
            }
            return .success(claims)
        } catch {
            return .failure(GatehouseError(.providerUnavailable, "userinfo unreachable", detail: "userinfo: \(error.description)"))
        }
    }

    /// Provider error codes are shown and logged only as `[a-z_]` text.
    static func safeErrorCode(_ s: String) -> String {
        String(s.lowercased().unicodeScalars.filter { ("a"..."z").contains($0) || $0 == "_" }.prefix(64).map(Character.init))
    }
}

/// Standard base64 with padding (HTTP Basic credentials).
enum Base64 {
    static func standard(_ bytes: [UInt8]) -> String {
        var s = Base64URL.encode(bytes).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.utf8.count % 4 != 0 { s += "=" }
        return s
    }
}

import Foundation
