// Physical names are unique per stack (two stacks with the same environment, two component
// instances, in one account and region), the environment defaults to the stack name, and the
// placeholders Pulumi.prod.yaml ships fail validation with what to set instead of failing at `up`.
import * as assert from "assert";
import type { Captured } from "../helpers/pulumiMocks";
import { captureComponent, captureProgram, stackConfig } from "./capture";
import { TEST_ZONE_ID } from "./matrix";

/** Names AWS keeps unique per account and region (or per account), as the stack would claim them. */
function physicalNames(resources: Captured[]): Set<string> {
    const out = new Set<string>();
    for (const r of resources.filter((x) => x.custom && x.type.startsWith("aws:"))) {
        // Ids that are names (SSM parameters, log groups, alarms, roles, buckets…); EC2's are made by AWS.
        if (!/^[a-z]+-[0-9a-f]{17}$/.test(r.id)) out.add(`${r.type.split(":")[1].split("/")[0]}:${r.id}`);
        // Security group names are unique per VPC, not per account ("default" is every VPC's own group).
        const perVpc = r.type.startsWith("aws:ec2/securityGroup") || r.type.startsWith("aws:ec2/defaultSecurityGroup");
        for (const k of ["name", "dashboardName", "bucketPrefix"]) if (typeof r.state[k] === "string" && !perVpc) out.add(`${r.type}:${k}:${r.state[k]}`);
        // DLM picks its volumes by tag: a target tag two stacks share would snapshot both stacks' volumes.
        for (const [k, v] of Object.entries(r.inputs.policyDetails?.targetTags ?? {})) out.add(`dlm-target-tag:${k}=${v}`);
        if (r.inputs.tags?.["sws:snapshots"]) out.add(`dlm-target-tag:sws:snapshots=${r.inputs.tags["sws:snapshots"]}`);
    }
    return out;
}
const shared = (a: Set<string>, b: Set<string>) => [...a].filter((x) => b.has(x) && !x.startsWith("iam:arn:aws:iam::aws:policy/"));

describe("physical names are unique per stack", function () {
    this.timeout(120000);

    it("the program in two stacks with the same environment (dev and dev2, both environment: dev) shares no physical name", async () => {
        const dev = await captureProgram("dev", stackConfig("dev"));
        const dev2 = await captureProgram("dev2", stackConfig("dev"));
        const a = physicalNames(dev), b = physicalNames(dev2);
        assert.ok(a.has("ssm:/sws-dev/dev/db-app-password") && b.has("ssm:/sws-dev2/dev/db-app-password"), [...b].filter((x) => x.startsWith("ssm:")).slice(0, 3).join(", "));
        assert.ok([...a].some((x) => x.startsWith("dlm-target-tag:")) && [...a].some((x) => x.startsWith("cloudwatch:")), "target tags and CloudWatch names collected");
        assert.deepStrictEqual(shared(a, b), []);
    });

    it("one component name in two stacks (eu, us) with the same environment, and two components in one stack, share no physical name", async () => {
        // Each stack serves its own domain: a domain's DNS record is the domain's, whichever stack writes it.
        const args = (domain: string) => ({ domain, environment: "prod", monitoring: { sink: "cloudwatch" as const, alarmEmail: "ops@foobar.com" }, dns: { hostedZoneId: TEST_ZONE_ID } });
        const eu = await captureComponent("web", args("eu.foobar.com"), "eu");
        const us = await captureComponent("web", args("us.foobar.com"), "us");
        const a = physicalNames(eu), b = physicalNames(us);
        for (const n of ["ssm:/web-eu/prod/db-app-password", "cloudwatch:/sws/web-eu/prod/metrics", "cloudwatch:web-eu-prod-qps-zero", "cloudwatch:web-eu-prod", "dlm-target-tag:sws:snapshots=web-eu-prod"]) {
            assert.ok(a.has(n), `${n} in ${[...a].filter((x) => !x.startsWith("iam:")).slice(0, 12).join(", ")}`);
        }
        assert.ok([...a].some((x) => x.startsWith("sns:arn:aws:sns:us-east-1:123456789012:web-eu-prod-alarms")), "SNS topic");
        assert.deepStrictEqual(shared(a, b), [], "eu and us");
        // Two instances in one stack: Pulumi makes their names differ, the physical names follow.
        const one = await captureComponent("shop", args("shop.foobar.com"), "eu");
        assert.deepStrictEqual(shared(a, physicalNames(one)), [], "web and shop in eu");
    });

    it("the component's environment defaults to the stack name; a stack name that is no environment asks for one", async () => {
        const rs = await captureComponent("web", { domain: "www.foobar.com" }, "staging");
        const instance = rs.find((r) => r.type === "aws:ec2/instance:Instance")!;
        assert.strictEqual(instance.inputs.tags.environment, "staging");
        assert.ok(rs.some((r) => r.type === "aws:ssm/parameter:Parameter" && r.id === "/web-staging/staging/db-app-password"));
        const { buildModel } = require("../../components/model");
        assert.throws(() => buildModel({ domain: "www.foobar.com" }, "web", { stack: "Team.Dev" }),
            /environment: missing, and the stack name "Team\.Dev" \(its default\) is not 1-16 lower-case letters, digits or "-", starting with a letter; set environment/);
        assert.strictEqual(buildModel({ domain: "www.foobar.com", environment: "dev" }, "web", { stack: "Team.Dev" }).name, "web-team-dev", "the stack token is made to fit every AWS name");
    });
});

describe("Pulumi.prod.yaml placeholders fail validation, saying what to set", function () {
    this.timeout(60000);
    it("the shipped hosted zone id stops the program before any resource, naming dns.hostedZoneId and the command to set it", async () => {
        await assert.rejects(captureProgram("prod", stackConfig("prod")), (e: Error) => {
            assert.match(e.message, /dns\.hostedZoneId: "Z0123456789ABCDEFGHIJ" is the placeholder of Pulumi\.prod\.yaml/);
            assert.match(e.message, /pulumi config set --path dns\.hostedZoneId <id>/);
            assert.match(e.message, /list-hosted-zones-by-name --dns-name <your domain>/);
            return true;
        });
    });
});
