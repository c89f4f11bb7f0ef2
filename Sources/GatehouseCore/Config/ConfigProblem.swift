/// One thing wrong in a config file: where, and what to do. Never holds a secret's value.
public struct ConfigProblem: Sendable, Equatable, CustomStringConvertible {
    /// Dotted key path, e.g. `auth.google.client_id` or `gatehouse.workers`.
    public let keyPath: String
    public let message: String

    public init(_ keyPath: String, _ message: String) {
        self.keyPath = keyPath
        self.message = message
    }

    public var description: String { "\(keyPath): \(message)" }
}

/// Every problem found while loading, reported together.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public let problems: [ConfigProblem]

    public var description: String {
        (["configuration has \(problems.count) problem\(problems.count == 1 ? "" : "s"):"]
            + problems.map { "  - \($0)" }).joined(separator: "\n")
    }
}
