import * as assert from "node:assert";
import { policies } from "../../policy/policies";
import { runPolicy } from "../helpers/policyHarness";
import { cases } from "./cases";

describe("every policy: one failing and one passing fixture", () => {
    it("has a case for every policy and none for a policy that does not exist", () => {
        const names = policies.map((p) => p.name).sort();
        assert.deepStrictEqual(Object.keys(cases).sort(), names);
    });

    for (const policy of policies) {
        const c = cases[policy.name];
        if (!c) {
            continue;
        }
        describe(policy.name, () => {
            it("reports the failing fixture with what, why and the fix", async () => {
                const out = await runPolicy(policy, c.fail(), c.config);
                assert.deepStrictEqual(out.previewSkips, []);
                assert.ok(out.violations.length >= 1, `expected a violation of ${policy.name}`);
                const [v] = out.violations;
                assert.match(v.detail, c.finding);
                assert.match(v.detail, /^Found: .+\n(On: .+\n)?Why it matters: .+\nFix: .+$/);
                assert.strictEqual(v.message, `${policy.description}\n${v.detail}`);
                assert.strictEqual(v.enforcementLevel, policy.enforcementLevel);
                assert.strictEqual(v.severity, policy.severity);
            });

            it("passes the passing fixture", async () => {
                const out = await runPolicy(policy, c.pass(), c.config);
                assert.deepStrictEqual(out.previewSkips, []);
                assert.deepStrictEqual(out.violations.map((v) => v.detail), []);
            });
        });
    }
});
