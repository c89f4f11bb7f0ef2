/// Reads the `Cookie` request header. Pairs keep their order; a name seen twice keeps its first value
/// (the more specific path, as browsers send it first).
public struct RequestCookies: Sendable {
    private var values: [String: String] = [:]
    public private(set) var names: [String] = []

    /// Headers over this size are not parsed at all: no session, not a slow parse.
    public static let maxHeaderBytes = 16 * 1024

    public init(header: String?) {
        guard let header, header.utf8.count <= Self.maxHeaderBytes else { return }
        for part in header.split(separator: ";") {
            let trimmed = part.drop { $0 == " " || $0 == "\t" }
            guard let eq = trimmed.firstIndex(of: "=") else { continue }
            let name = String(trimmed[..<eq]).trimmingSpaces
            var value = Substring(trimmed[trimmed.index(after: eq)...]).trimmingSpaces
            if value.count >= 2, value.first == "\"", value.last == "\"" { value = String(value.dropFirst().dropLast()) }
            guard !name.isEmpty, values[name] == nil else { continue }
            values[name] = value
            names.append(name)
        }
    }

    public subscript(name: String) -> String? { values[name] }
}

/// One `Set-Cookie` header, built from typed attributes.
public struct SetCookie: Sendable, Equatable {
    public enum SameSite: String, Sendable { case lax = "Lax", strict = "Strict", none = "None" }

    public var name: String
    public var value: String
    public var path: String = "/"
    public var domain: String?
    /// Seconds; 0 deletes the cookie. nil makes a browser-session cookie.
    public var maxAge: Int64?
    public var secure = true
    public var httpOnly = true
    public var sameSite: SameSite = .lax

    public init(name: String, value: String, path: String = "/", domain: String? = nil, maxAge: Int64? = nil,
                secure: Bool = true, httpOnly: Bool = true, sameSite: SameSite = .lax) {
        self.name = name; self.value = value; self.path = path; self.domain = domain
        self.maxAge = maxAge; self.secure = secure; self.httpOnly = httpOnly; self.sameSite = sameSite
    }

    public var headerValue: String {
        var parts = ["\(name)=\(value)", "Path=\(path)"]
        if let domain { parts.append("Domain=\(domain)") }
        if let maxAge {
            parts.append("Max-Age=\(maxAge)")
            if maxAge == 0 { parts.append("Expires=Thu, 01 Jan 1970 00:00:00 GMT") }
        }
        if secure { parts.append("Secure") }
        if httpOnly { parts.append("HttpOnly") }
        parts.append("SameSite=\(sameSite.rawValue)")
        return parts.joined(separator: "; ")
    }
}

extension StringProtocol {
    var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
