import { StackValidationPolicy } from "@pulumi/policy";
import { configOf } from "../lib/config";
import { explain } from "../lib/report";
import { label } from "../lib/resources";
import { validateIndexedStack } from "../lib/stack";

const configSchema = {
    properties: {
        minServers: {
            type: "integer" as const,
            minimum: 2,
            default: 2,
            description: "Flag only stacks with at least this many servers.",
        },
    },
};

const remediation =
    "Give each server its own components (balancer | web | app + database) so that a flaw in one component " +
    'reaches only the servers that run it. SecuredWebStack: `layout: "split"` (the default) instead of "all-in-one".';

export const identicalServerRoles: StackValidationPolicy = {
    name: "identical-server-roles",
    description: "[medium] Design: every server runs the same set of components.",
    enforcementLevel: "advisory",
    severity: "medium",
    configSchema,
    remediationSteps: remediation,
    validateStack: validateIndexedStack((stack, args, report) => {
        const { minServers } = configOf<{ minServers: number }>(args, configSchema);
        if (stack.servers.some((s) => s.userData.state === "unknown" && s.roles.size === 0)) {
            args.notApplicable("some server's user data is not known yet (preview)");
        }
        const servers = stack.servers.filter((s) => s.roles.size > 0);
        const sets = new Set(servers.map((s) => [...s.roles].sort().join("+")));
        if (servers.length < minServers || sets.size !== 1) {
            return;
        }
        const [components] = [...sets];
        report(
            explain({
                found: `all ${servers.length} servers run the same components: ${components}`,
                on: servers.map(label),
                why:
                    "a vulnerability in one of these components (the web server, the balancer, the application or the " +
                    "database) affects every server at once: one exploit reaches all of them, and no server is left that " +
                    "does not run it.",
                fix: remediation,
            }),
        );
    }),
};
