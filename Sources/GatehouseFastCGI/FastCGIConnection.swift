internal import CFastCGI
import GatehouseCore

/// Owns one libfcgi `FCGX_Request` at a stable address (libfcgi keeps pointers into it) for one worker thread.
final class FastCGIConnection {
    private let request: UnsafeMutablePointer<FCGX_Request>

    init(listenFD: Int32) {
        request = .allocate(capacity: 1)
        request.initialize(to: FCGX_Request())
        // FCGX_InitRequest only fills the struct; it cannot fail.
        FCGX_InitRequest(request, listenFD, 0)
    }

    deinit {
        FCGX_Free(request, 1)
        request.deinitialize(count: 1)
        request.deallocate()
    }

    /// Waits for the next request, finishing the previous one. Negative: libfcgi's -errno.
    func accept() -> Int32 { FCGX_Accept_r(request) }

    func finish() { FCGX_Finish_r(request) }

    /// The request as the core sees it: role and params. The body (stdin) is never read.
    func currentRequest() -> Request {
        let role: FastCGIRole = request.pointee.role == FCGI_AUTHORIZER ? .authorizer : .responder
        var params: [String: String] = [:]
        if var cursor = request.pointee.envp {
            while let entry = cursor.pointee {
                let text = String(cString: entry)
                if let eq = text.firstIndex(of: "=") {
                    let name = String(text[..<eq])
                    // libfcgi's own FCGX_GetParam returns the first of duplicated names; so do we.
                    if params[name] == nil { params[name] = String(text[text.index(after: eq)...]) }
                }
                cursor += 1
            }
        }
        return Request(role: role, params: params)
    }

    /// Writes `Status:` first (lighttpd drops headers before it), then the headers and body.
    func write(_ response: Response) {
        var head = "Status: \(response.status)\r\n"
        for h in response.headers { head += "\(h.name): \(h.value)\r\n" }
        head += "\r\n"
        var bytes = Array(head.utf8)
        bytes += response.body
        let out = request.pointee.out
        // A short write means the web server went away; libfcgi closes the stream and Finish cleans up.
        _ = bytes.withUnsafeBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buf.count) { FCGX_PutStr($0, Int32(buf.count), out) }
        }
    }
}
