// Who may write to the log bucket and use the telemetry key, as AWS decides it: the documents
// components/aws/logs.ts renders, evaluated by @cloud-copilot/iam-simulate (the evaluator
// tests/iam-effective.test.ts uses), for the AWS services meant to use them and for everyone else.
import * as assert from "assert";
import { runSimulation, runUnsafeSimulation, Simulation } from "@cloud-copilot/iam-simulate";
import { createValidatedPolicy, validateResourcePolicy } from "@cloud-copilot/iam-policy";
import { LOG_PREFIXES, logBucketPolicyDocument, telemetryKeyPolicyDocument } from "../components/aws/logs";

const ACCOUNT = "123456789012";
const REGION = "us-east-1";
const LOGS = "arn:aws:s3:::sws-prod-logs-2026";
const BACKUPS = "arn:aws:s3:::sws-prod-backups-2026";
const ROLE = `arn:aws:iam::${ACCOUNT}:role/sws-prod-app-1-role`;

async function decide(principal: string, action: string, resource: string, resourcePolicy: object, context: Record<string, string> = {}): Promise<string> {
    const sim: Simulation = {
        request: {
            principal, action, resource: { resource, accountId: ACCOUNT },
            contextVariables: { "aws:SecureTransport": "true", ...context },
        },
        identityPolicies: [], serviceControlPolicies: [], resourceControlPolicies: [], resourcePolicy,
    } as Simulation;
    const r = await runSimulation(sim, {});
    if (r.resultType === "error") throw new Error(`${action} on ${resource}: ${JSON.stringify(r.errors)}`);
    if (!Object.keys(context).some((k) => k.startsWith("kms:EncryptionContext:"))) return r.overallResult;
    // As in iam-effective.test.ts: the validated entry point drops kms:EncryptionContext:<key>; the
    // same evaluation core without that input filter, the resource policy validated beforehand.
    return runUnsafeSimulation({ ...sim, resourcePolicy: createValidatedPolicy(resourcePolicy, validateResourcePolicy, { name: "resource-policy" }) } as Simulation, {}) as string;
}

describe("log bucket policy (IAM policy evaluator)", function () {
    this.timeout(60000);
    const doc = logBucketPolicyDocument(LOGS, [BACKUPS], REGION, ACCOUNT);
    const s3Log = `${LOGS}/${LOG_PREFIXES.s3}backups/2026-11-30-00-00-00-ABC`;
    const flowLog = `${LOGS}/${LOG_PREFIXES.flowLogs}AWSLogs/${ACCOUNT}/vpcflowlogs/us-east-1/2026/11/30/x.log.gz`;
    const fromLogs = { "aws:SourceAccount": ACCOUNT, "aws:SourceArn": `arn:aws:logs:${REGION}:${ACCOUNT}:*` };

    it("S3 access logging may write the backup bucket's logs, for this account's backup bucket only", async () => {
        assert.strictEqual(await decide("logging.s3.amazonaws.com", "s3:PutObject", s3Log, doc, { "aws:SourceArn": BACKUPS, "aws:SourceAccount": ACCOUNT }), "Allowed");
        assert.strictEqual(await decide("logging.s3.amazonaws.com", "s3:PutObject", s3Log, doc, { "aws:SourceArn": "arn:aws:s3:::someone-elses-bucket", "aws:SourceAccount": "210987654321" }), "ImplicitlyDenied");
        assert.strictEqual(await decide("logging.s3.amazonaws.com", "s3:PutObject", flowLog, doc, { "aws:SourceArn": BACKUPS, "aws:SourceAccount": ACCOUNT }), "ImplicitlyDenied", "not outside its prefix");
    });

    it("VPC flow log delivery may write its prefix with bucket-owner-full-control, and check the ACL", async () => {
        assert.strictEqual(await decide("delivery.logs.amazonaws.com", "s3:PutObject", flowLog, doc, { ...fromLogs, "s3:x-amz-acl": "bucket-owner-full-control" }), "Allowed");
        assert.strictEqual(await decide("delivery.logs.amazonaws.com", "s3:PutObject", flowLog, doc, { ...fromLogs, "s3:x-amz-acl": "private" }), "ImplicitlyDenied");
        assert.strictEqual(await decide("delivery.logs.amazonaws.com", "s3:GetBucketAcl", LOGS, doc, fromLogs), "Allowed");
        assert.strictEqual(await decide("delivery.logs.amazonaws.com", "s3:PutObject", s3Log, doc, { ...fromLogs, "s3:x-amz-acl": "bucket-owner-full-control" }), "ImplicitlyDenied", "not the S3 access log prefix");
    });

    it("grants nothing to anyone else, and refuses plain HTTP even to the log services", async () => {
        for (const action of ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]) {
            assert.strictEqual(await decide(ROLE, action, s3Log, doc), "ImplicitlyDenied", action);
        }
        assert.strictEqual(await decide("logging.s3.amazonaws.com", "s3:PutObject", s3Log, doc, { "aws:SourceArn": BACKUPS, "aws:SourceAccount": ACCOUNT, "aws:SecureTransport": "false" }), "ExplicitlyDenied");
    });
});

describe("telemetry key policy (IAM policy evaluator)", function () {
    this.timeout(60000);
    const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/0123abcd-0000-4000-8000-000000000001`;
    const groups = ["/sws/sws-prod/prod/metrics", "/sws/sws-prod/prod/logs"];
    const doc = telemetryKeyPolicyDocument(REGION, ACCOUNT, groups);
    const groupArn = (g: string) => `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${g}`;

    it("CloudWatch Logs may use it for this stack's two log groups only", async () => {
        for (const g of groups) {
            assert.strictEqual(await decide(`logs.${REGION}.amazonaws.com`, "kms:GenerateDataKey", KEY, doc, { "kms:EncryptionContext:aws:logs:arn": groupArn(g) }), "Allowed", g);
        }
        assert.strictEqual(await decide(`logs.${REGION}.amazonaws.com`, "kms:GenerateDataKey", KEY, doc, { "kms:EncryptionContext:aws:logs:arn": groupArn("/another/stack") }), "ImplicitlyDenied");
    });

    it("CloudWatch alarms may encrypt to the topic; an instance role gets nothing from the key policy", async () => {
        assert.strictEqual(await decide("cloudwatch.amazonaws.com", "kms:GenerateDataKey", KEY, doc), "Allowed");
        assert.strictEqual(await decide("cloudwatch.amazonaws.com", "kms:ScheduleKeyDeletion", KEY, doc), "ImplicitlyDenied");
        assert.strictEqual(await decide(ROLE, "kms:Decrypt", KEY, doc), "ImplicitlyDenied");
    });
});
