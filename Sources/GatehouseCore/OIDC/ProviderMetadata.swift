/// The parts of an OpenID Provider's discovery document Gatehouse uses, validated.
public struct ProviderMetadata: Sendable, Equatable {
    public var issuer: String
    public var authorizationEndpoint: String
    public var tokenEndpoint: String
    public var userinfoEndpoint: String?
    public var jwksURI: String
    public var endSessionEndpoint: String?
    public var signingAlgorithms: [String]
    public var tokenEndpointAuthMethods: [String]
    /// RFC 9207 `authorization_response_iss_parameter_supported`: the provider puts `iss` in every
    /// authorization response, so a callback without it is refused (a mix-up attack would lack it).
    public var sendsIssInAuthorizationResponse = false
    /// RFC 8414 / RFC 7662 `introspection_endpoint`, for opaque bearer tokens.
    public var introspectionEndpoint: String? = nil

    /// The issuer a discovery URL promises: the URL without `/.well-known/openid-configuration` (OpenID Discovery 4).
    public static func expectedIssuer(forMetadataURL url: String) -> String {
        let suffix = "/.well-known/openid-configuration"
        return url.hasSuffix(suffix) ? String(url.dropLast(suffix.count)) : url
    }

    /// Parses and checks a discovery document: JSON object, required endpoints as http(s) URLs, and an
    /// `issuer` exactly equal to the one expected, or a message saying what is wrong.
    public static func parse(_ body: [UInt8], expectedIssuer: String) -> Result<ProviderMetadata, MetadataProblem> {
        guard let json = JSONText.parseObject(body) else { return .failure(.notJSON) }
        func url(_ key: String, required: Bool) -> Result<String?, MetadataProblem> {
            guard let value = json[key] else {
                return required ? .failure(.missing(key)) : .success(nil)
            }
            guard let s = value.stringValue, URLParts(s) != nil else { return .failure(.notHTTPURL(key)) }
            return .success(s)
        }
        guard let issuer = json["issuer"]?.stringValue else { return .failure(.missing("issuer")) }
        guard issuer == expectedIssuer else {
            return .failure(.wrongIssuer(found: issuer, expected: expectedIssuer))
        }
        do throws(MetadataProblem) {
            var m = ProviderMetadata(
                issuer: issuer,
                authorizationEndpoint: try url("authorization_endpoint", required: true).get()!,
                tokenEndpoint: try url("token_endpoint", required: true).get()!,
                userinfoEndpoint: try url("userinfo_endpoint", required: false).get(),
                jwksURI: try url("jwks_uri", required: true).get()!,
                endSessionEndpoint: try url("end_session_endpoint", required: false).get(),
                signingAlgorithms: json["id_token_signing_alg_values_supported"]?.arrayValue?.compactMap(\.stringValue) ?? ["RS256"],
                tokenEndpointAuthMethods: json["token_endpoint_auth_methods_supported"]?.arrayValue?.compactMap(\.stringValue) ?? ["client_secret_basic"]
            )
            if case .bool(true)? = json["authorization_response_iss_parameter_supported"] { m.sendsIssInAuthorizationResponse = true }
            m.introspectionEndpoint = try url("introspection_endpoint", required: false).get()
            return .success(m)
        } catch {
            return .failure(error)
        }
    }
}

/// Why a discovery document was refused (OpenID Connect Discovery 1.0, 4.3): tests match the case, the log gets
/// the description.
public enum MetadataProblem: Error, Sendable, Equatable, CustomStringConvertible {
    case notJSON
    /// A required member (`issuer`, an endpoint) is absent.
    case missing(String)
    case notHTTPURL(String)
    case wrongIssuer(found: String, expected: String)

    public var description: String {
        switch self {
        case .notJSON: "discovery document is not a JSON object"
        case .missing(let key): "discovery document has no \(key)"
        case .notHTTPURL(let key): "\(key) is not an http(s) URL"
        case .wrongIssuer(let found, let expected): "issuer \"\(found)\" is not the expected \"\(expected)\""
        }
    }
}
