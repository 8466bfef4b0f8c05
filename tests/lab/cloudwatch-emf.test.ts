// The lab's EMF extraction (lab/cloudwatch-emf.ts: the embedded-metric-format specification's rules,
// the step moto does not do) and the CloudWatch side of the monitoring check: running totals from
// awsemf's per-scrape deltas, and the metrics the dashboard and alarms name.
import * as assert from "assert";
import { extractEvent, extractMetrics, metricKey } from "../../lab/cloudwatch-emf";
import { cumulativeSeries, pointLabels, recordedSeries } from "../../lab/sink-readers";
import { alarmMetrics, dashboardMetrics } from "../../lab/checks/monitoring";
import { dashboardBody } from "../../components/aws/monitoring";
import { buildModel } from "../../components/model";

/** An event as awsemf writes it (NoDimensionRollup, one declaration): the target members at the root. */
const event = (t: number, v: number, host = "web-1", extra: Record<string, unknown> = {}) => JSON.stringify({
  _aws: { Timestamp: t, CloudWatchMetrics: [{ Namespace: "SecuredWebStack", Dimensions: [["stack", "environment", "host"]], Metrics: [{ Name: "nginx_http_requests_total", Unit: "" }] }] },
  stack: "sws-lab", environment: "lab", host, job: "nginx", instance: "127.0.0.1:9113", nginx_http_requests_total: v, ...extra,
});

describe("lab: EMF extraction (the specification's rules)", () => {
  it("one metric per directive × dimension set × metric definition, dimensions from the root members", () => {
    const r = extractEvent(JSON.stringify({
      _aws: { Timestamp: 1700000000000, CloudWatchMetrics: [{ Namespace: "NS", Dimensions: [["a"], ["a", "b"], []], Metrics: [{ Name: "m1", Unit: "Count" }, { Name: "m2" }] }] },
      a: "x", b: "y", m1: 3, m2: [1, 2],
    }));
    assert.ok(Array.isArray(r));
    assert.strictEqual(r.length, 6);
    assert.deepStrictEqual(r[0], { namespace: "NS", name: "m1", dimensions: { a: "x" }, t: 1700000000, values: [3], unit: "Count" });
    assert.deepStrictEqual(r.find((d) => d.name === "m2" && Object.keys(d.dimensions).length === 2)!.values, [1, 2]);
    assert.deepStrictEqual(r.find((d) => d.name === "m1" && Object.keys(d.dimensions).length === 0)!.dimensions, {});
  });

  it("yields nothing from an event that breaks a rule, and says which", () => {
    const base = { _aws: { Timestamp: 1, CloudWatchMetrics: [{ Namespace: "NS", Dimensions: [["a"]], Metrics: [{ Name: "m" }] }] }, a: "x", m: 1 };
    const bad = (patch: (d: any) => void) => {
      const d = JSON.parse(JSON.stringify(base));
      patch(d);
      return extractEvent(JSON.stringify(d));
    };
    assert.ok(Array.isArray(extractEvent(JSON.stringify(base))));
    assert.strictEqual(extractEvent("plain text line"), "not a JSON object");
    assert.strictEqual(extractEvent(JSON.stringify(base) + " trailing"), "not a JSON object");
    assert.strictEqual(bad((d) => delete d._aws), "no _aws metadata object");
    assert.strictEqual(bad((d) => (d._aws.Timestamp = "1")), "_aws.Timestamp is not a number");
    assert.strictEqual(bad((d) => delete d._aws.CloudWatchMetrics[0].Namespace), "a metric directive has no Namespace string");
    assert.match(String(bad((d) => (d.a = 5))), /dimension a: the root member is missing or not a string/);
    assert.match(String(bad((d) => delete d.m)), /metric m: the root member is missing/);
    assert.match(String(bad((d) => (d.m = "1"))), /metric m: .*not a number/);
    assert.match(String(bad((d) => (d.m = Array(101).fill(1)))), /at most 100 numbers/);
    assert.strictEqual(bad((d) => (d._aws.CloudWatchMetrics[0].Dimensions = [Array.from({ length: 31 }, (_, i) => `d${i}`)])), "a dimension set has more than 30 dimensions");
    const all = extractMetrics([{ timestamp: 1, message: "x" }, { timestamp: 1, message: JSON.stringify(base) }]);
    assert.strictEqual(all.events, 2);
    assert.strictEqual(all.data.length, 1);
    assert.deepStrictEqual(all.invalid, { "not a JSON object": 1 });
  });

  it("awsemf's per-scrape deltas become running totals per CloudWatch metric (exact dimension set)", () => {
    const { data } = extractMetrics([
      { timestamp: 0, message: event(10_000, 5) }, { timestamp: 0, message: event(15_000, 7) }, { timestamp: 0, message: event(20_000, 0) },
      { timestamp: 0, message: event(15_000, 100, "web-2") },
      // Same name, one more dimension: another CloudWatch metric, not this one.
      { timestamp: 0, message: JSON.stringify({ ...JSON.parse(event(15_000, 1000)), _aws: { Timestamp: 15_000, CloudWatchMetrics: [{ Namespace: "SecuredWebStack", Dimensions: [["stack", "environment", "host", "job"]], Metrics: [{ Name: "nginx_http_requests_total" }] }] } }) },
    ]);
    const match = { stack: ["sws-lab"], environment: ["lab"], host: ["web-1"] };
    const s = cumulativeSeries(data, "SecuredWebStack", "nginx_http_requests_total", match, 0);
    assert.strictEqual(s.size, 1);
    assert.deepStrictEqual([...s.values()][0], [{ t: 10, v: 5 }, { t: 15, v: 12 }, { t: 20, v: 12 }]);
    assert.deepStrictEqual([...cumulativeSeries(data, "SecuredWebStack", "nginx_http_requests_total", match, 12).values()][0], [{ t: 15, v: 12 }, { t: 20, v: 12 }], "totals count from the first event, the window only trims");
    assert.strictEqual(cumulativeSeries(data, "Other", "nginx_http_requests_total", match, 0).size, 0);
    assert.strictEqual(metricKey("N", "m", { b: "2", a: "1" }), metricKey("N", "m", { a: "1", b: "2" }));
  });
});

