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
        var params: [String: String] = [:]
        params.reserveCapacity(32)
        if var cursor = request.pointee.envp {
            while let entry = cursor.pointee {
                // Byte-level split at the first '=' (this runs for every param of every check).
                let length = strlen(entry)
                entry.withMemoryRebound(to: UInt8.self, capacity: length) { bytes in
                    let all = UnsafeBufferPointer(start: bytes, count: length)
                    guard let eq = all.firstIndex(of: UInt8(ascii: "=")) else { return }
                    let name = String(decoding: UnsafeBufferPointer(rebasing: all[..<eq]), as: UTF8.self)
                    // libfcgi's own FCGX_GetParam returns the first of duplicated names; so do we.
                    if params[name] == nil {
                        params[name] = String(decoding: UnsafeBufferPointer(rebasing: all[(eq + 1)...]), as: UTF8.self)
                    }
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
        var head = "Status: \(response.status)\r\n"
        // The core never builds a header with CR or LF; should one slip through, it is dropped, not sent split.
        for h in response.headers where !(h.name + h.value).utf8.contains(where: { $0 == 13 || $0 == 10 }) {
            head += "\(h.name): \(h.value)\r\n"
        }
        head += "\r\n"
        var bytes = Array(head.utf8)
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
