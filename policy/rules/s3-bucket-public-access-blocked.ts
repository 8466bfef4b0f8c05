import { StackValidationPolicy } from "@pulumi/policy";
import { isUnknown, str } from "../lib/props";
import { explain } from "../lib/report";
import { BUCKET_TYPES, TYPES, label } from "../lib/resources";
import { validateIndexedStack } from "../lib/stack";

const BLOCK_FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;
const PUBLIC_ACLS = ["public-read", "public-read-write", "authenticated-read"];

const remediation =
    "Add an `aws.s3.BucketPublicAccessBlock` for the bucket with blockPublicAcls, blockPublicPolicy, ignorePublicAcls " +
    "and restrictPublicBuckets all true (or an `aws.s3.AccountPublicAccessBlock` with all four), and no public canned " +
    "ACL (public-read, public-read-write, authenticated-read).";

export const s3BucketPublicAccessBlocked: StackValidationPolicy = {
    name: "s3-bucket-public-access-blocked",
    description: "[high] S3 buckets block every form of public access and carry no public ACL.",
    enforcementLevel: "advisory",
    severity: "high",
    remediationSteps: remediation,
    validateStack: validateIndexedStack((stack, args, report) => {
        const blocks = [TYPES.bucketPublicAccessBlock];
        if (stack.anyUnresolved("bucket", ...blocks, TYPES.bucketAcl, TYPES.bucketAclV2)) {
            args.notApplicable("a public access block's bucket is not known yet (preview)");
        }
        const fullyBlocked = (r: { props: Record<string, unknown> }) => BLOCK_FLAGS.every((f) => r.props[f] === true);
        const accountWide = stack.ofType(TYPES.accountPublicAccessBlock).some(fullyBlocked);
        if (stack.ofType(...BUCKET_TYPES).some((b) => stack.unlinkable(b))) {
            args.notApplicable("a bucket's name is not known yet (preview)");
        }
        for (const bucket of stack.ofType(...BUCKET_TYPES)) {
            const problems: string[] = [];
            const own = stack.pointingAt(bucket, "bucket", ...blocks);
            if (!accountWide) {
                if (own.length === 0) {
                    problems.push("no public access block (neither aws.s3.BucketPublicAccessBlock nor an account-wide one)");
                } else if (!own.some(fullyBlocked)) {
                    const off = BLOCK_FLAGS.filter((f) => !own.some((b) => b.props[f] === true));
                    if (off.some((f) => own.some((b) => isUnknown(b.props[f])))) {
                        args.notApplicable("a public access block setting is not known yet (preview)");
                    }
                    problems.push(`public access block leaves ${off.join(", ")} off`);
                }
            }
            const acls = [str(bucket.props.acl), ...stack.pointingAt(bucket, "bucket", TYPES.bucketAcl, TYPES.bucketAclV2).map((a) => str(a.props.acl))];
            const publicAcl = acls.find((a) => a !== undefined && PUBLIC_ACLS.includes(a));
            if (publicAcl) {
                problems.push(`canned ACL ${publicAcl}`);
            }
            if (problems.length === 0) {
                continue;
            }
            report(
                explain({
                    found: `${label(bucket)}: ${problems.join("; ")}`,
                    on: [bucket.name],
                    why:
                        "one permissive ACL or bucket policy then publishes every object — database dumps and binary logs " +
                        "included (Checkov CKV_AWS_53–56, AWS Security Hub S3.8, Trivy AVD-AWS-0086–0094).",
                    fix: remediation,
                }),
                bucket.urn,
            );
        }
    }),
};
