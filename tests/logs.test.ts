// The stack's log bucket (backup bucket access logs, VPC flow logs), the default security group
// with no rules, and the telemetry key of the log groups and alarm topic — under mocks, plus the
// policy documents as pure functions.
import * as assert from "assert";
import * as path from "path";
import { LOG_BUCKET_RETENTION_DAYS, LOG_PREFIXES, logBucketPolicyDocument, telemetryKeyPolicyDocument } from "../components/aws/logs";
import { Captured, installMocks, ofType, settle } from "./helpers/pulumiMocks";

const ROOT = path.join(__dirname, "..");
const one = (rs: Captured[], type: string) => {
    const found = ofType(rs, type);
    assert.strictEqual(found.length, 1, `${type}: ${found.map((r) => r.name).join(", ")}`);
    return found[0];
};

async function build(args: object, stack = "logs"): Promise<Captured[]> {
    const resources = installMocks("secured-web-stack", stack, {});
    const { SecuredWebStack } = require(path.join(ROOT, "components", "securedWebStack"));
    const s = new SecuredWebStack(stack, { domain: "www.foobar.com", ...args });
    await new Promise((r) => s.instanceIds.apply(r));
    await settle(resources, 150);
    return resources;
}

describe("logs: bucket, flow logs, default security group, telemetry key", function () {
    this.timeout(60000);
    let rs: Captured[];
    before(async () => {
        rs = await build({ monitoring: { sink: "cloudwatch", alarmEmail: "ops@foobar.com" }, network: { mode: "nat-gateway" } });
    });

    it("logs the backup bucket's access into a separate SSE-S3, private, expiring log bucket", () => {
        const buckets = ofType(rs, "aws:s3/bucket:Bucket");
        const logBucket = buckets.find((b) => b.name === "logs-logs")!;
        const backups = buckets.find((b) => b.name === "logs-backups")!;
        assert.ok(logBucket && backups, buckets.map((b) => b.name).join(", "));
        const logging = one(rs, "aws:s3/bucketLogging:BucketLogging");
        assert.strictEqual(logging.inputs.bucket, backups.state.bucket);
        assert.strictEqual(logging.inputs.targetBucket, logBucket.state.bucket);
        assert.strictEqual(logging.inputs.targetPrefix, `${LOG_PREFIXES.s3}backups/`);
        const sse = ofType(rs, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").find((r) => r.inputs.bucket === logBucket.state.bucket)!;
        // S3 server access logging cannot deliver into an SSE-KMS bucket.
        assert.strictEqual(sse.inputs.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm, "AES256");
        const pab = ofType(rs, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").find((r) => r.inputs.bucket === logBucket.state.bucket)!;
        for (const flag of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) assert.strictEqual(pab.inputs[flag], true, flag);
        const lifecycle = ofType(rs, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").find((r) => r.inputs.bucket === logBucket.state.bucket)!;
        assert.strictEqual(lifecycle.inputs.rules[0].expiration.days, LOG_BUCKET_RETENTION_DAYS);
        const policy = JSON.parse(ofType(rs, "aws:s3/bucketPolicy:BucketPolicy").find((r) => r.inputs.bucket === logBucket.state.bucket)!.inputs.policy);
        assert.deepStrictEqual(policy, logBucketPolicyDocument(logBucket.state.arn, [backups.state.arn], "us-east-1", "123456789012"));
    });

    it("sends the created VPC's flow logs (all traffic) to the log bucket and closes its default security group", () => {
        const vpc = one(rs, "aws:ec2/vpc:Vpc");
        const flow = one(rs, "aws:ec2/flowLog:FlowLog");
        assert.strictEqual(flow.inputs.vpcId, vpc.id);
        assert.strictEqual(flow.inputs.trafficType, "ALL");
        assert.strictEqual(flow.inputs.logDestinationType, "s3");
        const logBucket = ofType(rs, "aws:s3/bucket:Bucket").find((b) => b.name === "logs-logs")!;
        assert.strictEqual(flow.inputs.logDestination, `${logBucket.state.arn}/${LOG_PREFIXES.flowLogs}`);
        const dsg = one(rs, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup");
        assert.strictEqual(dsg.inputs.vpcId, vpc.id);
        assert.strictEqual(dsg.inputs.ingress, undefined, "no ingress rule");
        assert.strictEqual(dsg.inputs.egress, undefined, "no egress rule");
    });

    it("encrypts both log groups and the alarm topic with a rotating key scoped to exactly those groups", () => {
        const key = ofType(rs, "aws:kms/key:Key").find((k) => k.name === "logs-telemetry-key")!;
        assert.ok(key, "the telemetry key");
        assert.strictEqual(key.inputs.enableKeyRotation, true);
        const groups = ofType(rs, "aws:cloudwatch/logGroup:LogGroup");
        assert.strictEqual(groups.length, 2);
        for (const g of groups) assert.strictEqual(g.inputs.kmsKeyId, key.state.arn, g.name);
        assert.strictEqual(one(rs, "aws:sns/topic:Topic").inputs.kmsMasterKeyId, key.state.arn);
        const doc: { Statement: any[] } = JSON.parse(key.inputs.policy);
        assert.deepStrictEqual(JSON.parse(key.inputs.policy), telemetryKeyPolicyDocument("us-east-1", "123456789012", groups.map((g) => g.inputs.name)));
        const logs = doc.Statement.find((s: { Sid: string }) => s.Sid === "CloudWatchLogsEncryptsThisStacksLogGroups");
        assert.deepStrictEqual(logs.Principal, { Service: "logs.us-east-1.amazonaws.com" });
        assert.deepStrictEqual(logs.Condition.ArnEquals["kms:EncryptionContext:aws:logs:arn"].sort(),
            groups.map((g) => `arn:aws:logs:us-east-1:123456789012:log-group:${g.inputs.name}`).sort());
    });

    it("the log bucket accepts S3 access logs only from this stack's buckets and account, and nothing over plain HTTP", () => {
        const doc = logBucketPolicyDocument("arn:aws:s3:::l", ["arn:aws:s3:::b"], "eu-west-1", "111122223333") as { Statement: any[] };
        const bySid = Object.fromEntries(doc.Statement.map((s) => [s.Sid, s]));
        assert.deepStrictEqual(bySid.S3ServerAccessLogsOfThisStacksBuckets.Condition, { StringEquals: { "aws:SourceAccount": "111122223333" }, ArnLike: { "aws:SourceArn": ["arn:aws:s3:::b"] } });
        assert.strictEqual(bySid.S3ServerAccessLogsOfThisStacksBuckets.Resource, `arn:aws:s3:::l/${LOG_PREFIXES.s3}*`);
        assert.strictEqual(bySid.VpcFlowLogsDelivery.Resource, `arn:aws:s3:::l/${LOG_PREFIXES.flowLogs}AWSLogs/111122223333/*`);
        assert.deepStrictEqual(bySid.DenyInsecureTransport.Condition, { Bool: { "aws:SecureTransport": "false" } });
        assert.strictEqual(doc.Statement.filter((s) => s.Effect === "Allow" && s.Principal === "*").length, 0);
    });

    it("with an existing VPC: no flow log or default group of a VPC it does not own; no key without the CloudWatch sink", async () => {
        const existing = await build({
            network: { existingVpcId: "vpc-0123456789abcdef0", existingPublicSubnetId: "subnet-0123456789abcdef0", existingPrivateSubnetId: "subnet-0123456789abcdef1" },
            monitoring: { sink: "none" },
        }, "existing");
        assert.strictEqual(ofType(existing, "aws:ec2/flowLog:FlowLog").length, 0);
        assert.strictEqual(ofType(existing, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup").length, 0);
        assert.ok(!ofType(existing, "aws:kms/key:Key").some((k) => k.name.endsWith("-telemetry-key")));
        assert.strictEqual(ofType(existing, "aws:s3/bucketLogging:BucketLogging").length, 1, "the backup bucket still logs");
    });
});
