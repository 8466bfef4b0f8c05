// Monitoring on AWS: what the collectors may write (instance-role statements), and for the
// CloudWatch sink the log groups they write to, a dashboard and alarms (+ SNS e-mail).
//
// Every CloudWatch metric here is published by the collector's awsemf exporter from the
// exporters' own Prometheus series (components/payloads/collector.ts emfDeclarations), in the
// namespace "SecuredWebStack", always with the dimensions stack, environment, host (+ the
// declaration's extra label). Counters arrive as per-scrape deltas: `Sum` over a period is the
// count in that period, `Sum / PERIOD` the rate. monitoring/README.md lists them all.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createBackupAlarms } from "./backup";
import { createTelemetryKey } from "./logs";
import { knownValue } from "../model/references";
import { Model, Role, ServerModel, isCluster, serversWith } from "../model";
import { MonitoringSink } from "../types";
import { DATA_MOUNT } from "../payloads/database";
import {
    cloudWatchSeries, CW_NAMESPACE, HAPROXY_DROPPED_LOGS, HAPROXY_SITE_FRONTEND, HAPROXY_WEB_BACKEND, ampRegion, hasDatabase, logGroupNames, siteBalancer,
} from "../payloads/collector";

export interface MonitoredServer { server: ServerModel; instance: aws.ec2.Instance }

/** CloudWatch custom metrics a server publishes: one per name and dimension set (see CLOUDWATCH_SERIES). */
export function customMetricCount(model: Pick<Model, "servers" | "database">): number {
    return model.servers.reduce((n, s) => n + cloudWatchSeries(s.roles, isCluster(model)).reduce((m, c) => m + c.names.length, 0), 0);
}

/** Days CloudWatch keeps the collectors' log groups. */
export const LOG_RETENTION_DAYS = { metrics: 14, logs: 30 } as const;
/** Alarm thresholds (also used in monitoring/prometheus-alerts.yaml). */
export const THRESHOLDS = {
    fiveXxPercent: 5,
    /** Requests per minute below which the 5xx ratio is not judged (one error out of three is no trend). */
    fiveXxMinRequestsPerMinute: 10,
    diskPercent: 85,
    certificateDays: 14,
    /** Width of the anomaly band (standard deviations) for the QPS spike alarm. */
    spikeBand: 4,
    /** Galera (database.topology "cluster"): share of time a node's replication was paused by flow control. */
    galeraFlowControlPausedRatio: 0.1,
    /** Galera: write sets waiting on a node to be applied (average over 5 minutes). */
    galeraRecvQueue: 100,
} as const;

/**
 * The log streams a server may write: the stream named after the server itself in each of the
 * stack's two groups (the collector's exporters write `log_stream_name: <server name>`), so no
 * server can write under another host's name and mask that host's alarms.
 */
function ownLogStreamArns(model: Model, server: ServerModel, region: string, accountId: string): string[] {
    const g = logGroupNames(model);
    return [g.metrics, g.logs].map((n) => `arn:aws:logs:${region}:${accountId}:log-group:${n}:log-stream:${server.name}`);
}

function logGroupArns(model: Model, region: string, accountId: string): string[] {
    const g = logGroupNames(model);
    return [g.metrics, g.logs].map((n) => `arn:aws:logs:${region}:${accountId}:log-group:${n}`);
}

/**
 * The workspace ARN of an Amazon Managed Prometheus remote-write URL, if it is one. The account
 * is the stack's own: a SigV4-signed write to another account's workspace would need a role there.
 */
export function ampWorkspaceArn(url: string | undefined, accountId: string): string | undefined {
    const region = ampRegion(url);
    const ws = url ? /^\/workspaces\/(ws-[A-Za-z0-9-]+)\//.exec(new URL(url).pathname + "/") : null;
    return region && ws ? `arn:aws:aps:${region}:${accountId}:workspace/${ws[1]}` : undefined;
}

