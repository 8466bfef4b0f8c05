import { StackValidationPolicy } from "@pulumi/policy";
import { configOf, portListSchema, roleListSchema } from "../lib/config";
import { cidrContains, isInternalCidr } from "../lib/net";
import { str } from "../lib/props";
import { explain } from "../lib/report";
import { label } from "../lib/resources";
import { coversPort, describeRule } from "../lib/securityGroups";
import { Server, describeServer, hasRole } from "../lib/servers";
import { validateIndexedStack } from "../lib/stack";

const configSchema = {
    properties: {
        databasePorts: portListSchema([3306], "Database ports to guard."),
        allowedSourceRoles: roleListSchema(["app", "database"], "Server roles that may reach the database ports."),
    },
};

const remediation =
    "Admit the database port only from the application tier's security group (`referencedSecurityGroupId`), " +
    "never from a CIDR that holds other servers or the internet. SecuredWebStack renders exactly that flow " +
    "(app -> database :3306); remove any extra rule added beside it.";

export const databasePortRestrictedToAppTier: StackValidationPolicy = {
    name: "database-port-restricted-to-app-tier",
    description: "[critical] The database port (3306) is reachable only from the application tier.",
    enforcementLevel: "advisory",
    severity: "critical",
    configSchema,
    remediationSteps: remediation,
    validateStack: validateIndexedStack((stack, args, report) => {
        const { databasePorts, allowedSourceRoles } = configOf<{ databasePorts: number[]; allowedSourceRoles: string[] }>(
            args,
            configSchema,
        );
        const outsiders = (servers: Server[]) => servers.filter((s) => s.roles.size > 0 && !hasRole(s, allowedSourceRoles));
        for (const rule of stack.rules()) {
            const ports = databasePorts.filter((p) => coversPort(rule, p));
            if (rule.direction !== "ingress" || ports.length === 0) {
                continue;
            }
            const sources: string[] = [];
            for (const cidr of rule.cidrs) {
                if (!isInternalCidr(cidr)) {
                    sources.push(`${cidr} (outside the private network)`);
                    continue;
                }
                const inside = outsiders(stack.servers.filter((s) => cidrContains(cidr, str(s.props.privateIp) ?? "")));
                if (inside.length > 0) {
                    sources.push(`${cidr} (holds ${inside.map(describeServer).join(", ")})`);
                }
            }
            for (const group of stack.peerGroups(rule)) {
                const members = outsiders(stack.serversIn(group));
                if (members.length > 0) {
                    sources.push(`security group ${group.name} (attached to ${members.map(describeServer).join(", ")})`);
                }
            }
            if (sources.length === 0) {
                continue;
            }
            report(
                explain({
                    found: `${describeRule(rule)} admits database port(s) ${ports.join(", ")} from ${sources.join("; ")}`,
                    on: [label(rule.carrier)],
                    why:
                        "only the application needs the database; any other source that can reach MySQL can try its " +
                        "accounts and exploits, so one compromised web or balancer server (or the internet) reaches the data.",
                    fix: remediation,
                }),
                rule.carrier.urn,
            );
        }
    }),
};
