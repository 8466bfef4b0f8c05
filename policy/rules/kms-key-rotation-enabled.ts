import { ResourceValidationPolicy } from "@pulumi/policy";
import { str } from "../lib/props";
import { explain } from "../lib/report";
import { TYPES, knownOrSkip, validateTypes } from "../lib/resources";

const remediation = "Set `enableKeyRotation: true` on the `aws.kms.Key` (symmetric encryption keys; AWS rotates the key material yearly by default).";

export const kmsKeyRotationEnabled: ResourceValidationPolicy = {
    name: "kms-key-rotation-enabled",
    description: "[medium] Symmetric customer-managed KMS keys rotate their key material.",
    enforcementLevel: "advisory",
    severity: "medium",
    remediationSteps: remediation,
    validateResource: validateTypes([TYPES.kmsKey], (r, args, report) => {
        const spec = str(r.props.customerMasterKeySpec) ?? "SYMMETRIC_DEFAULT";
        const usage = str(r.props.keyUsage) ?? "ENCRYPT_DECRYPT";
        if (spec !== "SYMMETRIC_DEFAULT" || usage !== "ENCRYPT_DECRYPT") {
            args.notApplicable(`AWS rotates only symmetric encryption keys (this one is ${spec}, ${usage})`);
        }
        if (knownOrSkip(args, r.props.enableKeyRotation, "enableKeyRotation") === true) {
            return;
        }
        report(
            explain({
                found: "enableKeyRotation is not true",
                on: [r.name],
                why:
                    "without rotation one key material protects every secret it ever encrypted, for the key's whole life " +
                    "(awsguard cmk-backing-key-rotation-enabled, CIS AWS 3.6, Checkov CKV_AWS_7).",
                fix: remediation,
            }),
        );
    }),
};
