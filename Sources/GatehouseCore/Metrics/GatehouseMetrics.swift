import CoreMetrics
import Synchronization

/// Everything Gatehouse counts, through swift-metrics' API (the executable plugs in the Prometheus backend; tests
/// and a core without one get swift-metrics' no-op handlers). Built once per process and handed to every core a
/// reload builds, so the series carry on across reloads.
///
/// The check's own series are made here, once, for every role × outcome: a check only indexes an array and
/// bumps a handler (an atomic add for a counter, a short lock for the histogram), never builds a label or
/// looks one up. Series whose labels come from the config (logins per provider) are made on first use and
/// kept; their paths are not the check.
public final class GatehouseMetrics: Sendable {
    /// A check's answer: 200, 401, 403, or a failure (a location's misconfigured rules: 500).
    public enum CheckOutcome: Int, Sendable, CaseIterable {
        case allow, unauthenticated, forbidden, error
        var label: String {
            switch self {
            case .allow: return "allow"
            case .unauthenticated: return "unauthenticated"
            case .forbidden: return "forbidden"
            case .error: return "error"
            }
        }
    }

    /// A provider call's result: an HTTP answer by class, or none.
    public enum CallOutcome: String, Sendable, CaseIterable {
        case success = "2xx", clientError = "4xx", serverError = "5xx", otherStatus = "other", timeout, unreachable

        init(status: Int) {
            switch status {
            case 200..<300: self = .success
            case 400..<500: self = .clientError
            case 500..<600: self = .serverError
            default: self = .otherStatus
            }
        }
    }

    /// Metric names, for the docs and the backend's bucket choices.
    public enum Name {
        public static let checks = "gatehouse_checks_total"
        public static let checkDuration = "gatehouse_check_duration_seconds"
        public static let logins = "gatehouse_logins_total"
        public static let providerCalls = "gatehouse_provider_calls_total"
        public static let providerCallDuration = "gatehouse_provider_call_duration_seconds"
        public static let jwksRefetches = "gatehouse_jwks_refetches_total"
        public static let providerSlotsBusy = "gatehouse_provider_slots_busy"
        public static let providerSlotsLimit = "gatehouse_provider_slots_limit"
        public static let providerBudgetRejections = "gatehouse_provider_budget_rejections_total"
        public static let revocations = "gatehouse_revocations_total"
        public static let refreshes = "gatehouse_refreshes_total"
        public static let reloads = "gatehouse_config_reloads_total"
    }

    /// `CheckOutcome.allCases.count`, which would build an array on every call.
    static let outcomeCount = 4
    let factory: any MetricsFactory
    /// `[role.rawIndex * outcomes + outcome.rawValue]`.
    private let checks: [CoreMetrics.Counter]
    /// One per role.
    private let checkDurations: [CoreMetrics.Timer]
    private let calls: [OutboundRequest.Endpoint: [CallOutcome: CoreMetrics.Counter]]
    private let callDurations: [OutboundRequest.Endpoint: CoreMetrics.Timer]
    let slotsBusy: Meter
    let slotsLimit: Meter
    let budgetRejections: CoreMetrics.Counter
    private let made = Mutex<[String: CoreMetrics.Counter]>([:])

    public init(factory: any MetricsFactory = NOOPMetricsHandler.instance) {
        self.factory = factory
        checks = FastCGIRole.metricOrder.flatMap { role in
            CheckOutcome.allCases.map { CoreMetrics.Counter(label: Name.checks, dimensions: [("role", role.metricLabel), ("outcome", $0.label)], factory: factory) }
        }
        checkDurations = FastCGIRole.metricOrder.map { CoreMetrics.Timer(label: Name.checkDuration, dimensions: [("role", $0.metricLabel)], factory: factory) }
        var calls: [OutboundRequest.Endpoint: [CallOutcome: CoreMetrics.Counter]] = [:]
        var durations: [OutboundRequest.Endpoint: CoreMetrics.Timer] = [:]
        for endpoint in OutboundRequest.Endpoint.allCases {
            for outcome in CallOutcome.allCases {
                calls[endpoint, default: [:]][outcome] = CoreMetrics.Counter(
                    label: Name.providerCalls, dimensions: [("endpoint", endpoint.rawValue), ("outcome", outcome.rawValue)], factory: factory)
            }
            durations[endpoint] = CoreMetrics.Timer(label: Name.providerCallDuration, dimensions: [("endpoint", endpoint.rawValue)], factory: factory)
        }
        self.calls = calls
        callDurations = durations
        slotsBusy = Meter(label: Name.providerSlotsBusy, factory: factory)
        slotsLimit = Meter(label: Name.providerSlotsLimit, factory: factory)
        budgetRejections = CoreMetrics.Counter(label: Name.providerBudgetRejections, factory: factory)
    }

    // MARK: the check (no allocation, no lookup)

    @inline(__always)
    func check(_ role: FastCGIRole, _ outcome: CheckOutcome, nanoseconds: Int64) {
        checks[role.metricIndex * Self.outcomeCount + outcome.rawValue].increment()
        checkDurations[role.metricIndex].recordNanoseconds(nanoseconds)
    }

    // MARK: everything else

    func providerCall(_ endpoint: OutboundRequest.Endpoint, _ outcome: CallOutcome, nanoseconds: Int64) {
        calls[endpoint]?[outcome]?.increment()
        callDurations[endpoint]?.recordNanoseconds(nanoseconds)
    }

    /// A finished login: `success`, or the failure's kind (`bad_request`, `provider_unavailable`, ...).
    func login(provider: String, outcome: String) {
        counter(Name.logins, [("provider", provider), ("outcome", outcome)]).increment()
    }

    /// `outcome`: `fetched` (an unknown `kid` made the key set be fetched again) or `rate_limited`.
    func jwksRefetch(provider: String, outcome: String) {
        counter(Name.jwksRefetches, [("provider", provider), ("outcome", outcome)]).increment()
    }

    /// `kind`: `session`, `subject`, `provider_session`, `email`.
    func revocation(_ kind: String) {
        counter(Name.revocations, [("kind", kind)]).increment()
    }

    func refresh(_ outcome: String) {
        counter(Name.refreshes, [("outcome", outcome)]).increment()
    }

    /// A `SIGHUP`: `applied`, or `refused` (the new config did not load; the old one keeps running).
    public func reload(_ outcome: String) {
        counter(Name.reloads, [("outcome", outcome)]).increment()
    }

    private func counter(_ name: String, _ dimensions: [(String, String)]) -> CoreMetrics.Counter {
        let key = name + dimensions.map { "\u{0}\($0.0)=\($0.1)" }.joined()
        return made.withLock { all in
            if let c = all[key] { return c }
            let c = CoreMetrics.Counter(label: name, dimensions: dimensions, factory: factory)
            all[key] = c
            return c
        }
    }
}

extension FastCGIRole {
    static let metricOrder: [FastCGIRole] = [.responder, .authorizer]
    var metricIndex: Int { self == .responder ? 0 : 1 }
    var metricLabel: String { self == .responder ? "responder" : "authorizer" }
}
