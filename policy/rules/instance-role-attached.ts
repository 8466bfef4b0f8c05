import { ResourceValidationPolicy } from "@pulumi/policy";
import { isUnknown } from "../lib/props";
import { explain } from "../lib/report";
import { validateServer } from "../lib/servers";

const remediation =
    "Attach an `aws.iam.InstanceProfile` (`iamInstanceProfile`) whose role grants only what the server needs " +
    "(its SSM parameters, the SSM agent, the monitoring sink). SecuredWebStack gives every server one.";

export const instanceRoleAttached: ResourceValidationPolicy = {
    name: "instance-role-attached",
    description: "[medium] Every EC2 instance has an IAM instance profile.",
    enforcementLevel: "advisory",
    severity: "medium",
    remediationSteps: remediation,
    validateResource: validateServer((server, args, report) => {
        const profile = server.props.iamInstanceProfile;
        if (isUnknown(profile) || (typeof profile === "string" && profile !== "")) {
            return;
        }
        report(
            explain({
                found: "no iamInstanceProfile",
                on: [server.name],
                why:
                    "without a role the server cannot fetch its secrets from SSM or ship metrics, which pushes people to " +
                    "bake long-lived access keys into user data or disks (cdk-nag EC2InstanceProfileAttached).",
                fix: remediation,
            }),
        );
    }),
};