/**
 * IAM statements the collector of one server needs for the configured sink.
 * CloudWatch: create and write its own log stream (named after the server) in the stack's two
 * log groups; awsemf sends metrics as embedded-metric-format logs, so no cloudwatch:PutMetricData
 * is granted at all; no logs:CreateLogGroup either (createMonitoring owns the groups and their
 * retention). AMP with SigV4: aps:RemoteWrite on the configured workspace only (the model rejects
 * SigV4 with a URL that names no workspace). Others: nothing.
 */
export function collectorPolicyStatements(model: Model, server: ServerModel, region: string, accountId: string): aws.iam.PolicyStatement[] {
    const m = model.monitoring;
    if (m.sink === MonitoringSink.CloudWatch) {
        return [{
            Sid: "OwnLogStreams", Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: ownLogStreamArns(model, server, region, accountId),
        }, {
            Sid: "ListStackLogStreams", Effect: "Allow",
            Action: ["logs:DescribeLogStreams"],
            Resource: logGroupArns(model, region, accountId),
        }];
    }
    if (m.sink === MonitoringSink.PrometheusRemoteWrite && m.remoteWriteSigV4) {
        const ws = ampWorkspaceArn(m.remoteWriteUrl, accountId);
        // Unreachable after validation (the model requires a workspace URL for SigV4); never "*".
        if (!ws) throw new Error(`collectorPolicyStatements: ${m.remoteWriteUrl} names no Amazon Managed Prometheus workspace`);
        return [{ Sid: "RemoteWriteOwnWorkspace", Effect: "Allow", Action: ["aps:RemoteWrite"], Resource: [ws] }];
    }
    return [];
}

// ---------------------------------------------------------------------------------------------
// Metric references (pure: the dashboard body is tested without Pulumi)

type Dims = { [k: string]: string };
const dims = (model: Pick<Model, "name" | "environment">, host: string, extra: Dims = {}): Dims =>
    ({ stack: model.name, environment: model.environment, host, ...extra });

/** One CloudWatch metric as the dashboard's `metrics` array wants it. */
function metricRow(name: string, d: Dims, options: { [k: string]: unknown }): unknown[] {
    return [CW_NAMESPACE, name, ...Object.entries(d).flat(), options];
}

const id = (s: string) => s.replace(/[^A-Za-z0-9]/g, "_").toLowerCase();

interface Widget { type: string; x: number; y: number; width: number; height: number; properties: { [k: string]: unknown } }

/** The haproxy log line parser for CloudWatch Logs Insights (HAProxy `option httplog`). */
export const HAPROXY_LOG_PARSE =
    String.raw`parse @message /\] (?<fe>\S+) (?<be>[^\/\s]+)\/(?<srv>\S+) (?<treq>-?\d+)\/(?<tw>-?\d+)\/(?<tc>-?\d+)\/(?<tr>-?\d+)\/(?<ta>-?\d+) (?<status>\d{3}) /`;

