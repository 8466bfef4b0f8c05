// The conformance suite fails on a deliberately broken resource, naming the resource, the field
// and the rule: a security-group description with characters EC2 rejects (moto accepts it, the
// documented-constraints table does not), an IAM policy with a malformed action (moto's IAM
// rejects it, and so does the table), and a reference to a resource that never made it.
import * as assert from "assert";
import { Captured, installMocks, settle } from "../helpers/pulumiMocks";
import { checkConstraints, formatViolations } from "./constraintsCheck";
import { Moto, requireMoto, startMoto } from "./moto";
import { formatRejections, replay } from "./replay";

describe("AWS conformance: a broken resource fails the suite, naming the resource, the field and the rule", function () {
    this.timeout(120000);
    let moto: Moto | undefined;
    let resources: Captured[];

    before(async function () {
        if (!requireMoto(this)) return;
        moto = await startMoto();
        resources = installMocks("secured-web-stack", "broken");
        const aws = require("@pulumi/aws");
        const vpc = new aws.ec2.Vpc("broken-vpc", { cidrBlock: "10.50.0.0/16" });
        new aws.ec2.SecurityGroup("broken-sg", { vpcId: vpc.id, description: "balancer → web: the stack's flows <only>" });
        const role = new aws.iam.Role("broken-role", {
            assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] }),
        });
        new aws.iam.RolePolicy("broken-policy", {
            role: role.id,
            policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["ssm GetParameter"], Resource: "*" }] }),
        });
        await settle(resources);
    });
    after(async () => { await moto?.stop(); });

    it("an EC2 description with →, ' and <: the constraints table names the security group, its description and the rule", () => {
        const v = checkConstraints(resources);
        const sg = v.filter((x) => x.resource === "broken-sg");
        assert.deepStrictEqual(sg.map((x) => [x.field, x.rule]), [["description", "ec2SecurityGroupDescription"]], formatViolations(v));
        const text = formatViolations(sg);
        for (const part of ["broken-sg", "description", "ec2SecurityGroupDescription", "\"→\"", "\"'\"", "\"<\"", "API_CreateSecurityGroup"]) assert.ok(text.includes(part), `${part} in: ${text}`);
    });

    it("an IAM policy with a malformed action: the table names the policy and the statement, moto rejects the PutRolePolicy call", async () => {
        const v = checkConstraints(resources).filter((x) => x.resource === "broken-policy");
        assert.deepStrictEqual(v.map((x) => [x.field, x.rule]), [["policy", "iamPolicyDocument"]]);
        assert.match(v[0].problem, /Statement\[0\]: action "ssm GetParameter" is not "<service>:<Action>"/);
        const report = await replay(resources, { endpoint: moto!.endpoint });
        const rejected = report.rejected.filter((x) => x.resource === "broken-policy");
        assert.strictEqual(rejected.length, 1, formatRejections(report.rejected));
        assert.strictEqual(rejected[0].call, "iam:PutRolePolicy");
        assert.match(rejected[0].error, /MalformedPolicyDocument/);
        assert.ok(report.replayed.includes("broken-role") && report.replayed.includes("broken-vpc"), "the rest was replayed");
    });

    it("a reference to a resource the emulator rejected is reported, not sent as a mock id", async () => {
        await moto!.reset();
        const vpc = resources.find((r) => r.name === "broken-vpc")!;
        // The VPC asks for a CIDR EC2 refuses (a /8 is larger than the /16 maximum): its security group must not be sent.
        const bad = resources.map((r) => (r === vpc ? { ...r, inputs: { ...r.inputs, cidrBlock: "10.0.0.0/8" } } : r));
        const report = await replay(bad, { endpoint: moto!.endpoint });
        assert.deepStrictEqual(report.rejected.filter((x) => x.resource === "broken-vpc").map((x) => x.call), ["ec2:CreateVpc"], formatRejections(report.rejected));
        const sg = report.rejected.find((x) => x.resource === "broken-sg")!;
        assert.strictEqual(sg.call, "(references)");
        assert.match(sg.error, /refers to broken-vpc, which has no emulator id/);
    });
});

describe("AWS conformance: moto is required under CI", () => {
    const saved = process.env.CI;
    afterEach(() => { if (saved === undefined) delete process.env.CI; else process.env.CI = saved; });
    it("without moto_server: fails under CI=true, skips (visibly) elsewhere", () => {
        let skipped = 0;
        const warnings: string[] = [];
        const warn = (line: string) => { warnings.push(line); };
        const ctx = { skip: () => { skipped++; } } as unknown as Mocha.Context;
        process.env.CI = "true";
        assert.throws(() => requireMoto(ctx, () => undefined, warn), /moto_server is not installed: the AWS conformance suite needs it under CI/);
        delete process.env.CI;
        assert.strictEqual(requireMoto(ctx, () => undefined, warn), false);
        assert.strictEqual(skipped, 1);
        // The skip is visible: the warning is what a developer without moto sees (captured here, so
        // the test run itself no longer prints a SKIPPED line that reads like a skipped suite).
        assert.deepStrictEqual(warnings.length, 1);
        assert.match(warnings[0], /SKIPPED: moto_server is not installed .* the AWS conformance suite did not run/);
        assert.strictEqual(requireMoto(ctx, () => "/usr/local/bin/moto_server", warn), true);
        assert.strictEqual(warnings.length, 1);
    });
});

