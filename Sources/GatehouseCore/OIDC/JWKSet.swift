/// A provider's JSON Web Key Set, and the choice of keys that may have signed a token.
public struct JWKSet: Sendable {
    public struct Key: Sendable {
        public let kid: String?
        public let kty: String
        public let use: String?
        public let alg: String?
        public let crv: String?
        /// The key as JSON text, for the JOSE library.
        public let json: String
    }

    public let keys: [Key]

    public init?(parsing body: [UInt8]) {
        guard let object = JSONText.parseObject(body), let array = object["keys"]?.arrayValue else { return nil }
        keys = array.compactMap { value in
            guard let k = value.objectValue, let kty = k["kty"]?.stringValue else { return nil }
            return Key(kid: k["kid"]?.stringValue, kty: kty, use: k["use"]?.stringValue, alg: k["alg"]?.stringValue,
                       crv: k["crv"]?.stringValue, json: String(decoding: JSONText.encode(value), as: UTF8.self))
        }
    }

    /// Keys that may verify a token with this header: by `kid` when the token names one, otherwise by key
    /// type, `use` and `alg` (never "the set has one key": a set often holds encryption keys too).
    public func candidates(alg: String, kid: String?) -> [Key] {
        let usable = keys.filter { key in
            (key.use == nil || key.use == "sig") && (key.alg == nil || key.alg == alg) && Self.keyType(for: alg) == key.kty
                && (Self.curve(for: alg).map { $0 == key.crv } ?? true)
        }
        guard let kid else { return usable }
        return usable.filter { $0.kid == kid }
    }

    static func keyType(for alg: String) -> String? { SigningAlgorithm(rawValue: alg)?.keyType }

    static func curve(for alg: String) -> String? { SigningAlgorithm(rawValue: alg)?.curve }
}
