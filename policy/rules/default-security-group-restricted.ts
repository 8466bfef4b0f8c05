import { StackValidationPolicy } from "@pulumi/policy";
import { isUnknown, list } from "../lib/props";
import { explain } from "../lib/report";
import { TYPES, label } from "../lib/resources";
import { validateIndexedStack } from "../lib/stack";

const remediation =
    "Adopt the VPC's default security group with an `aws.ec2.DefaultSecurityGroup` for the VPC with no `ingress` " +
    "and no `egress` (that removes AWS's allow-all rules), and give every instance its own group. SecuredWebStack " +
    "does this for the VPC it creates.";

export const defaultSecurityGroupRestricted: StackValidationPolicy = {
    name: "default-security-group-restricted",
    description: "[medium] The default security group of every VPC the stack creates admits and sends nothing.",
    enforcementLevel: "advisory",
    severity: "medium",
    remediationSteps: remediation,
    validateStack: validateIndexedStack((stack, args, report) => {
        if (stack.anyUnresolved("vpcId", TYPES.defaultSecurityGroup)) {
            args.notApplicable("a default security group's VPC is not known yet (preview)");
        }
        const vpcs = stack.ofType(TYPES.vpc);
        if (vpcs.some((v) => stack.unlinkable(v))) {
            args.notApplicable("a VPC's id is not known yet (preview)");
        }
        for (const vpc of vpcs) {
            const adopted = stack.pointingAt(vpc, "vpcId", TYPES.defaultSecurityGroup);
            let found: string | undefined;
            if (adopted.length === 0) {
                found = `${label(vpc)}: its default security group is not managed, so AWS's rules stay (all traffic from members, all egress)`;
            } else {
                const group = adopted[0];
                if (isUnknown(group.props.ingress) || isUnknown(group.props.egress)) {
                    args.notApplicable("the default security group's rules are not known yet (preview)");
                }
                const rules = [...list(group.props.ingress).map(() => "ingress"), ...list(group.props.egress).map(() => "egress")];
                if (rules.length > 0) {
                    found = `${label(group)} of ${vpc.name} keeps ${list(group.props.ingress).length} ingress and ${list(group.props.egress).length} egress rule(s)`;
                }
            }
            if (!found) {
                continue;
            }
            report(
                explain({
                    found,
                    on: [vpc.name],
                    why:
                        "anything launched without a group (a forgotten test instance, an ENI of another service) lands in the " +
                        "default group, which lets its members reach each other on every port and the internet (CIS AWS 5.4, " +
                        "Checkov CKV2_AWS_12, AWS Security Hub EC2.2).",
                    fix: remediation,
                }),
                vpc.urn,
            );
        }
    }),
};
