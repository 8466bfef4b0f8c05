// Per-resource exemptions: by tag (sws:policy-exempt:<policy> = reason) or by URN in the pack
// config; reported as exempted at advisory level; never without a reason.
import * as assert from "node:assert";
import * as path from "path";
import { policies } from "../../policy/policies";
import { EXEMPT_TAG_PREFIX } from "../../policy/lib/exemptions";
import { loadPackConfig, resolvePolicyConfig, runPack, runPolicy, urnOf } from "../helpers/policyHarness";
import { T, bucket, instance, resource } from "./fixtures";

const PROD = loadPackConfig(path.join(__dirname, "../../policy/config.prod.json"));
const { getPulumiType } = require("@pulumi/policy/policy");

/** A backup bucket without access logging (otherwise as the pack wants it), tagged `tags`. */
function unloggedBackups(tags: Record<string, string> = {}) {
    return bucket("backups", { tags });
}

describe("policy exemptions", () => {
    it("without an exemption, the finding blocks prod", async () => {
        const report = await runPack(unloggedBackups(), PROD);
        assert.deepStrictEqual(report.of("s3-bucket-access-logging").map((v) => v.enforcementLevel), ["mandatory"]);
        assert.strictEqual(report.blocked, true);
    });

    it("a tag with a reason turns a stack policy's finding into an advisory 'Exempted' naming the reason", async () => {
        const reason = "access to this bucket is logged by the organisation trail's S3 data events";
        const report = await runPack(unloggedBackups({ [`${EXEMPT_TAG_PREFIX}s3-bucket-access-logging`]: reason }), PROD);
        const [v] = report.of("s3-bucket-access-logging");
        assert.strictEqual(v.enforcementLevel, "advisory");
        assert.strictEqual(v.urn, urnOf(T.bucket, "backups"));
        assert.match(v.message, new RegExp(`^Exempted \\(${reason}\\) by tag sws:policy-exempt:s3-bucket-access-logging\\.\\nThe finding it exempts: Found: backups \\(Bucket\\) has no server access logging`));
        assert.strictEqual(report.blocked, false, report.violations.map((x) => `${x.policyName}: ${x.message}`).join("\n"));
        assert.deepStrictEqual(report.of("policy-exemptions-have-reasons"), []);
    });

    it("a tag exempts a resource policy's finding on that resource only", async () => {
        const key = (name: string, tags: Record<string, string> = {}) => resource(T.kmsKey, name, `key-${name}`, { tags });
        const out = await runPolicy(policies.find((p) => p.name === "kms-key-rotation-enabled")!, [
            key("exempted", { "sws:policy-exempt:kms-key-rotation-enabled": "key material imported and rotated by hand (runbook KMS-7)" }),
            key("plain"),
        ], PROD);
        assert.deepStrictEqual(out.violations.map((v) => [v.urn, v.enforcementLevel, v.message.split("\n")[0]]), [
            [urnOf(T.kmsKey, "exempted"), "advisory", "Exempted (key material imported and rotated by hand (runbook KMS-7)) by tag sws:policy-exempt:kms-key-rotation-enabled."],
            [urnOf(T.kmsKey, "plain"), "mandatory", "[medium] Symmetric customer-managed KMS keys rotate their key material."],
        ]);
    });

    it("a tag without a reason exempts nothing and is itself a violation", async () => {
        const report = await runPack(unloggedBackups({ [`${EXEMPT_TAG_PREFIX}s3-bucket-access-logging`]: "  " }), PROD);
        assert.deepStrictEqual(report.of("s3-bucket-access-logging").map((v) => v.enforcementLevel), ["mandatory"]);
        const [v] = report.of("policy-exemptions-have-reasons");
        assert.strictEqual(v.enforcementLevel, "mandatory");
        assert.match(v.detail, /sws:policy-exempt:s3-bucket-access-logging has no reason/);
    });

    it("a tag for a policy that does not exist is a violation (a typo would silently exempt nothing)", async () => {
        const out = await runPolicy(policies.find((p) => p.name === "policy-exemptions-have-reasons")!,
            instance("web", { roles: ["web"], props: { tags: { Name: "web", role: "web", environment: "prod", "sws:policy-exempt:instance-imdsv2-requird": "legacy agent" } } }));
        assert.match(out.violations[0].detail, /sws:policy-exempt:instance-imdsv2-requird names no policy of this pack/);
    });

    it("the pack config exempts by URN with a reason", async () => {
        const urn = urnOf(T.bucket, "backups");
        const config = { ...PROD, "s3-bucket-access-logging": { enforcementLevel: "mandatory" as const, exemptions: [{ urn, reason: "bucket is deleted next sprint (JIRA OPS-12)" }] } };
        const report = await runPack(unloggedBackups(), config);
        const [v] = report.of("s3-bucket-access-logging");
        assert.strictEqual(v.enforcementLevel, "advisory");
        assert.match(v.message, /^Exempted \(bucket is deleted next sprint \(JIRA OPS-12\)\) by pack config exemptions\./);
        assert.strictEqual(report.blocked, false);
    });

    it("a config exemption without a reason is rejected by the schema, and not applied if it got through anyway", async () => {
        const urn = urnOf(T.bucket, "backups");
        const policy = policies.find((p) => p.name === "s3-bucket-access-logging")!;
        assert.throws(() => resolvePolicyConfig(policy, { "s3-bucket-access-logging": { exemptions: [{ urn }] } }), /exemptions\[0\]\.reason: required/);
        assert.throws(() => resolvePolicyConfig(policy, { "s3-bucket-access-logging": { exemptions: [{ urn, reason: " " }] } }), /exemptions\[0\]\.reason: does not match/);
        // Bypassing the schema (e.g. a hand-written getConfig): the wrapper still refuses it.
        const validate = policy as { validateStack: Function };
        const reports: unknown[] = [];
        const { stackArgs } = require("../helpers/policyHarness");
        await validate.validateStack(stackArgs(unloggedBackups(), { exemptions: [{ urn, reason: "" }] }), (m: unknown) => reports.push(m));
        assert.strictEqual(reports.length, 1);
        assert.strictEqual(typeof reports[0], "string", "reported at the policy's own level");
        assert.match(reports[0] as string, /\nNot exempted: the pack config exempts \S+backups from s3-bucket-access-logging without a reason/);
    });

    it("every policy but policy-exemptions-have-reasons takes exemptions, and keeps the engine's fast type filter", () => {
        for (const p of policies) {
            const takes = p.configSchema?.properties.exemptions !== undefined;
            assert.strictEqual(takes, p.name !== "policy-exemptions-have-reasons", p.name);
        }
        const kms = policies.find((p) => p.name === "kms-key-rotation-enabled") as { validateResource: unknown };
        assert.strictEqual(getPulumiType(kms.validateResource), T.kmsKey);
    });
});
