/// Gathers one transfer's response as libcurl hands it over: header lines one at a time, body in pieces.
/// Keeps only the headers of the final response, and refuses (so libcurl aborts) past the size limits.
/// Used from the thread running `curl_easy_perform` only.
final class ResponseCollector {
    /// Which limit stopped the transfer.
    enum Overflow { case body, headers }

    /// Far more header text than a provider sends; a longer header section aborts the transfer.
    static let maxHeaderBytes = 64 * 1024

    private let maxBodyBytes: Int
    private(set) var body: [UInt8] = []
    private(set) var headers: [(name: String, value: String)] = []
    private(set) var overflow: Overflow?
    private var headerBytes = 0
    /// False once the header section of the current response ended; later lines are trailers, not headers.
    private var inHeaderSection = false

    init(maxBodyBytes: Int) {
        self.maxBodyBytes = max(0, maxBodyBytes)
    }

    /// A piece of the body; false (abort) when it would pass the limit.
    func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count <= maxBodyBytes - body.count else {
            overflow = .body
            return false
        }
        body.append(contentsOf: bytes)
        return true
    }

    /// One header line with its line ending, as libcurl passes it: a status line, a field, or the empty line
    /// that ends a section. Each status line starts a response (an interim 1xx, a proxy's CONNECT answer, the
    /// final one), so the fields gathered so far are dropped. False (abort) past the header limit.
    func receiveHeaderLine(_ bytes: UnsafeRawBufferPointer) -> Bool {
        headerBytes += bytes.count
        guard headerBytes <= Self.maxHeaderBytes else {
            overflow = .headers
            return false
        }
        let line = String(decoding: bytes, as: UTF8.self)
        let content = line.trimmingSuffix { $0.isNewline }
        if content.hasPrefix("HTTP/") {
            headers.removeAll()
            inHeaderSection = true
        } else if content.isEmpty {
            inHeaderSection = false
        } else if inHeaderSection {
            addField(content)
        }
        return true
    }

    private func addField(_ content: Substring) {
        if content.first == " " || content.first == "\t" {
            // An obsolete folded continuation (RFC 9112 section 5.2): part of the previous field's value.
            guard let last = headers.indices.last else { return }
            headers[last].value += " " + content.trimmingWhitespace()
        } else if let colon = content.firstIndex(of: ":") {
            let name = content[..<colon].trimmingWhitespace()
            guard !name.isEmpty else { return }
            headers.append((name: name, value: content[content.index(after: colon)...].trimmingWhitespace()))
        }
    }
}

extension Substring {
    fileprivate func trimmingSuffix(while drop: (Character) -> Bool) -> Substring {
        var end = endIndex
        while end > startIndex, drop(self[index(before: end)]) { end = index(before: end) }
        return self[startIndex..<end]
    }

    fileprivate func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        return String(drop(while: isSpace).trimmingSuffix(while: isSpace))
    }
}

extension String {
    fileprivate func trimmingSuffix(while drop: (Character) -> Bool) -> Substring {
        self[...].trimmingSuffix(while: drop)
    }
}
