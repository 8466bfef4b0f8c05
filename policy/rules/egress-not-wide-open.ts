import { ResourceValidationPolicy } from "@pulumi/policy";
import { configOf } from "../lib/config";
import { explain } from "../lib/report";
import { anywhereCidrs, describeRule, portSpan, validateRules } from "../lib/securityGroups";

const configSchema = {
    properties: {
        maxPortSpan: {
            type: "integer" as const,
            minimum: 1,
            maximum: 65536,
            default: 1,
            description: "Most ports one egress rule may open to 0.0.0.0/0 or ::/0 (1: single ports only).",
        },
    },
};

const remediation =
    "Replace the allow-all egress rule with one rule per destination the server needs (HTTPS 443 to package " +
    "mirrors and AWS APIs, DNS to the VPC resolver, MySQL to the database's security group).";

export const egressNotWideOpen: ResourceValidationPolicy = {
    name: "egress-not-wide-open",
    description: "[medium] No egress rule opens all protocols or a wide port range to 0.0.0.0/0 or ::/0.",
    enforcementLevel: "advisory",
    severity: "medium",
    configSchema,
    remediationSteps: remediation,
    validateResource: validateRules((rules, args, report) => {
        const { maxPortSpan } = configOf<{ maxPortSpan: number }>(args, configSchema);
        for (const rule of rules) {
            if (rule.direction !== "egress" || anywhereCidrs(rule).length === 0 || portSpan(rule) <= maxPortSpan) {
                continue;
            }
            report(
                explain({
                    found: `${describeRule(rule)} (${portSpan(rule)} ports, limit ${maxPortSpan})`,
                    why:
                        "a compromised server can reach any host on any port: exfiltration, command-and-control and " +
                        "lateral movement go unhindered (Trivy AVD-AWS-0104).",
                    fix: remediation,
                }),
            );
        }
    }),
};
