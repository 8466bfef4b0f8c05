/**
 * What the lab's monitoring check reads, per sink: the raw samples of a metric's series as the
 * sink received them, as cumulative values (a counter's running total) with their timestamps.
 *
 *   prometheus-remote-write  the sink's Prometheus (range selector: raw samples, no rate()).
 *   sumologic                the data points the lab's receiver decoded (otlp-receiver.py →
 *                            metrics.jsonl): the prometheus receiver's cumulative sums as sent.
 *   cloudwatch               the metrics extracted (cloudwatch-emf.ts, the EMF specification's
 *                            rules) from the EMF log events the collectors wrote to the emulated
 *                            CloudWatch Logs. awsemf sends each cumulative counter as the delta
 *                            since its previous scrape (the first scrape of a series is dropped),
 *                            so the running total is the sum of the deltas from the series' first
 *                            event; a series is one CloudWatch metric (namespace, name and the
 *                            exact dimension set).
 */
import * as fs from "fs";
import * as path from "path";
import { awsAdmin, AwsHostSettings } from "./aws/host";
import { EmfDatum, EmfExtraction, extractMetrics, LogEvent, metricKey } from "./cloudwatch-emf";
import { SinkSettings, sinkQuery, SUMO_DIR } from "./sink";

export interface Sample {
  t: number;
  v: number;
}

/** Which series: label (dimension) name → the values allowed. */
export type Match = Record<string, string[]>;

export interface SeriesReader {
  /** What is read, for the check's lines. */
  describe: string;
  /** Every series of `metric` whose labels match, samples of the last `windowS` seconds, by series (labels as JSON). */
  samples(metric: string, match: Match, windowS: number): Map<string, Sample[]>;
}

export function prometheusReader(sink: SinkSettings): SeriesReader {
  const sel = (metric: string, match: Match) => Object.keys(match).length === 0 ? metric
    : `${metric}{${Object.entries(match).map(([k, vs]) => `${k}=~"${vs.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, "\\\\$&")).join("|")}"`).join(",")}}`;
  return {
    describe: `the sink's Prometheus (${sink.ip}:${sink.port}, remote-write receiver)`,
    samples(metric, match, windowS) {
      const out = new Map<string, Sample[]>();
      for (const r of sinkQuery(sink, `${sel(metric, match)}[${Math.ceil(windowS)}s]`) as unknown as Array<{ metric: Record<string, string>; values: [number, string][] }>) {
        out.set(JSON.stringify(r.metric), r.values.map(([t, v]) => ({ t, v: Number(v) })));
      }
      return out;
    },
  };
}

/** One data point as otlp-receiver.py recorded it. */
export interface RecordedPoint {
  name: string;
  kind: string;
  resource: Record<string, unknown>;
  attrs: Record<string, unknown>;
  t: number;
  v?: number | null;
  noValue?: boolean;
  recv: number;
}

/**
 * A point's labels as Prometheus would show them: the point's attributes plus the prometheus
 * receiver's resource attributes for the scrape target (service.name = job, service.instance.id = instance).
 */
export function pointLabels(p: Pick<RecordedPoint, "resource" | "attrs">): Record<string, string> {
  const labels: Record<string, string> = {};
  if (p.resource["service.name"] !== undefined) labels.job = String(p.resource["service.name"]);
  if (p.resource["service.instance.id"] !== undefined) labels.instance = String(p.resource["service.instance.id"]);
  for (const [k, v] of Object.entries(p.attrs)) labels[k] = String(v);
  return labels;
}

/** Series of recorded points: one per label set, in time order (one sample per timestamp). */
export function recordedSeries(points: Iterable<RecordedPoint>, metric: string, match: Match, since: number): Map<string, Sample[]> {
  const out = new Map<string, Map<number, number>>();
  for (const p of points) {
    if (p.name !== metric || p.t < since || p.noValue || typeof p.v !== "number") continue;
    const labels = pointLabels(p);
    if (!Object.entries(match).every(([k, vs]) => vs.includes(labels[k]))) continue;
    const key = JSON.stringify(Object.fromEntries(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b))));
    if (!out.has(key)) out.set(key, new Map());
    out.get(key)!.set(p.t, p.v);
  }
  return new Map([...out].map(([k, m]) => [k, [...m].sort((a, b) => a[0] - b[0]).map(([t, v]) => ({ t, v }))]));
}

export function sumoReader(dir = SUMO_DIR): SeriesReader {
  return {
    describe: `the data points the lab's Sumo Logic receiver decoded (${path.join(dir, "metrics.jsonl")})`,
    samples(metric, match, windowS) {
      const file = path.join(dir, "metrics.jsonl");
      const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
      const needle = `"name":${JSON.stringify(metric)},`;
      const points: RecordedPoint[] = [];
      for (const line of text.split("\n")) if (line.includes(needle)) points.push(JSON.parse(line) as RecordedPoint);
      return recordedSeries(points, metric, match, Date.now() / 1000 - windowS);
    },
  };
}

