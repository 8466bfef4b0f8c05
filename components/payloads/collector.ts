// The monitoring client on every server: the OpenTelemetry Collector (contrib, pinned + checksum)
// scraping the role's local exporters and tailing its access/error logs, shipping to the sink.
// It can never hurt the site: memory limiter, bounded queues and retries, MemoryMax, a CPU quota,
// Nice/IOWeight, and it only reads (exporters on loopback, log files); nothing waits for it.
//
// Metric names are the exporters' own Prometheus names (the prometheus receiver keeps the `_total`
// suffix: trim_metric_suffixes is off by default). See monitoring/README.md for the list the
// dashboards and alarms rely on; tests/monitoring.test.ts checks them against these scrape jobs.
import * as YAML from "yaml";
import { Ports, Role, serversWith } from "../model";
import type { Model, ServerModel } from "../model";
import { MonitoringSink } from "../types";
import { PayloadPart, RenderContext, envFile, file, script, unit } from "./part";
import pinned = require("./collector.json");

export interface ScrapeJob {
    job: string;
    port: number;
    path: string;
}

/** CloudWatch namespace of every metric the awsemf exporter publishes. */
export const CW_NAMESPACE = "SecuredWebStack";
/** Dimensions every CloudWatch metric carries (scrape-target labels, see scrapeLabels). */
export const CW_BASE_DIMENSIONS = ["stack", "environment", "host"] as const;
/** Node exporter textfile directory (Debian/Ubuntu package default, passed explicitly in ARGS). */
export const TEXTFILE_DIR = "/var/lib/prometheus/node-exporter";
/** HAProxy's frontend that serves the site (TLS); its request counter is the balancer's QPS. */
export const HAPROXY_SITE_FRONTEND = "https-in";
/** HAProxy's backend of web servers. */
export const HAPROXY_WEB_BACKEND = "web";
/** The database data volume's mount point (database.ts DATA_MOUNT): its disk usage is watched too. */
export const DATA_MOUNTPOINT = "/var/lib/mysql-data";

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
    // HAProxy logs to stdout, appended by systemd to this file (balancer.ts): access and errors.
    if (roles.includes(Role.Balancer)) logs.push("/var/log/haproxy/access.log");
    if (roles.includes(Role.Web)) logs.push("/var/log/nginx/access.log", "/var/log/nginx/error.log");
    return logs;
}

/**
 * Labels on every scraped series. `host` (not `server`: HAProxy's per-server series already carry
 * a `server` label, which would be renamed to exported_server) names the machine.
 */
export function scrapeLabels(model: Pick<Model, "name" | "environment">, server: Pick<ServerModel, "name" | "roles">): { [k: string]: string } {
    return { host: server.name, roles: server.roles.join("+"), environment: model.environment, stack: model.name };
}

/** CloudWatch log groups the collector writes to (created by components/aws/monitoring.ts, never by the collector). */
export function logGroupNames(model: Pick<Model, "name" | "environment">): { metrics: string; logs: string } {
    const base = `/sws/${model.name}/${model.environment}`;
    return { metrics: `${base}/metrics`, logs: `${base}/logs` };
}

/** The AWS region of an Amazon Managed Prometheus remote-write URL (SigV4 signs for that region). */
export function ampRegion(url: string | undefined): string | undefined {
    if (!url) return undefined;
    const m = /^aps-workspaces\.([a-z0-9-]+)\.amazonaws\.com$/.exec(new URL(url).hostname);
    return m ? m[1] : undefined;
}

export interface MetricDeclaration {
    dimensions: string[][];
    metric_name_selectors: string[];
    label_matchers?: { label_names: string[]; regex: string; separator?: string }[];
}

// Go regexps (unanchored): `\z` ends them instead of `$`, which the collector's config expansion owns.
const exact = (names: string[]) => names.map((n) => `^${n}\\z`);

