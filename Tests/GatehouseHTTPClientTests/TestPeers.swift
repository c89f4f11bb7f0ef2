import Foundation

/// The local servers of http_test_server.py (plain HTTP, two HTTPS, a refused port), started once per test run.
final class TestPeers: @unchecked Sendable {
    // @unchecked Sendable: every stored property is a `let` set in init and only read afterwards. `process` and
    // `input` are held, never used, so the server lives until this process ends and its standard input closes.
    let http: Int
    let httpsGood: Int
    let httpsWrongHost: Int
    let closed: Int
    let caFile: String
    private let process: Process
    private let input: Pipe

    static let shared = Result { try TestPeers() }

    private init() throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("http_test_server.py")
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path]
        input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()

        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let more = output.fileHandleForReading.availableData
            guard !more.isEmpty else { throw PeerError.noAddresses(String(decoding: line, as: UTF8.self)) }
            line.append(more)
        }
        let fields = String(decoding: line, as: UTF8.self).split(whereSeparator: \.isWhitespace).map(String.init)
        let ports = fields.prefix(4).compactMap { Int($0) }
        guard fields.count == 5, ports.count == 4 else { throw PeerError.noAddresses(fields.joined(separator: " ")) }
        (http, httpsGood, httpsWrongHost, closed, caFile) = (ports[0], ports[1], ports[2], ports[3], fields[4])
    }

    enum PeerError: Error { case noAddresses(String) }

    static func get() throws -> TestPeers { try shared.get() }

    func url(_ path: String) -> String { "http://127.0.0.1:\(http)\(path)" }
}
