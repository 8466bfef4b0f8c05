import { ResourceValidationPolicy } from "@pulumi/policy";
import { configOf, portListSchema } from "../lib/config";
import { explain } from "../lib/report";
import { anywhereCidrs, coversPort, describeRule, validateRules } from "../lib/securityGroups";

const configSchema = {
    properties: {
        adminPorts: portListSchema([22, 3389], "Remote administration ports that must never be open to 0.0.0.0/0 or ::/0."),
    },
};

const remediation =
    "Admit SSH/RDP only from known administration CIDRs, or close the port and use SSM Session Manager. " +
    "SecuredWebStack: leave `adminCidrs` empty (the default) or list your office/VPN CIDRs, and keep " +
    "`allowSshFromAnywhere: false`.";

export const noAdminPortsFromAnywhere: ResourceValidationPolicy = {
    name: "no-admin-ports-from-anywhere",
    description: "[critical] No security group admits SSH (22) or RDP (3389) from 0.0.0.0/0 or ::/0.",
    enforcementLevel: "advisory",
    severity: "critical",
    configSchema,
    remediationSteps: remediation,
    validateResource: validateRules((rules, args, report) => {
        const { adminPorts } = configOf<{ adminPorts: number[] }>(args, configSchema);
        for (const rule of rules.filter((r) => r.direction === "ingress" && anywhereCidrs(r).length > 0)) {
            const open = adminPorts.filter((p) => coversPort(rule, p));
            if (open.length === 0) {
                continue;
            }
            report(
                explain({
                    found: `${describeRule(rule)} opens administration port(s) ${open.join(", ")} to the whole internet`,
                    why:
                        "every scanner on the internet can reach the login service and try passwords, keys and " +
                        "exploits against it (Checkov CKV_AWS_24/25, Trivy AVD-AWS-0107).",
                    fix: remediation,
                }),
            );
        }
    }),
};