/**
 * What the awsemf exporter publishes, and with which dimensions: only these series reach
 * CloudWatch (everything else the exporters expose stays local). Cumulative counters arrive as
 * deltas per scrape (awsemf keeps the previous value per series; the first scrape is dropped), so
 * `Sum` over a period is the count in that period. Several series with the same dimensions (one
 * per CPU and mode, say) become several data points that `Sum` adds up.
 */
export function emfDeclarations(roles: Role[] = Object.values(Role)): MetricDeclaration[] {
    const base = [...CW_BASE_DIMENSIONS];
    const jobs = scrapeJobs(roles).map((j) => j.job);
    // Only the declarations of this server's own sources (keeps the user data small).
    const all: MetricDeclaration[] = [
        {
            dimensions: [base],
            metric_name_selectors: exact([
                "nginx_http_requests_total", "node_cpu_seconds_total", "node_memory_MemAvailable_bytes",
                "node_memory_MemTotal_bytes", "sws_tls_certificate_expires_in_seconds", "sws_tls_certificate_not_after_seconds",
            ]),
        },
        {
            dimensions: [[...base, "mode"]],
            metric_name_selectors: exact(["node_cpu_seconds_total"]),
            label_matchers: [{ label_names: ["mode"], regex: "^idle\\z" }],
        },
        {
            dimensions: [[...base, "mountpoint"]],
            metric_name_selectors: exact(["node_filesystem_avail_bytes", "node_filesystem_size_bytes"]),
            label_matchers: [{ label_names: ["mountpoint"], regex: `^(/|${DATA_MOUNTPOINT})\\z` }],
        },
        {
            dimensions: [[...base, "proxy"]],
            metric_name_selectors: exact(["haproxy_frontend_http_requests_total"]),
            label_matchers: [{ label_names: ["proxy"], regex: `^${HAPROXY_SITE_FRONTEND}\\z` }],
        },
        {
            dimensions: [[...base, "proxy", "code"]],
            metric_name_selectors: exact(["haproxy_frontend_http_responses_total"]),
            label_matchers: [{ label_names: ["proxy", "code"], regex: `^${HAPROXY_SITE_FRONTEND};5xx\\z` }],
        },
        {
            dimensions: [[...base, "proxy"]],
            metric_name_selectors: exact(["haproxy_backend_active_servers", "haproxy_backend_response_time_average_seconds"]),
            label_matchers: [{ label_names: ["proxy"], regex: `^${HAPROXY_WEB_BACKEND}\\z` }],
        },
        {
            dimensions: [[...base, "proxy", "server"]],
            metric_name_selectors: exact(["haproxy_server_status"]),
            label_matchers: [{ label_names: ["proxy", "state"], regex: `^${HAPROXY_WEB_BACKEND};UP\\z` }],
        },
    ];
    return all
        .map((d) => ({ ...d, metric_name_selectors: d.metric_name_selectors.filter((n) => jobs.includes(n.slice(1).split("_")[0]) || (n.startsWith("^sws_") && roles.includes(Role.Balancer))) }))
        .filter((d) => d.metric_name_selectors.length > 0);
}

