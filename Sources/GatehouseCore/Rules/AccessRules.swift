/// Who may enter: conditions on a session's claims, compiled once from `[gatehouse.rules]` (global) or read
/// per request from the web server (per location). A session must satisfy every condition that is set:
/// email (an allowed address OR an allowed domain), groups (any of), and each claim rule.
public struct AccessRules: Sendable, Equatable {
    public var allowedEmails: Set<String> = []
    /// `example.com` is that domain only; `.example.com` is example.com and every subdomain.
    public var allowedEmailDomains: [String] = []
    /// Email rules need `email_verified` to be true unless this is off.
    public var requireEmailVerified = true
    /// Dotted claim path holding groups or roles (`groups`, `realm_access.roles`).
    public var groupsClaim = IdentityHeaderConfig.defaultGroupsClaim
    public var allowedGroups: Set<String> = []
    public var claimRules: [ClaimRule] = []
    /// A location rule given with no value (`?allowed_groups=`): nobody may enter.
    public var allowsNobody = false
    /// Names of providers (`default`, `[auth.<name>]`) whose sessions may enter; empty: any configured one.
    /// With several providers, the other rules trust each provider's claims alike unless this narrows them.
    public var allowedProviders: [String] = []
    /// A location's `required_scopes`: every one must be in a bearer token's scopes (`AuthCheck` checks them;
    /// a cookie session has no scopes and is judged by the other conditions).
    public var requiredScopes: Set<String> = []

    public struct ClaimRule: Sendable, Equatable {
        public enum Test: Sendable, Equatable {
            /// The claim, as text, is exactly this (strings, numbers, booleans).
            case equals(String)
            /// The claim is an array holding this value, or a single value equal to it. Never a substring match.
            case contains(String)
        }
        public var claim: String
        public var test: Test
    }

    public init() {}

    public var isEmpty: Bool {
        allowedEmails.isEmpty && allowedEmailDomains.isEmpty && allowedGroups.isEmpty && claimRules.isEmpty && allowedProviders.isEmpty && requiredScopes.isEmpty
    }

    public enum Decision: Sendable, Equatable {
        case allow
        /// Which condition failed, for the log (never shown to the user beyond "not allowed").
        case deny(String)
    }

    public func decide(_ session: Session) -> Decision {
        if allowsNobody { return .deny("the location's rule allows nobody") }
        if !allowedProviders.isEmpty && !allowedProviders.contains(session.provider) { return .deny("provider not allowed") }
        if !allowedEmails.isEmpty || !allowedEmailDomains.isEmpty {
            guard let email = Self.normalizedEmail(session.claim("email")) else { return .deny("no usable email claim") }
            if requireEmailVerified && !Self.isTrue(session.claim("email_verified")) { return .deny("email not verified") }
            // `normalizedEmail` leaves exactly one `@`, with text on both sides.
            let domain = String(email[email.index(after: email.lastIndex(of: "@")!)...])
            let domainOK = allowedEmailDomains.contains { HostPattern.matches($0, domain) }
            guard allowedEmails.contains(email) || domainOK else { return .deny("email not allowed") }
        }
        if !allowedGroups.isEmpty {
            if session.groupsDropped {
                return .deny("the provider sent more groups than a session holds: list the groups rules use in [gatehouse] session_groups")
            }
            let groups = Self.values(session.claim(groupsClaim))
            guard groups.contains(where: allowedGroups.contains) else { return .deny("not in an allowed group") }
        }
        for rule in claimRules {
            let value = session.claim(rule.claim)
            switch rule.test {
            case .equals(let expected):
                guard let text = Self.scalarText(value), text == expected else { return .deny("claim \(rule.claim) does not equal the required value") }
            case .contains(let expected):
                guard Self.values(value).contains(expected) else { return .deny("claim \(rule.claim) does not contain the required value") }
            }
        }
        return .allow
    }

    /// Lower-cased `local@domain` with exactly one `@`, both parts non-empty, no spaces, controls or quotes;
    /// nil for anything else (`a@evil.com@example.com`, `"a@b"@c`, `a@b.com\n`).
    static func normalizedEmail(_ value: JSONValue?) -> String? {
        guard let raw = value?.stringValue, raw.utf8.count <= 320 else { return nil }
        if raw.utf8.allSatisfy({ $0 < 0x80 }) { return normalizedASCIIEmail(raw) }
        let email = raw.lowercased()
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
              email.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F && !"\"\\(),:;<>[]".unicodeScalars.contains($0) }),
              !parts[1].hasPrefix("."), !parts[1].hasSuffix("."), !parts[1].contains("..") else { return nil }
        return email
    }

    /// `normalizedEmail` for the usual all-ASCII address, over bytes (there every byte is one character): the same
    /// rules without a Character split or a scan of the forbidden set per character.
    static func normalizedASCIIEmail(_ raw: String) -> String? {
        var email: [UInt8] = []
        email.reserveCapacity(raw.utf8.count)
        var at: Int?
        for byte in raw.utf8 {
            guard byte > 0x20, byte != 0x7F, !isSpecialInEmail(byte) else { return nil }
            if byte == UInt8(ascii: "@") {
                guard at == nil else { return nil }
                at = email.count
            }
            email.append(byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte)
        }
        guard let at, at > 0, at < email.count - 1 else { return nil }
        let domain = email[(at + 1)...]
        guard domain.first != UInt8(ascii: "."), domain.last != UInt8(ascii: "."),
              !zip(domain, domain.dropFirst()).contains(where: { $0 == UInt8(ascii: ".") && $1 == UInt8(ascii: ".") }) else { return nil }
        return String(decoding: email, as: UTF8.self)
    }

    /// The characters `normalizedEmail` refuses: `"\(),:;<>[]`.
    static func isSpecialInEmail(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: ","), UInt8(ascii: ":"),
             UInt8(ascii: ";"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "["), UInt8(ascii: "]"): true
        default: false
        }
    }

    /// `true`, or the string "true" some providers send.
    static func isTrue(_ value: JSONValue?) -> Bool {
        switch value {
        case .bool(let b)?: return b
        case .string(let s)?: return s.lowercased() == "true"
        default: return false
        }
    }

    /// A claim as a list of texts: arrays element by element, a single scalar as one element.
    static func values(_ value: JSONValue?) -> [String] {
        if let array = value?.arrayValue { return array.compactMap(scalarText) }
        return scalarText(value).map { [$0] } ?? []
    }

    static func scalarText(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let s)?: return s
        case .bool, .number: return value?.flatText
        default: return nil
        }
    }
}
