import { StackValidationPolicy } from "@pulumi/policy";
import { configOf } from "../lib/config";
import { isUnknown, list, record, str } from "../lib/props";
import { explain } from "../lib/report";
import { BUCKET_TYPES, TYPES, label } from "../lib/resources";
import { validateIndexedStack } from "../lib/stack";

const SSE_TYPES = [TYPES.bucketSse, TYPES.bucketSseV2];

const configSchema = {
    properties: {
        allowedAlgorithms: {
            type: "array" as const,
            items: { type: "string" as const, enum: ["aws:kms", "aws:kms:dsse", "AES256"] },
            default: ["aws:kms", "aws:kms:dsse", "AES256"],
            description: "Default-encryption algorithms accepted (set [\"aws:kms\", \"aws:kms:dsse\"] to require KMS).",
        },
    },
};

const remediation =
    "Add an `aws.s3.BucketServerSideEncryptionConfiguration` for the bucket whose rule sets " +
    "`applyServerSideEncryptionByDefault.sseAlgorithm` (\"aws:kms\" with `bucketKeyEnabled: true`, or \"AES256\").";

/** The default-encryption algorithms a bucket declares (inline or through a separate resource). */
function algorithmsOf(rules: unknown): unknown[] {
    return list(rules).map((r) => record(record(r).applyServerSideEncryptionByDefault).sseAlgorithm);
}

export const s3BucketEncrypted: StackValidationPolicy = {
    name: "s3-bucket-encrypted",
    description: "[medium] S3 buckets declare default encryption with an accepted algorithm.",
    enforcementLevel: "advisory",
    severity: "medium",
    configSchema,
    remediationSteps: remediation,
    validateStack: validateIndexedStack((stack, args, report) => {
        const { allowedAlgorithms } = configOf<{ allowedAlgorithms: string[] }>(args, configSchema);
        if (stack.anyUnresolved("bucket", ...SSE_TYPES)) {
            args.notApplicable("an encryption configuration's bucket is not known yet (preview)");
        }
        if (stack.ofType(...BUCKET_TYPES).some((b) => stack.unlinkable(b))) {
            args.notApplicable("a bucket's name is not known yet (preview)");
        }
        for (const bucket of stack.ofType(...BUCKET_TYPES)) {
            const inline = record(bucket.props.serverSideEncryptionConfiguration).rule;
            const algorithms = [
                ...algorithmsOf(inline === undefined ? [] : [inline]),
                ...stack.pointingAt(bucket, "bucket", ...SSE_TYPES).flatMap((c) => algorithmsOf(c.props.rules)),
            ];
            if (algorithms.some(isUnknown)) {
                args.notApplicable("an encryption algorithm is not known yet (preview)");
            }
            const known = algorithms.map(str).filter((a): a is string => a !== undefined);
            if (known.length > 0 && known.every((a) => allowedAlgorithms.includes(a))) {
                continue;
            }
            report(
                explain({
                    found:
                        known.length === 0
                            ? `${label(bucket)} declares no default encryption`
                            : `${label(bucket)} uses ${known.join(", ")} (accepted: ${allowedAlgorithms.join(", ")})`,
                    on: [bucket.name],
                    why:
                        "S3 has applied SSE-S3 to new objects by default since January 2023, but only a declared rule shows " +
                        "the choice in code and lets you require a KMS key whose use IAM controls and CloudTrail records " +
                        "(Checkov CKV_AWS_19/145, AWS Security Hub S3.4).",
                    fix: remediation,
                }),
                bucket.urn,
            );
        }
    }),
};
