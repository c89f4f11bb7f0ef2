import FuzzSupport
import GatehouseCore

/// Discovery documents: parse never crashes, and what it accepts has the expected issuer and http(s) endpoints.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = Fuzz.bytes(data, size)
    if case .success(let m) = ProviderMetadata.parse(bytes, expectedIssuer: Fuzz.issuer) {
        Fuzz.require(m.issuer == Fuzz.issuer, "issuer")
        for url in [m.authorizationEndpoint, m.tokenEndpoint, m.jwksURI] + [m.userinfoEndpoint, m.endSessionEndpoint].compactMap({ $0 }) {
            Fuzz.require(URLParts(url) != nil, "endpoint \(url.debugDescription)")
        }
    }
    _ = ProviderMetadata.expectedIssuer(forMetadataURL: String(decoding: bytes, as: UTF8.self))
    return 0
}

Fuzz.run(fuzz)
