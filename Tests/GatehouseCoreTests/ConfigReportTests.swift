@testable import GatehouseCore
import Testing

/// `check-config`'s findings, once, in text and in JSON: the same problems, warnings and facts in both.
@Suite struct ConfigReportTests {
    @Test func aConfigThatLoadsListsWhatItSaysInBothForms() throws {
        let config = Fixture.config("state = \"redis://cache.internal:6380/2\"\nstate_password = \"never-shown\"\nprefix = \"/_auth\"")
        let report = ConfigReport(file: "g.toml", loaded: .success(config))
        #expect(report.ok && report.problemText == nil)
        #expect(report.lines.first == "g.toml: OK")
        #expect(report.lines.contains("  state: redis://cache.internal:6380/2 (with password), refresh every 900 s, grace \(config.state.refreshGrace.wholeSeconds) s"))
        let json = try #require(report.json.objectValue)
        #expect(json["ok"] == .bool(true) && json["problems"] == .array([]) && json["prefix"] == .string("/_auth"))
        #expect(json["providers"] == .array([.string("default")]))
        #expect(json["state"]?.objectValue?["store"] == .string("redis://cache.internal:6380/2 (with password)"))
        // The prefix warning, in both forms, word for word.
        let warnings = try #require(json["warnings"]?.arrayValue).compactMap(\.stringValue)
        #expect(!warnings.isEmpty && warnings == config.routingWarnings)
        #expect(report.lines.filter { $0.hasPrefix("warning: ") } == warnings.map { "warning: \($0)" })
        let text = String(decoding: JSONText.encode(report.json), as: UTF8.self) + report.lines.joined()
        #expect(!text.contains("never-shown") && !text.contains(Fixture.secret))
    }

    @Test func problemsAreTheSameInBothForms() throws {
        guard case .failure(let error) = ConfigLoader.load(toml: "[auth]\ncookie_secret = \"short\"\n[gatehouse]\nworkers = -3\n") else {
            Issue.record("the config should not load"); return
        }
        let report = ConfigReport(file: "bad.toml", loaded: .failure(error))
        #expect(!report.ok && report.lines.isEmpty)
        #expect(report.problemText == "bad.toml: \(error.description)")
        let problems = try #require(report.json.objectValue?["problems"]?.arrayValue)
        #expect(problems == error.problems.map { .object(["key": .string($0.keyPath), "message": .string($0.message)]) })
        #expect(problems.count == 2 && report.json.objectValue?["ok"] == .bool(false) && report.json.objectValue?["listen"] == nil)
        #expect(!(report.problemText ?? "").contains("short\""))
    }

    @Test func anUnreadableFileIsAProblemOfTheFile() {
        let report = ConfigReport(file: "/nope.toml", unreadable: "no such file")
        #expect(report.problems == [ConfigProblem("(file)", "cannot read /nope.toml: no such file")])
    }
}
