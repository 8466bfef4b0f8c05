// Composing the component with other resources, in TypeScript, under the provider-shaped mocks:
// an awsx-style VPC (a component exposing vpcId and subnet ids as outputs), a hosted zone, a key
// pair and an alarm e-mail from a promise are passed in as outputs; the component's own outputs
// (network, security groups and roles by server, topic, log groups, keys) come back out.
// A value given as an output is checked once known, with buildModel's message.
import * as assert from "assert";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { Captured, installMocks, ofType, settle, valueOf } from "./helpers/pulumiMocks";
import { buildModel } from "../components/model";
import { DEFERRED } from "../components/model/references";

const ROOT = path.join(__dirname, "..");

/** What awsx.ec2.Vpc hands its users: a component with the VPC and subnet ids as outputs. */
class AwsxStyleVpc extends pulumi.ComponentResource {
    readonly vpcId: pulumi.Output<string>;
    readonly publicSubnetIds: pulumi.Output<string[]>;
    readonly privateSubnetIds: pulumi.Output<string[]>;
    constructor(name: string) {
        super("test:index:AwsxStyleVpc", name, {}, {});
        const vpc = new aws.ec2.Vpc(`${name}-vpc`, { cidrBlock: "10.20.0.0/16" }, { parent: this });
        const pub = new aws.ec2.Subnet(`${name}-public`, { vpcId: vpc.id, cidrBlock: "10.20.0.0/24" }, { parent: this });
        const priv = new aws.ec2.Subnet(`${name}-private`, { vpcId: vpc.id, cidrBlock: "10.20.1.0/24" }, { parent: this });
        this.vpcId = vpc.id;
        this.publicSubnetIds = pulumi.all([pub.id]);
        this.privateSubnetIds = pulumi.all([priv.id]);
        this.registerOutputs({});
    }
}

const inputsOf = (rs: Captured[], type: string) => ofType(rs, type).map((r) => r.inputs);

