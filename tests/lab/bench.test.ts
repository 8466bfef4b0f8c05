// The bench's arithmetic and report shape (lab/benchMath.ts, lab/bench.ts), without root or a lab:
// the load tools' reports parsed (real output, from the tools themselves where they run here),
// CPU per request net of the background, medians, the goal ratios, and the bench-only HAProxy copy
// derived from what the component renders. No timing is asserted.
import * as assert from "assert";
import * as cp from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as http2 from "http2";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { renderStack } from "../../components/render";
import { benchHaproxyCfg, benchTable, PAGE_STATEMENTS, slapOptions } from "../../lab/bench";
import { cpuPerRequest, GOALS, goalRatios, medianOf, medianRun, parseH2load, parseSlap, parseTimes, parseWrk, RunSummary, toMs } from "../../lab/benchMath";
import { loadConfig } from "../../lab/config";
import { requireTool } from "../helpers/tools";

function renderedFile(server: string, file: string): string {
    // The lab's reading of its default profile (it fills in what the lab computes: the app artifact's SHA-256).
    const cfg = loadConfig();
    const s = renderStack(cfg.stack).servers.find((x) => x.name === server)!;
    const wf = (YAML.parse(s.userData).write_files as Array<{ path: string; content: string }>).find((f) => f.path === file);
    assert.ok(wf, `${server}: ${file} is rendered in the user data`);
    return wf!.content;
}

function peerList(server: string, file: string): string {
    const cfg = loadConfig();
    const f = renderStack(cfg.stack).servers.find((x) => x.name === server)!.fetched.find((x) => x.path === file && x.peers);
    assert.ok(f?.content, `${server}: ${file} is one of its peer lists`);
    return f!.content!;
}

/** Run a tool through the same shell wrapper as the bench (its CPU from `times`), asynchronously (the servers here are in-process). */
function viaShell(tool: string, args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
        cp.execFile("/bin/sh", ["-c", `${tool} "$@"; rc=$?; echo SWS-TIMES; times; exit $rc`, "sh", ...args], { encoding: "utf8", timeout: 30000 }, (err, stdout, stderr) =>
            err ? reject(new Error(`${tool}: ${err.message}\n${stderr}`)) : resolve(stdout));
    });
}

const run = (o: Partial<RunSummary>): RunSummary => ({
    rps: 0, requests: 0, p50ms: null, p99ms: null, meanMs: null, errors: 0, cpuUsPerRequest: {}, cpuUsPerRequestGross: {}, machineBusy: 0, ...o,
});

