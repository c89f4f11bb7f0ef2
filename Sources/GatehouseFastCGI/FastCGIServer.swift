internal import CFastCGI
import Foundation
import GatehouseCore
import Logging
#if canImport(Glibc)
import Glibc
import Synchronization
#endif

/// A pool of worker threads, each accepting FastCGI connections on one listening socket and answering
/// them with the core's `handle`. Stops on SIGTERM/SIGINT after finishing requests in flight; on SIGHUP calls
/// `onReload` (on the signal thread, while the workers go on serving) and keeps running.
public final class FastCGIServer: Sendable {
    /// The application for a request that starts now (the current core: a reload may replace it).
    public typealias Application = @Sendable () -> any FastCGIApplication
    /// What a SIGHUP does (re-read the config); nil: it is logged and ignored.
    public typealias Reload = @Sendable () -> Void

    let listener: FastCGIListener
    let workers: Int
    let readTimeout: Duration
    let application: Application
    let logger: Logger
    let onReload: Reload?
    private let state = StopFlag()
    /// A pipe whose read end wakes every worker's poll() when written: the stop signal for the pool.
    private let wake: (read: Int32, write: Int32)

    public init(listener: FastCGIListener, workers: Int, readTimeout: Duration, logger: Logger, onReload: Reload? = nil,
                application: @escaping Application) {
        self.listener = listener
        self.onReload = onReload
        self.readTimeout = readTimeout
        self.workers = workers
        self.application = application
        self.logger = logger
        var fds: [Int32] = [-1, -1]
        // Without a wake pipe the pool could not be stopped; nothing sensible can run without one.
        precondition(pipe(&fds) == 0, "pipe failed: \(errnoText())")
        wake = (fds[0], fds[1])
    }

    /// libfcgi must be initialised after our signal dispositions are in place (it then leaves them alone).
    /// False when libfcgi could not initialise (`FCGX_Init` failed): nothing can be served then.
    public static func prepareProcess() -> Bool {
        signal(SIGPIPE, SIG_IGN)
        var set = handledSignals
        // Blocked in every thread (threads inherit the mask); a dedicated thread takes them with sigwait.
        pthread_sigmask(SIG_BLOCK, &set, nil)
        return FCGX_Init() == 0
    }

    /// SIGTERM and SIGINT stop, SIGHUP reloads: taken by the signal thread only.
    static var handledSignals: sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGHUP)
        return set
    }

    /// Serves until a stop is requested; returns after every worker has finished its request.
    public func run() {
        guard listener.makeNonBlocking() else {
            logger.critical("cannot make the listening socket non-blocking", metadata: ["error": "\(errnoText())"])
            return
        }
        let group = DispatchGroup()
        for index in 0..<workers {
            group.enter()
            let thread = Thread { [self] in
                self.workerLoop(index)
                group.leave()
            }
            thread.name = "gatehouse-worker-\(index)"
            thread.start()
        }
        let signals = Thread { [self] in self.waitForSignal() }
        signals.name = "gatehouse-signals"
        signals.start()
        group.wait()
        listener.removeSocketFile()
        logger.info("stopped", metadata: ["listen_fd": "\(listener.fd)"])
    }

    /// Stop accepting; requests in flight complete.
    public func stop() {
        guard state.set() else { return }
        var byte: UInt8 = 1
        _ = Glibc.write(wake.write, &byte, 1)
    }

    private func waitForSignal() {
        var set = Self.handledSignals
        var sig: Int32 = 0
        while true {
            guard sigwait(&set, &sig) == 0 else { continue }
            if sig == SIGHUP {
                guard let onReload else {
                    logger.warning("SIGHUP ignored: this server has no reload")
                    continue
                }
                onReload()
                continue
            }
            logger.info("signal received, finishing requests in flight", metadata: ["signal": "\(sig)"])
            stop()
            return
        }
    }

    private func workerLoop(_ index: Int) {
        let connection = FastCGIConnection()
        while !state.isSet {
            if !connection.hasOpenConnection {
                guard let fd = listener.acceptConnection(wakeFD: wake.read, timeout: readTimeout) else { continue }
                connection.adopt(fd)
                logger.trace("connection accepted", metadata: ["worker": "\(index)"])
            }
            // Negative: bad records or a silent peer; libfcgi has closed that connection, the worker goes on.
            guard connection.readRequest() >= 0 else { continue }
            var request = connection.currentRequest()
            let app = application()
            let limit = app.bodyLimit(for: request)
            if limit > 0 {
                guard connection.readBody(into: &request, limit: limit) else {
                    logger.debug("the request body did not arrive: stdin broke or timed out", metadata: ["path": "\(request.scriptPath)"])
                    connection.finish()
                    continue
                }
                logger.debug("request body read", metadata: [
                    "path": "\(request.scriptPath)", "bytes": "\(request.body.count)", "too_large": "\(request.bodyTooLarge)",
                ])
            }
            // A request that was already arriving when the stop came is still answered.
            let response = app.handle(request)
            if !connection.write(response) {
                logger.debug("the web server closed the connection before the answer was written", metadata: ["status": "\(response.status)"])
            }
            connection.finish()
        }
    }
}

/// Set once, read by every worker.
final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)

    /// Sets the flag; true if this call was the one that set it.
    func set() -> Bool {
        value.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
    }

    var isSet: Bool { value.load(ordering: .acquiring) }
}
