/// What `<prefix>/metrics` serves: the metrics backend's text, rendered by the executable's backend
/// (Prometheus's text format there). Nil in `GatehouseEnvironment`: the route is 404.
public protocol MetricsExposition: Sendable {
    /// The `Content-Type` of `render()`.
    var contentType: String { get }
    func render() -> [UInt8]
}