describe("lab: the metrics the CloudWatch dashboard and alarms name", () => {
  const model = buildModel({ domain: "www.foobar.com", environment: "lab", webServers: 2, monitoring: { sink: "cloudwatch" } } as any, "sws-lab");
  it("reads the Web QPS widget's rows: namespace, name and every dimension", () => {
    const refs = dashboardMetrics(dashboardBody(model, "us-east-1") as any).filter((r) => r.where === "dashboard: Web QPS (requests/s)");
    const webs = model.servers.filter((s) => s.roles.includes("web" as any)).map((s) => s.name);
    assert.deepStrictEqual(refs.filter((r) => r.name === "nginx_http_requests_total").map((r) => r.dimensions),
      webs.map((host) => ({ stack: model.name, environment: "lab", host })));
    const fe = refs.find((r) => r.name === "haproxy_frontend_http_requests_total")!;
    assert.deepStrictEqual(fe.dimensions, { stack: model.name, environment: "lab", host: "lb", proxy: "https-in" });
    assert.ok(refs.every((r) => r.namespace === "SecuredWebStack"));
  });
  it("reads an alarm's metric and its metric queries' metrics (DescribeAlarms' shape)", () => {
    const refs = alarmMetrics({
      AlarmName: "a", Namespace: "NS", MetricName: "m", Dimensions: [{ Name: "host", Value: "lb" }],
      Metrics: [{ MetricStat: { Metric: { Namespace: "NS", MetricName: "q", Dimensions: [{ Name: "proxy", Value: "https-in" }] } } }, {}],
    });
    assert.deepStrictEqual(refs.map((r) => [r.name, r.dimensions]), [["m", { host: "lb" }], ["q", { proxy: "https-in" }]]);
  });
});

describe("lab: Sumo Logic receiver records as series", () => {
  it("labels are the point's attributes plus job/instance from the prometheus receiver's resource; one sample per timestamp", () => {
    const p = (t: number, v: number, host = "web-1") => ({ name: "up", kind: "gauge", resource: { "service.name": "node", "service.instance.id": "127.0.0.1:9100" }, attrs: { host }, t, v, recv: t });
    assert.deepStrictEqual(pointLabels(p(1, 1)), { job: "node", instance: "127.0.0.1:9100", host: "web-1" });
    const s = recordedSeries([p(1, 1), p(2, 0), p(2, 0), p(3, 1, "lb"), { ...p(4, 1), noValue: true }], "up", { host: ["web-1"] }, 0);
    assert.deepStrictEqual([...s.values()], [[{ t: 1, v: 1 }, { t: 2, v: 0 }]]);
  });
});
