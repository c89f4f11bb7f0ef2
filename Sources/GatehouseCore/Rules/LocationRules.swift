/// Rules set by the web server for one location: `GATEHOUSE_*` FastCGI params (nginx: `set
/// $gatehouse_allowed_groups admins;` in the location, which the shipped auth location passes on; Apache:
/// `SetEnvIf ... GATEHOUSE_ALLOWED_GROUPS=admins`), or query parameters on the auth URL
/// (`auth_request /oauth2/auth?allowed_groups=admins;`). They are checked in addition to the global rules, so
/// they can only narrow them. Lists are comma-separated. An empty param is unset (nginx passes unset variables
/// as empty); an empty query parameter allows nobody; an unknown query parameter is a configuration error.
public enum LocationRules {
    static let parameters: [String: String] = [
        "allowed_groups": "GATEHOUSE_ALLOWED_GROUPS",
        "allowed_emails": "GATEHOUSE_ALLOWED_EMAILS",
        "allowed_email_domains": "GATEHOUSE_ALLOWED_EMAIL_DOMAINS",
    ]

    public struct Problem: Error, Sendable, Equatable { public let message: String }

    /// The location's rules, nil when it sets none.
    public static func read(_ request: Request, base: AccessRules) throws(Problem) -> AccessRules? {
        var values: [String: [String]] = [:]
        // Only the auth URL's own query (QUERY_STRING of nginx's subrequest), never the original request's.
        if request.role == .responder, let query = request[param: "QUERY_STRING"] {
            for (name, value) in QueryParameters(parsing: query).pairs {
                guard parameters[name] != nil else { throw Problem(message: "unknown rule parameter \"\(name)\" on the auth URL") }
                values[name, default: []] += split(value)
            }
        }
        for (name, param) in parameters {
            if let value = request[param: param], !value.isEmpty { values[name, default: []] += split(value) }
        }
        guard !values.isEmpty else { return nil }
        var rules = AccessRules()
        rules.requireEmailVerified = base.requireEmailVerified
        rules.groupsClaim = base.groupsClaim
        rules.allowedGroups = Set(values["allowed_groups"] ?? [])
        rules.allowedEmails = Set((values["allowed_emails"] ?? []).map { $0.lowercased() })
        rules.allowedEmailDomains = (values["allowed_email_domains"] ?? []).map { $0.lowercased() }
        // A parameter given but empty would otherwise mean "no condition": refuse everyone instead.
        if rules.isEmpty { rules.claimRules = [.init(claim: "\u{0}never", test: .equals("\u{0}"))] }
        return rules
    }

    static func split(_ value: String) -> [String] {
        value.split(separator: ",").map { $0.trimmingSpaces }.filter { !$0.isEmpty }
    }
}
