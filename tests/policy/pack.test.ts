import * as assert from "node:assert";
import * as fs from "fs";
import * as path from "path";
import { baselinePolicies, designPolicies, policies } from "../../policy/policies";
import { loadPackConfig, resolvePolicyConfig, runPack, schemaProblems, unknown } from "../helpers/policyHarness";
import { T, ingressRule, instance, replace, secureStack } from "./fixtures";

const POLICY_DIR = path.join(__dirname, "../../policy");
const CONFIGS = ["dev", "prod"].map((env) => [env, loadPackConfig(path.join(POLICY_DIR, `config.${env}.json`))] as const);

describe("the policy pack", () => {
    it("has the three design policies and a baseline of at least 20 more, names unique and kebab-case", () => {
        assert.deepStrictEqual(designPolicies.map((p) => p.name), ["tls-terminated-at-balancer", "single-database-writer", "identical-server-roles"]);
        assert.ok(baselinePolicies.length >= 20, `${baselinePolicies.length} baseline policies`);
        for (const name of ["database-volume-backed-up", "unattended-upgrades-enabled"]) {
            assert.ok(policies.some((p) => p.name === name), name);
        }
        const names = policies.map((p) => p.name);
        assert.strictEqual(new Set(names).size, names.length);
        for (const name of names) assert.match(name, /^[a-z0-9]+(-[a-z0-9]+)*$/);
    });

    it("keeps one policy per file in rules/, named after the policy", () => {
        const files = fs.readdirSync(path.join(POLICY_DIR, "rules")).map((f) => f.replace(/\.ts$/, "")).sort();
        assert.deepStrictEqual(files, policies.map((p) => p.name).sort());
    });

    it("gives every policy a severity (also as description prefix), remediation steps and advisory by default", () => {
        for (const p of policies) {
            assert.ok(p.severity, p.name);
            assert.ok(p.description.startsWith(`[${p.severity}] `), `${p.name}: ${p.description}`);
            assert.ok((p.remediationSteps ?? "").length > 40, `${p.name} remediation`);
            assert.strictEqual(p.enforcementLevel, "advisory", p.name);
        }
    });

    it("gives every config property a description and a default that fits its own schema", () => {
        for (const p of policies.filter((x) => x.configSchema)) {
            assert.ok(!("enforcementLevel" in p.configSchema!.properties), p.name);
            for (const [key, property] of Object.entries(p.configSchema!.properties)) {
                assert.ok(typeof property === "object" && property.description && property.default !== undefined, `${p.name}.${key}`);
                assert.deepStrictEqual(schemaProblems(property, (property as any).default, `${p.name}.${key}`), []);
            }
        }
    });

    for (const [env, config] of CONFIGS) {
        it(`config.${env}.json configures every policy, validly`, () => {
            assert.deepStrictEqual(Object.keys(config).sort(), policies.map((p) => p.name).sort());
            for (const p of policies) resolvePolicyConfig(p, config);
        });
    }

    it("makes the security baseline mandatory for prod and keeps the design policies advisory", () => {
        const prod = new Map(CONFIGS).get("prod");
        for (const p of baselinePolicies) {
            const level = resolvePolicyConfig(p, prod).enforcementLevel;
            assert.strictEqual(level, p.severity === "low" ? "advisory" : "mandatory", p.name);
        }
        for (const [, config] of CONFIGS) {
            for (const p of designPolicies) assert.strictEqual(resolvePolicyConfig(p, config).enforcementLevel, "advisory");
        }
    });

    it("constructs the PolicyPack only in index.ts, which nothing imports", () => {
        const index = fs.readFileSync(path.join(POLICY_DIR, "index.ts"), "utf8");
        assert.match(index, /new PolicyPack\("secured-web-stack", \{[\s\S]*policies,/);
        const sources = (dir: string): string[] =>
            fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : []));
        for (const file of [...sources(POLICY_DIR), ...sources(path.join(__dirname, ".."))]) {
            if (file.endsWith(path.join("policy", "index.ts"))) continue;
            const text = fs.readFileSync(file, "utf8");
            assert.doesNotMatch(text, /new PolicyPack\(/, file);
            assert.doesNotMatch(text, /from "(\.\.\/)+policy(\/index)?"/, file);
        }
        assert.match(fs.readFileSync(path.join(POLICY_DIR, "PulumiPolicy.yaml"), "utf8"), /^runtime: nodejs$/m);
        assert.ok(JSON.parse(fs.readFileSync(path.join(POLICY_DIR, "package.json"), "utf8")).version);
    });

    it("documents every policy in the README table with its severity and enforcement levels", () => {
        const readme = fs.readFileSync(path.join(POLICY_DIR, "README.md"), "utf8");
        const [dev, prod] = CONFIGS.map(([, c]) => c);
        for (const p of policies) {
            const row = `| \`${p.name}\` | ${p.severity} | ${p.enforcementLevel} | ${resolvePolicyConfig(p, dev).enforcementLevel} | ${resolvePolicyConfig(p, prod).enforcementLevel} |`;
            assert.ok(readme.includes(row), `README row for ${p.name}: ${row}`);
        }
        assert.match(readme, /pulumi preview --stack prod --policy-pack policy --policy-pack-config policy\/config\.prod\.json/);
    });

    describe("on a whole stack", () => {
        it("passes the secured split layout but for the two design advisories, in prod", async () => {
            const report = await runPack(secureStack(), path.join(POLICY_DIR, "config.prod.json"));
            assert.deepStrictEqual(report.policyNames(), ["single-database-writer", "tls-terminated-at-balancer"]);
            assert.strictEqual(report.blocked, false);
            assert.deepStrictEqual(report.previewSkips, []);
        });

        it("blocks prod on a mandatory finding, warns only in dev", async () => {
            const stack = [...secureStack(), ingressRule("web-ssh", "web", { ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "0.0.0.0/0", description: "ssh" })];
            const prod = await runPack(stack, path.join(POLICY_DIR, "config.prod.json"));
            assert.strictEqual(prod.blocked, true);
            assert.deepStrictEqual(prod.of("no-admin-ports-from-anywhere").map((v) => v.enforcementLevel), ["mandatory"]);
            assert.strictEqual((await runPack(stack, path.join(POLICY_DIR, "config.dev.json"))).blocked, false);
        });

        it("never crashes nor errors on a preview where ids, user data and rules are unknown", async () => {
            const preview = secureStack().map((r) => {
                const props: Record<string, unknown> = { ...r.props };
                for (const key of ["userDataBase64", "securityGroupId", "referencedSecurityGroupId", "instanceId", "volumeId", "instance", "vpcSecurityGroupIds", "subnetId"]) {
                    if (key in props) props[key] = key === "vpcSecurityGroupIds" ? unknown.array : unknown.string;
                }
                return { type: r.type, name: r.name, props };
            });
            const report = await runPack(preview, path.join(POLICY_DIR, "config.prod.json"));
            assert.deepStrictEqual(report.previewSkips, []);
            assert.strictEqual(report.blocked, false, report.violations.map((v) => `${v.policyName}: ${v.detail}`).join("\n"));
        });

        it("reports every flaw of an all-in-one layout with public servers", async () => {
            const all = ["balancer", "web", "app", "database"] as const;
            const stack = replace(
                replace(secureStack(), "web", instance("web", { roles: [...all], props: { associatePublicIpAddress: true } })),
                "app",
                instance("app", { roles: [...all] }),
            );
            const lb = replace(stack, "lb", instance("lb", { roles: [...all] }));
            const report = await runPack(lb);
            for (const name of ["identical-server-roles", "tls-terminated-at-balancer", "single-database-writer"]) {
                assert.ok(report.of(name).length > 0, name);
            }
            assert.strictEqual(report.of("no-public-ip-on-private-tiers").length, 0, "every server also runs the balancer");
            assert.ok(report.violations.every((v) => v.urn === undefined || v.urn.includes(T.instance) || v.urn.includes("::")));
        });
    });
});
