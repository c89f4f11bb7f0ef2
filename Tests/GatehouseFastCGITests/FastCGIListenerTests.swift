import Foundation
@testable import GatehouseCore
@testable import GatehouseFastCGI
import Testing

/// The FastCGI edge without a web server: the listening socket's file handling and the stop flag. (The whole
/// server is exercised through real sockets in Tests/integration/test_fastcgi_process.py.)
@Suite struct FastCGIListenerTests {
    func tempPath(_ name: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gh-fcgi-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent(name).path
    }

    @Test func aUnixSocketGetsTheConfiguredModeAndReplacesAStaleOne() throws {
        let path = tempPath("g.sock")
        let first = try FastCGIListener.open(.unix(path: path), socketMode: 0o660, environment: [:])
        let mode = try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        #expect(mode == 0o660)
        close(first.fd)   // a crashed instance: the file stays, nobody answers
        let second = try FastCGIListener.open(.unix(path: path), socketMode: 0o600, environment: [:])
        #expect((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) == 0o600)
        second.removeSocketFile()
        close(second.fd)
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func aLiveSocketOrAPlainFileIsNeverReplaced() throws {
        let path = tempPath("live.sock")
        let live = try FastCGIListener.open(.unix(path: path), socketMode: 0o600, environment: [:])
        defer { live.removeSocketFile(); close(live.fd) }
        #expect(throws: FastCGIListener.OpenError.self) { try FastCGIListener.open(.unix(path: path), socketMode: 0o600, environment: [:]) }
        let file = tempPath("not-a-socket")
        #expect(FileManager.default.createFile(atPath: file, contents: Data("keep me".utf8)))
        #expect(throws: FastCGIListener.OpenError.self) { try FastCGIListener.open(.unix(path: file), socketMode: 0o600, environment: [:]) }
        #expect(FileManager.default.contents(atPath: file) == Data("keep me".utf8))
    }

    @Test func systemdWithoutPassedSocketsSaysSo() {
        #expect(throws: FastCGIListener.OpenError.self) { try FastCGIListener.open(.systemd, socketMode: 0o600, environment: [:]) }
        #expect(throws: FastCGIListener.OpenError.self) {
            try FastCGIListener.open(.systemd, socketMode: 0o600, environment: ["LISTEN_PID": "1", "LISTEN_FDS": "1"])
        }
    }

    @Test func theStopFlagIsSetOnceWhoeverRaces() async {
        let flag = StopFlag()
        let winners = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<64 { group.addTask { flag.set() } }
            var count = 0
            for await won in group where won { count += 1 }
            return count
        }
        #expect(winners == 1 && flag.isSet)
    }
}
