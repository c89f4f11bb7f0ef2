import Foundation
import GatehouseCore
import GatehouseStateRedis
import Glibc

/// A redis-server of its own on 127.0.0.1 for one test: started on a free port (or a given one, to restart it
/// where it was), ready once it logs that it accepts connections, killed in deinit. A missing redis-server is a
/// thrown error, so the tests fail rather than skip.
final class RedisServer {
    let port: Int
    let password: String?
    private var process: Process?

    init(password: String? = nil) throws {
        self.password = password
        var lastError: Error = ServerError.notStarted("no attempt")
        // A port found free can be taken by another test before redis binds it: then try another.
        for _ in 0..<5 {
            let candidate = try Self.freePort()
            do {
                process = try Self.launch(port: candidate, password: password)
                port = candidate
                return
            } catch {
                lastError = error
            }
        }
        throw lastError
    }

    deinit { stop() }

    /// A store on this server, with the server's password.
    func store(database: Int = 0) throws(StateStoreError) -> RedisStateStore {
        try store(database: database, password: password)
    }

    func store(database: Int = 0, password: String?) throws(StateStoreError) -> RedisStateStore {
        try RedisStateStore(host: "127.0.0.1", port: port, database: database, password: password)
    }

    /// Ends the server: SIGKILL, as a crash (no goodbye to clients), or SIGTERM.
    func stop(crash: Bool = true) {
        guard let process, process.isRunning else { return }
        if crash { kill(process.processIdentifier, SIGKILL) } else { process.terminate() }
        process.waitUntilExit()
        self.process = nil
    }

    /// Starts the server again on the same port (after `stop`), empty.
    func restart() throws {
        stop()
        process = try Self.launch(port: port, password: password)
    }

    /// Freezes (SIGSTOP) or thaws (SIGCONT) the server: it accepts connections but answers nothing.
    func freeze(_ frozen: Bool) {
        guard let process else { return }
        kill(process.processIdentifier, frozen ? SIGSTOP : SIGCONT)
    }

    enum ServerError: Error, CustomStringConvertible {
        case notInstalled
        case notStarted(String)
        var description: String {
            switch self {
            case .notInstalled: "redis-server is not installed (apt-get install redis-server; scripts/install-deps)"
            case .notStarted(let log): "redis-server did not start: \(log)"
            }
        }
    }

    private static func executable() throws -> URL {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for directory in path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/sbin", "/usr/local/bin"] {
            let candidate = URL(fileURLWithPath: directory).appendingPathComponent("redis-server")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw ServerError.notInstalled
    }

    /// Starts redis-server and returns once it logs "Ready to accept connections" (or fails when it exits first).
    private static func launch(port: Int, password: String?) throws -> Process {
        let process = Process()
        process.executableURL = try executable()
        process.arguments = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--daemonize", "no", "--loglevel", "notice"]
            + (password.map { ["--requirepass", $0] } ?? [])
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        var log = Data()
        while !String(decoding: log, as: UTF8.self).contains("Ready to accept connections") {
            let more = output.fileHandleForReading.availableData
            guard !more.isEmpty else {
                process.waitUntilExit()
                throw ServerError.notStarted(String(decoding: log.suffix(500), as: UTF8.self))
            }
            log.append(more)
        }
        // Keep reading what it logs later, so it never blocks on a full pipe.
        output.fileHandleForReading.readabilityHandler = { handle in _ = handle.availableData }
        return process
    }

    /// A TCP port nothing listens on now: bound to port 0, read back, released.
    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ServerError.notStarted("socket: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(fd, generic, length) == 0 && getsockname(fd, generic, &length) == 0
            }
        }
        guard bound else { throw ServerError.notStarted("bind: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Unix seconds now.
func unixNow() -> Int64 { Int64(Date().timeIntervalSince1970) }

/// Runs `body` on a thread of its own; `result(within:)` waits for its outcome.
final class OnThread<Value: Sendable>: @unchecked Sendable {
    // @unchecked Sendable: `outcome` is written once by the thread before `done` is signalled and read only
    // after waiting on `done`.
    private var outcome: Result<Value, StateStoreError>?
    private let done = DispatchSemaphore(value: 0)

    init(_ body: @escaping @Sendable () throws(StateStoreError) -> Value) {
        Thread.detachNewThread { [self] in
            do throws(StateStoreError) { outcome = .success(try body()) } catch { outcome = .failure(error) }
            done.signal()
        }
    }

    /// The outcome, or nil when the thread has not finished within `seconds`.
    func result(within seconds: Double) -> Result<Value, StateStoreError>? {
        done.wait(timeout: .now() + seconds) == .success ? outcome : nil
    }
}
