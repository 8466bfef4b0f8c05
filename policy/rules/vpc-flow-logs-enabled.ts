import { StackValidationPolicy } from "@pulumi/policy";
import { configOf } from "../lib/config";
import { str } from "../lib/props";
import { explain } from "../lib/report";
import { TYPES, label } from "../lib/resources";
import { validateIndexedStack } from "../lib/stack";

const configSchema = {
    properties: {
        trafficTypes: {
            type: "array" as const,
            items: { type: "string" as const, enum: ["ALL", "ACCEPT", "REJECT"] },
            default: ["ALL", "REJECT"],
            description: "Flow log traffic types that count (REJECT is the minimum CIS 3.9 asks for).",
        },
    },
};

const remediation =
    "Add an `aws.ec2.FlowLog` with `vpcId` set to the VPC and `trafficType: \"ALL\"` (or at least \"REJECT\"), " +
    "delivered to S3 or CloudWatch Logs. SecuredWebStack delivers its VPC's flow logs to the stack's log bucket.";

export const vpcFlowLogsEnabled: StackValidationPolicy = {
    name: "vpc-flow-logs-enabled",
    description: "[medium] Every VPC the stack creates has flow logs.",
    enforcementLevel: "advisory",
    severity: "medium",
    configSchema,
    remediationSteps: remediation,
    validateStack: validateIndexedStack((stack, args, report) => {
        const { trafficTypes } = configOf<{ trafficTypes: string[] }>(args, configSchema);
        if (stack.anyUnresolved("vpcId", TYPES.flowLog)) {
            args.notApplicable("a flow log's VPC is not known yet (preview)");
        }
        const vpcs = stack.ofType(TYPES.vpc);
        if (vpcs.some((v) => stack.unlinkable(v))) {
            args.notApplicable("a VPC's id is not known yet (preview)");
        }
        for (const vpc of vpcs) {
            const logs = stack.pointingAt(vpc, "vpcId", TYPES.flowLog);
            // The provider's default traffic type is ALL when none is given.
            const counted = logs.filter((l) => trafficTypes.includes(str(l.props.trafficType) ?? "ALL"));
            if (counted.length > 0) {
                continue;
            }
            report(
                explain({
                    found:
                        logs.length === 0
                            ? `${label(vpc)} has no flow log`
                            : `${label(vpc)} logs only ${logs.map((l) => str(l.props.trafficType)).join(", ")} traffic (counted: ${trafficTypes.join(", ")})`,
                    on: [vpc.name],
                    why:
                        "flow logs are the only record of which addresses reached or probed the servers and of rejected " +
                        "connections; after an incident there is nothing to reconstruct it from (CIS AWS 3.9, Checkov CKV2_AWS_11, " +
                        "AWS Security Hub EC2.6).",
                    fix: remediation,
                }),
                vpc.urn,
            );
        }
    }),
};
