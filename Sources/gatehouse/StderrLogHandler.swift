import Foundation
import GatehouseCore
import Logging

/// swift-log handler writing one `LogLine` per event to stderr.
struct StderrLogHandler: LogHandler {
    let label: String
    let format: LoggingConfig.Format
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let line = LogLine.render(format: format, time: Date(), level: event.level, label: label,
                                  message: "\(event.message)", metadata: merged) + "\n"
        FileHandle.standardError.write(Data(line.utf8))
    }
}
