/// `<prefix>/metrics`: the metrics in the backend's text format, for a scraper. Who may reach it is the web
/// server's choice (the shipped configs: this machine only); nothing here is a secret, but the counts tell
/// how busy the site is.
struct MetricsRoute: Sendable {
    let exposition: (any MetricsExposition)?

    func handle() throws(GatehouseError) -> Response {
        guard let exposition else { throw GatehouseError(.notFound, "There is no page here.", detail: "no metrics backend") }
        return Response(status: 200, headers: [Response.Header("Content-Type", exposition.contentType), .noStore], body: exposition.render())
    }
}
