@testable import GatehouseCore
import Testing

/// Inputs the fuzzers in fuzz/ found, kept as tests (each names its harness).
@Suite struct FuzzRegressionTests {
    /// fuzz-config: toml++ inside TOMLKit asserts (aborting the process) on a table header whose name starts
    /// with a character that cannot start a key. Now a config problem, reported like any other TOML error.
    @Test(arguments: ["[%a]\n", "[auth]\ncookie_secret = \"x\"\n[%atehouse.rules]\nallow_groups = [\"a\"]\n", "[\n", "[[%a]]\n",
                      "[[[a]]]\n", "  [\t{a}]\n", "[=]\n", "[.a]\n", "[[ %]]\n", "a = 1\n[\u{E9}t\u{E9}]\n",
                      "a = [1,}\n", "a = [}\n", "a = { b = 1 ]\n", "a = [\n  1,\n}\n"])
    func tableHeadersTomlCannotParseAreProblemsNotCrashes(_ text: String) {
        guard case .failure(let error) = ConfigLoader.load(toml: text) else {
            Issue.record("loaded")
            return
        }
        #expect(error.problems.first?.description.contains("not valid TOML") == true)
    }

    @Test(arguments: [
        "[auth]\ncookie_secret = \"\(Fixture.secret)\"\n[gatehouse]\nallowed_redirect_hosts = [\n  \"a.example\",\n]\n",
        "[auth]\ncookie_secret = \"\(Fixture.secret)\"\n[\"gatehouse\"]\nprefix = \"/auth\" # [%not a header]\n",
        "[auth]\ncookie_secret = '''\(Fixture.secret)'''\n[ gatehouse ]\ntrusted_proxies = [ \"10.0.0.0/8\" ]\n",
        "[auth]\ncookie_secret = \"\(Fixture.secret)\"\n[auth.work]\nclient_kwargs = { prompt = \"[%x\" }\n",
    ])
    func ordinaryHeadersStillLoad(_ text: String) {
        if case .failure(let error) = ConfigLoader.load(toml: text) {
            #expect(!error.problems.contains { $0.description.contains("table name must start") }, "\(error)")
        }
    }
}
