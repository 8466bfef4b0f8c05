/**
 * The lab's stand-in for one step of CloudWatch Logs: extracting metrics from embedded-metric-format
 * (EMF) log events. The collector's awsemf exporter writes each server's metrics as EMF log events
 * (PutLogEvents) to the metrics log group; on AWS, CloudWatch Logs extracts the metrics and
 * CloudWatch stores them. moto 5.2.1 stores the log events but extracts nothing (its
 * put_log_events only appends them), so the lab reads the events back from the emulated CloudWatch
 * Logs and applies the extraction rules of the EMF specification:
 *   https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 *
 *   - the message is one JSON object (nothing before or after it);
 *   - its root member `_aws` (the metadata object) has `Timestamp` (a number: milliseconds since the
 *     epoch) and `CloudWatchMetrics`, an array of metric directives;
 *   - a metric directive has `Namespace` (a string), `Dimensions` (an array of dimension sets, each
 *     an array of at most 30 strings naming root members, whose values must be strings) and
 *     `Metrics` (an array of at most 100 metric definitions, each with a `Name` naming a root member
 *     whose value is a number or an array of at most 100 numbers; `Unit`, `StorageResolution` optional);
 *   - every (directive, dimension set, metric definition) gives one metric — namespace, name, the
 *     dimension set's names and the members' values — with the member's value(s) at `Timestamp`.
 * An event that breaks a rule is kept as a log event and yields no metric (CloudWatch's behaviour
 * for an invalid EMF document); the lab counts those events with the rule they broke.
 */

export interface LogEvent {
  timestamp: number;
  message: string;
}

export interface EmfDatum {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
  /** Seconds since the epoch (the document's _aws.Timestamp). */
  t: number;
  values: number[];
  unit?: string;
}

export interface EmfExtraction {
  data: EmfDatum[];
  events: number;
  /** Events that are not EMF documents or break a rule: the reason → how many. */
  invalid: Record<string, number>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/** One event's metrics, or the rule it breaks. */
export function extractEvent(message: string): EmfDatum[] | string {
  let doc: unknown;
  try {
    doc = JSON.parse(message);
  } catch {
    return "not a JSON object";
  }
  if (!isObject(doc)) return "not a JSON object";
  const meta = doc._aws;
  if (!isObject(meta)) return "no _aws metadata object";
  if (!isNumber(meta.Timestamp)) return "_aws.Timestamp is not a number";
  if (!Array.isArray(meta.CloudWatchMetrics)) return "_aws.CloudWatchMetrics is not an array";
  const out: EmfDatum[] = [];
  for (const d of meta.CloudWatchMetrics) {
    if (!isObject(d)) return "a metric directive is not an object";
    if (typeof d.Namespace !== "string" || d.Namespace.length === 0) return "a metric directive has no Namespace string";
    if (!Array.isArray(d.Dimensions)) return "a metric directive's Dimensions is not an array";
    if (!Array.isArray(d.Metrics)) return "a metric directive's Metrics is not an array";
    if (d.Metrics.length > 100) return "more than 100 metric definitions in a directive";
    const sets: Array<Record<string, string>> = [];
    for (const set of d.Dimensions) {
      if (!Array.isArray(set) || !set.every((k) => typeof k === "string")) return "a dimension set is not an array of strings";
      if (set.length > 30) return "a dimension set has more than 30 dimensions";
      const dims: Record<string, string> = {};
      for (const k of set as string[]) {
        if (typeof doc[k] !== "string") return `dimension ${k}: the root member is missing or not a string`;
        dims[k] = doc[k] as string;
      }
      sets.push(dims);
    }
    for (const m of d.Metrics) {
      if (!isObject(m) || typeof m.Name !== "string" || m.Name.length === 0) return "a metric definition has no Name string";
      const v = doc[m.Name];
      const values = isNumber(v) ? [v] : Array.isArray(v) && v.length <= 100 && v.every(isNumber) ? (v as number[]) : undefined;
      if (!values) return `metric ${m.Name}: the root member is missing, not a number or an array of at most 100 numbers`;
      for (const dims of sets) {
        out.push({ namespace: d.Namespace, name: m.Name, dimensions: { ...dims }, t: meta.Timestamp / 1000, values, ...(typeof m.Unit === "string" ? { unit: m.Unit } : {}) });
      }
    }
  }
  return out;
}

/** Every metric in a stream's log events, and the events that yielded none with why. */
export function extractMetrics(events: LogEvent[]): EmfExtraction {
  const data: EmfDatum[] = [];
  const invalid: Record<string, number> = {};
  for (const e of events) {
    const r = extractEvent(e.message);
    if (typeof r === "string") invalid[r] = (invalid[r] ?? 0) + 1;
    else data.push(...r);
  }
  return { data, events: events.length, invalid };
}

/** A metric's identity in CloudWatch: namespace, name and the full dimension set (names and values). */
export function metricKey(namespace: string, name: string, dimensions: Record<string, string>): string {
  return JSON.stringify([namespace, name, Object.keys(dimensions).sort().map((k) => [k, dimensions[k]])]);
}
