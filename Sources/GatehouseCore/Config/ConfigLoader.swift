import TOMLKit

/// Where secrets named in `[gatehouse.secret_files]` and `[gatehouse.secret_env]` come from.
/// Passed in, so that loading stays a pure function of its inputs.
public struct ConfigEnvironment: Sendable {
    public var variables: [String: String]
    public var readFile: @Sendable (String) -> String?

    public init(variables: [String: String] = [:], readFile: @escaping @Sendable (String) -> String? = { _ in nil }) {
        self.variables = variables
        self.readFile = readFile
    }
}

/// Reads a Streamlit `secrets.toml` (its `[auth]` table unchanged) plus Gatehouse's `[gatehouse]` table.
/// Pure: text and environment in, config or every problem out.
public enum ConfigLoader {
    public static func load(toml text: String, environment: ConfigEnvironment = ConfigEnvironment()) -> Result<GatehouseConfig, ConfigError> {
        if let (line, column, reason) = TOMLHeaderGuard.firstUnsafeHeader(text) {
            return .failure(ConfigError(problems: [ConfigProblem("(file)", "not valid TOML, line \(line) column \(column): \(reason)")]))
        }
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            return .failure(ConfigError(problems: [ConfigProblem("(file)", "not valid TOML, line \(error.source.begin.line) column \(error.source.begin.column): \(error.description)")]))
        } catch {
            return .failure(ConfigError(problems: [ConfigProblem("(file)", "not valid TOML")]))
        }
        var reader = ConfigReader(environment: environment)
        let config = reader.read(root: root)
        if let config, reader.problems.isEmpty { return .success(config) }
        return .failure(ConfigError(problems: reader.problems))
    }
}