/** The CloudWatch dashboard body (JSON-ready object) for the CloudWatch sink. */
export function dashboardBody(model: Model, region: string): { widgets: Widget[] } {
    const lb = siteBalancer(model).name;
    const webs = serversWith(model, Role.Web).map((s) => s.name);
    const hosts = model.servers.map((s) => s.name);
    const logs = logGroupNames(model).logs;
    const widgets: Widget[] = [];
    const graph = (x: number, y: number, width: number, height: number, title: string, metrics: unknown[][], extra: { [k: string]: unknown } = {}) =>
        widgets.push({
            type: "metric", x, y, width, height,
            properties: { title, region, view: "timeSeries", stacked: false, period: 60, metrics, ...extra },
        });

    // Row 1: Web QPS (nginx, all web servers) with HAProxy's front-end rate beside it.
    const nginxRows = webs.map((h) => metricRow("nginx_http_requests_total", dims(model, h), { id: `n_${id(h)}`, stat: "Sum", visible: false }));
    const qps: unknown[][] = [
        [{ expression: `SUM([${webs.map((h) => `n_${id(h)}`).join(",")}])/PERIOD(n_${id(webs[0])})`, label: "Web QPS (nginx)", id: "web_qps" }],
        ...nginxRows,
        ...(webs.length > 1 ? webs.map((h) => [{ expression: `n_${id(h)}/PERIOD(n_${id(h)})`, label: `nginx ${h}`, id: `q_${id(h)}` }]) : []),
        metricRow("haproxy_frontend_http_requests_total", dims(model, lb, { proxy: HAPROXY_SITE_FRONTEND }), { id: "fe", stat: "Sum", visible: false }),
        [{ expression: "fe/PERIOD(fe)", label: `HAProxy front-end QPS (${HAPROXY_SITE_FRONTEND})`, id: "fe_qps" }],
    ];
    graph(0, 0, 16, 6, "Web QPS (requests/s)", qps, { yAxis: { left: { min: 0, label: "req/s", showUnits: false } } });
    widgets.push({
        type: "metric", x: 16, y: 0, width: 8, height: 6,
        properties: { title: "Web QPS now", region, view: "singleValue", sparkline: true, period: 60, metrics: qps.slice(0, 1 + nginxRows.length) },
    });

    // Row 2: 5xx ratio, HAProxy p95 response time (from its access log), backend up/down.
    graph(0, 6, 8, 6, "5xx ratio at the balancer (%)", [
        metricRow("haproxy_frontend_http_responses_total", dims(model, lb, { proxy: HAPROXY_SITE_FRONTEND, code: "5xx" }), { id: "e5", stat: "Sum", visible: false }),
        metricRow("haproxy_frontend_http_requests_total", dims(model, lb, { proxy: HAPROXY_SITE_FRONTEND }), { id: "rq", stat: "Sum", visible: false }),
        [{ expression: "IF(rq > 0, 100 * e5 / rq, 0)", label: "5xx %", id: "ratio" }],
    ], {
        yAxis: { left: { min: 0, max: 100, showUnits: false } },
        annotations: { horizontal: [{ label: `alarm ${THRESHOLDS.fiveXxPercent} %`, value: THRESHOLDS.fiveXxPercent }] },
    });
    widgets.push({
        type: "log", x: 8, y: 6, width: 8, height: 6,
        properties: {
            title: "HAProxy response time p95 / p50 (ms, from the access log)", region, view: "timeSeries",
            query: `SOURCE '${logs}' | fields @timestamp, @message | filter @logStream = '${lb}' | ${HAPROXY_LOG_PARSE} | filter be = '${HAPROXY_WEB_BACKEND}' and tr >= 0 | stats pct(tr, 95) as p95_ms, pct(tr, 50) as p50_ms by bin(1m)`,
        },
    });
    graph(16, 6, 8, 6, "Web servers up (HAProxy backend)", [
        metricRow("haproxy_backend_active_servers", dims(model, lb, { proxy: HAPROXY_WEB_BACKEND }), { stat: "Minimum", label: "active servers" }),
        ...webs.map((h) => metricRow("haproxy_server_status", dims(model, lb, { proxy: HAPROXY_WEB_BACKEND, server: h }), { stat: "Minimum", label: `${h} UP` })),
    ], {
        yAxis: { left: { min: 0, showUnits: false } },
        annotations: { horizontal: [{ label: "expected", value: webs.length }] },
    });

    // Row 3: CPU, memory, disk per server.
    graph(0, 12, 8, 6, "CPU busy (%)", hosts.flatMap((h) => [
        metricRow("node_cpu_seconds_total", dims(model, h, { mode: "idle" }), { id: `i_${id(h)}`, stat: "Sum", visible: false }),
        metricRow("node_cpu_seconds_total", dims(model, h), { id: `t_${id(h)}`, stat: "Sum", visible: false }),
        [{ expression: `100 * (1 - i_${id(h)} / t_${id(h)})`, label: h, id: `cpu_${id(h)}` }],
    ]), { yAxis: { left: { min: 0, max: 100, showUnits: false } } });
    graph(8, 12, 8, 6, "Memory used (%)", hosts.flatMap((h) => [
        metricRow("node_memory_MemAvailable_bytes", dims(model, h), { id: `a_${id(h)}`, stat: "Average", visible: false }),
        metricRow("node_memory_MemTotal_bytes", dims(model, h), { id: `m_${id(h)}`, stat: "Average", visible: false }),
        [{ expression: `100 * (1 - a_${id(h)} / m_${id(h)})`, label: h, id: `mem_${id(h)}` }],
    ]), { yAxis: { left: { min: 0, max: 100, showUnits: false } } });
    graph(16, 12, 8, 6, "Disk used (%)", diskTargets(model).flatMap(({ host, mountpoint }, i) => [
        metricRow("node_filesystem_avail_bytes", dims(model, host, { mountpoint }), { id: `fa${i}`, stat: "Average", visible: false }),
        metricRow("node_filesystem_size_bytes", dims(model, host, { mountpoint }), { id: `fs${i}`, stat: "Average", visible: false }),
        [{ expression: `100 * (1 - fa${i} / fs${i})`, label: `${host} ${mountpoint}`, id: `disk${i}` }],
    ]), {
        yAxis: { left: { min: 0, max: 100, showUnits: false } },
        annotations: { horizontal: [{ label: `alarm ${THRESHOLDS.diskPercent} %`, value: THRESHOLDS.diskPercent }] },
    });

    // Row 4: certificate, HAProxy's average response time (the exporter's last-1024-requests mean).
    graph(0, 18, 12, 6, "TLS certificate: days left", [
        metricRow("sws_tls_certificate_expires_in_seconds", dims(model, lb), { id: "cert", stat: "Minimum", visible: false, period: 3600 }),
        [{ expression: "cert / 86400", label: model.domain, id: "days" }],
    ], {
        period: 3600, yAxis: { left: { min: 0, showUnits: false } },
        annotations: { horizontal: [{ label: `alarm ${THRESHOLDS.certificateDays} days`, value: THRESHOLDS.certificateDays }] },
    });
    graph(12, 18, 12, 6, "HAProxy backend response time, average of the last 1024 requests (s)", [
        metricRow("haproxy_backend_response_time_average_seconds", dims(model, lb, { proxy: HAPROXY_WEB_BACKEND }), { stat: "Average", label: "avg" }),
    ]);
    return { widgets };
}

