import * as assert from "node:assert";
import { unknown, urnOf } from "../helpers/policyHarness";
import { parameter } from "./cases";
import {
    ADMIN,
    T,
    attachment,
    dataVolume,
    instance,
    lifecyclePolicy,
    policyDocument,
    replace,
    resource,
    secureStack,
    without,
} from "./fixtures";
import { findings, outcome } from "./run";

describe("storage, IAM and SSM policies", () => {
    describe("database-data-on-persistent-volume", () => {
        it("links the attachment through property dependencies when ids are unknown (preview)", async () => {
            const stack = replace(secureStack(), "app-data-attachment", {
                ...attachment("app"),
                props: { deviceName: "/dev/sdf", instanceId: unknown.string, volumeId: unknown.string },
                propertyDependencies: { instanceId: [urnOf(T.instance, "app")], volumeId: [urnOf(T.volume, "app-data")] },
            });
            assert.deepStrictEqual(await findings("database-data-on-persistent-volume", stack), []);
        });

        it("does not count a volume attached to another server", async () => {
            const stack = replace(secureStack(), "app-data-attachment", attachment("web"));
            assert.strictEqual((await findings("database-data-on-persistent-volume", stack)).length, 1);
        });
    });

    describe("database-volume-backed-up", () => {
        const withPolicy = (policy: ReturnType<typeof lifecyclePolicy>) => replace(secureStack(), "db-snapshots", policy);

        it("needs an enabled policy whose target tags are all on the volume", async () => {
            const out = await outcome("database-volume-backed-up", withPolicy(lifecyclePolicy("db-snapshots", { state: "DISABLED" })));
            assert.strictEqual(out.violations[0].urn, urnOf(T.instance, "app"));
            assert.match(out.violations[0].detail, /On: app-data \(Volume\), app \(Instance\)/);
            const mismatch = withPolicy(lifecyclePolicy("db-snapshots", { targetTags: { Snapshot: "daily", team: "other" } }));
            assert.strictEqual((await findings("database-volume-backed-up", mismatch)).length, 1);
        });

        it("accepts an INSTANCE policy targeting the database server's tags", async () => {
            const stack = [...without(secureStack(), "db-snapshots"), lifecyclePolicy("db-instance", { resourceTypes: ["INSTANCE"], targetTags: { role: "app+database" } })];
            assert.deepStrictEqual(await findings("database-volume-backed-up", stack), []);
        });

        it("checks the retain count against minRetainCount", async () => {
            const short = withPolicy(lifecyclePolicy("db-snapshots", { retain: 3 }));
            assert.match((await findings("database-volume-backed-up", short))[0], /keep only 3 snapshot\(s\) \(at least 7 wanted\): db-snapshots \(LifecyclePolicy\)/);
            assert.deepStrictEqual(await findings("database-volume-backed-up", short, { minRetainCount: 3 }), []);
        });
    });

    describe("volumes-encrypted on aws.ebs.Volume", () => {
        it("flags an unencrypted data volume", async () => {
            assert.match((await findings("volumes-encrypted", dataVolume("app-data", { encrypted: undefined })))[0], /unencrypted: the volume/);
        });
    });

    describe("iam-no-wildcard-admin", () => {
        const role = (props: Record<string, unknown>) => resource(T.role, "app-role", "sws-prod-app", { assumeRolePolicy: "{}", ...props });

        it("reads inline role policies, policy objects and NotAction", async () => {
            const [inline] = await findings("iam-no-wildcard-admin", role({ inlinePolicies: [{ name: "admin", policy: ADMIN }] }));
            assert.match(inline, /inline policy admin: statement #1 allows \* on \*/);
            const notAction = resource(T.iamPolicy, "power", "arn:aws:iam::123456789012:policy/power", {
                policy: { Version: "2012-10-17", Statement: { Sid: "Power", Effect: "Allow", NotAction: "iam:*", Resource: "*" } },
            });
            assert.match((await findings("iam-no-wildcard-admin", notAction))[0], /statement Power allows every action but its NotAction on \*/);
        });

        it("flags AdministratorAccess attached to a role", async () => {
            const arn = "arn:aws:iam::aws:policy/AdministratorAccess";
            assert.match((await findings("iam-no-wildcard-admin", role({ managedPolicyArns: [arn] })))[0], /attaches arn:aws:iam::aws:policy\/AdministratorAccess/);
            const attach = resource(T.rolePolicyAttachment, "admin", "x", { role: "sws-prod-app", policyArn: arn });
            assert.strictEqual((await findings("iam-no-wildcard-admin", attach)).length, 1);
        });

        it("passes scoped wildcards, denies, unparsable and unknown documents", async () => {
            const scoped = policyDocument([
                { Effect: "Allow", Action: "s3:*", Resource: "*" },
                { Effect: "Deny", Action: "*", Resource: "*" },
                { Effect: "Allow", Action: "*", Resource: "arn:aws:s3:::bucket/*" },
            ]);
            for (const policy of [scoped, "not json", unknown.string]) {
                assert.deepStrictEqual(await findings("iam-no-wildcard-admin", resource(T.rolePolicy, "p", "p", { role: "r", policy })), []);
            }
        });
    });

    describe("ssm-secrets-are-securestring", () => {
        it("judges by name or description, with a configurable pattern", async () => {
            assert.deepStrictEqual(await findings("ssm-secrets-are-securestring", parameter("String", "/sws/prod/domain")), []);
            const described = resource(T.ssmParameter, "x", "/sws/prod/x", { name: "/sws/prod/x", type: "String", description: "MySQL root password" });
            assert.strictEqual((await findings("ssm-secrets-are-securestring", described)).length, 1);
            assert.strictEqual((await findings("ssm-secrets-are-securestring", parameter("String", "/sws/prod/domain"), { secretNamePattern: "domain" })).length, 1);
        });

        it("skips a type that is not known yet", async () => {
            assert.strictEqual((await outcome("ssm-secrets-are-securestring", parameter(unknown.string))).notApplicable.length, 1);
        });
    });

    describe("required-tags", () => {
        it("checks volumes too, with configurable tags", async () => {
            const bare = dataVolume("app-data", { tags: { Name: "data" } });
            assert.match((await findings("required-tags", bare))[0], /missing tag\(s\): role, environment/);
            assert.deepStrictEqual(await findings("required-tags", bare, { requiredTags: ["Name"] }), []);
            assert.strictEqual((await findings("required-tags", instance("web", { roles: ["web"], tags: { environment: " " } }))).length, 1);
        });
    });
});
