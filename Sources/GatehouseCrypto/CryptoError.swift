/// A failure inside OpenSSL, or input the primitive cannot take. Authentication failures are not errors:
/// `AESGCM.open` returns nil for them, since a forged cookie is ordinary input.
public struct CryptoError: Error, CustomStringConvertible, Sendable {
    public let operation: String
    public let detail: String

    public var description: String { "\(operation) failed: \(detail)" }
}
