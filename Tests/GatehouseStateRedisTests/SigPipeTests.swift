import Glibc
@testable import GatehouseStateRedis
import Testing

/// Writes to a connection the peer has closed raise SIGPIPE, whose default action would end this test process.
@Suite struct SigPipeTests {
    @Test func aWriteToAClosedSocketFailsWithoutEndingTheProcess() throws {
        var ends: [Int32] = [0, 0]
        try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &ends) == 0)
        defer { close(ends[0]) }
        close(ends[1])
        let byte: [UInt8] = [1]
        let (written, error) = SigPipe.suppressed { (write(ends[0], byte, 1), errno) }
        #expect(written == -1 && error == EPIPE)
        var pending = sigset_t()
        #expect(sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 0, "nothing left pending")
    }
}
