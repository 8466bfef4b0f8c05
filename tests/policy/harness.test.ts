import * as assert from "node:assert";
import * as path from "path";
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { Instance } from "@pulumi/aws/ec2/instance";
import { SecurityGroup } from "@pulumi/aws/ec2/securityGroup";
import {
    resolvePolicyConfig,
    resourceArgs,
    runPack,
    runPolicy,
    secret,
    stackArgs,
    unknown,
    urnOf,
} from "../helpers/policyHarness";
import { T, instance, resource, secureStack } from "./fixtures";

const probe = (validate: ResourceValidationPolicy["validateResource"], extra: Partial<ResourceValidationPolicy> = {}): ResourceValidationPolicy => ({
    name: "probe",
    description: "[low] probe",
    validateResource: validate,
    ...extra,
});

describe("policy harness", () => {
    describe("resource arguments", () => {
        it("answers isType/asType like the analyzer, for real @pulumi/aws classes", () => {
            const args = resourceArgs(instance("web", { roles: ["web"] }));
            assert.strictEqual(args.isType(Instance), true);
            assert.strictEqual(args.isType(SecurityGroup), false);
            assert.strictEqual(args.asType(SecurityGroup), undefined);
            assert.strictEqual(args.asType(Instance)?.instanceType, "t3.small");
            assert.strictEqual(args.urn, urnOf(T.instance, "web"));
            assert.strictEqual(args.opts.protect, false);
        });

        it("sends props through the wire format: undefined dropped, secrets unwrapped, id from the provider", () => {
            const args = resourceArgs(resource(T.ssmParameter, "p", "/x", { name: "/x", value: secret("s3cret"), keyId: undefined }));
            assert.deepStrictEqual(Object.keys(args.props).sort(), ["id", "name", "value"]);
            assert.strictEqual(args.props.value, "s3cret");
            assert.strictEqual(args.props.id, "/x");
        });

        it("throws the SDK's UnknownValueError on an unknown value, reported as a preview skip", async () => {
            const naive = probe((args, report) => {
                if (args.props.userDataBase64.length > 0) report("never");
            });
            const out = await runPolicy(naive, instance("web", { roles: ["web"], props: { userDataBase64: unknown.string } }));
            assert.strictEqual(out.violations.length, 0);
            assert.strictEqual(out.previewSkips.length, 1);
            assert.match(out.previewSkips[0].message, /can't run policy 'probe' during preview: string value at \.userDataBase64/);
        });

        it("records notApplicable with its reason, and applies the engine's type fast path", async () => {
            const na = probe((args) => args.notApplicable("not today"));
            const out = await runPolicy(na, instance("web", { roles: ["web"] }));
            assert.deepStrictEqual(out.notApplicable.map((n) => n.reason), ["not today"]);

            const typed = Object.assign((): void => assert.fail("must not run"), { __pulumiType: T.volume });
            const skipped = await runPolicy(probe(typed), instance("web", { roles: ["web"] }));
            assert.match(skipped.notApplicable[0].reason ?? "", /only applies to resources of type 'aws:ebs\/volume:Volume'/);
        });
    });

    describe("configuration", () => {
        const withSchema = probe(() => undefined, {
            enforcementLevel: "advisory",
            configSchema: { properties: { limit: { type: "integer", minimum: 1, default: 3 }, mode: { type: "string", enum: ["a", "b"] } } },
        });

        it("fills in schema defaults and lets the pack config override them", () => {
            assert.deepStrictEqual(resolvePolicyConfig(withSchema).properties, { limit: 3 });
            assert.deepStrictEqual(resolvePolicyConfig(withSchema, { probe: { limit: 5, mode: "b" } }).properties, { limit: 5, mode: "b" });
        });

        it("hands getConfig the properties without the enforcement level", async () => {
            let seen: object | undefined;
            const p = { ...withSchema, validateResource: ((args: any) => void (seen = args.getConfig())) as any };
            await runPolicy(p, instance("web", { roles: ["web"] }), { probe: { enforcementLevel: "mandatory", limit: 7 } });
            assert.deepStrictEqual(seen, { limit: 7 });
        });

        it("takes the level from the policy's entry, then `all`, then the policy, then the pack", () => {
            const level = (config: any, p: any = withSchema) => resolvePolicyConfig(p, config).enforcementLevel;
            assert.strictEqual(level({}), "advisory");
            assert.strictEqual(level({ probe: "mandatory" }), "mandatory");
            assert.strictEqual(level({ all: "mandatory" }), "mandatory");
            assert.strictEqual(level({ all: "mandatory", probe: { enforcementLevel: "disabled" } }), "disabled");
            assert.strictEqual(level({}, { name: "x" }), "advisory");
        });

        it("rejects config that does not fit the schema", () => {
            assert.throws(() => resolvePolicyConfig(withSchema, { probe: { limit: 0 } }), /probe\.limit: below minimum 1/);
            assert.throws(() => resolvePolicyConfig(withSchema, { probe: { limit: "3" } }), /expected integer/);
            assert.throws(() => resolvePolicyConfig(withSchema, { probe: { mode: "c" } }), /not one of/);
            assert.throws(() => resolvePolicyConfig(withSchema, { probe: { typo: 1 } }), /probe\.typo: not in the policy's configSchema/);
            assert.throws(() => resolvePolicyConfig({ name: "plain" }, { plain: { limit: 1 } }), /has no configSchema/);
        });

        it("skips disabled policies and reports remediate as mandatory", async () => {
            const always = probe((_, report) => report("found"));
            assert.strictEqual((await runPolicy(always, instance("web", { roles: ["web"] }), { probe: "disabled" })).violations.length, 0);
            const out = await runPolicy(always, instance("web", { roles: ["web"] }), { probe: "remediate" });
            assert.strictEqual(out.violations[0].enforcementLevel, "mandatory");
        });
    });

    describe("stack arguments", () => {
        it("links parents, dependencies and property dependencies by URN", () => {
            const sg = resource(T.securityGroup, "web-sg", "sg-web", {});
            const rule = { ...resource(T.ingressRule, "r", "sgr-r", { securityGroupId: unknown.string }), parent: urnOf(T.securityGroup, "web-sg") };
            const args = stackArgs([sg, { ...rule, dependencies: [urnOf(T.securityGroup, "web-sg")], propertyDependencies: { securityGroupId: [urnOf(T.securityGroup, "web-sg")] } }]);
            const [group, r] = args.resources;
            assert.strictEqual(r.parent, group);
            assert.deepStrictEqual(r.dependencies, [group]);
            assert.deepStrictEqual(r.propertyDependencies.securityGroupId, [group]);
            assert.strictEqual(r.isType(SecurityGroup), false);
        });

        it("runs a stack policy once over all resources and keeps the URN it reports", async () => {
            let count = 0;
            const p: StackValidationPolicy = {
                name: "count",
                description: "[low] count",
                validateStack: (args, report) => {
                    count = args.resources.length;
                    report("seen", args.resources[0].urn);
                },
            };
            const out = await runPolicy(p, secureStack());
            assert.strictEqual(count, secureStack().length);
            assert.strictEqual(out.violations[0].urn, urnOf(T.subnet, "public"));
        });
    });

    describe("runPack", () => {
        it("reads a --policy-pack-config file and says whether a mandatory violation blocks the preview", async () => {
            const broken = [instance("web", { roles: ["web"], props: { metadataOptions: { httpTokens: "optional" } } })];
            const dev = await runPack(broken, path.join(__dirname, "../../policy/config.dev.json"));
            assert.strictEqual(dev.blocked, false);
            const prod = await runPack(broken, path.join(__dirname, "../../policy/config.prod.json"));
            assert.strictEqual(prod.blocked, true);
            assert.strictEqual(prod.of("instance-imdsv2-required")[0].enforcementLevel, "mandatory");
        });

        it("refuses a config that names a policy the pack does not have", async () => {
            await assert.rejects(runPack([], { "no-such-policy": "mandatory" }), /unknown policies: no-such-policy/);
        });
    });
});
