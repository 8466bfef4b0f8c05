import { StackValidationPolicy } from "@pulumi/policy";
import { configOf, roleListSchema } from "../lib/config";
import { explain } from "../lib/report";
import { TYPES, label } from "../lib/resources";
import { Server, describeServer, hasRole } from "../lib/servers";
import { Stack, validateIndexedStack } from "../lib/stack";

const configSchema = {
    properties: {
        publicRoles: roleListSchema(["balancer"], "Server roles that may have a public address."),
    },
};

const remediation =
    "Put web, app and database servers in private subnets without public addresses (`associatePublicIpAddress: " +
    "false`, no Elastic IP) and reach the internet through a NAT gateway. SecuredWebStack: " +
    '`network.mode: "nat-gateway"` (the default for prod) instead of "public-subnets".';

/** How a server gets a public address, if it does. */
function publicAddresses(stack: Stack, server: Server): string[] {
    const found: string[] = [];
    if (server.props.associatePublicIpAddress === true) {
        found.push("associatePublicIpAddress: true");
    }
    const subnets = stack.resolve(server, "subnetId", TYPES.subnet);
    if (server.props.associatePublicIpAddress !== false && subnets.some((s) => s.props.mapPublicIpOnLaunch === true)) {
        found.push(`subnet ${subnets[0].name} maps public IPs on launch`);
    }
    const eips = [
        ...stack.ofType(TYPES.eip).filter((e) => stack.resolve(e, "instance", TYPES.instance).some((i) => i.urn === server.urn)),
        ...stack
            .ofType(TYPES.eipAssociation)
            .filter((a) => stack.resolve(a, "instanceId", TYPES.instance).some((i) => i.urn === server.urn)),
    ];
    found.push(...eips.map((e) => `Elastic IP ${label(e)}`));
    return found;
}

export const noPublicIpOnPrivateTiers: StackValidationPolicy = {
    name: "no-public-ip-on-private-tiers",
    description: "[high] Only the balancer has a public IP address; web, app and database servers do not.",
    enforcementLevel: "advisory",
    severity: "high",
    configSchema,
    remediationSteps: remediation,
    validateStack: validateIndexedStack((stack, args, report) => {
        const { publicRoles } = configOf<{ publicRoles: string[] }>(args, configSchema);
        for (const server of stack.servers) {
            if (server.roles.size === 0 || hasRole(server, publicRoles)) {
                continue;
            }
            const addresses = publicAddresses(stack, server);
            if (addresses.length === 0) {
                continue;
            }
            report(
                explain({
                    found: `${describeServer(server)} has a public address: ${addresses.join("; ")}`,
                    on: [label(server)],
                    why:
                        "a server with a public address is one security-group mistake away from the internet; only the " +
                        "balancer needs to be reachable (Checkov CKV_AWS_88, awsguard ec2-instance-no-public-ip).",
                    fix: remediation,
                }),
                server.urn,
            );
        }
    }),
};
