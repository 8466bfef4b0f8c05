/**
 * The lab's monitoring sink, on its own host, chosen by the profile's `monitoring.sink`:
 *   prometheus-remote-write  a Prometheus started with --web.enable-remote-write-receiver; the
 *                            servers' collectors remote-write to it (the payload's remoteWriteUrl);
 *   sumologic                an HTTPS receiver at the profile's OTLP/HTTP source URL
 *                            (monitoring.sumoLogicUrl: https://<sink>/receiver/v1/otlp/<token>, a
 *                            certificate from the lab CA), which decodes what the collectors'
 *                            otlphttp exporter sends (protobuf, gzip) with the OpenTelemetry
 *                            protocol's own generated classes and records every data point and log
 *                            record (otlp-receiver.py);
 *   cloudwatch               nothing on the sink host: the collectors send to the lab's AWS (moto),
 *                            which `check` reads back (cloudwatch-emf.ts).
 */
import * as fs from "fs";
import * as path from "path";
import { CA_DIR, LAB_CA } from "./acme";
import { startHelper } from "./helperDaemons";
import { inNetns } from "./namespaces";
import { LAB_DIR, mkdirp, STATE } from "./files";
import { waitFor } from "./processes";
import { must, run } from "./shell";

export interface SinkSettings {
  name: string;
  ip: string;
  port: number;
}

export type SinkKind = "prometheus-remote-write" | "sumologic" | "cloudwatch" | "none";

/** The Sumo Logic receiver's state: what it recorded (metrics.jsonl, logs.jsonl, stats.json). */
export const SUMO_DIR = path.join(STATE, "sink", "sumologic");
/** The OpenTelemetry protocol's generated Python classes the receiver decodes with (PyPI). */
export const OTLP_PROTO_PIP = "opentelemetry-proto==1.45.2";

/** The sink's kind for a stack configuration's monitoring section. */
export function sinkKind(monitoring: { sink?: string } | undefined): SinkKind {
  const s = monitoring?.sink ?? "none";
  if (s === "prometheus-remote-write" || s === "sumologic" || s === "cloudwatch" || s === "none") return s;
  throw new Error(`lab: no sink for monitoring.sink ${JSON.stringify(s)}`);
}

/**
 * The receiver's address and source path from the profile's Sumo Logic URL. The lab's URL must
 * name the sink host over HTTPS (that is where the receiver listens; the flows allow HTTPS out).
 */
export function sumoSource(url: string, sink: SinkSettings): { path: string } {
  const u = new URL(url);
  if (u.protocol !== "https:" || u.hostname !== sink.ip || Number(u.port || 443) !== sink.port) {
    throw new Error(`lab: monitoring.sumoLogicUrl must be https://${sink.ip}${sink.port === 443 ? "" : `:${sink.port}`}/… (the lab's receiver), not ${url}`);
  }
  if (!/^\/receiver\/v1\/otlp\/[A-Za-z0-9_=-]+$/.test(u.pathname)) throw new Error(`lab: monitoring.sumoLogicUrl's path must look like a Sumo Logic OTLP/HTTP source (/receiver/v1/otlp/<token>), not ${u.pathname}`);
  return { path: u.pathname };
}

/** The receiver's import check (python3 -c …). */
export const OTLP_PROTO_PROBE = ["-c", "import opentelemetry.proto.collector.metrics.v1.metrics_service_pb2, opentelemetry.proto.collector.logs.v1.logs_service_pb2"] as const;

/** The machine's Python 3 for the receiver: pyenv's (where moto lives) resolved to its real path, else python3 on PATH. */
export function findPython(): string | undefined {
  const which = run("/bin/sh", ["-c", "command -v pyenv >/dev/null && pyenv which python3 || command -v python3"]);
  const py = which.stdout.trim().split("\n").pop() ?? "";
  return which.code === 0 && py && fs.existsSync(py) ? py : undefined;
}

/** A Python 3 with the OpenTelemetry protocol classes (pyenv's 3.11, where moto lives; pip-installed when missing). */
export function receiverPython(log: (m: string) => void = () => undefined): string {
  const py = findPython();
  if (!py) throw new Error("no python3 for the lab's Sumo Logic receiver");
  const probe = () => run(py, [...OTLP_PROTO_PROBE]).code === 0;
  if (!probe()) {
    log(`    pip install ${OTLP_PROTO_PIP} (the receiver's OTLP decoder) into ${py}`);
    const r = run(py, ["-m", "pip", "install", "-q", OTLP_PROTO_PIP]);
    if (r.code !== 0 || !probe()) throw new Error(`pip install ${OTLP_PROTO_PIP} failed: ${r.stderr.slice(-1500)}`);
  }
  return py;
}

