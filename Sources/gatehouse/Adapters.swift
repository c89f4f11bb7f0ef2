import GatehouseCore
import GatehouseHTTPClient
import GatehouseJOSE

/// libcurl as the core's `OutboundHTTP`.
struct CurlOutbound: OutboundHTTP {
    let client: CurlHTTPClient

    init(config: ProviderIOConfig) {
        client = CurlHTTPClient(options: HTTPClientOptions(connectTimeout: config.connectTimeout, totalTimeout: config.totalTimeout,
                                                          maxResponseBytes: 1 << 20, caFile: config.caFile))
    }

    func send(_ request: OutboundRequest) throws(OutboundError) -> OutboundResponse {
        let r: HTTPClientResponse
        do {
            r = try client.perform(HTTPClientRequest(method: request.method.rawValue, url: request.url,
                                                     headers: request.headers.map { (name: $0.name, value: $0.value) }, body: request.body))
        } catch {
            throw OutboundError(isTimeout: error.isTimeout, description: error.description)
        }
        return OutboundResponse(status: r.status, body: r.body)
    }
}

/// libcjose as the core's `SignatureVerifying`.
struct CjoseVerifier: SignatureVerifying {
    let verifier = JWSVerifier()

    func verify(compactJWS: String, jwkJSON: String) throws -> Bool {
        try verifier.verify(compactJWS: compactJWS, jwkJSON: jwkJSON)
    }
}
