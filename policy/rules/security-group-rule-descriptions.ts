import { ResourceValidationPolicy } from "@pulumi/policy";
import { explain } from "../lib/report";
import { describeRule, validateRules } from "../lib/securityGroups";

const remediation =
    "Give every rule a `description` that names the flow it allows, e.g. \"balancer -> web :8080 (HTTP)\" " +
    "(SecuredWebStack writes one from each flow's reason).";

export const securityGroupRuleDescriptions: ResourceValidationPolicy = {
    name: "security-group-rule-descriptions",
    description: "[low] Every security-group rule has a description.",
    enforcementLevel: "advisory",
    severity: "low",
    remediationSteps: remediation,
    validateResource: validateRules((rules, args, report) => {
        const bare = rules.filter((r) => (r.description ?? "").trim() === "");
        if (bare.length === 0) {
            return;
        }
        report(
            explain({
                found: `${bare.length} rule(s) without a description: ${bare.map(describeRule).join("; ")}`,
                why:
                    "a rule nobody can explain is a rule nobody dares remove; reviews and audits need to know which flow " +
                    "each opening serves (Checkov CKV_AWS_23, Trivy AVD-AWS-0124).",
                fix: remediation,
            }),
        );
    }),
};
