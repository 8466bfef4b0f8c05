import { ResourceValidationPolicy } from "@pulumi/policy";
import { explain } from "../lib/report";
import { knownOrSkip } from "../lib/resources";
import { validateServer } from "../lib/servers";

const remediation = "Set `monitoring: true` on the instance (1-minute CloudWatch metrics).";

export const instanceDetailedMonitoring: ResourceValidationPolicy = {
    name: "instance-detailed-monitoring",
    description: "[low] EC2 instances have detailed (1-minute) CloudWatch monitoring enabled.",
    enforcementLevel: "advisory",
    severity: "low",
    remediationSteps: remediation,
    validateResource: validateServer((server, args, report) => {
        if (knownOrSkip(args, server.props.monitoring, "monitoring") === true) {
            return;
        }
        report(
            explain({
                found: "monitoring is not enabled: CloudWatch samples the instance every 5 minutes",
                on: [server.name],
                why:
                    "5-minute samples hide the spikes that precede an outage and delay alarms; the seed wants problems " +
                    "detected before they become outages (Checkov CKV_AWS_126, awsguard ec2-instance-detailed-monitoring-enabled).",
                fix: remediation,
            }),
        );
    }),
};
