import { ResourceValidationPolicy } from "@pulumi/policy";
import { str } from "../lib/props";
import { explain } from "../lib/report";
import { TYPES, knownOrSkip, validateTypes } from "../lib/resources";

const remediation =
    "Set `kmsMasterKeyId` on the `aws.sns.Topic` to a customer-managed KMS key whose key policy lets the publishers " +
    "use it (cloudwatch.amazonaws.com for CloudWatch alarms: kms:Decrypt and kms:GenerateDataKey*); the AWS managed " +
    "key alias/aws/sns cannot be granted to CloudWatch, so alarms could not publish.";

export const snsTopicEncrypted: ResourceValidationPolicy = {
    name: "sns-topic-encrypted",
    description: "[medium] SNS topics are encrypted at rest with a KMS key.",
    enforcementLevel: "advisory",
    severity: "medium",
    remediationSteps: remediation,
    validateResource: validateTypes([TYPES.snsTopic], (r, args, report) => {
        if (str(knownOrSkip(args, r.props.kmsMasterKeyId, "kmsMasterKeyId"))) {
            return;
        }
        report(
            explain({
                found: "no kmsMasterKeyId: messages are stored unencrypted until delivered",
                on: [r.name],
                why:
                    "alarm notifications name hosts, addresses and failures; encryption at rest keeps them from anyone " +
                    "reading SNS storage (Checkov CKV_AWS_26, AWS Security Hub SNS.1, Trivy AVD-AWS-0095).",
                fix: remediation,
            }),
        );
    }),
};
