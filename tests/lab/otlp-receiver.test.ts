// The lab's Sumo Logic receiver (lab/otlp-receiver.py) against what the collector really sends:
// the collector build (scripts/build-collector.sh) scrapes a small Prometheus text endpoint and
// tails a log file, and its otlphttp exporter — configured as the payload's Sumo Logic sink is
// (endpoint = the source URL, compression gzip) — sends to the receiver over HTTPS. The receiver
// must record the counter's values with the target's labels and every log line; it must refuse
// other paths (404) and bodies that do not decode (400).
import * as assert from "assert";
import * as cp from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { findPython, OTLP_PROTO_PIP, OTLP_PROTO_PROBE } from "../../lab/sink";
import { recordedSeries, RecordedPoint } from "../../lab/sink-readers";
import { requireTool } from "../helpers/tools";

const ROOT = path.join(__dirname, "..", "..");
const BUILD = path.join(ROOT, "scripts", "build-collector.sh");

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

async function until(what: string, cond: () => boolean, ms: number): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function post(port: number, ca: string, p: string, body: Buffer, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: "127.0.0.1", port, path: p, method: "POST", ca, headers: { ...headers, "Content-Length": String(body.length) } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("lab: the Sumo Logic receiver decodes what the collector's otlphttp exporter sends", function () {
  this.timeout(180000);
  let dir = "";
  const procs: cp.ChildProcess[] = [];
  let exporter: http.Server | undefined;

  after(() => {
    for (const p of procs) if (p.exitCode === null) p.kill("SIGKILL");
    exporter?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("records the scraped counter with its labels and every log line; refuses other paths and undecodable bodies", async function () {
    requireTool(this, "the collector build for monitoring/collector/builder-config.yaml", [BUILD, "--path"], "scripts/build-collector.sh");
    const py = findPython() ?? "python3";
    requireTool(this, "Python 3 with the OpenTelemetry protocol classes", [py, ...OTLP_PROTO_PROBE], `python3 -m pip install ${OTLP_PROTO_PIP}`);
    const bin = cp.execFileSync(BUILD, ["--path"], { encoding: "utf8" }).trim().split("\n").pop()!;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sws-otlp-receiver-"));
    const cert = path.join(dir, "cert.pem");
    const key = path.join(dir, "key.pem");
    cp.execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert,
      "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"], { stdio: "pipe" });
    const ca = fs.readFileSync(cert, "utf8");

    // The scrape target: one counter, which the test moves.
    let count = 42;
    exporter = http.createServer((_req, res) => {
      res.setHeader("Content-Type", "text/plain; version=0.0.4");
      res.end(`# HELP sws_test_requests_total Requests.\n# TYPE sws_test_requests_total counter\nsws_test_requests_total{path="/a"} ${count}\n`);
    });
    await new Promise<void>((r) => exporter!.listen(0, "127.0.0.1", () => r()));
    const target = (exporter.address() as net.AddressInfo).port;

    const port = await freePort();
    const source = "/receiver/v1/otlp/TESTTOKEN";
    const out = path.join(dir, "out");
    fs.mkdirSync(out);
    const recv = cp.spawn(py, [path.join(ROOT, "lab", "otlp-receiver.py"), "--listen", `127.0.0.1:${port}`, "--cert", cert, "--key", key, "--source", source, "--out", out], { stdio: ["ignore", "pipe", "pipe"] });
    procs.push(recv);
    let recvLog = "";
    recv.stdout!.on("data", (d) => (recvLog += d));
    recv.stderr!.on("data", (d) => (recvLog += d));
    await until("the receiver", () => /listening/.test(recvLog), 30000);

    const logFile = path.join(dir, "access.log");
    fs.writeFileSync(logFile, "");
    const config = {
      receivers: {
        prometheus: { config: { scrape_configs: [{ job_name: "nginx", scrape_interval: "1s", static_configs: [{ targets: [`127.0.0.1:${target}`], labels: { host: "web-1" } }] }] } },
        filelog: { include: [logFile], start_at: "beginning" },
      },
      exporters: { "otlphttp/sumologic": { endpoint: `https://127.0.0.1:${port}${source}`, compression: "gzip", tls: { ca_file: cert } } },
      service: {
        pipelines: { metrics: { receivers: ["prometheus"], exporters: ["otlphttp/sumologic"] }, logs: { receivers: ["filelog"], exporters: ["otlphttp/sumologic"] } },
        telemetry: { metrics: { level: "none" } },
      },
    };
    const cfgFile = path.join(dir, "collector.yaml");
    fs.writeFileSync(cfgFile, JSON.stringify(config));
    const col = cp.spawn(bin, [`--config=${cfgFile}`], { stdio: ["ignore", "pipe", "pipe"], env: { PATH: "/usr/bin:/bin", HOME: dir } });
    procs.push(col);
    let colLog = "";
    col.stderr!.on("data", (d) => (colLog += d));
    fs.appendFileSync(logFile, ["GET /a 200", "GET /b 404", "POST /visit 201"].join("\n") + "\n");

    const points = (): RecordedPoint[] => {
      const f = path.join(out, "metrics.jsonl");
      return fs.existsSync(f) ? fs.readFileSync(f, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l)) : [];
    };
    const values = () => [...recordedSeries(points(), "sws_test_requests_total", { host: ["web-1"], job: ["nginx"] }, 0).values()].flat().map((s) => s.v);
    try {
      await until("42 at the receiver", () => values().includes(42), 60000);
      count = 45;
      await until("45 at the receiver", () => values().includes(45), 40000);
      await until("3 log records", () => fs.existsSync(path.join(out, "logs.jsonl")) && fs.readFileSync(path.join(out, "logs.jsonl"), "utf8").trim().split("\n").length >= 3, 40000);
    } catch (e) {
      assert.fail(`${(e as Error).message}\ncollector:\n${colLog.slice(-3000)}\nreceiver:\n${recvLog.slice(-3000)}`);
    }
    const series = recordedSeries(points(), "sws_test_requests_total", { host: ["web-1"] }, 0);
    assert.strictEqual(series.size, 1, "one series");
    const labels = JSON.parse([...series.keys()][0]);
    assert.strictEqual(labels.path, "/a");
    assert.strictEqual(labels.job, "nginx");
    const p = points().find((x) => x.name === "sws_test_requests_total")!;
    assert.strictEqual(p.kind, "sum", "a Prometheus counter arrives as an OTLP sum");
    const s = series.values().next().value!;
    assert.ok(s.every((x, i) => i === 0 || x.v >= s[i - 1].v), "cumulative: never decreasing");
    const logs = fs.readFileSync(path.join(out, "logs.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    assert.deepStrictEqual(logs.map((l) => l.body), ["GET /a 200", "GET /b 404", "POST /visit 201"]);
    const stats = JSON.parse(fs.readFileSync(path.join(out, "stats.json"), "utf8"));
    assert.ok(stats.metrics.requests > 0 && stats.metrics.gzip === stats.metrics.requests, "every metrics request gzip-compressed, as configured");

    assert.strictEqual(await post(port, ca, "/receiver/v1/otlp/OTHER/v1/metrics", Buffer.from(""), { "Content-Type": "application/x-protobuf" }), 404);
    assert.strictEqual(await post(port, ca, `${source}/v1/metrics`, Buffer.from([0xff, 0xff, 0xff]), { "Content-Type": "application/x-protobuf" }), 400);
    assert.strictEqual(await post(port, ca, `${source}/v1/metrics`, Buffer.from("x"), { "Content-Type": "text/plain" }), 415);
  });
});