describe("composing: arguments from other resources, outputs to build on", function () {
    this.timeout(120000);
    let rs: Captured[];
    let stack: any;
    let shared: AwsxStyleVpc;
    let zone: aws.route53.Zone;
    let key: aws.ec2.KeyPair;

    before(async () => {
        rs = installMocks("secured-web-stack", "compose", {});
        const { SecuredWebStack } = require(path.join(ROOT, "components", "securedWebStack"));
        shared = new AwsxStyleVpc("shared");
        zone = new aws.route53.Zone("zone", { name: "foobar.com" });
        key = new aws.ec2.KeyPair("ops", { publicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMock ops" });
        stack = new SecuredWebStack("cmp", {
            domain: "www.foobar.com", environment: "prod",
            network: {
                mode: "nat-gateway", existingVpcId: shared.vpcId,
                existingPublicSubnetId: shared.publicSubnetIds.apply((ids) => ids[0]),
                existingPrivateSubnetId: shared.privateSubnetIds.apply((ids) => ids[0]),
            },
            dns: { hostedZoneId: zone.zoneId },
            adminCidrs: ["203.0.113.7/32"], sshKeyName: key.keyName,
            monitoring: { sink: "cloudwatch", alarmEmail: Promise.resolve("ops@foobar.com") },
        });
        await valueOf(stack.instanceIds);
        await settle(rs, 150);
    });

    it("decides the topology from what is given: the existing VPC is used, none is created", async () => {
        const vpcs = ofType(rs, "aws:ec2/vpc:Vpc");
        assert.deepStrictEqual(vpcs.map((v) => v.name), ["shared-vpc"], "only the awsx-style VPC");
        const vpcId = await valueOf(shared.vpcId);
        for (const g of ofType(rs, "aws:ec2/securityGroup:SecurityGroup")) assert.strictEqual(g.inputs.vpcId, vpcId, g.name);
        const [pub, priv] = ["shared-public", "shared-private"].map((n) => ofType(rs, "aws:ec2/subnet:Subnet").find((s) => s.name === n)!.id);
        for (const i of ofType(rs, "aws:ec2/instance:Instance")) {
            assert.strictEqual(i.inputs.subnetId, i.name.endsWith("-lb") ? pub : priv, i.name);
            assert.strictEqual(i.inputs.keyName, await valueOf(key.keyName), i.name);
        }
    });

    it("uses the hosted zone and the alarm e-mail given as outputs", async () => {
        const zoneId = await valueOf(zone.zoneId);
        const records = inputsOf(rs, "aws:route53/record:Record");
        assert.ok(records.length > 0);
        for (const r of records) assert.strictEqual(r.zoneId, zoneId);
        assert.deepStrictEqual(inputsOf(rs, "aws:sns/topicSubscription:TopicSubscription").map((s) => s.endpoint), ["ops@foobar.com"]);
    });

    it("never lets the model's placeholder for a deferred value reach a resource", () => {
        const seen = rs.filter((r) => JSON.stringify(r.inputs).includes(DEFERRED)).map((r) => r.name);
        assert.deepStrictEqual(seen, []);
    });

    it("hands out the network, security groups and roles by server, the topic, log groups and keys", async () => {
        assert.strictEqual(await valueOf(stack.vpcId), await valueOf(shared.vpcId));
        assert.strictEqual(await valueOf(stack.publicSubnetId), (await valueOf(shared.publicSubnetIds))[0]);
        assert.strictEqual(await valueOf(stack.privateSubnetId), (await valueOf(shared.privateSubnetIds))[0]);
        const servers = ofType(rs, "aws:ec2/instance:Instance").map((i) => i.name.replace(/^cmp-/, "")).sort();
        const groups = await valueOf<{ [s: string]: string }>(stack.securityGroupIds);
        assert.deepStrictEqual(Object.keys(groups).sort(), servers);
        for (const [server, id] of Object.entries(groups)) {
            const instance = ofType(rs, "aws:ec2/instance:Instance").find((i) => i.name === `cmp-${server}`)!;
            assert.deepStrictEqual(instance.inputs.vpcSecurityGroupIds, [id], server);
        }
        const roles = await valueOf<{ [s: string]: string }>(stack.roleArns);
        assert.deepStrictEqual(Object.keys(roles).sort(), servers);
        for (const [server, arn] of Object.entries(roles)) {
            const role = ofType(rs, "aws:iam/role:Role").find((r) => r.name === `cmp-${server}-role`)!;
            assert.strictEqual(arn, role.state.arn, server);
        }
        const topic = ofType(rs, "aws:sns/topic:Topic")[0];
        assert.strictEqual(await valueOf(stack.alarmTopicArn), topic.state.arn);
        assert.deepStrictEqual((await valueOf<string[]>(stack.logGroupNames)).sort(), inputsOf(rs, "aws:cloudwatch/logGroup:LogGroup").map((g) => g.name).sort());
        const keys = ofType(rs, "aws:kms/key:Key");
        assert.strictEqual(await valueOf(stack.secretsKeyArn), keys.find((k) => k.name === "cmp-secrets-key")!.state.arn);
        assert.strictEqual(await valueOf(stack.telemetryKeyArn), keys.find((k) => k.name === "cmp-telemetry-key")!.state.arn);
        assert.strictEqual(await valueOf(stack.logBucketName), ofType(rs, "aws:s3/bucket:Bucket").find((b) => b.name === "cmp-logs")!.state.bucket);
    });
});

describe("reference arguments: checked now when plain, once known when an output", function () {
    this.timeout(60000);
    const MESSAGE = `network.existingVpcId: "vpc-NOT-AN-ID" is not allowed; use a VPC id such as "vpc-0123456789abcdef0"`;

    it("a plain bad value fails in buildModel, before anything is registered", () => {
        assert.throws(() => buildModel({ domain: "www.foobar.com", network: { existingVpcId: "vpc-NOT-AN-ID", existingPublicSubnetId: "subnet-0123456789abcdef0", existingPrivateSubnetId: "subnet-0123456789abcdef1" } }),
            (e: Error) => e.message.includes(MESSAGE));
    });

    it("the same bad value as an output fails the deployment with the same message once known", async () => {
        installMocks("secured-web-stack", "bad", {});
        const { SecuredWebStack } = require(path.join(ROOT, "components", "securedWebStack"));
        const s = new SecuredWebStack("bad", {
            domain: "www.foobar.com",
            network: { existingVpcId: pulumi.output("vpc-NOT-AN-ID"), existingPublicSubnetId: "subnet-0123456789abcdef0", existingPrivateSubnetId: "subnet-0123456789abcdef1" },
        });
        // Output.promise() (internal) rejects with what the check threw once the value is known.
        await assert.rejects((s.vpcId as unknown as { promise(): Promise<string> }).promise(), (e: Error) => e.message.includes(MESSAGE));
    });

    it("presence shapes the topology even when the value is deferred: sshKeyName without adminCidrs is refused at once", () => {
        assert.throws(() => buildModel({ domain: "www.foobar.com", sshKeyName: pulumi.output("ops") }),
            /sshKeyName: set, but adminCidrs is empty/);
    });
});
