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
        case .payloadTooLarge: title = "Request too large"
        case .providerUnavailable, .providerTimeout: title = "The sign-in service is not answering"
        case .busy: title = "Too many sign-ins at once"
        case .internal: title = "Something went wrong"
        }
        let message = error.kind == .internal ? "An unexpected error occurred." : error.publicMessage
        let headers = (error.kind == .busy ? [Response.Header("Retry-After", "2")] : [])
            + error.cookies.map { Response.Header("Set-Cookie", $0.headerValue) }
        return .html(status: error.status, HTMLPage.render(title: title, paragraphs: [message], links: links, footnote: "Reference: \(correlationID)"),
                     headers: headers)
    }
}
