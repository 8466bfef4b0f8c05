// The mocks hand out what the AWS provider would: a reference followed in a test looks like a
// real one (tests/helpers/pulumiMocks.ts). And a type without a shape fails loudly.
import * as assert from "assert";
import { Captured, installMocks, ofType, settle, valueOf } from "./helpers/pulumiMocks";

describe("provider-shaped mocks", function () {
    this.timeout(60000);
    let resources: Captured[];
    before(async () => {
        resources = installMocks("secured-web-stack", "shape", { "aws:region": "eu-west-1" });
        const { SecuredWebStack } = require("../components/securedWebStack");
        const s = new SecuredWebStack("sws-shape", {
            domain: "www.foobar.com", environment: "shape", tls: { mode: "acm" }, dns: { hostedZoneId: "Z04481532TESTZONE0001" },
            monitoring: { sink: "cloudwatch", alarmEmail: "ops@foobar.com" }, network: { mode: "nat-gateway" },
        });
        await valueOf(s.instanceIds);
        await settle(resources);
    });
    const one = (type: string, name?: string) => {
        const found = ofType(resources, type).filter((r) => name === undefined || r.name === name);
        assert.ok(found.length > 0, `${type} ${name ?? ""} registered`);
        return found[0];
    };

    it("EC2 ids carry the provider's prefixes, ARNs the region and account", () => {
        const prefixes: [string, string][] = [
            ["aws:ec2/vpc:Vpc", "vpc-"], ["aws:ec2/subnet:Subnet", "subnet-"], ["aws:ec2/securityGroup:SecurityGroup", "sg-"],
            ["aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "sgr-"], ["aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "sgr-"],
            ["aws:ec2/instance:Instance", "i-"], ["aws:ebs/volume:Volume", "vol-"], ["aws:ec2/eip:Eip", "eipalloc-"],
            ["aws:ec2/internetGateway:InternetGateway", "igw-"], ["aws:ec2/natGateway:NatGateway", "nat-"], ["aws:ec2/routeTable:RouteTable", "rtb-"],
        ];
        for (const [type, prefix] of prefixes) {
            for (const r of ofType(resources, type)) assert.match(r.id, new RegExp(`^${prefix}[0-9a-f]{17}$`), `${r.name}: ${r.id}`);
        }
        const vpc = one("aws:ec2/vpc:Vpc");
        assert.strictEqual(vpc.state.arn, `arn:aws:ec2:eu-west-1:123456789012:vpc/${vpc.id}`);
        assert.strictEqual(one("aws:ec2/eip:Eip").state.allocationId, one("aws:ec2/eip:Eip").id);
        const ids = resources.filter((r) => /^[a-z]+-[0-9a-f]{17}$/.test(r.id)).map((r) => r.id);
        assert.ok(ids.length > 20);
        assert.strictEqual(new Set(ids).size, ids.length, "EC2 ids are unique");
    });

    it("IAM: a role's id is its auto-generated name, its ARN carries it; the instance profile names that role", () => {
        const role = one("aws:iam/role:Role", "sws-shape-lb-role");
        assert.match(role.id, /^sws-shape-lb-role-[0-9a-f]{7}$/);
        assert.strictEqual(role.state.name, role.id);
        assert.strictEqual(role.state.arn, `arn:aws:iam::123456789012:role/${role.id}`);
        assert.strictEqual(one("aws:iam/instanceProfile:InstanceProfile", "sws-shape-lb-profile").inputs.role, role.id);
        const policy = one("aws:iam/rolePolicy:RolePolicy", "sws-shape-lb-policy");
        assert.match(policy.id, new RegExp(`^${role.id}:sws-shape-lb-policy-[0-9a-f]{7}$`));
    });

    it("S3: the bucket's id is its name, made from bucketPrefix plus the provider's 26-character suffix", () => {
        for (const name of ["sws-shape-backups", "sws-shape-logs"]) {
            const bucket = one("aws:s3/bucket:Bucket", name);
            assert.ok(bucket.id.startsWith(bucket.inputs.bucketPrefix), bucket.id);
            assert.strictEqual(bucket.id.length, bucket.inputs.bucketPrefix.length + 26);
            assert.strictEqual(bucket.state.arn, `arn:aws:s3:::${bucket.id}`);
            assert.strictEqual(one("aws:s3/bucketPolicy:BucketPolicy", `${name}-policy`).inputs.bucket, bucket.id);
        }
    });

    it("SSM, SNS, logs, alarms, ACM, Route53: ids and ARNs as the provider sets them", () => {
        const p = ofType(resources, "aws:ssm/parameter:Parameter")[0];
        assert.strictEqual(p.id, p.inputs.name);
        assert.strictEqual(p.state.arn, `arn:aws:ssm:eu-west-1:123456789012:parameter${p.inputs.name}`);
        const topic = one("aws:sns/topic:Topic");
        assert.strictEqual(topic.id, `arn:aws:sns:eu-west-1:123456789012:${topic.inputs.name}`);
        assert.strictEqual(one("aws:sns/topicSubscription:TopicSubscription").inputs.topic, topic.id);
        const group = one("aws:cloudwatch/logGroup:LogGroup");
        assert.strictEqual(group.id, group.inputs.name);
        const alarm = one("aws:cloudwatch/metricAlarm:MetricAlarm");
        assert.strictEqual(alarm.id, alarm.inputs.name);
        assert.deepStrictEqual(alarm.inputs.alarmActions, [topic.id]);
        const cert = one("aws:acm/certificate:Certificate");
        assert.match(cert.id, /^arn:aws:acm:eu-west-1:123456789012:certificate\/[0-9a-f-]{36}$/);
        const record = ofType(resources, "aws:route53/record:Record").find((r) => r.inputs.type === "CNAME")!;
        assert.strictEqual(record.inputs.name, cert.state.domainValidationOptions[0].resourceRecordName);
        assert.strictEqual(record.id, `Z04481532TESTZONE0001_${record.inputs.name}_CNAME`);
        const dlm = one("aws:dlm/lifecyclePolicy:LifecyclePolicy");
        assert.match(dlm.id, /^policy-[0-9a-f]{17}$/);
        assert.strictEqual(dlm.inputs.executionRoleArn, one("aws:iam/role:Role", "sws-shape-dlm-role").state.arn);
    });

    it("a resource type without a shape fails the test, naming the type", async () => {
        const rs = installMocks("secured-web-stack", "unshaped");
        const aws = require("@pulumi/aws");
        new aws.ec2.PlacementGroup("pg", { strategy: "cluster" });
        await assert.rejects(settle(rs), /no provider shape for resource type aws:ec2\/placementGroup:PlacementGroup \(pg\)/);
    });
});
