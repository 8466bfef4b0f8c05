import { ResourceValidationPolicy } from "@pulumi/policy";
import { configOf } from "../lib/config";
import { num } from "../lib/props";
import { explain } from "../lib/report";
import { TYPES, knownOrSkip, validateTypes } from "../lib/resources";

const configSchema = {
    properties: {
        minRetentionDays: {
            type: "integer" as const,
            minimum: 1,
            default: 14,
            description: "Shortest retention accepted, in days (AWS Security Hub CloudWatch.16 asks 365 for audit logs).",
        },
    },
};

const remediation =
    "Set `retentionInDays` on every `aws.cloudwatch.LogGroup` to a value CloudWatch accepts that is at least the minimum " +
    "(e.g. 14, 30, 90, 365). 0 or unset means the events never expire.";

export const logGroupRetention: ResourceValidationPolicy = {
    name: "log-group-retention",
    description: "[low] CloudWatch log groups expire their events after a set retention, not below the minimum.",
    enforcementLevel: "advisory",
    severity: "low",
    configSchema,
    remediationSteps: remediation,
    validateResource: validateTypes([TYPES.logGroup], (r, args, report) => {
        const { minRetentionDays } = configOf<{ minRetentionDays: number }>(args, configSchema);
        const days = num(knownOrSkip(args, r.props.retentionInDays, "retentionInDays")) ?? 0;
        if (days >= minRetentionDays) {
            return;
        }
        report(
            explain({
                found: days === 0 ? "no retention: events are kept forever" : `retention ${days} day(s), below the minimum ${minRetentionDays}`,
                on: [r.name],
                why:
                    days === 0
                        ? "storage grows and is billed without end, and personal data in access logs is kept longer than any purpose needs (Checkov CKV_AWS_66)."
                        : "the logs are gone before an incident is usually noticed and investigated (AWS Security Hub CloudWatch.16, Checkov CKV_AWS_338).",
                fix: remediation,
            }),
        );
    }),
};
