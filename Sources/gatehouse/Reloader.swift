import Foundation
import GatehouseCore
import Logging

/// What SIGHUP (`systemctl reload gatehouse`) does: re-read the config file and, if it loads, build a new core
/// from it and put it in `CurrentCore`, for new requests; requests in flight finish on the old one. A config that
/// does not load (or a state store mirror that cannot be filled) changes nothing: every problem is logged and the
/// running config stays.
///
/// Re-read: everything in the file but what the running process cannot change without a restart, which keeps its
/// running value with a warning: `listen` and `socket_mode` (the listening socket), `workers` and `read_timeout`
/// (the worker pool), `log_level` and `log_format` (the log handler), and the state store (`state`, its password).
struct Reloader: Sendable {
    let options: ConfigOption
    /// Command-line overrides, applied to every config read (as at start).
    let listen: ListenAddress?
    let workers: Int?
    let running: GatehouseConfig
    let store: (any StateStore)?
    let metrics: Wiring.Metrics
    let current: CurrentCore
    let logger: Logger

    /// Runs on the server's signal thread while the workers go on serving.
    func reload() {
        logger.info("reloading the configuration", metadata: ["config": .string(options.config)])
        let read = options.read()
        guard var config = read.config else {
            for problem in read.problems { logger.error("reload refused, the running configuration stays: \(problem)", metadata: ["config": .string(options.config)]) }
            metrics.core.reload("refused")
            return
        }
        if let listen { config.server.listen = listen }
        if let workers { config.server.workers = workers }
        for kept in keepRestartOnly(&config) {
            logger.warning("\(kept) changed in the file: it takes effect at the next restart; the running value stays")
        }
        let old = current.app
        let new: Gatehouse
        do { new = try Wiring.makeApp(config: config, logger: logger, store: store, metrics: metrics, succeeding: old) } catch {
            logger.error("reload refused, the running configuration stays: \(error)")
            metrics.core.reload("refused")
            return
        }
        // The new core's mirror of the store must hold every revocation before it answers a check (rule R3 of
        // SessionProtocol.pml), as at start.
        if let lifecycle = new.lifecycle {
            do { try lifecycle.sync(now: Int64(Date().timeIntervalSince1970), full: true) } catch {
                logger.error("reload refused, the running configuration stays: the state store cannot be read: \(error.description)")
                metrics.core.reload("refused")
                return
            }
        }
        current.replace(with: new)
        metrics.core.reload("applied")
        for warning in config.routingWarnings { logger.warning("\(warning)") }
        logger.notice("configuration reloaded", metadata: [
            "providers": "\(config.auth.providers.keys.sorted().joined(separator: ","))",
            "cookie_secrets": "\(config.auth.cookieSecrets.count)",
        ])
    }

    /// Puts back the running values of what only a restart changes; names each one that differed.
    func keepRestartOnly(_ config: inout GatehouseConfig) -> [String] {
        var kept: [String] = []
        func keep<T: Equatable>(_ name: String, _ path: WritableKeyPath<GatehouseConfig, T>) {
            if config[keyPath: path] != running[keyPath: path] { kept.append(name) }
            config[keyPath: path] = running[keyPath: path]
        }
        keep("listen", \.server.listen)
        keep("socket_mode", \.server.socketMode)
        keep("workers", \.server.workers)
        keep("read_timeout", \.server.readTimeout)
        keep("log_level", \.logging.level)
        keep("log_format", \.logging.format)
        keep("state", \.state.backend)
        keep("state_password", \.state.password)
        return kept
    }
}
