// The whole policy pack on what the program really creates: the dev and prod stacks (their
// Pulumi.<stack>.yaml run through index.ts under mocks) and an all-in-one layout.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import * as pulumi from "@pulumi/pulumi";
import { Captured, installMocks, settle } from "./helpers/pulumiMocks";
import { runPack, PackReport } from "./helpers/policyHarness";

const ROOT = path.join(__dirname, "..");

/**
 * Stack config as the engine hands it to the program: "project:key" → string (objects as JSON).
 * Pulumi.prod.yaml ships a placeholder hosted zone id that validation rejects (tests/aws/stacks.test.ts):
 * prod runs here with a zone id of the tests' own, as a user's stack would after `pulumi config set`.
 */
function stackConfig(stack: string): { [k: string]: string } {
    const doc = YAML.parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")).config;
    if (doc["secured-web-stack:dns"]?.hostedZoneId) doc["secured-web-stack:dns"] = { ...doc["secured-web-stack:dns"], hostedZoneId: "Z04481532TESTZONE0001" };
    return Object.fromEntries(Object.entries(doc).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}

async function pack(resources: Captured[], config: string): Promise<PackReport> {
    return runPack(resources.map((r) => ({
        type: r.type, name: r.name, urn: r.urn, props: r.state, id: r.id,
    })), path.join(ROOT, "policy", config));
}

/** Runs index.ts for a stack under mocks and returns every resource it registered. */
async function runProgram(stack: string): Promise<Captured[]> {
    const resources = installMocks("secured-web-stack", stack, stackConfig(stack));
    for (const k of Object.keys(require.cache)) if (k.startsWith(path.join(ROOT, "index."))) delete require.cache[k];
    const program = require(path.join(ROOT, "index"));
    await new Promise((r) => pulumi.output(program.instanceIds).apply(r));
    await settle(resources, 150);
    return [...resources];
}

const names = (v: { policyName: string }[]) => [...new Set(v.map((x) => x.policyName))].sort();

describe("policy pack on the program's stacks", function () {
    this.timeout(60000);

    it("dev (the seed's design): the two design advisories fire, identical-server-roles stays quiet, nothing blocks", async () => {
        const report = await pack(await runProgram("dev"), "config.dev.json");
        const found = names(report.violations);
        assert.ok(found.includes("tls-terminated-at-balancer"), found.join(", "));
        assert.ok(found.includes("single-database-writer"), found.join(", "));
        assert.ok(!found.includes("identical-server-roles"), found.join(", "));
        assert.strictEqual(report.blocked, false, "dev is advisory only");
        for (const v of report.of("tls-terminated-at-balancer")) assert.match(v.message, /hardening\.endToEndTls/);
    });

    it("prod (every switch on): the whole pack reports nothing", async () => {
        const report = await pack(await runProgram("prod"), "config.prod.json");
        assert.deepStrictEqual(report.violations.map((v) => `${v.policyName}: ${v.message.split("\n")[0]}`), []);
        assert.strictEqual(report.blocked, false);
    });

    it("all-in-one: identical-server-roles fires too", async () => {
        const resources = installMocks("secured-web-stack", "cmp", {});
        const { SecuredWebStack } = require(path.join(ROOT, "components", "securedWebStack"));
        const s = new SecuredWebStack("cmp", { domain: "www.foobar.com", layout: "all-in-one" });
        await new Promise((r) => s.instanceIds.apply(r));
        await settle(resources, 150);
        const found = names((await pack(resources, "config.dev.json")).violations);
        for (const p of ["identical-server-roles", "tls-terminated-at-balancer", "single-database-writer"]) assert.ok(found.includes(p), `${p} missing: ${found.join(", ")}`);
    });
});
