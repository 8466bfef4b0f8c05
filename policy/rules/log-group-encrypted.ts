import { ResourceValidationPolicy } from "@pulumi/policy";
import { str } from "../lib/props";
import { explain } from "../lib/report";
import { TYPES, knownOrSkip, validateTypes } from "../lib/resources";

const remediation =
    "Set `kmsKeyId` on the `aws.cloudwatch.LogGroup` to a customer-managed KMS key (rotation on) whose key policy lets " +
    "logs.<region>.amazonaws.com use it for this log group's ARN (encryption context aws:logs:arn).";

export const logGroupEncrypted: ResourceValidationPolicy = {
    name: "log-group-encrypted",
    description: "[medium] CloudWatch log groups are encrypted with a customer-managed KMS key.",
    enforcementLevel: "advisory",
    severity: "medium",
    remediationSteps: remediation,
    validateResource: validateTypes([TYPES.logGroup], (r, args, report) => {
        if (str(knownOrSkip(args, r.props.kmsKeyId, "kmsKeyId"))) {
            return;
        }
        report(
            explain({
                found: "no kmsKeyId: the log group is encrypted with a key only AWS controls",
                on: [r.name],
                why:
                    "access logs and server logs carry client addresses and request paths; with a customer-managed key, " +
                    "reading them needs the key too, access is recorded in CloudTrail, and revoking the key makes them " +
                    "unreadable (Checkov CKV_AWS_158, Trivy AVD-AWS-0017).",
                fix: remediation,
            }),
        );
    }),
};