export function renderCollectorConfig(ctx: RenderContext): string {
    const { model, server } = ctx;
    const m = model.monitoring;
    const labels = scrapeLabels(model, server);
    // Bounded: at most queue_size batches wait for the sink; retries give up after 5 minutes
    // and the data is dropped. The site never waits for any of it.
    const queue = { sending_queue: { enabled: true, num_consumers: 2, queue_size: 100 }, retry_on_failure: { enabled: true, max_elapsed_time: "300s" } };
    const exporters: { [k: string]: unknown } = {};
    const extensions: { [k: string]: unknown } = { health_check: { endpoint: `127.0.0.1:13133` } };
    let metricsOut: string[] = [];
    let logsOut: string[] = [];
    const groups = logGroupNames(model);
    if (m.sink === MonitoringSink.CloudWatch) {
        exporters.awsemf = {
            region: ctx.deploy.region, namespace: CW_NAMESPACE,
            log_group_name: groups.metrics, log_stream_name: server.name,
            dimension_rollup_option: "NoDimensionRollup",
            metric_declarations: emfDeclarations(server.roles),
        };
        // Raw lines: CloudWatch Logs Insights parses HAProxy's timers for the p95 panel.
        if (logFiles(server.roles).length) exporters.awscloudwatchlogs = { region: ctx.deploy.region, log_group_name: groups.logs, log_stream_name: server.name, raw_log: true, ...queue };
        metricsOut = ["awsemf"];
        logsOut = exporters.awscloudwatchlogs ? ["awscloudwatchlogs"] : [];
    } else if (m.sink === MonitoringSink.PrometheusRemoteWrite) {
        exporters.prometheusremotewrite = {
            endpoint: m.remoteWriteUrl,
            // Labels come from the scrape targets (host, roles, environment, stack, job, instance).
            resource_to_telemetry_conversion: { enabled: false },
            remote_write_queue: { enabled: true, queue_size: 2000, num_consumers: 2 },
            retry_on_failure: { enabled: true, max_elapsed_time: "300s" },
            ...(m.remoteWriteSigV4 ? { auth: { authenticator: "sigv4auth" } } : {}),
        };
        if (m.remoteWriteSigV4) extensions.sigv4auth = { region: ampRegion(m.remoteWriteUrl) ?? ctx.deploy.region, service: "aps" };
        metricsOut = ["prometheusremotewrite"];
    } else if (m.sink === MonitoringSink.SumoLogic) {
        // The source URL embeds the token: read from tmpfs at start, never written here.
        exporters["otlphttp/sumologic"] = { endpoint: "${file:/run/sws/secrets/sumologic-url}", compression: "gzip", ...queue };
        metricsOut = ["otlphttp/sumologic"];
        logsOut = ["otlphttp/sumologic"];
    }
    const logs = logFiles(server.roles);
    const receivers: { [k: string]: unknown } = {
        // Plain Prometheus scrape configs (the lab runs them in a Prometheus agent as they are).
        prometheus: {
            config: {
                scrape_configs: scrapeJobs(server.roles).map((j) => ({
                    job_name: j.job, scrape_interval: "15s", metrics_path: j.path,
                    static_configs: [{ targets: [`127.0.0.1:${j.port}`], labels }],
                    // The exporters' own Go runtime series are noise for every sink.
                    metric_relabel_configs: [{ source_labels: ["__name__"], regex: "(go|process|promhttp)_.*", action: "drop" }],
                })),
            },
        },
    };
    if (logs.length && logsOut.length) {
        receivers.filelog = { include: logs, start_at: "end", include_file_path: true, max_log_size: "16KiB", max_concurrent_files: 4 };
    }
    const processors: { [k: string]: unknown } = {
        memory_limiter: { check_interval: "1s", limit_mib: 150, spike_limit_mib: 30 },
        batch: { timeout: "10s", send_batch_size: 1024, send_batch_max_size: 2048 },
    };
    const pipelines: { [k: string]: unknown } = {
        metrics: { receivers: ["prometheus"], processors: ["memory_limiter", "batch"], exporters: metricsOut },
    };
    if (receivers.filelog) {
        // Which machine a log line comes from (metrics carry the same as scrape labels).
        processors.resource = { attributes: Object.entries(labels).map(([key, value]) => ({ key: key === "host" ? "host.name" : `sws.${key}`, value, action: "upsert" })) };
        pipelines.logs = { receivers: ["filelog"], processors: ["memory_limiter", "resource", "batch"], exporters: logsOut };
    }
    const doc = new YAML.Document({
        extensions,
        receivers,
        processors,
        exporters,
        service: {
            extensions: Object.keys(extensions),
            pipelines,
            telemetry: {
                logs: { level: "warn" },
                metrics: { readers: [{ pull: { exporter: { prometheus: { host: "127.0.0.1", port: Ports.local.collector } } } }] },
            },
        },
    }, { aliasDuplicateObjects: false });
    // Lists of plain values on one line ([a, b]): same document, smaller user data.
    YAML.visit(doc, { Seq(_, node) { if (node.items.every((i) => YAML.isScalar(i))) node.flow = true; } });
    return doc.toString({ lineWidth: 0 });
}

