import ArgumentParser
import Foundation
import GatehouseCore

@main
struct GatehouseCommand: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "gatehouse",
        abstract: "OpenID Connect login for any website behind nginx or Apache, as a FastCGI program.",
        version: version,
        subcommands: [Serve.self, CheckConfig.self, NewSecret.self, SessionCommand.self],
        defaultSubcommand: nil
    )
}

/// `--config FILE`, shared by the commands that read one.
struct ConfigOption: ParsableArguments {
    @Option(name: .shortAndLong, help: "The TOML file: a Streamlit secrets.toml with [auth], plus an optional [gatehouse] table.")
    var config: String

    /// Reads and validates the file; every problem is printed, secrets never are.
    func load() throws -> GatehouseConfig {
        guard let text = try? String(contentsOfFile: config, encoding: .utf8) else {
            throw ValidationError("cannot read \(config)")
        }
        switch ConfigLoader.load(toml: text, environment: Self.environment) {
        case .success(let c): return c
        case .failure(let error):
            FileHandle.standardError.write(Data("\(config): \(error.description)\n".utf8))
            throw ExitCode(2)
        }
    }

    /// The same reading, for a reload: the config, or every problem (one line each; never a secret).
    func read() -> (config: GatehouseConfig?, problems: [String]) {
        guard let text = try? String(contentsOfFile: config, encoding: .utf8) else { return (nil, ["cannot read \(config)"]) }
        switch ConfigLoader.load(toml: text, environment: Self.environment) {
        case .success(let c): return (c, [])
        case .failure(let error): return (nil, error.problems.map(\.description))
        }
    }

    static var environment: ConfigEnvironment {
        ConfigEnvironment(variables: ProcessInfo.processInfo.environment, readFile: { try? String(contentsOfFile: $0, encoding: .utf8) })
    }
}

struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check-config", abstract: "Validate a config file and list every problem.")

    @OptionGroup var options: ConfigOption

    func run() throws {
        let config = try options.load()
        let providers = config.auth.providers.keys.sorted()
        print("\(options.config): OK")
        print("  listen: \(config.server.listen), workers: \(config.server.workers), prefix: \(config.server.prefix)")
        print("  cookie: \(config.cookie.name), \(config.auth.cookieSecrets.count) secret(s)")
        print("  providers: \(providers.isEmpty ? "(none: auth check only)" : providers.joined(separator: ", "))")
        let state: String
        switch config.state.backend {
        case .none: state = "none (stateless: no refresh, no revocation)"
        case .sqlite(let path): state = "sqlite:\(path)"
        case .redis(let host, let port, let db): state = "redis://\(host):\(port)/\(db)" + (config.state.password == nil ? "" : " (with password)")
        }
        print("  state: \(state), refresh every \(config.state.refreshInterval.wholeSeconds) s, grace \(config.state.refreshGrace.wholeSeconds) s")
        for warning in config.routingWarnings { print("warning: \(warning)") }
    }
}

struct NewSecret: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "new-secret", abstract: "Print a new random cookie_secret (32 bytes, base64url).")

    func run() {
        print(Secrets.newCookieSecret())
    }
}
