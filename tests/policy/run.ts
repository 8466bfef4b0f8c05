// Shorthands for the area specs: run one policy of the pack by name.
import * as assert from "node:assert";
import { policies } from "../../policy/policies";
import { Outcome, PackResource, runPolicy } from "../helpers/policyHarness";

export function policyNamed(name: string) {
    const policy = policies.find((p) => p.name === name);
    assert.ok(policy, `no policy ${name}`);
    return policy;
}

/** The outcome of one policy, with `config` as its pack config entry; never a preview skip. */
export async function outcome(name: string, resources: PackResource | PackResource[], config?: Record<string, unknown>): Promise<Outcome> {
    const out = await runPolicy(policyNamed(name), resources, config ? { [name]: config as any } : undefined);
    assert.deepStrictEqual(out.previewSkips, [], "a policy must skip unknown values itself");
    return out;
}

/** The messages one policy reports. */
export async function findings(name: string, resources: PackResource | PackResource[], config?: Record<string, unknown>): Promise<string[]> {
    return (await outcome(name, resources, config)).violations.map((v) => v.detail);
}
