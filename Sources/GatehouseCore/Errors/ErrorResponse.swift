/// The one place a `GatehouseError` becomes a response: a page with the status, a message for people, ways on,
/// and a correlation id that also appears in the log line; or, for API calls and machine endpoints, JSON with
/// the same status.
public enum ErrorResponse {
    static func title(of kind: GatehouseError.Kind) -> String {
        switch kind {
        case .unauthenticated: return "Sign-in required"
        case .forbidden: return "Access denied"
        case .badRequest: return "Sign-in could not be completed"
        case .notFound: return "Page not found"
        case .methodNotAllowed: return "Method not allowed"
        case .payloadTooLarge: return "Request too large"
        case .notImplemented: return "Not available here"
        case .providerUnavailable: return "The sign-in service is not answering"
        case .providerTimeout: return "The sign-in service took too long"
        case .busy: return "Too many sign-ins at once"
        case .tokenUnverifiable: return "The access token cannot be checked right now"
        case .internal: return "Something went wrong"
        }
    }

    /// The sign-in did not fail for anything the person did: the same again, a moment later, may work.
    static func isTemporary(_ kind: GatehouseError.Kind) -> Bool {
        kind == .busy || kind == .providerTimeout || kind == .providerUnavailable || kind == .tokenUnverifiable
    }

    static func message(of error: GatehouseError) -> String {
        error.kind == .internal ? "An unexpected error occurred." : error.publicMessage
    }

    static func headers(of error: GatehouseError) -> [Response.Header] {
        (error.kind == .busy || error.kind == .tokenUnverifiable ? [Response.Header("Retry-After", "2")] : [])
            + (error.kind == .methodNotAllowed ? [Response.Header("Allow", "POST")] : [])
            + error.cookies.map { Response.Header("Set-Cookie", $0.headerValue) }
    }

    static func page(for error: GatehouseError, correlationID: String, pages: HTMLPage,
                     buttons: [PageContent.Action] = [], links: [PageContent.Action] = []) -> Response {
        var paragraphs = [message(of: error)]
        if isTemporary(error.kind), !paragraphs[0].lowercased().contains("try again") {
            paragraphs.append("This is usually brief: wait a moment and try again.")
        }
        let content = PageContent(title: title(of: error.kind), status: error.status, paragraphs: paragraphs, buttons: buttons,
                                  links: links, footnote: "Reference: \(correlationID)")
        return pages.response(content, headers: headers(of: error))
    }

    /// For API calls and machine endpoints (back-channel logout): an OAuth-style JSON error with the status.
    public static func json(for error: GatehouseError, extraHeaders: [Response.Header] = []) -> Response {
        let code: String
        switch error.kind {
        case .unauthenticated: code = "unauthenticated"
        case .forbidden: code = "forbidden"
        case .notFound: code = "not_found"
        case .badRequest, .payloadTooLarge, .methodNotAllowed: code = "invalid_request"
        case .notImplemented: code = "unsupported"
        case .providerUnavailable, .providerTimeout, .busy, .tokenUnverifiable: code = "temporarily_unavailable"
        case .internal: code = "server_error"
        }
        let body: [String: JSONValue] = ["error": .string(code), "error_description": .string(message(of: error)),
                                         "status": .number(Double(error.status))]
        return .json(status: error.status, JSONText.encode(body), headers: headers(of: error) + extraHeaders)
    }
}
