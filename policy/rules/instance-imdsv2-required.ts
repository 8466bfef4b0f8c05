import { ResourceValidationPolicy } from "@pulumi/policy";
import { isUnknown, record } from "../lib/props";
import { explain } from "../lib/report";
import { validateServer } from "../lib/servers";

const remediation =
    'Set `metadataOptions: { httpTokens: "required", httpEndpoint: "enabled" }` on the instance ' +
    "(SecuredWebStack sets it on every server).";

export const instanceImdsv2Required: ResourceValidationPolicy = {
    name: "instance-imdsv2-required",
    description: "[high] EC2 instances require IMDSv2 session tokens for the instance metadata service.",
    enforcementLevel: "advisory",
    severity: "high",
    remediationSteps: remediation,
    validateResource: validateServer((server, args, report) => {
        const options = record(server.props.metadataOptions);
        if ([server.props.metadataOptions, options.httpTokens, options.httpEndpoint].some(isUnknown)) {
            args.notApplicable("metadataOptions is not known yet (preview)");
        }
        if (options.httpTokens === "required" || options.httpEndpoint === "disabled") {
            return;
        }
        report(
            explain({
                found: `metadataOptions.httpTokens is ${JSON.stringify(options.httpTokens ?? "optional (default)")}`,
                on: [server.name],
                why:
                    "IMDSv1 answers any unauthenticated GET: a server-side request forgery in the web or app tier " +
                    "can read the instance role's credentials (Checkov CKV_AWS_79).",
                fix: remediation,
            }),
        );
    }),
};