/** The receiver's certificate: the sink's address, signed by the lab CA (which every server's root trusts). */
function issueSinkCertificate(dir: string, ip: string): { cert: string; key: string } {
  const cert = path.join(dir, "receiver.pem");
  const key = path.join(dir, "receiver.key");
  const csr = path.join(dir, "receiver.csr");
  const ext = path.join(dir, "receiver.ext");
  must("openssl", ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", csr, "-subj", `/CN=${ip} (sws lab Sumo Logic receiver)`]);
  fs.writeFileSync(ext, `subjectAltName=IP:${ip}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`);
  must("openssl", ["x509", "-req", "-in", csr, "-CA", LAB_CA, "-CAkey", path.join(CA_DIR, "lab-ca.key"), "-CAcreateserial", "-days", "30", "-extfile", ext, "-out", cert]);
  return { cert, key };
}

export async function startSink(sink: SinkSettings, monitoring: { sink?: string; sumoLogicUrl?: string } | undefined, log: (m: string) => void = () => undefined): Promise<string> {
  const kind = sinkKind(monitoring);
  if (kind === "sumologic") {
    const source = sumoSource(String(monitoring!.sumoLogicUrl), sink);
    fs.rmSync(SUMO_DIR, { recursive: true, force: true });
    mkdirp(SUMO_DIR, 0o700);
    const py = receiverPython(log);
    const { cert, key } = issueSinkCertificate(SUMO_DIR, sink.ip);
    startHelper("sink-sumologic", sink.name, [py, path.join(LAB_DIR, "otlp-receiver.py"), "--listen", `${sink.ip}:${sink.port}`,
      "--cert", cert, "--key", key, "--source", source.path, "--out", SUMO_DIR]);
    // Up when it answers 404 for a path that is not the source (and so knows nothing else).
    await waitFor("the Sumo Logic receiver (https, lab CA)", () =>
      inNetns(sink.name, "curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "2", "--cacert", LAB_CA, `https://${sink.ip}:${sink.port}/`]).stdout === "404", 30000, 200);
    return `Sumo Logic receiver (OTLP/HTTP, protobuf + gzip, decoded by ${OTLP_PROTO_PIP}) at https://${sink.ip}${sink.port === 443 ? "" : `:${sink.port}`}${source.path.replace(/[^/]+$/, "<token>")}`;
  }
  if (kind !== "prometheus-remote-write") return `no sink daemon (monitoring.sink ${kind}${kind === "cloudwatch" ? ": the collectors send to the lab's AWS" : ""})`;
  const dir = path.join(STATE, "sink");
  mkdirp(path.join(dir, "data"));
  const cfg = path.join(dir, "prometheus.yml");
  fs.writeFileSync(cfg, "# The lab's sink: receives remote writes only, scrapes nothing.\nglobal:\n  scrape_interval: 15s\nscrape_configs: []\n");
  startHelper("sink-prometheus", sink.name, [
    "/usr/bin/prometheus", `--config.file=${cfg}`, `--storage.tsdb.path=${path.join(dir, "data")}`,
    `--web.listen-address=${sink.ip}:${sink.port}`, "--web.enable-remote-write-receiver", "--storage.tsdb.retention.time=1d",
  ]);
  await waitFor("the sink's Prometheus", () => inNetns(sink.name, "curl", ["-sf", `http://${sink.ip}:${sink.port}/-/ready`]).code === 0, 30000, 200);
  return `Prometheus (remote-write receiver) at ${sink.ip}:${sink.port}`;
}

/** An instant query at the sink (run from the sink's own namespace). */
export function sinkQuery(sink: SinkSettings, query: string): Array<{ metric: Record<string, string>; value: [number, string] }> {
  const r = inNetns(sink.name, "curl", ["-sf", "--get", "--data-urlencode", `query=${query}`, `http://${sink.ip}:${sink.port}/api/v1/query`]);
  if (r.code !== 0) throw new Error(`sink query failed: ${query}: ${r.stderr}`);
  const j = JSON.parse(r.stdout);
  return j.data.result;
}
