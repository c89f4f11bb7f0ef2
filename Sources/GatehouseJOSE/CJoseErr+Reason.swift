internal import CJose

extension cjose_err {
    /// libcjose's error as text for the log: the one place a `cjose_err` becomes words. Some failing calls
    /// (an empty JWK, for one) return NULL without setting the error, so "no reason given" is a real case.
    /// For CJOSE_ERR_CRYPTO the message is OpenSSL's, which cjose formats into OpenSSL's shared static buffer
    /// (ERR_error_string with no buffer): it is copied at once and may be garbled when threads race.
    var reason: String {
        guard code != CJOSE_ERR_NONE else { return "libcjose gave no reason" }
        let text = message.map { String(cString: $0) } ?? "error code \(code.rawValue)"
        let place = function.map { " in \(String(cString: $0))" } ?? ""
        return text + place
    }
}
