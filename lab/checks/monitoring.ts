/**
 * Monitoring, read at the lab's sink — whichever the profile's monitoring.sink is (sink-readers.ts):
 * the Prometheus receiving remote writes, the Sumo Logic receiver's decoded OTLP data points, or the
 * metrics extracted from the EMF log events in the lab's CloudWatch Logs — all sent by every
 * server's OpenTelemetry Collector (the build of monitoring/collector/builder-config.yaml running
 * the payload's /etc/sws/collector.yaml, scrape intervals capped at 5 s; lab/collector.ts):
 *   - every exporter on every server reports at the sink (Prometheus, Sumo Logic: its `up` series
 *     with the payload's own `host` label; CloudWatch: every server's published series);
 *   - N requests through the balancer appear as N (± 1 %) on the web tier's request counter, and on
 *     the balancer's (CloudWatch: read through the very metrics — namespace, name, dimensions — that
 *     the dashboard's Web QPS widget and the alarms name, as the lab's AWS holds them);
 *   - where the sink takes logs (Sumo Logic, CloudWatch), the burst's access-log lines arrive as
 *     exactly N records per web server, and per balancer exactly N minus the lines HAProxy's own
 *     counter (haproxy_process_dropped_logs_total, at the sink) says it dropped;
 *   - every collector's peak resident memory (VmHWM) stays under its unit's MemoryMax=.
 * Counters are compared as raw samples before and after the burst (no rate()/increase(): they
 * extrapolate; CloudWatch's per-scrape deltas are summed). Nginx's counter also counts the
 * balancer's health checks and the exporter's stub_status scrapes: that steady background is
 * measured over the quiet minute before the burst and subtracted (both figures are printed). The
 * balancer's counter (HAProxy's backend responses; on CloudWatch the site front end's requests,
 * which the dashboard and alarms use) must move by exactly N.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { COLLECTOR_TELEMETRY_PORT, COLLECTOR_UNIT, memoryMaxBytes, memoryOf } from "../collector";
import { supervisorDump } from "../supervisor/client";
import { inRoot, rootPaths } from "../root";
import { sinkKind } from "../sink";
import { cloudWatchLogReader, cloudWatchReader, LogReader, Match, prometheusReader, Sample, SeriesReader, sumoLogReader, sumoReader } from "../sink-readers";
import { awsAdmin } from "../aws/host";
import { awsSettings } from "../aws/hosts";
import { metricKey } from "../cloudwatch-emf";
import { CW_NAMESPACE, cloudWatchSeries, HAPROXY_DROPPED_LOGS, HAPROXY_SITE_FRONTEND, logFiles, logGroupNames } from "../../components/payloads/collector";
import { Ports, Role } from "../../components/model";
import { CLIENTS_DIR } from "../files";
import { inNetns, netnsPath } from "../namespaces";
import { run } from "../shell";
import { waitFor } from "../processes";
import { CheckContext, CheckResult, timedCheck } from "./common";

/** Sum of the latest sample of every series, and the oldest of those timestamps. */
function latest(series: Map<string, Sample[]>): { v: number; t: number; series: number } {
  let v = 0;
  let t = Infinity;
  let n = 0;
  for (const s of series.values()) {
    const last = s[s.length - 1];
    if (!last) continue;
    v += last.v;
    t = Math.min(t, last.t);
    n++;
  }
  return { v, t: n ? t : 0, series: n };
}

/** One server's part of the burst's access log: records at the sink, and lines the server itself counted as dropped. */
export interface AccessLogCount {
  host: string;
  atSink: number;
  /** Lines the server's own counter says it dropped during the burst; undefined where the server has no drop path (Nginx blocks on its log file). */
  dropped?: number;
}

/**
 * The burst's access-log lines, accounted exactly per server: every request sent is a record at the
 * sink or a line the server counted as dropped — `atSink + dropped === sent`, with no tolerance.
 * Everything after the log file (filelog, batch, the exporter's queue, the sink) must lose nothing,
 * and a server may not drop more than `maxDropped` (its drops are visible, but a log that loses
 * more than that is no access log).
 */
