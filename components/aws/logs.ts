// Where the stack's own AWS logs go, and the key its telemetry is encrypted with:
//   - the log bucket: S3 server access logs of the backup bucket (who read, overwrote or deleted a
//     backup) and the VPC's flow logs. SSE-S3, because S3 server access logging cannot deliver to a
//     bucket encrypted with SSE-KMS; public access blocked; TLS only; only those two AWS log
//     services may write, each for this stack's sources only; objects expire after
//     LOG_BUCKET_RETENTION_DAYS. It does not log its own access (it would log into itself).
//   - the telemetry key (CloudWatch sink): a customer-managed KMS key, rotation on, that encrypts
//     the collectors' log groups and the alarm topic. Its policy lets CloudWatch Logs use it for
//     this stack's two log groups only (encryption context aws:logs:arn) and CloudWatch alarms
//     publish to the encrypted topic (the AWS managed aws/sns key cannot be granted to CloudWatch).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Model } from "../model";

/** Days the log bucket keeps access logs and flow logs. */
export const LOG_BUCKET_RETENTION_DAYS = 90;
/** Key prefixes inside the log bucket. */
export const LOG_PREFIXES = { s3: "s3-access/", flowLogs: "vpc-flow-logs/" } as const;

/** The log bucket's policy document (pure, tested). */
export function logBucketPolicyDocument(logBucketArn: string, sourceBucketArns: string[], region: string, accountId: string): object {
    const fromThisAccount = { StringEquals: { "aws:SourceAccount": accountId } };
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*",
                Resource: [logBucketArn, `${logBucketArn}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
            {
                Sid: "S3ServerAccessLogsOfThisStacksBuckets", Effect: "Allow", Principal: { Service: "logging.s3.amazonaws.com" },
                Action: "s3:PutObject", Resource: `${logBucketArn}/${LOG_PREFIXES.s3}*`,
                Condition: { ...fromThisAccount, ArnLike: { "aws:SourceArn": sourceBucketArns } },
            },
            {
                Sid: "VpcFlowLogsDelivery", Effect: "Allow", Principal: { Service: "delivery.logs.amazonaws.com" },
                Action: "s3:PutObject", Resource: `${logBucketArn}/${LOG_PREFIXES.flowLogs}AWSLogs/${accountId}/*`,
                Condition: {
                    StringEquals: { "aws:SourceAccount": accountId, "s3:x-amz-acl": "bucket-owner-full-control" },
                    ArnLike: { "aws:SourceArn": `arn:aws:logs:${region}:${accountId}:*` },
                },
            },
            {
                Sid: "VpcFlowLogsAclCheck", Effect: "Allow", Principal: { Service: "delivery.logs.amazonaws.com" },
                Action: ["s3:GetBucketAcl", "s3:ListBucket"], Resource: logBucketArn,
                Condition: { ...fromThisAccount, ArnLike: { "aws:SourceArn": `arn:aws:logs:${region}:${accountId}:*` } },
            },
        ],
    };
}

export interface LogBucket {
    bucket: aws.s3.Bucket;
    /** The bucket policy: log deliveries (flow logs) must wait for it. */
    policy: aws.s3.BucketPolicy;
}

/**
 * The stack's log bucket. `sources` are the buckets whose access logs it receives: each gets an
 * aws.s3.BucketLogging here. Children get `opts` (pass { parent }).
 */
export function createLogBucket(
    name: string, model: Model, sources: { [short: string]: aws.s3.Bucket }, tags: { [k: string]: string }, opts: pulumi.CustomResourceOptions,
): LogBucket {
    const region = aws.getRegionOutput({}, opts).region;
    const accountId = aws.getCallerIdentityOutput({}, opts).accountId;
    const prefix = `${model.name}-${model.environment}-logs-`.toLowerCase().replace(/[^a-z0-9-]+/g, "-").slice(0, 37);
    const bucket = new aws.s3.Bucket(`${name}-logs`, { bucketPrefix: prefix, tags }, { ...opts, protect: model.terminationProtection });
    const pab = new aws.s3.BucketPublicAccessBlock(`${name}-logs-pab`, {
        bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true,
    }, opts);
    new aws.s3.BucketServerSideEncryptionConfiguration(`${name}-logs-sse`, {
        bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    }, opts);
    new aws.s3.BucketLifecycleConfiguration(`${name}-logs-lifecycle`, {
        bucket: bucket.id,
        rules: [{
            id: "expire-old-logs", status: "Enabled", filter: {},
            expiration: { days: LOG_BUCKET_RETENTION_DAYS }, abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
        }],
    }, opts);
    const policy = new aws.s3.BucketPolicy(`${name}-logs-policy`, {
        bucket: bucket.id,
        policy: pulumi.all([bucket.arn, pulumi.all(Object.values(sources).map((s) => s.arn)), region, accountId])
            .apply(([arn, sourceArns, r, a]) => JSON.stringify(logBucketPolicyDocument(arn, sourceArns, r, a))),
    }, { ...opts, dependsOn: [pab] });
    for (const [short, source] of Object.entries(sources)) {
        new aws.s3.BucketLogging(`${name}-${short}-access-logging`, {
            bucket: source.id, targetBucket: bucket.id, targetPrefix: `${LOG_PREFIXES.s3}${short}/`,
        }, { ...opts, dependsOn: [policy] });
    }
    return { bucket, policy };
}

/** Flow logs (all traffic) of a VPC the stack created, into the log bucket. */
export function createFlowLogs(
    name: string, vpcId: pulumi.Input<string>, logs: LogBucket, tags: { [k: string]: string }, opts: pulumi.CustomResourceOptions,
): aws.ec2.FlowLog {
    return new aws.ec2.FlowLog(`${name}-vpc-flow-logs`, {
        vpcId, trafficType: "ALL", logDestinationType: "s3",
        logDestination: pulumi.interpolate`${logs.bucket.arn}/${LOG_PREFIXES.flowLogs}`,
        maxAggregationInterval: 600,
        tags: { ...tags, Name: `${name}-vpc-flow-logs` },
    }, { ...opts, dependsOn: [logs.policy] });
}

/** The telemetry key's policy document (pure, tested). */
export function telemetryKeyPolicyDocument(region: string, accountId: string, logGroupNames: string[]): object {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                // Without this statement nobody in the account, not even an administrator, could manage the key.
                Sid: "TheAccountAdministersTheKey", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${accountId}:root` },
                Action: "kms:*", Resource: "*",
            },
            {
                Sid: "CloudWatchLogsEncryptsThisStacksLogGroups", Effect: "Allow", Principal: { Service: `logs.${region}.amazonaws.com` },
                Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"], Resource: "*",
                Condition: { ArnEquals: { "kms:EncryptionContext:aws:logs:arn": logGroupNames.map((g) => `arn:aws:logs:${region}:${accountId}:log-group:${g}`) } },
            },
            {
                Sid: "CloudWatchAlarmsPublishToTheEncryptedTopic", Effect: "Allow", Principal: { Service: "cloudwatch.amazonaws.com" },
                Action: ["kms:Decrypt", "kms:GenerateDataKey*"], Resource: "*",
            },
        ],
    };
}

/** The customer-managed key (rotation on) of the stack's log groups and alarm topic. */
export function createTelemetryKey(
    name: string, model: Model, logGroupNames: string[], region: pulumi.Input<string>, tags: { [k: string]: string }, opts: pulumi.CustomResourceOptions,
): aws.kms.Key {
    const accountId = aws.getCallerIdentityOutput({}, opts).accountId;
    const key = new aws.kms.Key(`${name}-telemetry-key`, {
        description: `${model.name}-${model.environment}: CloudWatch log groups and alarm topic of secured-web-stack`,
        enableKeyRotation: true, deletionWindowInDays: 30,
        policy: pulumi.all([region, accountId]).apply(([r, a]) => JSON.stringify(telemetryKeyPolicyDocument(r, a, logGroupNames))),
        tags,
    }, opts);
    new aws.kms.Alias(`${name}-telemetry-key-alias`, { name: `alias/${model.name}-${model.environment}-telemetry`, targetKeyId: key.keyId }, opts);
    return key;
}