/** Every (server, mount point) whose disk usage is shown and alarmed on. */
export function diskTargets(model: Pick<Model, "servers">): { host: string; mountpoint: string }[] {
    return model.servers.flatMap((s) => [
        { host: s.name, mountpoint: "/" },
        ...(hasDatabase(s.roles) ? [{ host: s.name, mountpoint: DATA_MOUNT }] : []),
    ]);
}

// ---------------------------------------------------------------------------------------------
// Resources

/** Dashboard + alarms (CloudWatch sink only; SNS topic + email subscription when model.monitoring.alarmEmail). Children get { parent } from opts. */
export function createMonitoring(
    name: string, model: Model, servers: MonitoredServer[], region: pulumi.Input<string>, opts: pulumi.CustomResourceOptions,
    /** monitoring.alarmEmail, checked (components/aws/references.ts). */
    alarmEmail?: pulumi.Input<string>,
): { dashboardUrl?: pulumi.Output<string>; dashboardName?: pulumi.Output<string>; billedAlarms: number; alarmTopic?: aws.sns.Topic; logGroups?: aws.cloudwatch.LogGroup[]; telemetryKey?: aws.kms.Key } {
    if (model.monitoring.sink !== MonitoringSink.CloudWatch) return { billedAlarms: 0 };
    // Alarms as CloudWatch bills them (an anomaly-detection alarm counts as three), for the cost output.
    let billedAlarms = 0;
    const alarm = (n: string, a: aws.cloudwatch.MetricAlarmArgs, o: pulumi.CustomResourceOptions) => {
        billedAlarms += a.thresholdMetricId ? 3 : 1;
        return new aws.cloudwatch.MetricAlarm(n, a, o);
    };
    const tags = { ...model.tags, stack: model.name, environment: model.environment, "managed-by": "secured-web-stack" };
    const groups = logGroupNames(model);
    // The collectors write here; they may not create groups, so retention is always ours.
    // Both groups and the alarm topic are encrypted with the stack's telemetry key (components/aws/logs.ts).
    const key = createTelemetryKey(name, model, [groups.metrics, groups.logs], region, tags, opts);
    const logGroups = [
        new aws.cloudwatch.LogGroup(`${name}-log-metrics`, { name: groups.metrics, retentionInDays: LOG_RETENTION_DAYS.metrics, kmsKeyId: key.arn, tags }, opts),
        new aws.cloudwatch.LogGroup(`${name}-log-access`, { name: groups.logs, retentionInDays: LOG_RETENTION_DAYS.logs, kmsKeyId: key.arn, tags }, opts),
    ];

    let actions: pulumi.Output<string>[] = [];
    let alarmTopic: aws.sns.Topic | undefined;
    if (model.monitoring.alarmEmail) {
        const topic = alarmTopic = new aws.sns.Topic(`${name}-alarms`, { name: `${model.name}-${model.environment}-alarms`, kmsMasterKeyId: key.arn, tags }, opts);
        new aws.sns.TopicSubscription(`${name}-alarms-email`, { topic: topic.arn, protocol: "email", endpoint: alarmEmail ?? knownValue("monitoring.alarmEmail", model.monitoring.alarmEmail)! }, opts);
        actions = [topic.arn];
    }
    // Physical names start with the physical name (unique per stack), never the component name alone.
    const alarmName = (what: string) => `${model.name}-${model.environment}-${what}`;
    const common = { alarmActions: actions, okActions: actions, tags };
    const lb = siteBalancer(model).name;
    const webs = serversWith(model, Role.Web);
    const metric = (metricName: string, d: Dims, stat: string, period: number) =>
        ({ namespace: CW_NAMESPACE, metricName, dimensions: d, stat, period });

    // QPS dropped to zero: no client request reached the site's front end for 5 minutes
    // (nginx's own counter never drops to zero: HAProxy's health checks hit it every second).
    alarm(`${name}-alarm-qps-zero`, {
        ...common, name: alarmName("qps-zero"),
        alarmDescription: `No request reached https://${model.domain}/ for 5 minutes (HAProxy front end ${HAPROXY_SITE_FRONTEND} on ${lb}); missing data (collector down) counts as zero.`,
        namespace: CW_NAMESPACE, metricName: "haproxy_frontend_http_requests_total", dimensions: dims(model, lb, { proxy: HAPROXY_SITE_FRONTEND }),
        statistic: "Sum", period: 60, evaluationPeriods: 5, datapointsToAlarm: 5,
        comparisonOperator: "LessThanOrEqualToThreshold", threshold: 0, treatMissingData: "breaching",
    }, opts);
    // QPS spike: above the anomaly-detection band learnt from the site's own traffic.
    alarm(`${name}-alarm-qps-spike`, {
        ...common, name: alarmName("qps-spike"),
        alarmDescription: `Requests per minute at ${lb} above the expected band (anomaly detection, ${THRESHOLDS.spikeBand} standard deviations) for 3 minutes.`,
        comparisonOperator: "GreaterThanUpperThreshold", evaluationPeriods: 3, datapointsToAlarm: 3,
        thresholdMetricId: "band", treatMissingData: "notBreaching",
        metricQueries: [
            { id: "m1", returnData: true, label: "requests/min", metric: metric("haproxy_frontend_http_requests_total", dims(model, lb, { proxy: HAPROXY_SITE_FRONTEND }), "Sum", 60) },
            { id: "band", returnData: true, label: "expected", expression: `ANOMALY_DETECTION_BAND(m1, ${THRESHOLDS.spikeBand})` },
        ],
    }, opts);
    alarm(`${name}-alarm-backend-down`, {
        ...common, name: alarmName("backend-down"),
        alarmDescription: `Fewer than ${webs.length} web server(s) pass HAProxy's health check on ${lb} (backend ${HAPROXY_WEB_BACKEND}).`,
        namespace: CW_NAMESPACE, metricName: "haproxy_backend_active_servers", dimensions: dims(model, lb, { proxy: HAPROXY_WEB_BACKEND }),
        statistic: "Minimum", period: 60, evaluationPeriods: 2, datapointsToAlarm: 2,
        comparisonOperator: "LessThanThreshold", threshold: webs.length, treatMissingData: "missing",
    }, opts);
    alarm(`${name}-alarm-5xx-ratio`, {
        ...common, name: alarmName("5xx-ratio"),
        alarmDescription: `More than ${THRESHOLDS.fiveXxPercent} % of responses at ${lb} were 5xx in 3 of 5 minutes (minutes with fewer than ${THRESHOLDS.fiveXxMinRequestsPerMinute} requests count as fine).`,
        comparisonOperator: "GreaterThanThreshold", threshold: THRESHOLDS.fiveXxPercent, evaluationPeriods: 5, datapointsToAlarm: 3,
        treatMissingData: "notBreaching",
        metricQueries: [
            { id: "e5", returnData: false, metric: metric("haproxy_frontend_http_responses_total", dims(model, lb, { proxy: HAPROXY_SITE_FRONTEND, code: "5xx" }), "Sum", 60) },
            { id: "rq", returnData: false, metric: metric("haproxy_frontend_http_requests_total", dims(model, lb, { proxy: HAPROXY_SITE_FRONTEND }), "Sum", 60) },
            { id: "ratio", returnData: true, label: "5xx %", expression: `IF(rq >= ${THRESHOLDS.fiveXxMinRequestsPerMinute}, 100 * e5 / rq, 0)` },
        ],
    }, opts);
    for (const { host, mountpoint } of diskTargets(model)) {
        const what = `disk-${host}${mountpoint === "/" ? "" : "-data"}`;
        alarm(`${name}-alarm-${what}`, {
            ...common, name: alarmName(what),
            alarmDescription: `Disk ${mountpoint} on ${host} is more than ${THRESHOLDS.diskPercent} % full.`,
            comparisonOperator: "GreaterThanThreshold", threshold: THRESHOLDS.diskPercent, evaluationPeriods: 2, datapointsToAlarm: 2,
            treatMissingData: "missing",
            metricQueries: [
                { id: "avail", returnData: false, metric: metric("node_filesystem_avail_bytes", dims(model, host, { mountpoint }), "Average", 300) },
                { id: "size", returnData: false, metric: metric("node_filesystem_size_bytes", dims(model, host, { mountpoint }), "Average", 300) },
                { id: "used", returnData: true, label: "used %", expression: "100 * (1 - avail / size)" },
            ],
        }, opts);
    }
    alarm(`${name}-alarm-cert-expiry`, {
        ...common, name: alarmName("cert-expiry"),
        alarmDescription: `The certificate HAProxy serves for ${model.domain} expires in less than ${THRESHOLDS.certificateDays} days (sws-cert-expiry on ${lb}).`,
        namespace: CW_NAMESPACE, metricName: "sws_tls_certificate_expires_in_seconds", dimensions: dims(model, lb),
        statistic: "Minimum", period: 3600, evaluationPeriods: 1,
        comparisonOperator: "LessThanThreshold", threshold: THRESHOLDS.certificateDays * 86400, treatMissingData: "missing",
    }, opts);
    // HAProxy dropped access-log lines (it never blocks on its log; HAPROXY_DROPPED_LOGS): any
    // drop alarms, since the access log is then no longer the complete record of requests.
    alarm(`${name}-alarm-access-log-dropped`, {
        ...common, name: alarmName("access-log-dropped"),
        alarmDescription: `HAProxy on ${lb} dropped access-log lines in the last 5 minutes (${HAPROXY_DROPPED_LOGS}: it drops a line rather than wait for its log file): the access log misses requests.`,
        namespace: CW_NAMESPACE, metricName: HAPROXY_DROPPED_LOGS, dimensions: dims(model, lb),
        statistic: "Sum", period: 300, evaluationPeriods: 1,
        comparisonOperator: "GreaterThanThreshold", threshold: 0, treatMissingData: "notBreaching",
    }, opts);
    // The instance itself (works even when its collector does not).
    for (const { server, instance } of servers) {
        alarm(`${name}-alarm-status-${server.name}`, {
            ...common, name: alarmName(`status-${server.name}`),
            alarmDescription: `EC2 status checks fail on ${server.name}.`,
            namespace: "AWS/EC2", metricName: "StatusCheckFailed", dimensions: { InstanceId: instance.id },
            statistic: "Maximum", period: 60, evaluationPeriods: 3, datapointsToAlarm: 3,
            comparisonOperator: "GreaterThanOrEqualToThreshold", threshold: 1, treatMissingData: "missing",
        }, opts);
    }

    // Galera, per node: a node out of its component (or the component itself shrunk), replication
    // paused by flow control (a node too slow to apply), a growing receive queue.
    if (isCluster(model)) {
        const nodes = serversWith(model, Role.Database);
        for (const node of nodes) {
            alarm(`${name}-alarm-galera-size-${node.name}`, {
                ...common, name: alarmName(`galera-size-${node.name}`),
                alarmDescription: `${node.name} sees fewer than ${nodes.length} nodes in its Galera component for 2 minutes (a node is down or partitioned; missing data counts as breaching).`,
                namespace: CW_NAMESPACE, metricName: "mysql_global_status_wsrep_cluster_size", dimensions: dims(model, node.name),
                statistic: "Minimum", period: 60, evaluationPeriods: 2, datapointsToAlarm: 2,
                comparisonOperator: "LessThanThreshold", threshold: nodes.length, treatMissingData: "breaching",
            }, opts);
            alarm(`${name}-alarm-galera-flow-control-${node.name}`, {
                ...common, name: alarmName(`galera-flow-control-${node.name}`),
                alarmDescription: `Galera replication on ${node.name} was paused by flow control more than ${THRESHOLDS.galeraFlowControlPausedRatio * 100} % of the time in 3 of 5 minutes (a node cannot apply writes fast enough; every commit waits).`,
                comparisonOperator: "GreaterThanThreshold", threshold: THRESHOLDS.galeraFlowControlPausedRatio, evaluationPeriods: 5, datapointsToAlarm: 3,
                treatMissingData: "missing",
                metricQueries: [
                    { id: "paused", returnData: false, metric: metric("mysql_global_status_wsrep_flow_control_paused_ns", dims(model, node.name), "Maximum", 60) },
                    { id: "ratio", returnData: true, label: "paused share", expression: "RATE(paused) / 1000000000" },
                ],
            }, opts);
            alarm(`${name}-alarm-galera-recv-queue-${node.name}`, {
                ...common, name: alarmName(`galera-recv-queue-${node.name}`),
                alarmDescription: `More than ${THRESHOLDS.galeraRecvQueue} write sets wait to be applied on ${node.name} (average over 5 minutes): it lags behind the cluster.`,
                namespace: CW_NAMESPACE, metricName: "mysql_global_status_wsrep_local_recv_queue", dimensions: dims(model, node.name),
                statistic: "Average", period: 300, evaluationPeriods: 1,
                comparisonOperator: "GreaterThanThreshold", threshold: THRESHOLDS.galeraRecvQueue, treatMissingData: "missing",
            }, opts);
        }
    }

    billedAlarms += createBackupAlarms(name, model, actions, opts).length;

    const dashboardName = `${model.name}-${model.environment}`;
    const dashboard = new aws.cloudwatch.Dashboard(`${name}-dashboard`, {
        dashboardName,
        dashboardBody: pulumi.output(region).apply((r) => JSON.stringify({ start: "-PT3H", periodOverride: "inherit", ...dashboardBody(model, r) })),
    }, opts);
    return {
        billedAlarms, alarmTopic, logGroups, telemetryKey: key,
        dashboardName: dashboard.dashboardName,
        dashboardUrl: pulumi.interpolate`https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards/dashboard/${dashboard.dashboardName}`,
    };
}
