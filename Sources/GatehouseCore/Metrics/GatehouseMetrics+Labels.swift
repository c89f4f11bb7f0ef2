/// How the core's own results become metric labels: each mapping in one place.
extension AccessDecision {
    var metricOutcome: GatehouseMetrics.CheckOutcome {
        switch self {
        case .allow: return .allow
        case .signInRequired, .tokenRefused: return .unauthenticated
        case .denied, .missingScope: return .forbidden
        }
    }
}

extension Refresher.Outcome {
    var metricLabel: String {
        switch self {
        case .refreshed: return "refreshed"
        case .alreadyFresh: return "already_fresh"
        case .lockedElsewhere: return "locked_elsewhere"
        case .ended: return "ended"
        case .failed: return "failed"
        }
    }
}

extension StateEntry.Kind {
    /// The revocation kinds, as `gatehouse_revocations_total{kind=...}`; nil for entries that revoke nothing.
    var revocationLabel: String? {
        switch self {
        case .revokedSession: return "session"
        case .revokedSubject: return "subject"
        case .revokedProviderSession: return "provider_session"
        case .revokedEmail: return "email"
        default: return nil
        }
    }
}
