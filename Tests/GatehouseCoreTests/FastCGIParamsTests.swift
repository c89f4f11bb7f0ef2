import Testing
@testable import GatehouseCore

struct FastCGIParamsTests {
    func entry(_ text: String, into params: inout FastCGIParams) {
        Array(text.utf8).withUnsafeBufferPointer { params.append(entry: $0) }
    }

    @Test func theFirstOfADuplicatedNameWinsAsInLibfcgi() {
        var params = FastCGIParams()
        entry("HTTP_COOKIE=_gatehouse=first", into: &params)
        entry("HTTP_COOKIE=_gatehouse=second", into: &params)
        entry("NOEQUALS", into: &params)
        entry("EMPTY=", into: &params)
        #expect(params["HTTP_COOKIE"] == "_gatehouse=first")
        #expect(params["NOEQUALS"] == nil && params["HTTP_COOKI"] == nil)
        #expect(params["EMPTY"] == "")
    }

    @Test func settingReplacesEveryEntryOfTheName() {
        var params = FastCGIParams(["A": "1"])
        params.append(name: "A", value: "2")
        params["A"] = "3"
        #expect(params["A"] == "3")
        params["A"] = nil
        #expect(params["A"] == nil)
    }

    @Test(arguments: ["Diana@Example.ORG", "a@b", "@b.c", "a@", "a@@b.c", "a@.b", "a@b.", "a@b..c", "a b@c.d", "a\"b@c.d",
                      "a@b[c]", "x\u{7F}@y.z", "", "A.B+tag@Sub.Example.Com"])
    func asciiEmailsNormaliseAsTheGeneralRules(raw: String) {
        // The general path, as it was: lower-case, one "@", no specials, a domain without empty labels at its ends.
        let email = raw.lowercased()
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        let ok = parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty
            && email.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F && !"\"\\(),:;<>[]".unicodeScalars.contains($0) })
            && !parts[1].hasPrefix(".") && !parts[1].hasSuffix(".") && !parts[1].contains("..")
        #expect(AccessRules.normalizedEmail(.string(raw)) == (ok ? email : nil))
    }
}
