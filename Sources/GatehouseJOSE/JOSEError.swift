/// Why a JWS could not be checked: a key or token libcjose cannot read, an algorithm Gatehouse never verifies,
/// or libcjose failing for a reason other than a wrong signature.
///
/// A struct over a private enum, so kinds can be added without breaking callers. Two errors are equal when they
/// are of the same kind (compare with `.malformedKey`, `.malformedToken`, `.unsupportedAlgorithm`,
/// `.verificationFailed`); the reason is only for the log.
public struct JOSEError: Error, Equatable, CustomStringConvertible, Sendable {
    private enum Kind: Equatable, Sendable {
        case malformedKey, malformedToken, unsupportedAlgorithm, verificationFailed
    }

    private let kind: Kind
    /// libcjose's or our own words on what went wrong. Never contains the token or key text.
    let reason: String

    private init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    /// The JWK is not one key object libcjose can import.
    public static let malformedKey = JOSEError(.malformedKey, "")
    /// The token is not a compact JWS libcjose can import.
    public static let malformedToken = JOSEError(.malformedToken, "")
    /// The token's `alg` is `none`, an HMAC algorithm, or one libcjose does not verify, or it asks for a
    /// critical header extension (`crit`).
    public static let unsupportedAlgorithm = JOSEError(.unsupportedAlgorithm, "")
    /// libcjose could not finish checking the signature (not: the signature was wrong, which is `false`).
    public static let verificationFailed = JOSEError(.verificationFailed, "")

    static func malformedKey(_ reason: String) -> JOSEError { JOSEError(.malformedKey, reason) }
    static func malformedToken(_ reason: String) -> JOSEError { JOSEError(.malformedToken, reason) }
    static func unsupportedAlgorithm(_ reason: String) -> JOSEError { JOSEError(.unsupportedAlgorithm, reason) }
    static func verificationFailed(_ reason: String) -> JOSEError { JOSEError(.verificationFailed, reason) }

    public var isUnsupportedAlgorithm: Bool { kind == .unsupportedAlgorithm }

    public static func == (lhs: JOSEError, rhs: JOSEError) -> Bool { lhs.kind == rhs.kind }

    public var description: String {
        switch kind {
        case .malformedKey: "the JWK cannot be used (it must be one public key object, not a set): \(reason)"
        case .malformedToken: "the token is not a usable compact JWS: \(reason)"
        case .unsupportedAlgorithm: "the token is refused: \(reason)"
        case .verificationFailed: "the signature could not be checked: \(reason)"
        }
    }
}
