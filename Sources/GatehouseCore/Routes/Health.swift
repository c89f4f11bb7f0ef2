/// `<prefix>/health`, for load balancers and monitoring: 200 with JSON whenever this process answers at all, since
/// that is when it can serve checks (the check reads only the cookie and the in-memory mirror). The state store's
/// reachability, as the last sync saw it, is reported and never fails the answer: checks go on with the last
/// known revocations while it is down. No store address and no error detail here (the log has them): the route is
/// as public as the login pages.
struct Health: Sendable {
    let backend: StateConfig.Backend
    let lifecycle: SessionLifecycle?

    func handle(now: Int64) -> Response {
        var store: [String: JSONValue] = ["backend": .string(backend.kind)]
        if let lifecycle {
            let seen = lifecycle.health.snapshot
            store["reachable"] = .bool(seen.reachable)
            store["last_sync"] = seen.lastSync.map { .number(Double($0)) } ?? .null
            store["seconds_since_sync"] = seen.lastSync.map { .number(Double(max(0, now - $0))) } ?? .null
        }
        return .json(JSONText.encode(["status": JSONValue.string("ok"), "state_store": .object(store)]))
    }
}
