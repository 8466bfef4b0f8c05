import { ResourceValidationPolicy } from "@pulumi/policy";
import { list } from "../lib/props";
import { explain } from "../lib/report";
import { knownOrSkip } from "../lib/resources";
import { validateServer } from "../lib/servers";

const remediation =
    "Attach a dedicated security group per server role (`vpcSecurityGroupIds`) that admits only that role's " +
    "flows. SecuredWebStack renders one group per server.";

export const instanceHasSecurityGroup: ResourceValidationPolicy = {
    name: "instance-has-security-group",
    description: "[medium] Every EC2 instance has its own security group (not the VPC default).",
    enforcementLevel: "advisory",
    severity: "medium",
    remediationSteps: remediation,
    validateResource: validateServer((server, args, report) => {
        const groups = [
            ...list(knownOrSkip(args, server.props.vpcSecurityGroupIds, "vpcSecurityGroupIds")),
            ...list(knownOrSkip(args, server.props.securityGroups, "securityGroups")),
        ];
        if (groups.length > 0) {
            return;
        }
        report(
            explain({
                found: "neither vpcSecurityGroupIds nor securityGroups is set: the VPC's default security group applies",
                on: [server.name],
                why:
                    "the default group admits all traffic from every other member of the group and is shared by anything " +
                    "launched without a group: the seed's per-server firewall is then missing at the network edge.",
                fix: remediation,
            }),
        );
    }),
};
