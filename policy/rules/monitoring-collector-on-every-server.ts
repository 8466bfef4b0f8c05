import { ResourceValidationPolicy } from "@pulumi/policy";
import { configOf } from "../lib/config";
import { explain } from "../lib/report";
import { describeServer, payloadOf, validateServer } from "../lib/servers";
import { findMarkers } from "../lib/userData";

const configSchema = {
    properties: {
        collectors: {
            type: "array" as const,
            items: { type: "string" as const, minLength: 2 },
            default: [
                "sws-collector",
                "amazon-cloudwatch-agent",
                "otelcol",
                "sumologic-otel-collector",
                "SumoCollector",
                "datadog-agent",
                "grafana-agent",
                "alloy",
                "fluent-bit",
            ],
            description: "Names that mark a monitoring collector: a package, or part of a written file's path or of a boot command.",
        },
    },
};

const remediation =
    "Install and start a collector that ships the server's metrics and logs to the monitoring service " +
    "(SecuredWebStack writes /etc/sws/collector.yaml and sws-collector.service on every server; `monitoring.sink` " +
    'must not be "none").';

export const monitoringCollectorOnEveryServer: ResourceValidationPolicy = {
    name: "monitoring-collector-on-every-server",
    description: "[medium] Every server runs a monitoring collector (data collector for Sumo Logic, CloudWatch, ...).",
    enforcementLevel: "advisory",
    severity: "medium",
    configSchema,
    remediationSteps: remediation,
    validateResource: validateServer((server, args, report) => {
        const { collectors } = configOf<{ collectors: string[] }>(args, configSchema);
        const names = collectors.map((c) => c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");
        const markers = { packages: new RegExp(`^(${names})$`), files: new RegExp(names), runcmd: new RegExp(names) };
        if (findMarkers(payloadOf(server, args), markers).length > 0) {
            return;
        }
        report(
            explain({
                found: `${describeServer(server)}'s user data installs no monitoring collector (looked for: ${collectors.join(", ")})`,
                on: [server.name],
                why:
                    "the seed puts a monitoring client on each server so that issues are detected before they become " +
                    "problems; a server without one is invisible to dashboards and alarms.",
                fix: remediation,
            }),
        );
    }),
};
