import { ResourceValidationPolicy } from "@pulumi/policy";
import { configOf } from "../lib/config";
import { isUnknown, num, record } from "../lib/props";
import { explain } from "../lib/report";
import { validateServer } from "../lib/servers";

const configSchema = {
    properties: {
        maxHopLimit: {
            type: "integer" as const,
            minimum: 1,
            maximum: 64,
            default: 1,
            description: "Highest allowed metadataOptions.httpPutResponseHopLimit (2 is needed for containers with bridge networking).",
        },
    },
};

const remediation = "Set `metadataOptions.httpPutResponseHopLimit: 1` on the instance (SecuredWebStack sets 1).";

export const instanceImdsHopLimit: ResourceValidationPolicy = {
    name: "instance-imds-hop-limit",
    description: "[medium] The IMDSv2 token response hop limit is at most the configured limit (default 1).",
    enforcementLevel: "advisory",
    severity: "medium",
    configSchema,
    remediationSteps: remediation,
    validateResource: validateServer((server, args, report) => {
        const { maxHopLimit } = configOf<{ maxHopLimit: number }>(args, configSchema);
        const options = record(server.props.metadataOptions);
        if (options.httpEndpoint === "disabled") {
            return;
        }
        if ([server.props.metadataOptions, options.httpPutResponseHopLimit].some(isUnknown)) {
            args.notApplicable("metadataOptions is not known yet (preview)");
        }
        const hops = num(options.httpPutResponseHopLimit);
        if (hops !== undefined && hops <= maxHopLimit) {
            return;
        }
        report(
            explain({
                found:
                    hops === undefined
                        ? "metadataOptions.httpPutResponseHopLimit is not set (the AMI's default applies: 2 on Amazon Linux 2023)"
                        : `metadataOptions.httpPutResponseHopLimit is ${hops} (limit ${maxHopLimit})`,
                on: [server.name],
                why:
                    "a hop limit above 1 lets metadata tokens travel past the instance (containers, forwarded " +
                    "requests), so a compromised workload behind it can fetch the instance role's credentials.",
                fix: remediation,
            }),
        );
    }),
};
