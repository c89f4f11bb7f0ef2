extension StateConfig.Backend {
    /// The backend's kind without its address (`none`, `sqlite`, `redis`): what `<prefix>/health` may show anyone.
    public var kind: String {
        switch self {
        case .none: return "none"
        case .sqlite: return "sqlite"
        case .redis: return "redis"
        }
    }
}

extension StateConfig {
    /// The store as `check-config` names it for its operator: the address, never the password.
    public var summary: String {
        switch backend {
        case .none: return "none (stateless: no refresh, no revocation)"
        case .sqlite(let path): return "sqlite:\(path)"
        case .redis(let host, let port, let db): return "redis://\(host):\(port)/\(db)" + (password == nil ? "" : " (with password)")
        }
    }
}
