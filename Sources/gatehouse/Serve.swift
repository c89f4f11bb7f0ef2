import ArgumentParser
import Foundation
import GatehouseCore
import GatehouseFastCGI
import Logging

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the FastCGI server.")

    @OptionGroup var options: ConfigOption

    @Option(help: "Override [gatehouse] listen (unix:/path, tcp:HOST:PORT, fd:N, systemd).")
    var listen: String?

    @Option(help: "Override [gatehouse] workers.")
    var workers: Int?

    @Flag(help: "Count nothing: no Prometheus registry, and <prefix>/metrics answers 404.")
    var noMetrics = false

    func validate() throws {
        if let listen, ListenAddress(parsing: listen) == nil { throw ValidationError("--listen: use unix:/path, tcp:HOST:PORT, fd:N or systemd") }
        let range = ServerConfig.workerRange
        if let workers, !range.contains(workers) { throw ValidationError("--workers must be between \(range.lowerBound) and \(range.upperBound)") }
    }

    func run() throws {
        var config = try options.load()
        if let listen, let address = ListenAddress(parsing: listen) { config.server.listen = address }
        if let workers { config.server.workers = workers }

        let format = config.logging.format
        let level = config.logging.level.swiftLogLevel
        LoggingSystem.bootstrap { StderrLogHandler(label: $0, format: format, logLevel: level) }
        let logger = Logger(label: "gatehouse")

        guard FastCGIServer.prepareProcess() else {
            logger.critical("libfcgi did not initialise (FCGX_Init failed)")
            throw ExitCode(1)
        }
        let store: (any StateStore)?
        do { store = try StateStores.open(config.state) } catch {
            logger.critical("the state store cannot be opened: \(error.description) ([gatehouse] state; \"none\" runs without one)")
            throw ExitCode(1)
        }
        let metrics = Wiring.Metrics(enabled: !noMetrics)
        let app = try Wiring.makeApp(config: config, logger: logger, store: store, metrics: metrics)
        // No check before the mirror holds the store's revocations (rule R3 of SessionProtocol.pml: a restarted
        // instance with an empty mirror would let signed-out cookies in).
        if let lifecycle = app.lifecycle {
            do { try lifecycle.sync(now: Int64(Date().timeIntervalSince1970), full: true) } catch {
                logger.critical("the state store cannot be read: \(error.description) ([gatehouse] state; \"none\" runs without one)")
                throw ExitCode(1)
            }
        }
        let listener: FastCGIListener
        do {
            listener = try FastCGIListener.open(config.server.listen, socketMode: config.server.socketMode,
                                                environment: ProcessInfo.processInfo.environment)
        } catch {
            logger.critical("\(error.description)")
            throw ExitCode(1)
        }
        let current = CurrentCore(app)
        let reloader = Reloader(options: options, listen: listen.flatMap(ListenAddress.init(parsing:)), workers: workers, running: config,
                                store: store, metrics: metrics, current: current, logger: logger)
        let server = FastCGIServer(listener: listener, workers: config.server.workers,
                                    readTimeout: config.server.readTimeout, logger: logger,
                                    onReload: { reloader.reload() }) { current.app }
        logger.info("listening", metadata: [
            "listen": "\(config.server.listen)", "workers": "\(config.server.workers)",
            "providers": "\(config.auth.providers.keys.sorted().joined(separator: ","))", "version": "\(GatehouseCommand.version)",
        ])
        for warning in config.routingWarnings { logger.warning("\(warning)") }
        if let store { logger.info("state store", metadata: ["store": .string(store.description)]) }
        StateThreads.start({ current.app }, logger: logger)
        server.run()
        if let lifecycle = current.app.lifecycle, !lifecycle.flushUnsaved(now: Int64(Date().timeIntervalSince1970)) {
            logger.error("stopping with refresh results the state store could not take; their sessions may need a new sign-in")
        }
    }
}
