import { ResourceValidationPolicy } from "@pulumi/policy";
import { configOf, portListSchema } from "../lib/config";
import { explain } from "../lib/report";
import { anywhereCidrs, describeRule, opensOtherPorts, validateRules } from "../lib/securityGroups";

const configSchema = {
    properties: {
        publicPorts: portListSchema([80, 443], "The only TCP/UDP ports that may be open to 0.0.0.0/0 or ::/0."),
    },
};

const remediation =
    "Open only the balancer's HTTP and HTTPS ports to the internet; admit every other port from the security " +
    "group of the tier that needs it (SecuredWebStack renders one rule per flow).";

export const publicIngressLimitedToWebPorts: ResourceValidationPolicy = {
    name: "public-ingress-limited-to-web-ports",
    description: "[high] Only HTTP/HTTPS (80, 443) are open to 0.0.0.0/0 or ::/0.",
    enforcementLevel: "advisory",
    severity: "high",
    configSchema,
    remediationSteps: remediation,
    validateResource: validateRules((rules, args, report) => {
        const { publicPorts } = configOf<{ publicPorts: number[] }>(args, configSchema);
        for (const rule of rules) {
            if (rule.direction !== "ingress" || anywhereCidrs(rule).length === 0 || !opensOtherPorts(rule, publicPorts)) {
                continue;
            }
            report(
                explain({
                    found: `${describeRule(rule)} opens more than ports ${publicPorts.join(", ")} to the whole internet`,
                    why:
                        "every internet-facing port is attack surface: services behind it (metrics, admin consoles, " +
                        "databases) become reachable by anyone (Trivy AVD-AWS-0107).",
                    fix: remediation,
                }),
            );
        }
    }),
};
