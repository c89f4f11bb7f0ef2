internal import CCurl

extension HTTPClientError {
    /// The one place a failed transfer's `CURLcode` becomes an `HTTPClientError`. `detail` is libcurl's error
    /// buffer (or its generic text for the code); `overflow` says whether our own callbacks stopped the transfer.
    static func from(_ code: CURLcode, detail: String, overflow: ResponseCollector.Overflow?) -> HTTPClientError {
        if let overflow {
            return .responseTooLarge(overflow == .body ? "the body passed maxResponseBytes" : "the headers passed \(ResponseCollector.maxHeaderBytes) bytes")
        }
        let detail = "\(detail) (curl error \(code.rawValue))"
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            return .timeout(detail)
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return .couldNotConnect(detail)
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CERTPROBLEM,
             CURLE_SSL_CIPHER, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_CRL_BADFILE, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
             CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_SHUTDOWN_FAILED, CURLE_SSL_CLIENTCERT, CURLE_USE_SSL_FAILED,
             CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ENGINE_INITFAILED:
            return .tls(detail)
        case CURLE_FILESIZE_EXCEEDED:
            return .responseTooLarge("Content-Length passed maxResponseBytes")
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT:
            return .invalidURL(detail)
        default:
            return .other(detail)
        }
    }
}
