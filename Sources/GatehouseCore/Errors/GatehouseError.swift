/// Every failure a route can end in, with its HTTP meaning. The mapping to a status and page lives in
/// `ErrorResponse` and nowhere else. `detail` goes to the log only; `publicMessage` is what a person sees.
public struct GatehouseError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// No valid session: 401.
        case unauthenticated
        /// Logged in but not allowed: 403.
        case forbidden
        /// A broken or forged callback, state or parameter: 400.
        case badRequest
        /// Unknown route: 404.
        case notFound
        /// A route that takes only POST asked with another method: 405.
        case methodNotAllowed
        /// A body larger than the route takes: 413.
        case payloadTooLarge
        /// Configured off (back-channel logout with `state = "none"`): 501.
        case notImplemented
        /// The provider or its keys could not be reached or answered nonsense: 502.
        case providerUnavailable
        /// The provider did not answer in time: 504.
        case providerTimeout
        /// Too many requests already waiting on the provider: 503, try again shortly.
        case busy
        /// A bearer token that cannot be checked now (its provider's keys or introspection unreachable): 503,
        /// never 200.
        case tokenUnverifiable
        /// Anything else: 500, with a generic page.
        case `internal`
    }

    public let kind: Kind
    public let publicMessage: String
    /// For the log. Must never hold a cookie, code, token or secret.
    public let detail: String
    /// Cookies the error page still sets or deletes (a failed callback deletes the pending login it used up).
    public private(set) var cookies: [SetCookie] = []
    /// The page the visitor first asked for, when the failure knows it (a login start or callback): the page's
    /// "Sign in again" returns there.
    public private(set) var returnTo: String?

    public init(_ kind: Kind, _ publicMessage: String, detail: String = "") {
        self.kind = kind
        self.publicMessage = publicMessage
        self.detail = detail
    }

    /// The same failure, its page also setting `cookies`.
    public func setting(_ cookies: [SetCookie]) -> GatehouseError {
        var copy = self
        copy.cookies += cookies
        return copy
    }

    /// The same failure, its "Sign in again" returning to `returnTo` (a validated return URL).
    public func returning(to returnTo: String) -> GatehouseError {
        var copy = self
        copy.returnTo = returnTo
        return copy
    }

    public var description: String { detail.isEmpty ? publicMessage : "\(publicMessage) (\(detail))" }

    public var status: Int { kind.status }

    /// A request to the provider that failed: 504 when it timed out, 502 otherwise.
    public static func provider(_ failure: OutboundError, _ publicMessage: String, detail: String) -> GatehouseError {
        GatehouseError(failure.isTimeout ? .providerTimeout : .providerUnavailable, publicMessage, detail: "\(detail): \(failure.description)")
    }
}

extension GatehouseError.Kind {
    /// The HTTP status of each kind: the only place in Gatehouse where a status is chosen for a failure or a
    /// refusal (the check's answers use `.unauthenticated` and `.forbidden` too).
    public var status: Int {
        switch self {
        case .unauthenticated: return 401
        case .forbidden: return 403
        case .badRequest: return 400
        case .notFound: return 404
        case .methodNotAllowed: return 405
        case .payloadTooLarge: return 413
        case .notImplemented: return 501
        case .providerUnavailable: return 502
        case .providerTimeout: return 504
        case .busy: return 503
        case .tokenUnverifiable: return 503
        case .internal: return 500
        }
    }
}

extension GatehouseError.Kind {
    /// The kind as a metrics label (`gatehouse_logins_total{outcome=...}`), next to its status.
    public var metricLabel: String {
        switch self {
        case .unauthenticated: return "unauthenticated"
        case .forbidden: return "forbidden"
        case .badRequest: return "bad_request"
        case .notFound: return "not_found"
        case .methodNotAllowed: return "method_not_allowed"
        case .payloadTooLarge: return "payload_too_large"
        case .notImplemented: return "not_implemented"
        case .providerUnavailable: return "provider_unavailable"
        case .providerTimeout: return "provider_timeout"
        case .busy: return "busy"
        case .tokenUnverifiable: return "token_unverifiable"
        case .internal: return "internal"
        }
    }
}
