internal import CFastCGI
import GatehouseCore
#if canImport(Glibc)
import Glibc
#endif

/// Owns one libfcgi `FCGX_Request` at a stable address (libfcgi keeps pointers into it) for one worker thread.
///
/// Gatehouse accepts connections itself and hands each one to libfcgi, which then only parses the FastCGI
/// records. That way every connection gets read and write timeouts (libfcgi has none, and Linux does not copy
/// them from a listening unix socket), and libfcgi never blocks in accept() where a stop could not reach it.
final class FastCGIConnection {
    private let request: UnsafeMutablePointer<FCGX_Request>

    init() {
        request = .allocate(capacity: 1)
        request.initialize(to: FCGX_Request())
        // Listening socket -1: if libfcgi ever tries to accept by itself (after closing a bad connection),
        // accept(-1) fails at once and FCGX_Accept_r returns an error to our loop instead of blocking.
        FCGX_InitRequest(request, -1, 0)
    }

    deinit {
        FCGX_Free(request, 1)
        request.deinitialize(count: 1)
        request.deallocate()
    }

    /// True while a kept-alive connection is open (the web server asked for FCGI_KEEP_CONN).
    var hasOpenConnection: Bool { request.pointee.ipcFd >= 0 }

    /// Gives libfcgi a connection we accepted.
    func adopt(_ fd: Int32) {
        request.pointee.ipcFd = fd
        // Keeps FCGX_Accept_r's initial FCGX_Finish_r from closing the connection we just handed over.
        request.pointee.keepConnection = 1
    }

    /// Reads the next request from the open connection. Negative: the connection was bad or timed out
    /// and libfcgi has closed it.
    func readRequest() -> Int32 { FCGX_Accept_r(request) }

    func finish() { FCGX_Finish_r(request) }

    /// The request as the core sees it: role and params. The body (stdin) is read only by `readBody`.
    func currentRequest() -> Request {
        let role: FastCGIRole = request.pointee.role == FCGI_AUTHORIZER ? .authorizer : .responder
        var params = FastCGIParams()
        params.reserveCapacity(bytes: 2048, entries: 32)
        if var cursor = request.pointee.envp {
            while let entry = cursor.pointee {
                // Kept as libfcgi's bytes; the core turns into text only the params it reads.
                let length = strlen(entry)
                entry.withMemoryRebound(to: UInt8.self, capacity: length) { bytes in
                    params.append(entry: UnsafeBufferPointer(start: bytes, count: length))
                }
                cursor += 1
            }
        }
        return Request(role: role, params: params)
    }

    /// Reads the body (FastCGI stdin) into `request`: up to `limit` bytes, or `bodyTooLarge` when there are more
    /// (CONTENT_LENGTH says so, then nothing is read; or `limit + 1` bytes arrive). A CONTENT_LENGTH within the
    /// limit is how much is read; without one (or an unreadable one), up to the end of stdin. Each read waits at
    /// most the connection's read timeout. Called only when the core asks for a body: never for an Authorizer,
    /// whose stdin Apache never sends. False when stdin broke or timed out before its end (libfcgi then closes
    /// the connection at `finish`).
    func readBody(into target: inout Request, limit: Int) -> Bool {
        let limit = min(max(limit, 0), Int(Int32.max) - 1)
        var wanted = limit + 1
        if let text = target[param: "CONTENT_LENGTH"], let declared = Int(text), declared >= 0 {
            guard declared <= limit else {
                target.bodyTooLarge = true
                return true
            }
            wanted = declared
        }
        guard wanted > 0 else { return true }
        let stream = request.pointee.`in`
        var buffer = [UInt8](repeating: 0, count: wanted)
        let got = buffer.withUnsafeMutableBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buf.count) { FCGX_GetStr($0, Int32(buf.count), stream) }
        }
        guard got >= 0, FCGX_GetError(stream) == 0 else { return false }
        if Int(got) > limit {
            target.bodyTooLarge = true
        } else {
            target.body = Array(buffer[..<Int(got)])
        }
        return true
    }

    /// Writes `Status:` first (lighttpd drops headers before it), then the headers and body. False when the
    /// web server was gone before all of it was written.
    @discardableResult
    func write(_ response: Response) -> Bool {
        // Bytes appended straight into one buffer: string interpolation per header cost more than the check itself.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256 + response.body.count)
        bytes += "Status: ".utf8
        bytes += String(response.status).utf8
        bytes += "\r\n".utf8
        for h in response.headers {
            let start = bytes.count
            bytes += h.name.utf8
            bytes += ": ".utf8
            bytes += h.value.utf8
            // The core never builds a header with CR or LF; should one slip through, it is dropped, not sent split.
            if bytes[start...].contains(where: { $0 == 13 || $0 == 10 }) {
                bytes.removeSubrange(start...)
            } else {
                bytes += "\r\n".utf8
            }
        }
        bytes += "\r\n".utf8
        bytes += response.body
        let out = request.pointee.out
        // A failed write means the web server went away; libfcgi marks the stream and Finish closes it. The
        // answer is lost either way: reported to the caller for the log, never retried.
        let written = bytes.withUnsafeBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buf.count) { FCGX_PutStr($0, Int32(buf.count), out) }
        }
        return written == Int32(bytes.count)
    }
}