describe("lab bench: parsers", () => {
    it("units and the shell's `times` line (children's user + system)", () => {
        assert.strictEqual(toMs("850.00us"), 0.85);
        assert.strictEqual(toMs("1.50ms"), 1.5);
        assert.strictEqual(toMs("2.5s"), 2500);
        assert.ok(Number.isNaN(toMs("fast")));
        assert.strictEqual(parseTimes("x\nSWS-TIMES\n0m0.010000s 0m0.000000s\n1m2.500000s 0m0.250000s\n"), 62.75);
        assert.ok(Number.isNaN(parseTimes("no marker")));
    });

    it("wrk: rate, requests, percentiles, errors (read errors are not errors under Connection: close)", () => {
        const out = `Running 3s test @ https://10.20.0.10/static/bench-1k.txt
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.52ms    1.10ms  24.67ms   90.12%
    Req/Sec    10.73k     1.01k   12.41k    70.00%
  Latency Distribution
     50%    1.37ms
     75%    1.80ms
     90%    2.40ms
     99%    5.16ms
  64104 requests in 3.00s, 81.84MB read
  Socket errors: connect 0, read 7, write 0, timeout 1
  Non-2xx or 3xx responses: 2
Requests/sec:  21367.25
Transfer/sec:     27.27MB
SWS-TIMES
0m0.000000s 0m0.000000s
0m1.200000s 0m0.400000s
`;
        const r = parseWrk(out, false);
        assert.deepStrictEqual([r.rps, r.requests, r.p50ms, r.p99ms, r.meanMs, r.errors, r.clientCpuSeconds], [21367.25, 64104, 1.37, 5.16, 1.52, 2 + 7 + 1, 1.6]);
        assert.strictEqual(parseWrk(out, true).errors, 2 + 1);
    });

    it("wrk and h2load against servers in this process: the parsers read the tools' real reports", async function () {
        this.timeout(60000);
        requireTool(this, "wrk", ["sh", "-c", "command -v wrk"], "apt-get install wrk");
        requireTool(this, "h2load", ["h2load", "--version"], "apt-get install nghttp2-client");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sws-bench-test-"));
        const h1 = http.createServer((_q, s) => s.end("x".repeat(1024)));
        const h2 = http2.createSecureServer({ key: "", cert: "" });
        try {
            cp.execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                "-keyout", path.join(dir, "k.pem"), "-out", path.join(dir, "c.pem")], { stdio: "pipe" });
            h2.setSecureContext({ key: fs.readFileSync(path.join(dir, "k.pem")), cert: fs.readFileSync(path.join(dir, "c.pem")) });
            h2.on("stream", (st) => {
                st.respond({ ":status": 200 });
                st.end("x".repeat(1024));
            });
            await new Promise<void>((r) => h1.listen(0, "127.0.0.1", r));
            await new Promise<void>((r) => h2.listen(0, "127.0.0.1", r));
            const p1 = (h1.address() as { port: number }).port;
            const p2 = (h2.address() as { port: number }).port;

            const w = parseWrk(await viaShell("wrk", ["-t1", "-c2", "-d1s", "--latency", `http://127.0.0.1:${p1}/`]), false);
            assert.ok(w.requests > 0 && w.rps > 0, JSON.stringify(w));
            assert.strictEqual(w.errors, 0);
            assert.ok(w.p50ms !== null && w.p99ms !== null && w.p50ms <= w.p99ms, JSON.stringify(w));
            assert.ok(Number.isFinite(w.clientCpuSeconds), "the client's CPU time is read back");

            const out = await viaShell("h2load", ["-n", "300", "-c", "3", "-m", "4", `https://127.0.0.1:${p2}/`]);
            const h = parseH2load(out);
            assert.strictEqual(h.requests, 300, out);
            assert.strictEqual(h.errors, 0, out);
            assert.match(h.detail, /protocol h2/);
            assert.ok(h.rps > 0 && h.meanMs !== null && Number.isFinite(h.clientCpuSeconds), JSON.stringify(h));
        } finally {
            h1.close();
            h2.close();
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("h2load: failed, errored, non-2xx and a non-h2 protocol are errors; an unknown report is not a result", () => {
        const out = `finished in 2.00s, 15000.50 req/s, 18.20MB/s
requests: 30001 total, 30001 started, 30001 done, 29990 succeeded, 11 failed, 0 errored, 0 timeout
status codes: 29990 2xx, 0 3xx, 0 4xx, 5 5xx
traffic: 36.41MB (38180000) total, 1.00MB (1050000) headers (space savings 30.00%), 30.01MB (31470000) data
                     min         max         mean         sd        +/- sd
time for request:      212us     30.11ms      4.12ms      2.01ms    80.00%
Application protocol: h2
SWS-TIMES
0m0.000000s 0m0.000000s
0m0.900000s 0m0.300000s
`;
        const r = parseH2load(out);
        assert.deepStrictEqual([r.rps, r.requests, r.errors, r.meanMs, r.clientCpuSeconds], [15000.5, 29990, 11 + 5, 4.12, 1.2]);
        assert.strictEqual(parseH2load(out.replace("protocol: h2", "protocol: http/1.1")).errors, 16 + 30001);
        assert.ok(Number.isNaN(parseH2load("h2load: connection refused").rps));
    });

    it("mariadb-slap: page pairs per second from clients × statements per client over the time", () => {
        const out = `Benchmark
\tAverage number of seconds to run all queries: 2.000 seconds
\tMinimum number of seconds to run all queries: 2.000 seconds
\tMaximum number of seconds to run all queries: 2.000 seconds
\tNumber of clients running queries: 32
\tAverage number of queries per client: 1000

SWS-TIMES
0m0.000000s 0m0.000000s
0m0.500000s 0m0.700000s
`;
        const r = parseSlap(out, 2);
        assert.strictEqual(r.requests, 16000); // 32 × 1000 statements, 2 a page
        assert.strictEqual(r.rps, 8000);
        assert.strictEqual(r.errors, 0);
        assert.strictEqual(r.meanMs, 4); // 32 clients in flight, 2 s, 16000 pairs
        assert.strictEqual(r.clientCpuSeconds, 1.2);
        assert.ok(Number.isNaN(parseSlap("ERROR 1045 (28000): Access denied", 2).errors));
    });
});

describe("lab bench: arithmetic", () => {
    it("CPU per request net of the background; gross beside it; totals", () => {
        // lb used 3 s over 10 s of load with 0.1 s/s background: 2 s for 10,000 requests = 200 µs.
        const c = cpuPerRequest({ client: 1, lb: 3, web: 0.5 }, { lb: 0.1, web: 0.05 }, 10, 10000);
        assert.deepStrictEqual(c.net, { client: 100, lb: 200, web: 0, total: 300 });
        assert.deepStrictEqual(c.gross, { client: 100, lb: 300, web: 50, total: 450 });
        // Below the background by noise: 0, not a negative cost.
        assert.strictEqual(cpuPerRequest({ app: 0.99 }, { app: 0.1 }, 10, 1000).net.app, 0);
        // No request: divided by 1, never by zero.
        assert.strictEqual(cpuPerRequest({ lb: 1 }, {}, 1, 0).net.lb, 1e6);
    });

    it("median of runs: per field (even count takes the lower middle), errors and requests summed", () => {
        assert.strictEqual(medianOf([3, 1, 2]), 2);
        assert.strictEqual(medianOf([4, 1, 3, 2]), 2);
        assert.ok(Number.isNaN(medianOf([])));
        const m = medianRun([
            run({ rps: 100, requests: 1000, p99ms: 9, errors: 1, cpuUsPerRequest: { lb: 50, total: 80 } }),
            run({ rps: 300, requests: 3000, p99ms: 3, errors: 0, cpuUsPerRequest: { lb: 30, total: 90 } }),
            run({ rps: 200, requests: 2000, p99ms: 5, errors: 2, cpuUsPerRequest: { lb: 40, total: 70 } }),
        ]);
        assert.deepStrictEqual([m.rps, m.requests, m.p99ms, m.p50ms, m.errors, m.cpuUsPerRequest], [200, 6000, 5, null, 3, { lb: 40, total: 80 }]);
    });

    it("goal ratios: the issue's four, each numerator/denominator of median rates, met only at or above the goal", () => {
        assert.deepStrictEqual(Object.fromEntries(Object.entries(GOALS).map(([k, g]) => [k, [g.numerator, g.denominator, g.goal]])), {
            frontDoorVsDirect: ["B", "A", 0.65], frontTiersOnDynamic: ["C", "C-direct", 0.85], dynamicVsDatabase: ["C", "DB", 0.5], http2VsHttp1: ["H2", "B", 1.1],
        });
        const g = goalRatios({ A: 40000, B: 26000, C: 2000, "C-direct": 2500, DB: 7000, H2: 28000 });
        assert.deepStrictEqual(g.frontDoorVsDirect, { numerator: "B", denominator: "A", value: 0.65, goal: 0.65, met: true });
        assert.deepStrictEqual([g.frontTiersOnDynamic.value, g.frontTiersOnDynamic.met], [0.8, false]);
        assert.deepStrictEqual([g.dynamicVsDatabase.value, g.dynamicVsDatabase.met], [0.286, false]);
        assert.deepStrictEqual([g.http2VsHttp1.value, g.http2VsHttp1.met], [1.077, false]);
        const missing = goalRatios({ A: 40000, B: NaN, C: 2000, "C-direct": 0 });
        assert.deepStrictEqual([missing.frontDoorVsDirect.value, missing.frontDoorVsDirect.met, missing.frontTiersOnDynamic.value, missing.dynamicVsDatabase.value], [null, false, null, null]);
    });

    it("the table names machine, date, command and load average, every scenario and whether each goal is met", () => {
        const med = run({ rps: 1234.4, requests: 5000, p50ms: 1.234, p99ms: 5.5, cpuUsPerRequest: { client: 10, lb: 20, total: 30 } });
        const t = benchTable({
            date: "2026-11-30T12:00:00.000Z", machine: "2 cores", command: "npm run bench -- --json", loadAverage: { before: [0.5, 0.4, 0.3], after: [1.9, 1, 0.5] }, profile: "default",
            scenarios: [{ id: "B", name: "static", median: med }, { id: "A", name: "direct", median: null }],
            goals: goalRatios({ A: 2000, B: 1234.4 }), errors: 0, backgroundCpuMsPerSecond: { lb: 12.5 },
            handshakes: { fullPerBalancerCoreSecond: 1500 }, bootToHealth: [{ server: "lb", role: "balancer", probe: "GET", seconds: 12.3 }], seconds: 300,
        }, ["client", "lb"]);
        assert.match(t, /2 cores; profile default; 2026-11-30T12:00:00\.000Z; `npm run bench -- --json`; load average before 0\.5, 0\.4, 0\.3, after 1\.9, 1, 0\.5/);
        assert.match(t, /^\| B static \| 1,234 \| 1\.23 \| 5\.50 \| 0 \| 10\/20 = 30 \|$/m);
        assert.match(t, /^\| A direct \| — \| — \| — \| — \| — \|$/m);
        assert.match(t, /^\| frontDoorVsDirect \| B\/A \| 0\.617 \| ≥ 0\.65 \| NOT met \|$/m);
        assert.match(t, /^\| dynamicVsDatabase \| C\/DB \| — \| ≥ 0\.5 \| NOT met \|$/m);
        assert.match(t, /background CPU \(idle lab, not charged\): lb 12\.5 ms\/s/);
        assert.match(t, /lb \(balancer\) 12\.3 s/);
    });
});

describe("lab bench: what it runs", () => {
    it("the DB scenario runs the page's own statements (app/server.js, GET /)", () => {
        const app = fs.readFileSync(path.join(__dirname, "..", "..", "app", "server.js"), "utf8");
        const page = app.slice(app.indexOf('url.pathname === "/" &&'));
        assert.ok(page.length > 0);
        // The app's placeholders are what the bench fills with constants (the insert's value, the insert's id).
        assert.ok(page.includes(`"${PAGE_STATEMENTS[0].replace("'sws-bench-slap'", "?")}"`), "INSERT as the page runs it");
        assert.ok(page.includes(`"${PAGE_STATEMENTS[1].replace("LAST_INSERT_ID()", "?")}"`), "SELECT as the page runs it");
    });

    it("mariadb-slap's option file connects as the app does, password quoted in the file (never an argument)", () => {
        const local = slapOptions({ DB_USER: "app", DB_SOCKET: "/run/mysqld/mysqld.sock" }, 'p"a\\ss');
        assert.strictEqual(local, '[client]\nuser="app"\npassword="p\\"a\\\\ss"\nsocket="/run/mysqld/mysqld.sock"\nprotocol=SOCKET\n');
        const remote = slapOptions({ DB_USER: "app", DB_HOST: "10.20.0.40", DB_PORT: "3306", DB_SSL_CA: "/etc/sws/internal-ca.pem" }, "x");
        assert.match(remote, /^host="10\.20\.0\.40"\nport=3306\nprotocol=TCP\nssl-ca="\/etc\/sws\/internal-ca\.pem"\nssl-verify-server-cert$/m);
    });

    it("bench HAProxy: only the HTTPS frontend, on the bench port, no admin socket, session cache as asked", () => {
        // As HAProxy loads them: haproxy.cfg, then the web backend (the balancer's peer list, fetched from SSM).
        const cfg = `${renderedFile("lb", "/etc/haproxy/haproxy.cfg")}\n${peerList("lb", "/etc/sws/peers/haproxy-web.cfg")}`;
        for (const cache of [false, true]) {
            const b = benchHaproxyCfg(cfg, "10.20.0.10", cache);
            assert.match(b, /^frontend https-in$/m);
            assert.doesNotMatch(b, /^frontend (metrics|http-in)/m);
            assert.doesNotMatch(b, /stats socket/);
            assert.match(b, /^\s*bind 10\.20\.0\.10:9443 ssl crt /m);
            assert.match(b, new RegExp(`^\\s*tune\\.ssl\\.cachesize ${cache ? 100000 : 0}$`, "m"));
            assert.match(b, /^backend web$/m);
        }
    });
});
