import TOMLKit

/// `[gatehouse.rules]`: who may enter, compiled and checked once at start-up.
extension ConfigReader {
    static let ruleKeys: Set<String> = ["allowed_emails", "allowed_email_domains", "require_email_verified", "groups_claim", "allowed_groups", "claims",
                                        "allowed_providers"]

    mutating func readRules(_ gh: TOMLTable, groupsClaim: String) -> AccessRules {
        var rules = AccessRules()
        rules.groupsClaim = groupsClaim
        guard let t = table(gh, "rules", path: "gatehouse.rules") else { return rules }
        checkKnownKeys(t, path: "gatehouse.rules", known: Self.ruleKeys)
        for (i, e) in strings(t, "allowed_emails", path: "gatehouse.rules.allowed_emails").enumerated() {
            if let email = AccessRules.normalizedEmail(.string(e)) { rules.allowedEmails.insert(email) }
            else { problem("gatehouse.rules.allowed_emails[\(i)]", "not an email address (exactly one @, no spaces)") }
        }
        for (i, d) in strings(t, "allowed_email_domains", path: "gatehouse.rules.allowed_email_domains").enumerated() {
            let domain = d.lowercased()
            let bare = domain.hasPrefix(".") ? String(domain.dropFirst()) : domain
            if bare.isEmpty || bare.contains("@") || bare.hasPrefix(".") || bare.contains("..") || !bare.contains(".")
                || !bare.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 || $0 == 46 }) {
                problem("gatehouse.rules.allowed_email_domains[\(i)]", "write a domain (example.com), or .example.com for it and its subdomains")
            } else {
                rules.allowedEmailDomains.append(domain)
            }
        }
        if let b = bool(t, "require_email_verified", path: "gatehouse.rules.require_email_verified") { rules.requireEmailVerified = b }
        if let c = string(t, "groups_claim", path: "gatehouse.rules.groups_claim") {
            if c.isEmpty || c.hasPrefix(".") || c.hasSuffix(".") { problem("gatehouse.rules.groups_claim", "write a claim name or dotted path") }
            else { rules.groupsClaim = c }
        }
        rules.allowedGroups = Set(strings(t, "allowed_groups", path: "gatehouse.rules.allowed_groups"))
        rules.allowedProviders = strings(t, "allowed_providers", path: "gatehouse.rules.allowed_providers")
        if let claims = t["claims"] {
            guard let array = claims.array else {
                problem("gatehouse.rules.claims", "write [[gatehouse.rules.claims]] tables with claim and equals or contains")
                return rules
            }
            for (i, item) in array.enumerated() {
                let path = "gatehouse.rules.claims[\(i)]"
                guard let c = item.table else { problem(path, "must be a table with claim and equals or contains"); continue }
                checkKnownKeys(c, path: path, known: ["claim", "equals", "contains"])
                let claim = string(c, "claim", path: "\(path).claim")
                let equals = scalar(c, "equals", path: "\(path).equals")
                let contains = scalar(c, "contains", path: "\(path).contains")
                guard let claim, !claim.isEmpty else { problem("\(path).claim", "missing: the claim (or dotted path) to test"); continue }
                switch (equals, contains) {
                case (let e?, nil): rules.claimRules.append(.init(claim: claim, test: .equals(e)))
                case (nil, let v?): rules.claimRules.append(.init(claim: claim, test: .contains(v)))
                default: problem(path, "give exactly one of equals or contains")
                }
            }
        }
        return rules
    }

    /// `allowed_providers` must name configured providers: a typo would lock everyone out.
    mutating func checkRuleProviders(_ rules: AccessRules, auth: AuthConfig) {
        for (i, name) in rules.allowedProviders.enumerated() where auth.providers[name] == nil {
            problem("gatehouse.rules.allowed_providers[\(i)]",
                    "no provider \"\(name)\" (the [auth] one is \"\(AuthConfig.defaultProviderName)\", [auth.<name>] adds <name>)")
        }
    }

    /// A string, integer or boolean rule value, as the text a claim is compared with.
    mutating func scalar(_ t: TOMLTable, _ key: String, path: String) -> String? {
        guard let v = t[key] else { return nil }
        if let s = v.string { return s }
        if let n = v.int { return String(n) }
        if let b = v.bool { return b ? "true" : "false" }
        problem(path, "must be a string, integer or boolean")
        return nil
    }
}
