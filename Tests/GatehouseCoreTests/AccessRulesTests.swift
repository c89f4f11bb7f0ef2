@testable import GatehouseCore
import Testing

@Suite struct AccessRulesTests {
    func session(_ claims: [String: JSONValue]) -> Session {
        Session(provider: "default", claims: claims, issuedAt: 0, expiresAt: 1)
    }

    func rules(_ toml: String) throws -> AccessRules {
        try ConfigLoader.load(toml: "[auth]\ncookie_secret = \"\(Fixture.secret)\"\n[gatehouse.rules]\n" + toml).get().rules
    }

    /// (email claim, email_verified, allowed?) against allowed_email_domains = ["example.com"].
    @Test(arguments: [
        (JSONValue.string("alice@example.com"), JSONValue.bool(true), true),
        (.string("Alice@EXAMPLE.com"), .bool(true), true),
        (.string("alice@example.com"), .string("true"), true),
        (.string("alice@example.com"), .bool(false), false),
        (.string("alice@example.com"), .null, false),
        (.string("a@evil.com@example.com"), .bool(true), false),
        (.string("a@example.com@evil.com"), .bool(true), false),
        (.string("alice@example.com.evil.com"), .bool(true), false),
        (.string("alice@evilexample.com"), .bool(true), false),
        (.string("alice@sub.example.com"), .bool(true), false),
        (.string("alice@example.com "), .bool(true), false),
        (.string("alice@example.com\n"), .bool(true), false),
        (.string("\"a@b\"@example.com"), .bool(true), false),
        (.string("@example.com"), .bool(true), false),
        (.string("alice@"), .bool(true), false),
        (.string("alice@example.com."), .bool(true), false),
        (.array([.string("alice@example.com")]), .bool(true), false),
        (.number(42), .bool(true), false),
        (.null, .bool(true), false),
    ])
    func emailDomainExact(email: JSONValue, verified: JSONValue, allowed: Bool) throws {
        let r = try rules("allowed_email_domains = [\"example.com\"]")
        #expect((r.decide(session(["email": email, "email_verified": verified])) == .allow) == allowed)
    }

    @Test(arguments: [
        ("alice@example.com", true), ("alice@eu.example.com", true), ("alice@a.b.example.com", true),
        ("alice@notexample.com", false), ("alice@example.com.evil.org", false), ("alice@example.org", false),
    ])
    func emailDomainWithSubdomains(email: String, allowed: Bool) throws {
        let r = try rules("allowed_email_domains = [\".example.com\"]")
        #expect((r.decide(session(["email": .string(email), "email_verified": .bool(true)])) == .allow) == allowed)
    }

    @Test func emailAddressesOrDomainsAndVerificationSwitch() throws {
        let r = try rules("allowed_emails = [\"Bob@Partner.org\"]\nallowed_email_domains = [\"example.com\"]\nrequire_email_verified = false")
        #expect(r.decide(session(["email": .string("bob@partner.org")])) == .allow)
        #expect(r.decide(session(["email": .string("carol@partner.org")])) != .allow)
        #expect(r.decide(session(["email": .string("x@example.com"), "email_verified": .bool(false)])) == .allow)
    }

    @Test(arguments: [
        (JSONValue.array([.string("staff"), .string("admins")]), true),
        (.string("admins"), true),
        (.array([.string("Admins")]), false),
        (.array([.string("admins-not")]), false),
        (.string("staff,admins"), false),
        (.array([.number(1), .object(["admins": .bool(true)])]), false),
        (.null, false),
    ])
    func groupsAnyOf(groups: JSONValue, allowed: Bool) throws {
        let r = try rules("allowed_groups = [\"admins\", \"ops\"]")
        #expect((r.decide(session(["groups": groups])) == .allow) == allowed)
    }

    @Test func nestedRolesClaim() throws {
        let r = try rules("allowed_groups = [\"admin\"]\ngroups_claim = \"realm_access.roles\"")
        #expect(r.decide(session(["realm_access": .object(["roles": .array([.string("admin")])])])) == .allow)
        #expect(r.decide(session(["realm_access": .string("admin")])) != .allow)
        #expect(r.decide(session(["groups": .array([.string("admin")])])) != .allow)
    }

    @Test func claimEqualsAndContains() throws {
        let r = try rules("""
        [[gatehouse.rules.claims]]
        claim = "hd"
        equals = "example.com"
        [[gatehouse.rules.claims]]
        claim = "amr"
        contains = "mfa"
        """)
        #expect(r.decide(session(["hd": .string("example.com"), "amr": .array([.string("pwd"), .string("mfa")])])) == .allow)
        #expect(r.decide(session(["hd": .string("example.com"), "amr": .string("mfa")])) == .allow)
        #expect(r.decide(session(["hd": .string("example.com"), "amr": .string("nomfa")])) != .allow, "never a substring match")
        #expect(r.decide(session(["hd": .array([.string("example.com")]), "amr": .string("mfa")])) != .allow)
        #expect(r.decide(session(["hd": .string("EXAMPLE.com"), "amr": .string("mfa")])) != .allow)
        #expect(r.decide(session(["amr": .string("mfa")])) != .allow)
    }

    @Test func allConditionsMustHold() throws {
        let r = try rules("allowed_email_domains = [\"example.com\"]\nallowed_groups = [\"admins\"]")
        let ok: [String: JSONValue] = ["email": .string("a@example.com"), "email_verified": .bool(true), "groups": .array([.string("admins")])]
        #expect(r.decide(session(ok)) == .allow)
        var noGroup = ok; noGroup["groups"] = nil
        #expect(r.decide(session(noGroup)) != .allow)
    }

    @Test func noRulesAllowsEveryoneLoggedIn() throws {
        #expect(AccessRules().decide(session([:])) == .allow)
    }

    @Test func badRulesAreConfigErrorsWithTheirPath() {
        let text = """
        [auth]
        cookie_secret = "\(Fixture.secret)"
        [gatehouse.rules]
        allowed_emails = ["not-an-email", "a@b@c.com"]
        allowed_email_domains = ["@example.com", "example..com", "*.example.com"]
        colour = "red"
        [[gatehouse.rules.claims]]
        claim = "hd"
        equals = "x"
        contains = "y"
        [[gatehouse.rules.claims]]
        equals = "x"
        """
        guard case .failure(let e) = ConfigLoader.load(toml: text) else { Issue.record("accepted bad rules"); return }
        let paths = Set(e.problems.map(\.keyPath))
        #expect(paths.isSuperset(of: ["gatehouse.rules.allowed_emails[0]", "gatehouse.rules.allowed_emails[1]",
                                      "gatehouse.rules.allowed_email_domains[0]", "gatehouse.rules.allowed_email_domains[1]",
                                      "gatehouse.rules.allowed_email_domains[2]", "gatehouse.rules.colour",
                                      "gatehouse.rules.claims[0]", "gatehouse.rules.claims[1].claim"]))
    }
}
