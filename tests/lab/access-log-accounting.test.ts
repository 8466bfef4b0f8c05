// The monitoring check's access-log count (lab/checks/monitoring.ts accessLogAccounting): exact per
// server — every request of the burst is a record at the sink or a line the server itself counted
// as dropped — read through the same reader the check uses on the Sumo Logic sink's records.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { accessLogAccounting, counterTotal } from "../../lab/checks/monitoring";
import { sumoLogReader } from "../../lab/sink-readers";

/** A logs.jsonl as lab/otlp-receiver.py writes it: `n` access-log records of `host` for the burst's path. */
function sinkDir(records: Array<{ host: string; n: number; body?: string }>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sws-access-log-"));
    const lines: string[] = [];
    for (const r of records) {
        for (let i = 0; i < r.n; i++) {
            const body = r.body ?? `10.20.0.2:${40000 + i} [30/Nov/2026:15:00:00.${String(i % 1000).padStart(3, "0")}] https-in~ web/web-1 0/0/1/1/2 200 312 - - ---- 8/8/0/0/0 0/0 "GET /static/robots.txt HTTP/1.1"`;
            lines.push(JSON.stringify({ t: 1, observed: 1, body, attrs: { "log.file.path": "/var/log/haproxy/access.log" }, resource: { "host.name": r.host } }));
        }
    }
    fs.writeFileSync(path.join(dir, "logs.jsonl"), lines.join("\n") + "\n");
    return dir;
}

describe("lab monitoring check: the burst's access-log lines, accounted exactly per server", () => {
    const N = 3000;
    const max = 30;

    it("passes when every request is a record at the sink (web server: no drop path; balancer: nothing dropped)", () => {
        const r = accessLogAccounting(N, [{ host: "lb", atSink: N, dropped: 0 }, { host: "web-1", atSink: N }], max);
        assert.strictEqual(r.ok, true, r.lines.join("\n"));
        assert.match(r.lines[0], /lb +\+3000 at the sink \+ 0 dropped by the server itself .* = 3000 for 3000 sent/);
        assert.match(r.lines[1], /web-1 +\+3000 at the sink \(no drop path: its log write blocks\) = 3000 for 3000 sent/);
    });

    it("passes when each missing balancer line is one HAProxy counted as dropped (the 2999 + 1 of 30 Nov)", () => {
        const r = accessLogAccounting(N, [{ host: "lb", atSink: N - 1, dropped: 1 }, { host: "web-1", atSink: N }], max);
        assert.strictEqual(r.ok, true, r.lines.join("\n"));
    });

    it("fails when one record is withheld and nothing counted it: on the balancer, and on a web server", () => {
        assert.strictEqual(accessLogAccounting(N, [{ host: "lb", atSink: N - 1, dropped: 0 }, { host: "web-1", atSink: N }], max).ok, false);
        assert.strictEqual(accessLogAccounting(N, [{ host: "lb", atSink: N, dropped: 0 }, { host: "web-1", atSink: N - 1 }], max).ok, false);
    });

    it("fails on one record too many (a duplicate) and on a drop count the sink's records do not match", () => {
        assert.strictEqual(accessLogAccounting(N, [{ host: "lb", atSink: N + 1, dropped: 0 }], max).ok, false);
        assert.strictEqual(accessLogAccounting(N, [{ host: "lb", atSink: N, dropped: 1 }], max).ok, false);
    });

    it("fails when the balancer's drop counter is missing at the sink (NaN), or it dropped more than allowed", () => {
        assert.strictEqual(accessLogAccounting(N, [{ host: "lb", atSink: N, dropped: NaN }], max).ok, false);
        const many = accessLogAccounting(N, [{ host: "lb", atSink: N - max - 1, dropped: max + 1 }], max);
        assert.strictEqual(many.ok, false);
        assert.match(many.lines[0], /more than 30 dropped/);
    });

    it("fails with no server to account for", () => {
        assert.strictEqual(accessLogAccounting(N, [], max).ok, false);
    });

    it("through the Sumo Logic reader: a record withheld at the sink fails, the full burst passes", () => {
        const full = sumoLogReader(sinkDir([{ host: "lb", n: N }, { host: "web-1", n: N }]));
        const fullCounts = ["lb", "web-1"].map((h) => ({ host: h, atSink: full.count(h, "GET /static/robots.txt "), ...(h === "lb" ? { dropped: 0 } : {}) }));
        assert.deepStrictEqual(fullCounts.map((c) => c.atSink), [N, N]);
        assert.strictEqual(accessLogAccounting(N, fullCounts, max).ok, true);
        // Other hosts' records and other paths are not counted for lb.
        const withheld = sumoLogReader(sinkDir([{ host: "lb", n: N - 1 }, { host: "web-1", n: N }, { host: "lb", n: 5, body: "GET /other HTTP/1.1" }]));
        const counts = ["lb", "web-1"].map((h) => ({ host: h, atSink: withheld.count(h, "GET /static/robots.txt "), ...(h === "lb" ? { dropped: 0 } : {}) }));
        assert.deepStrictEqual(counts.map((c) => c.atSink), [N - 1, N]);
        assert.strictEqual(accessLogAccounting(N, counts, max).ok, false);
    });
});

describe("lab monitoring check: counters read in a server for the hop-by-hop line", () => {
    // As the collector's telemetry (v0.131.0) and HAProxy's exporter print them in the lab.
    const telemetry = [
        "# TYPE otelcol_receiver_accepted_log_records__records__total counter",
        'otelcol_receiver_accepted_log_records__records__total{otel_scope_name="go.opentelemetry.io/collector/receiver/receiverhelper",receiver="filelog",transport=""} 3082',
        'otelcol_receiver_accepted_metric_points__datapoints__total{receiver="prometheus",transport="http"} 999',
        'otelcol_exporter_sent_log_records__records__total{exporter="otlphttp/sumologic"} 3077',
        'otelcol_exporter_send_failed_log_records__records__total{exporter="otlphttp/sumologic"} 0',
        "haproxy_process_dropped_logs_total 2",
    ].join("\n");

    it("sums a counter's series under its name, its _total form, or with the collector's unit suffix; NaN when absent", () => {
        assert.strictEqual(counterTotal(telemetry, "otelcol_receiver_accepted_log_records"), 3082);
        assert.strictEqual(counterTotal(telemetry, "otelcol_exporter_sent_log_records"), 3077);
        assert.strictEqual(counterTotal(telemetry, "otelcol_exporter_send_failed_log_records"), 0);
        assert.strictEqual(counterTotal(telemetry, "haproxy_process_dropped_logs_total"), 2);
        assert.strictEqual(counterTotal(telemetry + "\nhaproxy_process_dropped_logs_total 3", "haproxy_process_dropped_logs_total"), 5);
        assert.ok(Number.isNaN(counterTotal(telemetry, "otelcol_exporter_enqueue_failed_log_records")));
        // A longer name that merely starts the same is another counter.
        assert.ok(Number.isNaN(counterTotal("otelcol_receiver_accepted_log_records_other 4", "otelcol_receiver_accepted_log_records")));
    });
});
