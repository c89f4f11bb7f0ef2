import FuzzSupport
import GatehouseCore

/// JWK sets: parsing and key choice; a chosen key always fits the algorithm's key type.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    guard let set = JWKSet(parsing: Fuzz.bytes(data, size)) else { return 0 }
    for alg in ["RS256", "PS384", "ES256", "ES512", "HS256", "none", "EdDSA"] {
        for kid in [nil, "k1", set.keys.first?.kid] {
            for key in set.candidates(alg: alg, kid: kid) {
                Fuzz.require(key.kty == (alg.hasPrefix("ES") ? "EC" : "RSA") && !alg.hasPrefix("HS") && alg != "none", "key \(key.kty) for \(alg)")
                Fuzz.require(key.use == nil || key.use == "sig", "encryption key chosen")
                Fuzz.require(JSONText.parseObject(Array(key.json.utf8)) != nil, "key JSON does not parse back")
            }
        }
    }
    return 0
}

Fuzz.run(fuzz)
