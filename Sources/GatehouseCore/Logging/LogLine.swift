import Foundation
import Logging

/// Renders one log event as a line of text (plain `key=value` or one JSON object). Pure, so it is tested;
/// the executable's handler writes the line to stderr.
public enum LogLine {
    public static func render(format: LoggingConfig.Format, time: Date, level: Logger.Level, label: String,
                              message: String, metadata: Logger.Metadata) -> String {
        let stamp = time.formatted(.iso8601)
        switch format {
        case .plain:
            let fields = metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\(quoted("\($0.value)"))" }
            return ([stamp, level.rawValue, label + ":", message] + fields).joined(separator: " ")
        case .json:
            var object: [String: JSONValue] = ["time": .string(stamp), "level": .string(level.rawValue), "logger": .string(label), "message": .string(message)]
            for (k, v) in metadata { object[k] = .string("\(v)") }
            return String(decoding: JSONText.encode(object), as: UTF8.self)
        }
    }

    /// Values with spaces, quotes or control characters are quoted and escaped, so one event is one line.
    static func quoted(_ s: String) -> String {
        let needs = s.isEmpty || s.unicodeScalars.contains { $0.value <= 0x20 || $0 == "\"" || $0 == "=" || $0.value == 0x7F }
        guard needs else { return s }
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 || u.value == 0x7F { out += String(format: "\\x%02x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}

extension LoggingConfig.Level {
    public var swiftLogLevel: Logger.Level {
        switch self {
        case .trace: .trace
        case .debug: .debug
        case .info: .info
        case .notice: .notice
        case .warning: .warning
        case .error: .error
        case .critical: .critical
        }
    }
}
