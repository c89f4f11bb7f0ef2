/// The one place a `GatehouseError` becomes a response: a small HTML page with the status, a message for
/// people, and a correlation id that also appears in the log line.
public enum ErrorResponse {
    public static func page(for error: GatehouseError, correlationID: String, links: [(label: String, href: String)] = []) -> Response {
        let title: String
        switch error.kind {
        case .unauthenticated: title = "Sign-in required"
        case .forbidden: title = "Access denied"
        case .badRequest: title = "Sign-in could not be completed"
        case .notFound: title = "Not found"
        case .methodNotAllowed: title = "Method not allowed"
        case .payloadTooLarge: title = "Request too large"
        case .notImplemented: title = "Not available here"
        case .providerUnavailable, .providerTimeout: title = "The sign-in service is not answering"
        case .busy: title = "Too many sign-ins at once"
        case .tokenUnverifiable: title = "The access token cannot be checked right now"
        case .internal: title = "Something went wrong"
        }
        let message = error.kind == .internal ? "An unexpected error occurred." : error.publicMessage
        let headers = (error.kind == .busy || error.kind == .tokenUnverifiable ? [Response.Header("Retry-After", "2")] : [])
            + error.cookies.map { Response.Header("Set-Cookie", $0.headerValue) }
        return .html(status: error.status, HTMLPage.render(title: title, paragraphs: [message], links: links, footnote: "Reference: \(correlationID)"),
                     headers: headers)
    }

    /// For machine endpoints (back-channel logout): an OAuth-style JSON error, same status map.
    public static func json(for error: GatehouseError) -> Response {
        let code: String
        switch error.kind {
        case .badRequest, .payloadTooLarge, .methodNotAllowed: code = "invalid_request"
        case .notImplemented: code = "unsupported"
        case .providerUnavailable, .providerTimeout, .busy, .tokenUnverifiable: code = "temporarily_unavailable"
        default: code = "server_error"
        }
        let message = error.kind == .internal ? "An unexpected error occurred." : error.publicMessage
        let body: [String: JSONValue] = ["error": .string(code), "error_description": .string(message)]
        return .json(status: error.status, JSONText.encode(body), headers: error.kind == .methodNotAllowed ? [Response.Header("Allow", "POST")] : [])
    }
}
