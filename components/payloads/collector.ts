// The monitoring client on every server: the OpenTelemetry Collector (contrib, pinned + checksum)
// scraping the role's local exporters and tailing its access/error logs, shipping to the sink.
// It can never hurt the site: memory limiter, bounded queues and retries, MemoryMax, a CPU quota,
// Nice/IOWeight, and it only reads (exporters on loopback, log files); nothing waits for it.
//
// Metric names are the exporters' own Prometheus names (the prometheus receiver keeps the `_total`
// suffix: trim_metric_suffixes is off by default). See monitoring/README.md for the list the
// dashboards and alarms rely on; tests/monitoring.test.ts checks them against these scrape jobs.
import { collectorLiteral } from "./escape";
import * as YAML from "yaml";
import { Ports, Role, isCluster, serversWith } from "../model";
import type { Model, ServerModel } from "../model";
import { MonitoringSink } from "../types";
import { PayloadPart, RenderContext, envFile, file, script, toolkit, unit } from "./part";
import { DATA_MOUNT } from "./database";
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
/**
 * HAProxy's count of log lines it dropped (DroppedLogs in `show info`), as its exporter names it.
 * HAProxy writes its log to stdout (balancer.ts) and never blocks on it: a thread that finds the
 * log file descriptor held by another thread retries 200 times, then drops the line and counts it
 * here (HAProxy 2.6 src/fd.c fd_write_frag_line; "log" in its configuration manual). Shipped to
 * every sink and alarmed on, so an access log with a hole says so.
 */
export const HAPROXY_DROPPED_LOGS = "haproxy_process_dropped_logs_total";
/** HAProxy's backend of web servers. */
export const HAPROXY_WEB_BACKEND = "web";

/** A MySQL/MariaDB server runs here: the writer, or a read-only replica (role "replica"). */
export function hasDatabase(roles: readonly string[]): boolean {
    return roles.includes(Role.Database) || roles.includes("replica");
}

/** The local metric sources of a server: node exporter everywhere, plus each role's own. */
export function scrapeJobs(roles: Role[]): ScrapeJob[] {
    const jobs: ScrapeJob[] = [{ job: "node", port: Ports.local.nodeExporter, path: "/metrics" }];
    if (roles.includes(Role.Balancer)) jobs.push({ job: "haproxy", port: Ports.local.haproxyMetrics, path: "/metrics" });
    if (roles.includes(Role.Web)) jobs.push({ job: "nginx", port: Ports.local.nginxExporter, path: "/metrics" });
    if (hasDatabase(roles)) jobs.push({ job: "mysqld", port: Ports.local.mysqldExporter, path: "/metrics" });
    return jobs;
}