export function accessLogAccounting(sent: number, counts: AccessLogCount[], maxDropped: number): { ok: boolean; lines: string[] } {
  const lines: string[] = [];
  let ok = counts.length > 0;
  for (const c of counts) {
    const dropped = c.dropped ?? 0;
    const good = Number.isInteger(c.atSink) && Number.isInteger(dropped) && dropped >= 0 && dropped <= maxDropped && c.atSink + dropped === sent;
    ok &&= good;
    lines.push(`    ${good ? "✓" : "✗"} ${c.host.padEnd(6)} +${c.atSink} at the sink${c.dropped === undefined ? " (no drop path: its log write blocks)" : ` + ${c.dropped} dropped by the server itself (${HAPROXY_DROPPED_LOGS})`} = ${c.atSink + dropped} for ${sent} sent${dropped > maxDropped ? ` (more than ${maxDropped} dropped)` : ""}`);
  }
  return { ok, lines };
}

/** Sum of every series of a counter in a Prometheus text exposition (any labels); NaN when absent. */
export function counterTotal(text: string, name: string): number {
  let total = NaN;
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    // The collector's own telemetry appends the unit to some names (…_log_records__records__total).
    if (!m || !(m[1] === name || m[1] === `${name}_total` || m[1].startsWith(`${name}__`))) continue;
    total = (Number.isNaN(total) ? 0 : total) + Number(m[3]);
  }
  return total;
}

/** Where a server's access-log lines are on their way to the sink, read in the server itself. */
export interface LogHops {
  /** Lines of the file containing the needle. */
  disk: number;
  /** The collector's filelog receiver: records accepted (every line of its files). */
  accepted: number;
  /** The collector's log exporter: records sent, and records it gave up on. */
  sent: number;
  sendFailed: number;
  /** HAProxy's own DroppedLogs, read from HAProxy (balancers only). */
  haproxyDropped?: number;
}

function logHops(host: string, roles: Role[], needle: string): LogHops {
  const file = logFiles(roles).find((f) => f.endsWith("/access.log"))!;
  const grep = inRoot(host, ["grep", "-c", "-F", "--", needle, file]);
  const telemetry = inNetns(host, "curl", ["-s", "--max-time", "3", `http://127.0.0.1:${COLLECTOR_TELEMETRY_PORT}/metrics`]).stdout;
  const hops: LogHops = {
    disk: grep.code <= 1 ? Number(grep.stdout.trim()) : NaN,
    accepted: counterTotal(telemetry, "otelcol_receiver_accepted_log_records"),
    sent: counterTotal(telemetry, "otelcol_exporter_sent_log_records"),
    sendFailed: counterTotal(telemetry, "otelcol_exporter_send_failed_log_records"),
  };
  if (roles.includes(Role.Balancer)) {
    hops.haproxyDropped = counterTotal(inNetns(host, "curl", ["-s", "--max-time", "3", `http://127.0.0.1:${Ports.local.haproxyMetrics}/metrics`]).stdout, HAPROXY_DROPPED_LOGS);
  }
  return hops;
}

/** A CloudWatch metric as a dashboard row or an alarm names it. */
export interface MetricRef {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
  /** Where it is named: "dashboard: <widget title>" or "alarm <name>". */
  where: string;
}

/** The metrics a dashboard body's widgets name (rows [namespace, name, dim, value, …, {options}]). */
export function dashboardMetrics(body: { widgets?: Array<{ properties?: { title?: string; metrics?: unknown[][] } }> }): MetricRef[] {
  const out: MetricRef[] = [];
  for (const w of body.widgets ?? []) {
    for (const row of w.properties?.metrics ?? []) {
      if (!Array.isArray(row) || typeof row[0] !== "string") continue;
      const parts = row.filter((x) => typeof x === "string") as string[];
      const dims: Record<string, string> = {};
      for (let i = 2; i + 1 < parts.length; i += 2) dims[parts[i]] = parts[i + 1];
      out.push({ namespace: parts[0], name: parts[1], dimensions: dims, where: `dashboard: ${w.properties?.title ?? "?"}` });
    }
  }
  return out;
}

/** The metrics an alarm (DescribeAlarms' MetricAlarms entry) names, directly or in its metric queries. */
export function alarmMetrics(a: { AlarmName: string; Namespace?: string; MetricName?: string; Dimensions?: Array<{ Name: string; Value: string }>; Metrics?: Array<{ MetricStat?: { Metric?: { Namespace?: string; MetricName?: string; Dimensions?: Array<{ Name: string; Value: string }> } } }> }): MetricRef[] {
  const ref = (ns: string | undefined, n: string | undefined, d: Array<{ Name: string; Value: string }> | undefined): MetricRef[] =>
    ns && n ? [{ namespace: ns, name: n, dimensions: Object.fromEntries((d ?? []).map((x) => [x.Name, x.Value])), where: `alarm ${a.AlarmName}` }] : [];
  return [...ref(a.Namespace, a.MetricName, a.Dimensions), ...(a.Metrics ?? []).flatMap((m) => ref(m.MetricStat?.Metric?.Namespace, m.MetricStat?.Metric?.MetricName, m.MetricStat?.Metric?.Dimensions))];
}

