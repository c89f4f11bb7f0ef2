/// What `gatehouse check-config` finds in a config file, worked out once and written two ways: as text for a
/// person (`lines`, `problemText`) and as JSON for automation (`json`). Never holds a secret's value.
public struct ConfigReport: Sendable {
    public let file: String
    /// Empty when the file loaded.
    public let problems: [ConfigProblem]
    /// What the shipped web-server configs would not route (`GatehouseConfig.routingWarnings`).
    public let warnings: [String]
    /// What the loaded config says, in order, as (name, value) pairs: nil when it did not load.
    let facts: [(name: String, value: JSONValue)]?
    /// The same facts as `check-config`'s text lines.
    let summaryLines: [String]

    public var ok: Bool { problems.isEmpty }

    public init(file: String, loaded: Result<GatehouseConfig, ConfigError>) {
        self.file = file
        switch loaded {
        case .failure(let error):
            problems = error.problems
            warnings = []
            facts = nil
            summaryLines = []
        case .success(let config):
            problems = []
            warnings = config.routingWarnings
            let providers = config.auth.providers.keys.sorted()
            let state = config.state
            facts = [
                ("listen", .string("\(config.server.listen)")),
                ("workers", .number(Double(config.server.workers))),
                ("prefix", .string(config.server.prefix)),
                ("cookie", .object(["name": .string(config.cookie.name), "secrets": .number(Double(config.auth.cookieSecrets.count))])),
                ("providers", .array(providers.map(JSONValue.string))),
                ("state", .object([
                    "backend": .string(state.backend.kind), "store": .string(state.summary),
                    "refresh_interval_seconds": .number(Double(state.refreshInterval.wholeSeconds)),
                    "refresh_grace_seconds": .number(Double(state.refreshGrace.wholeSeconds)),
                ])),
            ]
            summaryLines = [
                "  listen: \(config.server.listen), workers: \(config.server.workers), prefix: \(config.server.prefix)",
                "  cookie: \(config.cookie.name), \(config.auth.cookieSecrets.count) secret(s)",
                "  providers: \(providers.isEmpty ? "(none: auth check only)" : providers.joined(separator: ", "))",
                "  state: \(state.summary), refresh every \(state.refreshInterval.wholeSeconds) s, grace \(state.refreshGrace.wholeSeconds) s",
            ]
        }
    }

    /// A file that could not be read at all.
    public init(file: String, unreadable reason: String) {
        self.init(file: file, loaded: .failure(ConfigError(problems: [ConfigProblem("(file)", "cannot read \(file): \(reason)")])))
    }

    /// The text form's standard output: `FILE: OK`, the summary, the warnings (empty when there are problems).
    public var lines: [String] {
        guard ok else { return [] }
        return ["\(file): OK"] + summaryLines + warnings.map { "warning: \($0)" }
    }

    /// The text form's standard error: every problem, with its key path (empty when the file loaded).
    public var problemText: String? {
        ok ? nil : "\(file): \(ConfigError(problems: problems).description)"
    }

    /// The JSON form: `ok`, `problems` (`key`, `message`), `warnings`, and what the config says when it loaded.
    public var json: JSONValue {
        var out: [String: JSONValue] = [
            "file": .string(file),
            "ok": .bool(ok),
            "problems": .array(problems.map { .object(["key": .string($0.keyPath), "message": .string($0.message)]) }),
            "warnings": .array(warnings.map(JSONValue.string)),
        ]
        for fact in facts ?? [] { out[fact.name] = fact.value }
        return .object(out)
    }
}