export function logFiles(roles: Role[]): string[] {
    const logs: string[] = [];
    // HAProxy logs to stdout, appended by systemd to this file (balancer.ts): access and errors.
    // It may drop a line under load rather than wait (HAPROXY_DROPPED_LOGS counts each one).
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

/** A group of series published to CloudWatch: names, extra dimensions, and which label values. */
export interface CloudWatchSeries {
    names: string[];
    /** Dimensions beyond stack, environment, host. */
    dimensions: string[];
    /** Only series whose labels take one of these values. */
    where?: { [label: string]: string[] };
}

/**
 * What reaches CloudWatch, and with which dimensions; everything else the exporters expose stays
 * on the server. Cumulative counters arrive as deltas per scrape (awsemf keeps the previous
 * value per series; the first scrape is dropped), so `Sum` over a period is the count in that
 * period. Several series with the same dimensions (one per CPU and mode, say) become several data
 * points that `Sum` adds up.
 */
export const CLOUDWATCH_SERIES: CloudWatchSeries[] = [
    {
        names: ["nginx_http_requests_total", "node_cpu_seconds_total", "node_memory_MemAvailable_bytes", "node_memory_MemTotal_bytes",
            "sws_tls_certificate_expires_in_seconds", "sws_tls_certificate_not_after_seconds", HAPROXY_DROPPED_LOGS],
        dimensions: [],
    },
    { names: ["node_cpu_seconds_total"], dimensions: ["mode"], where: { mode: ["idle"] } },
    { names: ["sws_backup_last_success_timestamp_seconds"], dimensions: ["kind"] },
    { names: ["node_filesystem_avail_bytes", "node_filesystem_size_bytes"], dimensions: ["mountpoint"], where: { mountpoint: ["/", DATA_MOUNT] } },
    { names: ["haproxy_frontend_http_requests_total"], dimensions: ["proxy"], where: { proxy: [HAPROXY_SITE_FRONTEND] } },
    { names: ["haproxy_frontend_http_responses_total"], dimensions: ["proxy", "code"], where: { proxy: [HAPROXY_SITE_FRONTEND], code: ["5xx"] } },
    { names: ["haproxy_backend_active_servers", "haproxy_backend_response_time_average_seconds"], dimensions: ["proxy"], where: { proxy: [HAPROXY_WEB_BACKEND] } },
    { names: ["haproxy_server_status"], dimensions: ["proxy", "server"], where: { proxy: [HAPROXY_WEB_BACKEND], state: ["UP"] } },
];

/**
 * A Galera node's health (database.topology "cluster"), from mysqld_exporter's SHOW GLOBAL
 * STATUS: nodes in its component, time paused by flow control (a cumulative counter of
 * nanoseconds), write sets waiting to be applied, and whether it accepts queries.
 */
export const GALERA_SERIES: CloudWatchSeries = {
    names: ["mysql_global_status_wsrep_cluster_size", "mysql_global_status_wsrep_flow_control_paused_ns",
        "mysql_global_status_wsrep_local_recv_queue", "mysql_global_status_wsrep_ready"],
    dimensions: [],
};

/** The CloudWatch series of a server's own sources (keeps the user data small); `cluster`: the Galera series on database servers. */
export function cloudWatchSeries(roles: Role[] = Object.values(Role), cluster = false): CloudWatchSeries[] {
    const jobs = scrapeJobs(roles).map((j) => j.job);
    const ours = (n: string) => jobs.includes(n.split("_")[0])
        || (n.startsWith("sws_tls_") && roles.includes(Role.Balancer))
        || (n.startsWith("sws_backup_") && roles.includes(Role.Database));
    const series = CLOUDWATCH_SERIES.map((c) => ({ ...c, names: c.names.filter(ours) })).filter((c) => c.names.length > 0);
    return cluster && roles.includes(Role.Database) ? [...series, GALERA_SERIES] : series;
}

// Go regexps (unanchored): `\z` ends them instead of `$`, which the collector's config expansion owns.
const reQuote = (v: string) => v.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** awsemf metric_declarations for a server's CloudWatch series. */
export function emfDeclarations(roles: Role[] = Object.values(Role), cluster = false): MetricDeclaration[] {
    return cloudWatchSeries(roles, cluster).map((c) => ({
        dimensions: [[...CW_BASE_DIMENSIONS, ...c.dimensions]],
        metric_name_selectors: c.names.map((n) => `^${n}\\z`),
        ...(c.where ? {
            label_matchers: [{
                label_names: Object.keys(c.where),
                regex: `^${Object.values(c.where).map((vs) => `(${vs.map(reQuote).join("|")})`).join(";")}\\z`,
            }],
        } : {}),
    }));
}

const ottl = (v: string) => JSON.stringify(v);

/**
 * filter processor conditions (OTTL) that drop everything awsemf would not publish. Without them
 * awsemf still writes every other series into the metrics log group as plain JSON (thousands of
 * series per scrape from the node and mysqld exporters: log ingestion cost, no metric).
 */
export function cloudWatchFilter(roles: Role[], cluster = false): { metric: string[]; datapoint: string[] } {
    const series = cloudWatchSeries(roles, cluster);
    const names = [...new Set(series.flatMap((c) => c.names))];
    // Drop a data point that no group of its metric accepts: in each group, some label has none of its values.
    const byReject = new Map<string, string[]>();
    for (const name of names) {
        const groups = series.filter((c) => c.names.includes(name));
        if (groups.some((c) => !c.where)) continue; // every series of this metric is published
        const reject = groups.map((c) => `(${Object.entries(c.where!)
            .map(([label, values]) => values.map((v) => `attributes[${ottl(label)}] != ${ottl(v)}`).join(" and ")).join(" or ")})`).join(" and ");
        byReject.set(reject, [...(byReject.get(reject) ?? []), name]);
    }
    const datapoint = [...byReject].map(([reject, ns]) => `(${ns.map((n) => `metric.name == ${ottl(n)}`).join(" or ")}) and ${reject}`);
    return { metric: [names.map((n) => `name != ${ottl(n)}`).join(" and ")], datapoint };
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
    const processors: { [k: string]: unknown } = {
        memory_limiter: { check_interval: "1s", limit_mib: 150, spike_limit_mib: 30 },
        batch: { timeout: "10s", send_batch_size: 1024, send_batch_max_size: 2048 },
    };
    if (m.sink === MonitoringSink.CloudWatch) {
        processors["filter/cloudwatch"] = { error_mode: "ignore", metrics: cloudWatchFilter(server.roles, isCluster(model)) };
        exporters.awsemf = {
            region: ctx.deploy.region, namespace: CW_NAMESPACE,
            log_group_name: groups.metrics, log_stream_name: server.name,
            dimension_rollup_option: "NoDimensionRollup",
            metric_declarations: emfDeclarations(server.roles, isCluster(model)),
        };
        // Raw lines: CloudWatch Logs Insights parses HAProxy's timers for the p95 panel.
        if (logFiles(server.roles).length) exporters.awscloudwatchlogs = { region: ctx.deploy.region, log_group_name: groups.logs, log_stream_name: server.name, raw_log: true, ...queue };
        metricsOut = ["awsemf"];
        logsOut = exporters.awscloudwatchlogs ? ["awscloudwatchlogs"] : [];
    } else if (m.sink === MonitoringSink.PrometheusRemoteWrite) {
        exporters.prometheusremotewrite = {
            // Taken literally: the collector would expand a ${…} in it (its escape is $$).
            endpoint: collectorLiteral(m.remoteWriteUrl!),
            // Labels come from the scrape targets (host, roles, environment, stack, job, instance).
            resource_to_telemetry_conversion: { enabled: false },
            // No target_info series: it is built from the resource (job, instance, port, scheme),
            // which is the same on every server (each scrapes 127.0.0.1:9100 as job "node"), so
            // the servers wrote one series with interleaved timestamps and Prometheus rejected
            // whole requests as "out of order sample" (found by the lab). It carried nothing else.
            target_info: { enabled: false },
            // One sender keeps each series' samples in order (the exporter warns that more may reorder).
            remote_write_queue: { enabled: true, queue_size: 2000, num_consumers: 1 },
            // This exporter retries inside one export call, which `timeout` bounds (it is also
            // the HTTP client's timeout): at the default 5 s any sink outage longer than 5 s
            // dropped the data (found by the lab's sink-outage drill).
            timeout: "300s",
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
    const pipelines: { [k: string]: unknown } = {
        metrics: { receivers: ["prometheus"], processors: ["memory_limiter", ...(processors["filter/cloudwatch"] ? ["filter/cloudwatch"] : []), "batch"], exporters: metricsOut },
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
    // Lists of short plain values on one line ([a, b]): same document, smaller user data.
    const short = (i: unknown) => YAML.isScalar(i) && !/["']/.test(String(i.value)) && String(i.value).length <= 60;
    YAML.visit(doc, { Seq(_, node) { if (node.items.every(short)) node.flow = true; } });
    return doc.toString({ lineWidth: 0 });
}

/** Balancer only: the certificate's expiry as a node-exporter textfile metric, refreshed hourly. */
export function certExpiryFiles(): ReturnType<typeof file>[] {
    return [
        script("sws-cert-expiry"),
        toolkit("/etc/systemd/system/sws-cert-expiry.service", unit({
            Unit: [["Description", "Write the TLS certificate's expiry for the node exporter"]],
            Service: [["Type", "oneshot"], ["ExecStart", "/usr/local/sbin/sws-cert-expiry"], ["Nice", "10"],
                ["ProtectSystem", "strict"], ["ReadWritePaths", TEXTFILE_DIR], ["PrivateTmp", "yes"], ["NoNewPrivileges", "yes"]],
        })),
        toolkit("/etc/systemd/system/sws-cert-expiry.timer", unit({
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
            toolkit("/etc/systemd/system/sws-collector.service", unit({
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
