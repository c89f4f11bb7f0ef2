internal import COpenSSL

/// Turns the OpenSSL error queue into a `CryptoError`: the one place that reads it.
enum OpenSSLError {
    static func drain(_ operation: String) -> CryptoError {
        var messages: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            messages.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return CryptoError(operation: operation, detail: messages.isEmpty ? "unknown OpenSSL error" : messages.joined(separator: "; "))
    }

    /// Clears the queue after an expected failure (a forged tag) so it cannot be blamed on a later call.
    static func clear() { ERR_clear_error() }
}
