import { StackValidationPolicy } from "@pulumi/policy";
import { isUnknown, record, str } from "../lib/props";
import { explain } from "../lib/report";
import { BUCKET_TYPES, TYPES, label } from "../lib/resources";
import { validateIndexedStack } from "../lib/stack";

const LOGGING_TYPES = [TYPES.bucketLogging, TYPES.bucketLoggingV2];

const remediation =
    "Give the bucket server access logging: an `aws.s3.BucketLogging` with `bucket` set to it and `targetBucket` " +
    "set to a separate log bucket (SSE-S3, public access blocked, a lifecycle rule, a bucket policy that lets " +
    "logging.s3.amazonaws.com write). SecuredWebStack does this for its backup bucket. A bucket that receives other " +
    "buckets' access logs is not itself required to log (it would log into itself).";

export const s3BucketAccessLogging: StackValidationPolicy = {
    name: "s3-bucket-access-logging",
    description: "[medium] S3 buckets have server access logging, to a separate log bucket.",
    enforcementLevel: "advisory",
    severity: "medium",
    remediationSteps: remediation,
    validateStack: validateIndexedStack((stack, args, report) => {
        if (stack.anyUnresolved("bucket", ...LOGGING_TYPES) || stack.anyUnresolved("targetBucket", ...LOGGING_TYPES)) {
            args.notApplicable("a bucket logging configuration's bucket is not known yet (preview)");
        }
        const buckets = stack.ofType(...BUCKET_TYPES);
        if (buckets.some((b) => stack.unlinkable(b))) {
            args.notApplicable("a bucket's name is not known yet (preview)");
        }
        // The log buckets: targets of another bucket's logging (separate resource or inline `logging`).
        const logTargets = new Set<string>();
        for (const logging of stack.ofType(...LOGGING_TYPES)) {
            for (const t of BUCKET_TYPES.flatMap((type) => stack.resolve(logging, "targetBucket", type))) logTargets.add(t.urn);
        }
        for (const b of buckets) {
            const target = str(record(b.props.logging).targetBucket);
            if (target) for (const t of BUCKET_TYPES.flatMap((type) => stack.find(type, [target]))) logTargets.add(t.urn);
        }
        for (const bucket of buckets) {
            if (isUnknown(bucket.props.logging)) {
                continue;
            }
            const inline = str(record(bucket.props.logging).targetBucket);
            const separate = stack.pointingAt(bucket, "bucket", ...LOGGING_TYPES);
            if (inline || separate.length > 0 || logTargets.has(bucket.urn)) {
                const selfLogging = separate.some((l) => stack.resolve(l, "targetBucket", bucket.type).some((t) => t.urn === bucket.urn));
                if (!selfLogging) {
                    continue;
                }
                report(
                    explain({
                        found: `${label(bucket)} writes its access logs into itself`,
                        on: [bucket.name],
                        why: "every log delivery is itself a request that is logged: the log grows without end and costs with it.",
                        fix: remediation,
                    }),
                    bucket.urn,
                );
                continue;
            }
            report(
                explain({
                    found: `${label(bucket)} has no server access logging (no aws.s3.BucketLogging for it, no inline logging)`,
                    on: [bucket.name],
                    why:
                        "without access logs nobody can tell who read, overwrote or deleted objects — for a backup bucket, " +
                        "whether a restore point was tampered with (awsguard s3-bucket-logging-enabled, Checkov CKV_AWS_18, " +
                        "AWS Security Hub S3.9).",
                    fix: remediation,
                }),
                bucket.urn,
            );
        }
    }),
};
