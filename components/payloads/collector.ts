// The monitoring client on every server: the OpenTelemetry Collector (contrib, pinned + checksum)
// scraping the role's local exporters and tailing its access/error logs, shipping to the sink.
// It can never hurt the site: memory limiter, bounded queues, MemoryMax and a CPU quota.
import * as YAML from "yaml";
import { Ports, Role } from "../model";
import { MonitoringSink } from "../types";
import { PayloadPart, RenderContext, envFile, file, script, unit } from "./part";
import pinned = require("./collector.json");

export interface ScrapeJob {
    job: string;
    port: number;
    path: string;
}

/** The local metric sources of a server: node exporter everywhere, plus each role's own. */
export function scrapeJobs(roles: Role[]): ScrapeJob[] {
    const jobs: ScrapeJob[] = [{ job: "node", port: Ports.local.nodeExporter, path: "/metrics" }];
    if (roles.includes(Role.Balancer)) jobs.push({ job: "haproxy", port: Ports.local.haproxyMetrics, path: "/metrics" });
    if (roles.includes(Role.Web)) jobs.push({ job: "nginx", port: Ports.local.nginxExporter, path: "/metrics" });
    if (roles.includes(Role.Database)) jobs.push({ job: "mysqld", port: Ports.local.mysqldExporter, path: "/metrics" });
    return jobs;
}

export function logFiles(roles: Role[]): string[] {
    const logs: string[] = [];
    if (roles.includes(Role.Balancer)) logs.push("/var/log/haproxy/access.log");
    if (roles.includes(Role.Web)) logs.push("/var/log/nginx/access.log", "/var/log/nginx/error.log");
    return logs;
}

export function renderCollectorConfig(ctx: RenderContext): string {
    const { model, server } = ctx;
    const m = model.monitoring;
    const labels = { server: server.name, roles: server.roles.join("+"), environment: model.environment, stack: model.name };
    const queue = { sending_queue: { enabled: true, num_consumers: 2, queue_size: 500 }, retry_on_failure: { enabled: true, max_elapsed_time: "300s" } };
    const exporters: { [k: string]: unknown } = {};
    const extensions: { [k: string]: unknown } = { health_check: { endpoint: `127.0.0.1:13133` } };
    let metricsOut: string[] = [];
    let logsOut: string[] = [];
    if (m.sink === MonitoringSink.CloudWatch) {
        exporters.awsemf = {
            region: ctx.deploy.region, namespace: "SecuredWebStack", log_group_name: `/sws/${model.environment}/metrics`,
            dimension_rollup_option: "NoDimensionRollup", resource_to_telemetry_conversion: { enabled: true },
        };
        exporters.awscloudwatchlogs = { region: ctx.deploy.region, log_group_name: `/sws/${model.environment}/logs`, log_stream_name: server.name, ...queue };
        metricsOut = ["awsemf"];
        logsOut = ["awscloudwatchlogs"];
    } else if (m.sink === MonitoringSink.PrometheusRemoteWrite) {
        exporters.prometheusremotewrite = {
            endpoint: m.remoteWriteUrl, resource_to_telemetry_conversion: { enabled: true },
            remote_write_queue: { enabled: true, queue_size: 2000, num_consumers: 2 },
            ...(m.remoteWriteSigV4 ? { auth: { authenticator: "sigv4auth" } } : {}),
        };
        if (m.remoteWriteSigV4) extensions.sigv4auth = { region: ctx.deploy.region, service: "aps" };
        metricsOut = ["prometheusremotewrite"];
    } else if (m.sink === MonitoringSink.SumoLogic) {
        // The source URL embeds the token: read from tmpfs at start, never written here.
        exporters["otlphttp/sumologic"] = { endpoint: "${file:/run/sws/secrets/sumologic-url}", compression: "gzip", ...queue };
        metricsOut = ["otlphttp/sumologic"];
        logsOut = ["otlphttp/sumologic"];
    }
    const logs = logFiles(server.roles);
    const receivers: { [k: string]: unknown } = {
        prometheus: {
            config: {
                scrape_configs: scrapeJobs(server.roles).map((j) => ({
                    job_name: j.job, scrape_interval: "15s", metrics_path: j.path,
                    static_configs: [{ targets: [`127.0.0.1:${j.port}`], labels }],
                })),
            },
        },
    };
    if (logs.length && logsOut.length) receivers.filelog = { include: logs, start_at: "end", include_file_path: true };
    const pipelines: { [k: string]: unknown } = {
        metrics: { receivers: ["prometheus"], processors: ["memory_limiter", "batch"], exporters: metricsOut },
    };
    if (receivers.filelog) pipelines.logs = { receivers: ["filelog"], processors: ["memory_limiter", "batch"], exporters: logsOut };
    return YAML.stringify({
        extensions,
        receivers,
        processors: {
            memory_limiter: { check_interval: "1s", limit_mib: 150, spike_limit_mib: 30 },
            batch: { timeout: "10s", send_batch_size: 1024 },
        },
        exporters,
        service: {
            extensions: Object.keys(extensions),
            pipelines,
            telemetry: { metrics: { readers: [{ pull: { exporter: { prometheus: { host: "127.0.0.1", port: Ports.local.collector } } } }] } },
        },
    });
}

export function collectorPart(ctx: RenderContext): PayloadPart {
    if (ctx.model.monitoring.sink === MonitoringSink.None) return { packages: [], files: [], runcmd: [] };
    const artifact = pinned.artifacts.amd64;
    return {
        packages: ["curl"],
        users: ["sws-collector"],
        files: [
            file("/etc/sws/collector.yaml", renderCollectorConfig(ctx)),
            file("/etc/sws/collector.env", envFile({ COLLECTOR_VERSION: pinned.version, COLLECTOR_URL: artifact.url, COLLECTOR_SHA256: artifact.sha256 })),
            script("sws-install-collector"),
            file("/etc/systemd/system/sws-collector.service", unit({
                Unit: [["Description", `Monitoring collector (OpenTelemetry Collector ${pinned.version}) → ${ctx.model.monitoring.sink}`],
                    ["After", "network-online.target sws-secrets.service"], ["Wants", "network-online.target"]],
                Service: [["User", "sws-collector"], ["Group", "sws-collector"], ["SupplementaryGroups", "adm"],
                    ["ExecStartPre", "+/usr/local/sbin/sws-install-collector"],
                    ["ExecStart", "/usr/local/bin/otelcol-contrib --config=/etc/sws/collector.yaml"],
                    ["Restart", "always"], ["RestartSec", "5s"],
                    ["MemoryMax", "256M"], ["CPUQuota", "25%"], ["Nice", "10"],
                    ["NoNewPrivileges", "yes"], ["ProtectSystem", "strict"], ["ProtectHome", "yes"], ["PrivateTmp", "yes"]],
                Install: [["WantedBy", "multi-user.target"]],
            })),
        ],
        runcmd: [["systemctl", "enable", "--now", "sws-collector.service"]],
    };
}
