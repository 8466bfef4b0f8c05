// Backups on AWS:
//   - EBS snapshots of the database data volume by Data Lifecycle Manager: a daily and a weekly
//     schedule, targeting the one tag only this stack's data volumes carry (sws:snapshots=<name>-<env>).
//   - The bucket the database servers' sws-backup writes to (dumps + binlogs): versioned, KMS
//     encrypted (aws/s3 key, bucket key on), public access blocked, TLS only, objects expire after
//     backup.logicalRetentionDays, writable by the database servers' roles only.
//   - For the CloudWatch sink: alarms on the age of the newest backup (full and binlog).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Model, Role, ServerModel, serversWith } from "../model";
import { MonitoringSink } from "../types";
import type { BackupModel } from "../model";
import { BACKUP_METRIC, backupSettings } from "../payloads/backup";
import { CW_NAMESPACE } from "../payloads/collector";
import type { Statement } from "./iam";

/** An IAM statement with the condition the bucket listing needs (assignable to iam.ts's Statement). */
export interface ConditionalStatement extends Statement {
    Condition?: { [operator: string]: { [key: string]: string | string[] } };
}

export interface Backups {
    bucket: aws.s3.Bucket;
    bucketName: pulumi.Output<string>;
    lifecyclePolicy: aws.dlm.LifecyclePolicy;
    /** BACKUP_TARGET of a database server: s3://<bucket>/<server name>. Pass it to the renderer as deploy.backupTarget. */
    targetOf(server: ServerModel): pulumi.Output<string>;
    /** Statements for that server's instance role: read/write/list its own prefix only (none for other servers). */
    statementsFor(server: ServerModel): ConditionalStatement[];
    /** After the roles exist: the bucket policy (TLS only; only these roles may write). Call once. */
    restrictWriters(roleArns: pulumi.Input<string>[]): aws.s3.BucketPolicy;
}

/** Time (UTC) of the daily snapshot, and the weekly one's cron (Sunday, an hour later). */
export const SNAPSHOT_TIMES = { daily: "03:00", weeklyCron: "cron(0 4 ? * SUN *)" } as const;
/**
 * The tag that selects this stack's data volumes; components/aws/servers.ts createDataVolume must
 * put it on them. One tag, unique per stack and environment, because DLM targets a volume carrying
 * ANY of a policy's target tags (sws:data + stack would also snapshot every root volume of the
 * stack and every other stack's data volume), and refuses a second policy with the same target
 * tags (a dev and a prod stack in one account would collide on sws:data=database).
 */
export function snapshotTargetTags(stackName: string, environment: string): { [k: string]: string } {
    return { "sws:snapshots": `${stackName}-${environment}` };
}

/** The DLM policy's schedules (pure, tested): daily retain N, weekly retain M (omitted when M is 0). */
export function snapshotSchedules(b: BackupModel, tags: { [k: string]: string }): aws.types.input.dlm.LifecyclePolicyPolicyDetailsSchedule[] {
    const schedules: aws.types.input.dlm.LifecyclePolicyPolicyDetailsSchedule[] = [{
        name: `daily keep ${b.dailySnapshots}`, copyTags: true,
        createRule: { interval: 24, intervalUnit: "HOURS", times: SNAPSHOT_TIMES.daily },
        retainRule: { count: b.dailySnapshots },
        tagsToAdd: { ...tags, "sws:snapshot": "daily" },
    }];
    if (b.weeklySnapshots > 0) {
        schedules.push({
            name: `weekly keep ${b.weeklySnapshots}`, copyTags: true,
            createRule: { cronExpression: SNAPSHOT_TIMES.weeklyCron },
            retainRule: { count: b.weeklySnapshots },
            tagsToAdd: { ...tags, "sws:snapshot": "weekly" },
        });
    }
    return schedules;
}

