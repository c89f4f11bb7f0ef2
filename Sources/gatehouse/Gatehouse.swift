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
        switch loaded() {
        case .success(let c): return c
        case .failure(.unreadable): throw ValidationError("cannot read \(config)")
        case .failure(.invalid(let error)):
            FileHandle.standardError.write(Data("\(config): \(error.description)\n".utf8))
            throw ExitCode(2)
        }
    }

    enum ReadError: Error { case unreadable, invalid(ConfigError) }

    /// Reads and validates the file, printing nothing: every problem kept with its key path (check-config).
    func loaded() -> Result<GatehouseConfig, ReadError> {
        guard let text = try? String(contentsOfFile: config, encoding: .utf8) else { return .failure(.unreadable) }
        return ConfigLoader.load(toml: text, environment: Self.environment).mapError { .invalid($0) }
    }

    /// The same reading, for a reload: the config, or every problem (one line each; never a secret).
    func read() -> (config: GatehouseConfig?, problems: [String]) {
        switch loaded() {
        case .success(let c): return (c, [])
        case .failure(.unreadable): return (nil, ["cannot read \(config)"])
        case .failure(.invalid(let error)): return (nil, error.problems.map(\.description))
        }
    }

    static var environment: ConfigEnvironment {
        ConfigEnvironment(variables: ProcessInfo.processInfo.environment, readFile: { try? String(contentsOfFile: $0, encoding: .utf8) })
    }
}

struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a config file and list every problem.",
        discussion: "Exits 0 when the file loads (warnings included), 2 when it has problems. Secrets are never printed."
    )

    @OptionGroup var options: ConfigOption

    @Flag(help: "Print the findings as one JSON object on stdout (ok, problems with key and message, warnings, and what the config says).")
    var json = false

    func run() throws {
        let report: ConfigReport
        switch options.loaded() {
        case .success(let config): report = ConfigReport(file: options.config, loaded: .success(config))
        case .failure(.invalid(let error)): report = ConfigReport(file: options.config, loaded: .failure(error))
        case .failure(.unreadable): report = ConfigReport(file: options.config, unreadable: "no such file, not readable, or not UTF-8")
        }
        if json {
            print(String(decoding: JSONText.encode(report.json), as: UTF8.self))
        } else {
            for line in report.lines { print(line) }
            if let problems = report.problemText { FileHandle.standardError.write(Data("\(problems)\n".utf8)) }
        }
        if !report.ok { throw ExitCode(2) }
    }
}

struct NewSecret: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "new-secret", abstract: "Print a new random cookie_secret (32 bytes, base64url).")

    func run() {
        print(Secrets.newCookieSecret())
    }
}