/** The EMF log events of every stream of a log group in the lab's AWS (the lab's own read). */
export function readLogGroup(aws: AwsHostSettings, group: string): Record<string, LogEvent[]> {
  const out = awsAdmin(aws, [
    "g = sys.stdin.read(); logs = AWS('logs'); out = {}",
    "for page in logs.get_paginator('describe_log_streams').paginate(logGroupName=g):",
    "  for s in page['logStreams']:",
    "    ev = []; tok = None",
    "    while True:",
    "      kw = {'nextToken': tok} if tok else {}",
    "      r = logs.get_log_events(logGroupName=g, logStreamName=s['logStreamName'], startFromHead=True, **kw)",
    "      ev += [{'timestamp': e['timestamp'], 'message': e['message']} for e in r['events']]",
    "      if not r['events'] or r['nextForwardToken'] == tok: break",
    "      tok = r['nextForwardToken']",
    "    out[s['logStreamName']] = ev",
    "print(json.dumps(out))",
  ].join("\n"), group);
  return JSON.parse(out) as Record<string, LogEvent[]>;
}

/** Running totals of delta data (one EMF datum per scrape), per CloudWatch metric. */
export function cumulativeSeries(data: EmfDatum[], namespace: string, metric: string, match: Match, since: number): Map<string, Sample[]> {
  const by = new Map<string, EmfDatum[]>();
  for (const d of data) {
    if (d.namespace !== namespace || d.name !== metric) continue;
    // A CloudWatch metric is its exact dimension set: the same names as asked for, each value allowed.
    const names = Object.keys(d.dimensions);
    if (names.length !== Object.keys(match).length || !names.every((k) => match[k]?.includes(d.dimensions[k]))) continue;
    const key = metricKey(namespace, metric, d.dimensions);
    if (!by.has(key)) by.set(key, []);
    by.get(key)!.push(d);
  }
  const out = new Map<string, Sample[]>();
  for (const [key, ds] of by) {
    ds.sort((a, b) => a.t - b.t);
    let total = 0;
    const samples: Sample[] = [];
    for (const d of ds) {
      total += d.values.reduce((a, b) => a + b, 0);
      // Two data for one timestamp (several series with these dimensions, e.g. one per CPU): one sample.
      if (samples.length && samples[samples.length - 1].t === d.t) samples[samples.length - 1].v = total;
      else samples.push({ t: d.t, v: total });
    }
    out.set(key, samples.filter((s) => s.t >= since));
  }
  return out;
}

export interface CloudWatchRead {
  extraction: EmfExtraction;
  streams: Record<string, number>;
  /** Each stream's first and last event time (ms since the epoch). */
  spans: Record<string, [number, number]>;
}

export function cloudWatchReader(aws: AwsHostSettings, group: string, namespace: string): SeriesReader & { last?: CloudWatchRead; read(): CloudWatchRead } {
  const r: SeriesReader & { last?: CloudWatchRead; read(): CloudWatchRead } = {
    describe: `the metrics extracted by the lab (EMF specification's rules, lab/cloudwatch-emf.ts) from the EMF log events in the emulated CloudWatch Logs group ${group} (namespace ${namespace})`,
    read() {
      const streams = readLogGroup(aws, group);
      const events = Object.values(streams).flat();
      r.last = {
        extraction: extractMetrics(events),
        streams: Object.fromEntries(Object.entries(streams).map(([k, v]) => [k, v.length])),
        spans: Object.fromEntries(Object.entries(streams).filter(([, v]) => v.length).map(([k, v]) => [k, [Math.min(...v.map((e) => e.timestamp)), Math.max(...v.map((e) => e.timestamp))]])),
      };
      return r.last;
    },
    samples(metric, match, windowS) {
      return cumulativeSeries(r.read().extraction.data, namespace, metric, match, Date.now() / 1000 - windowS);
    },
  };
  return r;
}

/** Log records at the sink: how many a host's collector sent whose line contains `needle`. */
export interface LogReader {
  describe: string;
  count(host: string, needle: string): number;
}

/** The log records the Sumo Logic receiver decoded (the collector's resource processor sets host.name). */
export function sumoLogReader(dir = SUMO_DIR): LogReader {
  return {
    describe: `log records the lab's Sumo Logic receiver decoded (${path.join(dir, "logs.jsonl")})`,
    count(host, needle) {
      const file = path.join(dir, "logs.jsonl");
      if (!fs.existsSync(file)) return 0;
      const quoted = JSON.stringify(needle).slice(1, -1);
      let n = 0;
      for (const line of fs.readFileSync(file, "utf8").split("\n")) {
        if (!line.includes(quoted)) continue;
        const r = JSON.parse(line) as { body: unknown; resource: Record<string, unknown> };
        if (r.resource["host.name"] === host && String(r.body).includes(needle)) n++;
      }
      return n;
    },
  };
}

/** The raw log lines awscloudwatchlogs wrote to the lab's CloudWatch Logs (stream = the server's name). */
export function cloudWatchLogReader(aws: AwsHostSettings, group: string): LogReader {
  return {
    describe: `log events in the emulated CloudWatch Logs group ${group} (one stream per server)`,
    count(host, needle) {
      const events = readLogGroup(aws, group)[host] ?? [];
      return events.filter((e) => e.message.includes(needle)).length;
    },
  };
}