/** The bucket policy document (pure, tested). */
export function bucketPolicyDocument(bucketArn: string, writerRoleArns: string[]): object {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*",
                Resource: [bucketArn, `${bucketArn}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
            {
                Sid: "OnlyTheDatabaseServersWrite", Effect: "Deny", Principal: "*", Action: ["s3:PutObject"],
                Resource: `${bucketArn}/*`, Condition: { ArnNotEquals: { "aws:PrincipalArn": writerRoleArns } },
            },
        ],
    };
}

/**
 * Creates the snapshot policy and the logical-backup bucket. Children get `opts` (pass { parent }).
 * Use: `targetOf(server)` → deploy.backupTarget of the database server's user data,
 * `statementsFor(server)` → its instance-role statements, then `restrictWriters([role ARNs])`.
 */
export function createBackups(name: string, model: Model, tags: { [k: string]: string }, opts: pulumi.CustomResourceOptions): Backups {
    const b = backupSettings(model);

    // EBS snapshots (DLM) ---------------------------------------------------------------------
    const dlmRole = new aws.iam.Role(`${name}-dlm-role`, {
        description: `Data Lifecycle Manager: snapshots of ${name}'s database data volume`,
        assumeRolePolicy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { Service: "dlm.amazonaws.com" }, Action: "sts:AssumeRole" }],
        }),
        tags,
    }, opts);
    const dlmAttach = new aws.iam.RolePolicyAttachment(`${name}-dlm-policy`, {
        role: dlmRole.name, policyArn: "arn:aws:iam::aws:policy/service-role/AWSDataLifecycleManagerServiceRole",
    }, opts);
    const lifecyclePolicy = new aws.dlm.LifecyclePolicy(`${name}-db-snapshots`, {
        // DLM allows [0-9A-Za-z _-] only in descriptions.
        description: `${model.name}-${model.environment} database data volume ${b.dailySnapshots} daily ${b.weeklySnapshots} weekly`.replace(/[^0-9A-Za-z _-]/g, "-"),
        executionRoleArn: dlmRole.arn,
        state: "ENABLED",
        policyDetails: {
            resourceTypes: ["VOLUME"],
            targetTags: snapshotTargetTags(model.name, model.environment),
            schedules: snapshotSchedules(b, { stack: model.name, environment: model.environment }),
        },
        tags,
    }, { ...opts, dependsOn: [dlmAttach] });

    // The logical-backup bucket ---------------------------------------------------------------
    const prefix = `${model.name}-${model.environment}-backups-`.toLowerCase().replace(/[^a-z0-9-]+/g, "-").slice(0, 37);
    const bucket = new aws.s3.Bucket(`${name}-backups`, { bucketPrefix: prefix, tags }, { ...opts, protect: model.terminationProtection });
    const pab = new aws.s3.BucketPublicAccessBlock(`${name}-backups-pab`, {
        bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true,
    }, opts);
    const versioning = new aws.s3.BucketVersioning(`${name}-backups-versioning`, {
        bucket: bucket.id, versioningConfiguration: { status: "Enabled" },
    }, opts);
    new aws.s3.BucketServerSideEncryptionConfiguration(`${name}-backups-sse`, {
        bucket: bucket.id,
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }, bucketKeyEnabled: true }],
    }, opts);
    new aws.s3.BucketLifecycleConfiguration(`${name}-backups-lifecycle`, {
        bucket: bucket.id,
        rules: [{
            id: "expire-old-backups", status: "Enabled", filter: {},
            expiration: { days: b.logicalRetentionDays },
            // Overwritten or expired versions stay a week: a tampered backup can be recovered.
            noncurrentVersionExpiration: { noncurrentDays: 7 },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
        }, {
            id: "remove-expired-delete-markers", status: "Enabled", filter: {},
            expiration: { expiredObjectDeleteMarker: true },
        }],
    }, { ...opts, dependsOn: [versioning] });

    const databases = new Set(serversWith(model, Role.Database).map((s) => s.name));
    let policy: aws.s3.BucketPolicy | undefined;
    return {
        bucket, bucketName: bucket.bucket, lifecyclePolicy,
        targetOf: (server) => pulumi.interpolate`s3://${bucket.bucket}/${server.name}`,
        statementsFor: (server) => !databases.has(server.name) ? [] : [
            { Effect: "Allow", Action: ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"], Resource: pulumi.interpolate`${bucket.arn}/${server.name}/*` },
            { Effect: "Allow", Action: ["s3:ListBucket"], Resource: bucket.arn, Condition: { StringLike: { "s3:prefix": [`${server.name}/*`] } } },
        ],
        restrictWriters: (roleArns) => {
            if (policy) throw new Error("createBackups: restrictWriters called twice");
            policy = new aws.s3.BucketPolicy(`${name}-backups-policy`, {
                bucket: bucket.id,
                policy: pulumi.all([bucket.arn, pulumi.all(roleArns)]).apply(([arn, roles]) => JSON.stringify(bucketPolicyDocument(arn, roles))),
            }, { ...opts, dependsOn: [pab] });
            return policy;
        },
    };
}

/** Alarm thresholds (seconds) on the age of the newest backup of each kind. */
export function backupAgeThresholds(b: BackupModel): { full: number; binlog: number } {
    return { full: 26 * 3600, binlog: (3 * b.binlogIntervalMinutes + 5) * 60 };
}

/**
 * CloudWatch sink only: for every database server, an alarm per kind (full, binlog) when the
 * newest successful backup is older than its threshold, or when the metric stops arriving. The
 * age is EPOCH(m) - m: the data point's own time minus the last success it reports. Needs the
 * collector to publish sws_backup_last_success_timestamp_seconds with the dimension `kind`.
 */
export function createBackupAlarms(
    name: string, model: Model, actions: pulumi.Input<string>[], opts: pulumi.CustomResourceOptions,
): aws.cloudwatch.MetricAlarm[] {
    if (model.monitoring.sink !== MonitoringSink.CloudWatch) return [];
    const tags = { ...model.tags, stack: model.name, environment: model.environment, "managed-by": "secured-web-stack" };
    const limits = backupAgeThresholds(backupSettings(model));
    return serversWith(model, Role.Database).flatMap((server) => (["full", "binlog"] as const).map((kind) => {
        const what = `backup-${kind}-age-${server.name}`;
        return new aws.cloudwatch.MetricAlarm(`${name}-alarm-${what}`, {
            name: `${model.name}-${model.environment}-${what}`,
            alarmDescription: `The newest ${kind === "full" ? "full database backup" : "shipped binlog"} of ${server.name} is older than ` +
                `${kind === "full" ? `${limits.full / 3600} hours` : `${limits.binlog / 60} minutes`}, or its metric stopped (see journalctl -u sws-backup-${kind}.service).`,
            comparisonOperator: "GreaterThanThreshold", threshold: limits[kind], evaluationPeriods: 2, datapointsToAlarm: 2,
            treatMissingData: "breaching",
            metricQueries: [
                {
                    id: "last", returnData: false,
                    metric: {
                        namespace: CW_NAMESPACE, metricName: BACKUP_METRIC, stat: "Maximum", period: 300,
                        dimensions: { stack: model.name, environment: model.environment, host: server.name, kind },
                    },
                },
                { id: "age", returnData: true, label: "seconds since the last backup", expression: "EPOCH(last) - last" },
            ],
            alarmActions: actions, okActions: actions, tags,
        }, opts);
    }));
}
