/// The provider's HTTP, counted: each call by endpoint and outcome, with its latency. Wraps whatever
/// `OutboundHTTP` the executable (libcurl) or a test gives.
struct MeteredOutbound: OutboundHTTP {
    let http: any OutboundHTTP
    let metrics: GatehouseMetrics

    func send(_ request: OutboundRequest) throws(OutboundError) -> OutboundResponse {
        let started = ContinuousClock.now
        do {
            let response = try http.send(request)
            metrics.providerCall(request.endpoint, .init(status: response.status), nanoseconds: started.nanosecondsSince)
            return response
        } catch {
            metrics.providerCall(request.endpoint, error.isTimeout ? .timeout : .unreachable, nanoseconds: started.nanosecondsSince)
            throw error
        }
    }
}

extension ContinuousClock.Instant {
    /// Time from this instant to now, in nanoseconds (what swift-metrics' `Timer` records).
    var nanosecondsSince: Int64 {
        let d = duration(to: .now).components
        return d.seconds &* 1_000_000_000 &+ d.attoseconds / 1_000_000_000
    }
}