/** The dashboards and alarms as the lab's AWS holds them (replayed from the program). */
function cloudWatchRefs(ctx: CheckContext): { dashboards: string[]; alarms: number; refs: MetricRef[] } {
  const out = JSON.parse(awsAdmin(awsSettings(ctx.cfg), [
    "cw = AWS('cloudwatch'); ds = []",
    "for d in cw.list_dashboards()['DashboardEntries']: ds.append({'name': d['DashboardName'], 'body': cw.get_dashboard(DashboardName=d['DashboardName'])['DashboardBody']})",
    "al = []",
    "for p in cw.get_paginator('describe_alarms').paginate(): al += p['MetricAlarms']",
    "print(json.dumps({'dashboards': ds, 'alarms': al}, default=str))",
  ].join("\n")));
  const refs: MetricRef[] = [];
  for (const d of out.dashboards) refs.push(...dashboardMetrics(JSON.parse(d.body)));
  for (const a of out.alarms) refs.push(...alarmMetrics(a));
  return { dashboards: out.dashboards.map((d: { name: string }) => d.name), alarms: out.alarms.length, refs };
}

const dimsMatch = (d: Record<string, string>): Match => Object.fromEntries(Object.entries(d).map(([k, v]) => [k, [v]]));

export function monitoringCheck(ctx: CheckContext, N = 3000): Promise<CheckResult> {
  return timedCheck("monitoring", async () => {
    const { rendered, state, cfg } = ctx;
    const kind = sinkKind(cfg.stack.monitoring as { sink?: string } | undefined);
    const web = rendered.servers.filter((s) => s.roles.includes("web")).map((s) => s.name);
    const lbs = rendered.servers.filter((s) => s.roles.includes("balancer")).map((s) => s.name);
    let ok = true;
    const lines: string[] = [];
    const details: Record<string, unknown> = { sink: kind, N };

    // What is read, and through which series, per sink.
    let reader: SeriesReader;
    // CloudWatch: what each server published, judged at the end (after the burst: every series has had time to arrive).
    let published: (() => void) | undefined;
    // The logs pipeline (filelog → the sink's log exporter), where the sink takes logs.
    let logReader: LogReader | undefined;
    let nginx: Array<{ metric: string; match: Match }>;
    let balancer: { metric: string; match: Match; what: string };
    // Each balancer's count of the log lines HAProxy dropped (the access-log accounting below).
    let droppedLogs: (host: string) => { metric: string; match: Match };
    if (kind === "cloudwatch") {
      const group = logGroupNames(rendered.model).metrics;
      const cw = cloudWatchReader(awsSettings(cfg), group, CW_NAMESPACE);
      reader = cw;
      logReader = cloudWatchLogReader(awsSettings(cfg), logGroupNames(rendered.model).logs);
      lines.push(`each server's sws-collector.service runs the OpenTelemetry Collector (monitoring/collector/builder-config.yaml, the payload's pinned release) with its payload's /etc/sws/collector.yaml (scrape intervals capped at 5 s): awsemf → EMF log events in ${group}, awscloudwatchlogs → ${logGroupNames(rendered.model).logs}, in the lab's AWS (moto, AWS's endpoint names, each server's role credentials from IMDSv2)`);
      lines.push(`read: ${reader.describe}; moto stores EMF log events but extracts no metric from them, so that extraction is the lab's (a named stand-in for CloudWatch Logs' EMF processing)`);
      // The metric names and dimensions come from the dashboard and alarms as the lab's AWS holds them.
      const { dashboards, alarms, refs } = cloudWatchRefs(ctx);
      const qps = refs.filter((r) => r.where.startsWith("dashboard: Web QPS (") && r.namespace === CW_NAMESPACE);
      const nginxRefs = qps.filter((r) => r.name === "nginx_http_requests_total");
      const feRef = qps.find((r) => r.name === "haproxy_frontend_http_requests_total" && r.dimensions.proxy === HAPROXY_SITE_FRONTEND);
      const refsOk = dashboards.length === 1 && nginxRefs.length === web.length && nginxRefs.every((r) => web.includes(r.dimensions.host)) && !!feRef && lbs.includes(feRef.dimensions.host);
      ok &&= refsOk;
      lines.push(`${refsOk ? "✓" : "✗"} the lab's AWS holds ${dashboards.length} dashboard(s) (${dashboards.join(", ")}) and ${alarms} alarm(s); the Web QPS widget names ${nginxRefs.map((r) => `nginx_http_requests_total${JSON.stringify(r.dimensions)}`).join(", ")} and ${feRef ? `haproxy_frontend_http_requests_total${JSON.stringify(feRef.dimensions)}` : "no HAProxy front-end series"}`);
      if (!refsOk) return { ok: false, summary: "the dashboard in the lab's AWS does not name the web tier's and the balancer's QPS series", lines, details: { ...details, refs } };
      nginx = nginxRefs.map((r) => ({ metric: r.name, match: dimsMatch(r.dimensions) }));
      balancer = { metric: feRef!.name, match: dimsMatch(feRef!.dimensions), what: `${feRef!.name}${JSON.stringify(feRef!.dimensions)} (the dashboard's and the qps alarms' series)` };
      droppedLogs = (host) => ({ metric: HAPROXY_DROPPED_LOGS, match: { stack: [rendered.model.name], environment: [rendered.model.environment], host: [host] } });

      // 1. (after the burst, below) every server publishes its CloudWatch series, and every metric the dashboard and alarms name.
      await waitFor("every server's EMF events in the lab's CloudWatch Logs", () => Object.keys(cw.read().streams).length >= rendered.servers.length, 60000, 2000).catch(() => undefined);
      published = () => {
        const read = cw.read();
        const have = new Set(read.extraction.data.map((d) => metricKey(d.namespace, d.name, d.dimensions)));
        const names = new Map<string, Set<string>>();
        for (const d of read.extraction.data) if (d.namespace === CW_NAMESPACE) {
          if (!names.has(d.dimensions.host)) names.set(d.dimensions.host, new Set());
          names.get(d.dimensions.host)!.add(d.name);
        }
        const invalid = Object.entries(read.extraction.invalid);
        lines.push(`${invalid.length ? "✗" : "✓"} EMF log events in ${group}: ${read.extraction.events} in ${Object.keys(read.streams).length} stream(s) (${Object.entries(read.streams).map(([k, v]) => `${k} ${v}${read.spans[k] ? ` from ${new Date(read.spans[k][0]).toISOString().slice(11, 19)} to ${new Date(read.spans[k][1]).toISOString().slice(11, 19)}` : ""}`).join(", ")}), ${read.extraction.data.length} metric data extracted; events breaking the EMF rules: ${invalid.length ? invalid.map(([k, v]) => `${v}× ${k}`).join("; ") : "none"}`);
        ok &&= invalid.length === 0;
        // Series that exist only after an event the check does not cause: a backup, the hourly certificate-expiry timer (the lab's supervisor fires no timer).
        const eventDriven = (n: string) => n.startsWith("sws_backup_") || n.startsWith("sws_tls_");
        // A file system the lab gives a server as an overlay — its root `/` (an overlay of the
        // machine's /, lab/root.ts) — is one node_exporter skips by default
        // (--collector.filesystem.fs-types-exclude includes overlay); on EC2 `/` is the AMI's ext4 or
        // xfs and the data mount the EBS volume's. Since each server has its own PID namespace, the
        // exporter reads the server's own mount table (before, it read the machine's and reported the
        // machine's `/`). Excused only when the mount point really is an overlay in that server and
        // its exporter reports nothing for it.
        const mounts = new Map<string, { fstype: string; exporter: string[] }>();
        const mountOf = (host: string, mountpoint: string) => {
          const k = `${host} ${mountpoint}`;
          if (!mounts.has(k)) {
            mounts.set(k, {
              fstype: inRoot(host, ["findmnt", "-n", "-o", "FSTYPE", "--mountpoint", mountpoint]).stdout.trim(),
              // What the node exporter itself says about the mount point (scraped directly, in the server).
              exporter: inNetns(host, "curl", ["-s", "--max-time", "3", "http://127.0.0.1:9100/metrics"]).stdout.split("\n").filter((l) => l.includes(`mountpoint="${mountpoint}"`)),
            });
          }
          return mounts.get(k)!;
        };
        const labOverlay = (r: MetricRef) => {
          if (!r.name.startsWith("node_filesystem_") || !r.dimensions.mountpoint) return false;
          const v = mountOf(r.dimensions.host, r.dimensions.mountpoint);
          return v.fstype === "overlay" && !v.exporter.some((l) => l.startsWith(`${r.name}{`));
        };
        // A server whose every file system the dashboard and alarms name is a lab overlay publishes no
        // node_filesystem series at all: those names are excused for it too (printed as such).
        const overlayOnly = (host: string, n: string) => {
          const named = refs.filter((r) => r.namespace === CW_NAMESPACE && r.name === n && r.dimensions.host === host);
          return n.startsWith("node_filesystem_") && named.length > 0 && named.every(labOverlay);
        };
        const perServer = rendered.servers.map((s) => {
          const expected = [...new Set(cloudWatchSeries(s.roles as Role[]).flatMap((c) => c.names))];
          const seen = names.get(s.name) ?? new Set<string>();
          const missing = expected.filter((n) => !seen.has(n) && !eventDriven(n) && !overlayOnly(s.name, n));
          return { server: s.name, expected, seen: [...seen], missing, notYet: expected.filter((n) => !seen.has(n) && eventDriven(n)), overlay: expected.filter((n) => !seen.has(n) && overlayOnly(s.name, n)) };
        });
        const serversOk = perServer.every((p) => p.missing.length === 0 && p.seen.length > 0);
        ok &&= serversOk;
        lines.push(`${serversOk ? "✓" : "✗"} every server publishes its CloudWatch series (components/payloads/collector.ts cloudWatchSeries):`);
        for (const p of perServer) lines.push(`    ${p.missing.length ? "✗" : "✓"} ${p.server.padEnd(6)} ${p.expected.length - p.missing.length - p.notYet.length - p.overlay.length}/${p.expected.length}${p.missing.length ? `, missing ${p.missing.join(", ")}` : ""}${p.overlay.length ? `; not published because each file system they are named for is the lab's overlay (see below): ${p.overlay.join(", ")}` : ""}${p.notYet.length ? `; not expected in the lab yet (written after a backup or by the hourly timer): ${p.notYet.join(", ")}` : ""}`);
        const cwRefs = refs.filter((r) => r.namespace === CW_NAMESPACE);
        const unseen = cwRefs.filter((r) => !have.has(metricKey(r.namespace, r.name, r.dimensions)));
        const refsMissing = unseen.filter((r) => !eventDriven(r.name) && !labOverlay(r));
        const excused = unseen.filter((r) => labOverlay(r));
        ok &&= refsMissing.length === 0;
        lines.push(`${refsMissing.length ? "✗" : "✓"} metrics the dashboard and alarms name (namespace ${CW_NAMESPACE}, exact dimensions): ${cwRefs.length - unseen.length}/${cwRefs.length} published${unseen.length ? `; not published: ${[...new Set(unseen.map((r) => `${r.name}${JSON.stringify(r.dimensions)} (${r.where})${eventDriven(r.name) ? " — event-driven, see above" : excused.includes(r) ? ` — ${r.dimensions.mountpoint} on ${r.dimensions.host} is the lab's overlay (fstype overlay, which node_exporter excludes by default; on EC2 the AMI's or the EBS volume's file system)` : ""}`))].join("; ")}` : ""}; AWS/EC2 alarms (${refs.filter((r) => r.namespace === "AWS/EC2").length}) are EC2's own`);
        for (const [k, v] of mounts) lines.push(`    ${k}: fstype ${v.fstype || "?"}; its node exporter reports for it: ${v.exporter.length ? v.exporter.join(" | ") : "nothing"}`);
        // What the hosts did publish under the names of the missing metrics (another dimension value, say).
        for (const r of refsMissing.filter((x, i, a) => a.findIndex((y) => y.name === x.name && y.dimensions.host === x.dimensions.host) === i)) {
          const other = [...new Set(read.extraction.data.filter((d) => d.name === r.name && d.dimensions.host === r.dimensions.host).map((d) => JSON.stringify(d.dimensions)))];
          lines.push(`    ${r.dimensions.host} published ${r.name} ${other.length ? `only with ${other.join(", ")}` : "under no dimensions at all"}`);
        }
        details.cloudwatch = { streams: read.streams, events: read.extraction.events, invalid: read.extraction.invalid, perServer, refsUnseen: unseen, labOverlay: excused, mountFstypes: Object.fromEntries(mounts) };
      };
    } else {
      reader = kind === "sumologic" ? sumoReader() : prometheusReader(cfg.lab.sink);
      if (kind === "sumologic") logReader = sumoLogReader();
      lines.push(`each server's sws-collector.service runs the OpenTelemetry Collector (monitoring/collector/builder-config.yaml, the payload's pinned release) with its payload's /etc/sws/collector.yaml (scrape intervals capped at 5 s), ${kind === "sumologic" ? "otlphttp/sumologic → the lab's Sumo Logic receiver (OTLP/HTTP over HTTPS, protobuf + gzip, decoded with opentelemetry-proto)" : "remote-writing to the sink's Prometheus (--web.enable-remote-write-receiver)"}`);
      lines.push(`read: ${reader.describe}`);
      nginx = [{ metric: "nginx_http_requests_total", match: { host: web } }];
      balancer = { metric: "haproxy_backend_http_responses_total", match: { proxy: ["web"], host: lbs }, what: `haproxy_backend_http_responses_total{proxy="web"}` };
      droppedLogs = (host) => ({ metric: HAPROXY_DROPPED_LOGS, match: { host: [host] } });

      // 1. Every exporter on every server is up, as the sink sees it.
      const expected: Array<{ server: string; job: string; target: string }> = [];
      for (const s of rendered.servers) {
        const text = fs.readFileSync(path.join(rootPaths(s.name).merged, "etc/sws/collector.yaml"), "utf8");
        const doc = YAML.parse(text);
        for (const sc of doc?.receivers?.prometheus?.config?.scrape_configs ?? []) {
          for (const stc of sc.static_configs ?? []) for (const t of stc.targets ?? []) expected.push({ server: s.name, job: sc.job_name, target: t });
        }
      }
      const ups = () => {
        const out: Array<{ job: string; host: string; v: number }> = [];
        for (const [k, smp] of reader.samples("up", {}, 30)) {
          const labels = JSON.parse(k) as Record<string, string>;
          if (smp.length) out.push({ job: labels.job, host: labels.host, v: smp[smp.length - 1].v });
        }
        return out;
      };
      await waitFor("every scrape target at the sink", () => ups().length >= expected.length, 30000, 1000).catch(() => undefined);
      const seen = ups();
      const exporters = expected.map((e) => {
        const u = seen.find((x) => x.job === e.job && x.host === e.server);
        return { ...e, up: u ? u.v === 1 : false, seen: !!u };
      });
      const allUp = exporters.every((e) => e.up);
      ok &&= allUp && exporters.length > 0;
      lines.push(`${allUp ? "✓" : "✗"} exporters up at the sink: ${exporters.filter((e) => e.up).length}/${exporters.length}`);
      for (const e of exporters) lines.push(`    ${e.up ? "up  " : e.seen ? "DOWN" : "MISSING"} ${e.server.padEnd(5)} ${e.job.padEnd(8)} ${e.target}`);
      details.exporters = exporters;
    }

    const sum = (parts: Array<{ metric: string; match: Match }>, windowS: number) => {
      const all = new Map<string, Sample[]>();
      for (const p of parts) for (const [k, v] of reader.samples(p.metric, p.match, windowS)) all.set(k, v);
      return all;
    };

    // 2. N requests through the balancer → N on the web tier's counter (and the balancer's).
    // Background rate: the median per-scrape increase over the last minute (robust to earlier
    // bursts and to counter resets after a restart).
    // One median per web server's series, summed (with several web servers each has its own background).
    let rates: number[] = [];
    await waitFor("three quiet scrape intervals at the sink", () => {
      rates = [];
      // The balancer's series must be there too: a delta from no sample would be its whole total.
      if (![...sum([balancer], 60).values()].some((x) => x.length >= 2)) return false;
      for (const series of sum(nginx, 60).values()) {
        const increments: number[] = [];
        for (let i = 1; i < series.length; i++) {
          const dv = series[i].v - series[i - 1].v;
          const dt = series[i].t - series[i - 1].t;
          if (dv >= 0 && dt > 0) increments.push(dv / dt);
        }
        if (increments.length < 3) return false;
        increments.sort((x, y) => x - y);
        rates.push(increments[Math.floor(increments.length / 2)]);
      }
      return rates.length > 0;
    }, kind === "cloudwatch" ? 60000 : 30000, 1000);
    const bgRate = rates.reduce((x, y) => x + y, 0);
    const before = latest(sum(nginx, 30));
    const hBefore = latest(sum([balancer], 30));
    if (!before.series) throw new Error(`no ${nginx[0].metric} series at the sink`);
    if (!hBefore.series) throw new Error(`no ${balancer.metric} series at the sink`);

    // Access-log lines of the burst's request (HAProxy's and Nginx's logs, tailed by filelog).
    const needle = "GET /static/robots.txt ";
    const logHosts = [...lbs, ...web];
    const logsBefore = logReader ? Object.fromEntries(logHosts.map((h) => [h, logReader!.count(h, needle)])) : {};
    // Each hop of each server's log before the burst (printed after it: where a loss would be).
    const rolesOf = (h: string) => rendered.servers.find((s) => s.name === h)!.roles as Role[];
    const hopsBefore = logReader ? Object.fromEntries(logHosts.map((h) => [h, logHops(h, rolesOf(h), needle)])) : {};
    const dropped = (h: string, windowS: number) => latest(sum([droppedLogs(h)], windowS));
    const droppedBefore = Object.fromEntries(lbs.map((h) => [h, dropped(h, 30)]));

    const burst = run("nsenter", [`--net=${netnsPath(ctx.client)}`, "--", process.execPath, path.join(CLIENTS_DIR, "https-burst.js"),
      state.balancer.ip, state.domain, "/static/robots.txt", String(N), "8", state.caBundle], { timeout: 120000 });
    if (burst.code !== 0) throw new Error(`burst failed: ${burst.stderr}`);
    const b = JSON.parse(burst.stdout) as { sent: number; statuses: Record<string, number>; errors: number; ms: number };
    const burstEnd = Date.now() / 1000;
    lines.push(`    sent ${N} requests (GET /static/robots.txt) in ${(b.ms / 1000).toFixed(1)} s from ${ctx.client}: statuses ${JSON.stringify(b.statuses)}, errors ${b.errors}`);

    // Wait for a sample scraped after the burst to reach the sink.
    let after = latest(sum(nginx, 30));
    let hAfter = latest(sum([balancer], 30));
    await waitFor("a sample after the burst at the sink", () => {
      after = latest(sum(nginx, 90));
      hAfter = latest(sum([balancer], 90));
      return after.t > burstEnd + 0.5 && hAfter.t > burstEnd + 0.5;
    }, 60000, 1000).catch(() => undefined);
    // HAProxy's drop counter after the burst, waited for on its own so that the counters' window
    // above stays what it was; it only matters where the sink takes logs (2b below).
    let droppedAfter = droppedBefore;
    if (logReader) {
      await waitFor("HAProxy's drop counter after the burst at the sink", () => {
        droppedAfter = Object.fromEntries(lbs.map((h) => [h, dropped(h, 90)]));
        return lbs.every((h) => droppedAfter[h].t > burstEnd + 0.5);
      }, 60000, 1000).catch(() => undefined);
    }
    if (after.t <= burstEnd + 0.5 || hAfter.t <= burstEnd + 0.5) {
      lines.push(`✗ no sample scraped after the burst reached the sink within 60 s`);
      return { ok: false, summary: `no web-tier or balancer sample after the burst at the sink (${kind})`, lines, details: { ...details, burst: b } };
    }
    const delta = after.v - before.v;
    const background = bgRate * (after.t - before.t);
    const corrected = delta - background;
    const tol = Math.ceil(N * 0.01);
    const nginxOk = Math.abs(corrected - N) <= tol;
    const hDelta = hAfter.v - hBefore.v;
    const hOk = Math.abs(hDelta - N) <= tol;
    ok &&= nginxOk && hOk && (b.statuses["200"] ?? 0) === N;
    lines.push(`${nginxOk ? "✓" : "✗"} web tier (${nginx.map((x) => `${x.metric}${JSON.stringify(x.match)}`).join(" + ")} at the sink): +${delta.toFixed(0)} raw over ${(after.t - before.t).toFixed(1)} s, background ${background.toFixed(1)} (median ${bgRate.toFixed(2)}/s over the quiet minute before, summed over ${rates.length} web server(s): health checks + stub_status scrapes) → ${corrected.toFixed(1)} for ${N} sent (± ${tol} allowed)`);
    lines.push(`${hOk ? "✓" : "✗"} balancer (${balancer.what} at the sink): +${hDelta.toFixed(0)} for ${N} sent`);

    // 2b. The burst's access-log lines as log records at the sink, accounted exactly per server
    // (accessLogAccounting): Nginx blocks on its log file, so web servers must show N; HAProxy
    // drops a line rather than wait for the log file descriptor when two of its threads collide on
    // it, and counts it (lb +2999 of 3000 twice on 2026-11-30; the mechanism reproduced by
    // lab/prototype/haproxy-log-drops.sh — lab/README.md "Monitoring sinks"), so a balancer must
    // show N minus the lines its counter, read at the sink like any other series, says it dropped.
    // Nothing after the file (filelog, batch, the exporter, the sink) may lose or add a record.
    if (logReader) {
      // No counter at the sink, or none scraped after the burst: not accounted (NaN fails below).
      const droppedDelta = Object.fromEntries(lbs.map((h) => [h, droppedAfter[h].series && droppedBefore[h].series && droppedAfter[h].t > burstEnd + 0.5 ? droppedAfter[h].v - droppedBefore[h].v : NaN]));
      const counts = () => logHosts.map((h): AccessLogCount => ({ host: h, atSink: logReader!.count(h, needle) - logsBefore[h], ...(lbs.includes(h) ? { dropped: droppedDelta[h] } : {}) }));
      let logs = counts();
      await waitFor("the burst's access-log lines at the sink", () => {
        logs = counts();
        return logs.every((c) => c.atSink + (c.dropped ?? 0) >= N);
      }, 60000, 2000).catch(() => undefined);
      const account = accessLogAccounting(N, logs, tol);
      ok &&= account.ok;
      lines.push(`${account.ok ? "✓" : "✗"} access-log lines of the burst ("${needle.trim()}") as log records at the sink (${logReader.describe}), exact per server (at most ${tol} dropped, each counted):`);
      lines.push(...account.lines);
      // Not judged (the accounting above is): each hop's count for the burst, to tell where a line went.
      const hops: Record<string, LogHops> = {};
      for (const h of logHosts) {
        const a = logHops(h, rolesOf(h), needle);
        const b = hopsBefore[h];
        hops[h] = { disk: a.disk - b.disk, accepted: a.accepted - b.accepted, sent: a.sent - b.sent, sendFailed: a.sendFailed - b.sendFailed, ...(a.haproxyDropped !== undefined ? { haproxyDropped: a.haproxyDropped - b.haproxyDropped! } : {}) };
        const d = hops[h];
        lines.push(`      ${h}, hop by hop: the burst's lines on its disk +${d.disk}${d.haproxyDropped !== undefined ? ` (HAProxy's DroppedLogs, read from HAProxy: +${d.haproxyDropped})` : ""}; its collector's filelog accepted +${d.accepted}, exporter sent +${d.sent}, send failed +${d.sendFailed} (every line of its log files)`);
      }
      details.logs = { before: logsBefore, counts: logs, droppedBefore, droppedAfter, hops, ok: account.ok };
    }

    published?.();

    // 3. The collectors' memory through the burst: peak RSS (the kernel's high-water mark of each
    // process) against the unit's MemoryMax= (the lab has no cgroup limit: this is the check).
    const memory: Array<{ server: string; pid: number | null; peakMiB?: number; rssMiB?: number; maxMiB?: number; ok: boolean }> = [];
    for (const s of rendered.servers) {
      const unit = fs.readFileSync(path.join(rootPaths(s.name).merged, "etc/systemd/system", COLLECTOR_UNIT), "utf8");
      const max = memoryMaxBytes(/^MemoryMax=(\S+)$/m.exec(unit)?.[1]);
      const pid = (await supervisorDump(s.name))?.units.find((u) => u.name === COLLECTOR_UNIT)?.mainPid ?? null;
      const m = pid ? memoryOf(pid) : undefined;
      const maxMiB = max ? max / 1024 / 1024 : undefined;
      memory.push({ server: s.name, pid, peakMiB: m?.peakMiB, rssMiB: m?.rssMiB, maxMiB, ok: !!m && !!maxMiB && m.peakMiB < maxMiB });
    }
    const memOk = memory.length > 0 && memory.every((m) => m.ok);
    ok &&= memOk;
    lines.push(`${memOk ? "✓" : "✗"} collectors' peak RSS (VmHWM) under MemoryMax=: ${memory.map((m) => `${m.server} ${m.peakMiB?.toFixed(1) ?? "?"} MiB (now ${m.rssMiB?.toFixed(1) ?? "?"}) of ${m.maxMiB ?? "?"} MiB`).join("; ")}`);
    const exp = details.exporters as Array<{ up: boolean }> | undefined;
    return {
      ok,
      summary: `${kind}: ${exp ? `exporters up ${exp.filter((e) => e.up).length}/${exp.length}; ` : ""}${N} requests → web counter +${corrected.toFixed(0)} (raw +${delta.toFixed(0)}), balancer +${hDelta.toFixed(0)}; collectors' peak RSS ≤ ${Math.max(...memory.map((m) => m.peakMiB ?? NaN)).toFixed(1)} MiB`,
      lines,
      details: { ...details, burst: b, nginx: { before, after, delta, backgroundRate: bgRate, background, corrected, ok: nginxOk }, balancer: { before: hBefore, after: hAfter, delta: hDelta, ok: hOk }, memory },
    };
  });
}
