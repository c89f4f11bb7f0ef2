internal import CFastCGI
import Foundation
import GatehouseCore
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// A pool of worker threads, each accepting FastCGI connections on one listening socket and answering
/// them with the core's `handle`. Stops on SIGTERM/SIGINT after finishing requests in flight.
public final class FastCGIServer: Sendable {
    public typealias Handler = @Sendable (Request) -> Response

    let listener: FastCGIListener
    let workers: Int
    let handler: Handler
    let logger: Logger
    private let state = StopFlag()

    public init(listener: FastCGIListener, workers: Int, logger: Logger, handler: @escaping Handler) {
        self.listener = listener
        self.workers = workers
        self.handler = handler
        self.logger = logger
    }

    /// libfcgi must be initialised after our signal dispositions are in place (it then leaves them alone).
    public static func prepareProcess() {
        signal(SIGPIPE, SIG_IGN)
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGINT)
        // Blocked in every thread (threads inherit the mask); a dedicated thread takes them with sigwait.
        pthread_sigmask(SIG_BLOCK, &set, nil)
        _ = FCGX_Init()
    }

    /// Serves until a stop is requested; returns after every worker has finished its request.
    public func run() {
        listener.setReadTimeout(seconds: 10)
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
        listener.shutdownListening()
    }

    private func waitForSignal() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGINT)
        var sig: Int32 = 0
        while sigwait(&set, &sig) != 0 {}
        logger.info("signal received, finishing requests in flight", metadata: ["signal": "\(sig)"])
        stop()
    }

    private func workerLoop(_ index: Int) {
        let connection = FastCGIConnection(listenFD: listener.fd)
        var failures = 0
        while true {
            let rc = connection.accept()
            if state.isSet { break }
            if rc < 0 {
                // EAGAIN is the listener's receive timeout waking an idle worker; anything else is a failed
                // accept or a broken connection, which libfcgi has already closed.
                if -rc != EAGAIN && -rc != EWOULDBLOCK {
                    failures += 1
                    if failures > 3 { usleep(useconds_t(min(failures, 100) * 1000)) }
                }
                continue
            }
            failures = 0
            let response = handler(connection.currentRequest())
            connection.write(response)
            connection.finish()
        }
        connection.finish()
    }
}

/// Set once, read by every worker. A lock-protected Bool (atomics would need another package).
final class StopFlag: @unchecked Sendable {
    // @unchecked: every access to `value` holds `lock`.
    private let lock = NSLock()
    private var value = false

    /// Sets the flag; true if this call was the one that set it.
    func set() -> Bool {
        lock.lock(); defer { lock.unlock() }
        if value { return false }
        value = true
        return true
    }

    var isSet: Bool {
        lock.lock(); defer { lock.unlock() }
        return value
    }
}
