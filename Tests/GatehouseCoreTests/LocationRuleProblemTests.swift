@testable import GatehouseCore
import Testing

@Suite struct LocationRuleProblemTests {
    @Test func problemsAreTyped() {
        #expect(throws: LocationRules.Problem.unknownParameter("allowed_group")) {
            _ = try LocationRules.read(Fixture.request(), pathRules: "allowed_group=x", base: AccessRules())
        }
        #expect(throws: LocationRules.Problem.noParameter) {
            _ = try LocationRules.read(Fixture.request(), pathRules: "", base: AccessRules())
        }
    }
}