/** Balancer only: the certificate's expiry as a node-exporter textfile metric, refreshed hourly. */
export function certExpiryFiles(): ReturnType<typeof file>[] {
    return [
        script("sws-cert-expiry"),
        file("/etc/systemd/system/sws-cert-expiry.service", unit({
            Unit: [["Description", "Write the TLS certificate's expiry for the node exporter"]],
            Service: [["Type", "oneshot"], ["ExecStart", "/usr/local/sbin/sws-cert-expiry"], ["Nice", "10"],
                ["ProtectSystem", "strict"], ["ReadWritePaths", TEXTFILE_DIR], ["PrivateTmp", "yes"], ["NoNewPrivileges", "yes"]],
        })),
        file("/etc/systemd/system/sws-cert-expiry.timer", unit({
            Unit: [["Description", "Refresh the TLS certificate expiry metric hourly"]],
            Timer: [["OnBootSec", "2min"], ["OnUnitActiveSec", "1h"]],
            Install: [["WantedBy", "timers.target"]],
        })),
    ];
}

/** The balancer that answers on the public address (the first server with the balancer role). */
export function siteBalancer(model: Pick<Model, "servers">): ServerModel {
    return serversWith(model, Role.Balancer)[0];
}

export function collectorPart(ctx: RenderContext): PayloadPart {
    if (ctx.model.monitoring.sink === MonitoringSink.None) return { packages: [], files: [], runcmd: [] };
    const artifact = pinned.artifacts.amd64;
    const balancer = ctx.server.roles.includes(Role.Balancer);
    return {
        packages: ["curl"],
        users: ["sws-collector"],
        files: [
            file("/etc/sws/collector.yaml", renderCollectorConfig(ctx)),
            file("/etc/sws/collector.env", envFile({ COLLECTOR_VERSION: pinned.version, COLLECTOR_ARCH: "amd64", COLLECTOR_URL: artifact.url, COLLECTOR_SHA256: artifact.sha256 })),
            script("sws-install-collector"),
            file("/etc/systemd/system/sws-collector.service", unit({
                Unit: [["Description", `Monitoring collector (OpenTelemetry Collector ${pinned.version}) → ${ctx.model.monitoring.sink}`],
                    ["After", "network-online.target sws-fetch.service"], ["Wants", "network-online.target"]],
                Service: [["User", "sws-collector"], ["Group", "sws-collector"], ["SupplementaryGroups", "adm"],
                    ["ExecStartPre", "+/usr/local/sbin/sws-install-collector"],
                    ["ExecStart", "/usr/local/bin/otelcol-contrib --config=/etc/sws/collector.yaml"],
                    ["Environment", "GOMEMLIMIT=160MiB"],
                    ["TimeoutStartSec", "15min"], ["Restart", "always"], ["RestartSec", "10s"],
                    ["MemoryMax", "256M"], ["CPUQuota", "25%"], ["Nice", "10"], ["IOWeight", "20"], ["OOMScoreAdjust", "500"],
                    ["NoNewPrivileges", "yes"], ["ProtectSystem", "strict"], ["ProtectHome", "yes"], ["PrivateTmp", "yes"]],
                Install: [["WantedBy", "multi-user.target"]],
            })),
            ...(balancer ? certExpiryFiles() : []),
        ],
        // --no-block: the first start downloads the collector; boot never waits for it.
        runcmd: [
            ...(balancer ? [["systemctl", "enable", "--now", "sws-cert-expiry.timer"]] : []),
            ["systemctl", "enable", "--now", "--no-block", "sws-collector.service"],
        ],
    };
}
