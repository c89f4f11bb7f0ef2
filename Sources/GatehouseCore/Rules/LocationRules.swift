/// Rules set by the web server for one location. Two sources, each checked on its own and in addition to the
/// global rules, so neither can widen anything:
/// - the check URL's own query, which nginx leaves in the path: `auth_request /oauth2/auth?allowed_groups=admins;`
///   (the documented nginx form: `auth_request` is inherited by nested locations, so it fails closed);
/// - `GATEHOUSE_*` FastCGI params: Apache `SetEnvIf ... GATEHOUSE_ALLOWED_GROUPS=admins`, lighttpd
///   `setenv.add-environment`, or an nginx `set $gatehouse_allowed_groups` (which nested locations do not inherit).
/// `required_scopes` concerns bearer tokens only (`AuthCheck`). Lists are comma-separated. An empty value, as a query parameter or a param, allows nobody; an unknown query
/// parameter is a configuration error (a typo never opens a location).
public enum LocationRules {
    static let parameters: [String: String] = [
        "allowed_groups": "GATEHOUSE_ALLOWED_GROUPS",
        "allowed_emails": "GATEHOUSE_ALLOWED_EMAILS",
        "allowed_email_domains": "GATEHOUSE_ALLOWED_EMAIL_DOMAINS",
        "required_scopes": "GATEHOUSE_REQUIRED_SCOPES",
    ]

    /// A location rule that cannot be read: the check answers 500 (a typo must never open a location).
    public enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
        case unknownParameter(String)
        /// `auth_request /oauth2/auth?;`: a `?` with no rule after it.
        case noParameter

        public var description: String {
            switch self {
            case .unknownParameter(let name): "unknown rule parameter \"\(name)\" on the auth URL"
            case .noParameter: "the auth URL has a \"?\" but no rule parameter"
            }
        }
    }

    /// The location's rule sets (none, one or two), each to be satisfied. `pathRules` is the query nginx left in
    /// the check's path (`RoutedPath.check`); the original request's query never counts.
    public static func read(_ request: Request, pathRules: String?, base: AccessRules) throws(Problem) -> [AccessRules] {
        var sets: [AccessRules] = []
        if let pathRules {
            var values: [String: [String]] = [:]
            for (name, value) in QueryParameters(parsing: pathRules).pairs {
                guard parameters[name] != nil else { throw .unknownParameter(name) }
                values[name, default: []] += split(value)
            }
            // `auth_request /oauth2/auth?;` names no rule: a half-written rule must not mean "everyone".
            if values.isEmpty { throw .noParameter }
            sets.append(rules(values, base: base))
        }
        var params: [String: [String]] = [:]
        for (name, param) in parameters {
            // Present but empty allows nobody, as on the auth URL (nginx's shipped lines never send an empty one).
            if let value = request[param: param] { params[name, default: []] += split(value) }
        }
        if !params.isEmpty { sets.append(rules(params, base: base)) }
        return sets
    }

    static func rules(_ values: [String: [String]], base: AccessRules) -> AccessRules {
        var rules = AccessRules()
        rules.requireEmailVerified = base.requireEmailVerified
        rules.groupsClaim = base.groupsClaim
        rules.allowedGroups = Set(values["allowed_groups"] ?? [])
        rules.allowedEmails = Set((values["allowed_emails"] ?? []).map { $0.lowercased() })
        rules.allowedEmailDomains = (values["allowed_email_domains"] ?? []).map { $0.lowercased() }
        rules.requiredScopes = Set(values["required_scopes"] ?? [])
        // A parameter given but empty would otherwise mean "no condition": refuse everyone instead.
        rules.allowsNobody = rules.isEmpty
        return rules
    }

    static func split(_ value: String) -> [String] {
        value.split(separator: ",").map { $0.trimmingSpaces }.filter { !$0.isEmpty }
    }
}
