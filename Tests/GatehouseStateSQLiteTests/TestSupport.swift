import Foundation
import Testing

/// A directory of its own under the system's temporary directory, removed with the value.
final class TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-state-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// The `sqlite3` command-line shell (Debian package sqlite3, from scripts/install-deps): another process on the
/// same file, as a second Gatehouse would be.
enum SQLiteShell {
    struct Failure: Error, CustomStringConvertible { let description: String }

    /// Runs `sql` against the file at `path` in a new `sqlite3` process (waiting up to 5 s for a lock, as the
    /// store does) and returns what it printed.
    static func run(_ path: String, _ sql: String) throws -> String {
        guard let shell = executable else { throw Failure(description: "no sqlite3 on PATH (scripts/install-deps installs it)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: shell)
        process.arguments = ["-bail", "-cmd", ".timeout 5000", path, sql]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        let complained = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "sqlite3 exited \(process.terminationStatus): \(String(decoding: complained, as: UTF8.self))")
        }
        return String(decoding: printed, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A `sqlite3` process kept open, fed statements one line at a time: to hold a transaction open while the
    /// test does something else.
    // @unchecked: `send` (one write(2) to a pipe) may come from another thread; `buffered` is touched only by
    // `readLine`, which one test thread calls.
    final class Session: @unchecked Sendable {
        private let process = Process()
        private let input = Pipe(), output = Pipe()
        private var buffered: [UInt8] = []

        init(_ path: String) throws {
            guard let shell = executable else { throw Failure(description: "no sqlite3 on PATH (scripts/install-deps installs it)") }
            process.executableURL = URL(fileURLWithPath: shell)
            process.arguments = ["-bail", "-cmd", ".timeout 5000", path]
            process.standardInput = input
            process.standardOutput = output
            try process.run()
        }

        func send(_ sql: String) { input.fileHandleForWriting.write(Data((sql + "\n").utf8)) }

        /// The next line the shell prints (it flushes after each statement).
        func readLine() throws -> String {
            while true {
                if let newline = buffered.firstIndex(of: UInt8(ascii: "\n")) {
                    defer { buffered.removeSubrange(...newline) }
                    return String(decoding: buffered[..<newline], as: UTF8.self)
                }
                let more = output.fileHandleForReading.availableData
                guard !more.isEmpty else { throw Failure(description: "sqlite3 ended before printing a line") }
                buffered += more
            }
        }

        /// Closes its input and waits for it to exit.
        func finish() throws {
            try input.fileHandleForWriting.close()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw Failure(description: "sqlite3 exited \(process.terminationStatus)") }
        }
    }

    static let executable: String? = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        .split(separator: ":")
        .map { "\($0)/sqlite3" }
        .first { FileManager.default.isExecutableFile(atPath: $0) }
}
