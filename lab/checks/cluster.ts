/**
 * database.topology "cluster", proven on the running lab (profile "cluster"). Run by `check` only
 * when the lab's model is a cluster:
 *   - every node is in one primary component of three, Synced, ready;
 *   - Galera's traffic is TLS: `openssl s_client` from each node to each peer's 4567 verifies the
 *     peer's certificate against the internal CA (verify return code 0); a client trusting another
 *     CA is refused;
 *   - the app server's own HAProxy sees every node's health agent answer 200 (synced);
 *   - a row written on each node is visible on the two others: lag measured from the row's own
 *     timestamp (written by the origin node's clock, the machine's) to the first poll that sees it.
 */
import * as fs from "fs";
import * as path from "path";
import type { ServerModel } from "../../components/model";
import { Ports } from "../../components/model";
import { inRoot, rootPaths } from "../root";
import { run } from "../shell";
import { inNetns, netnsPath } from "../namespaces";
import { CheckContext, CheckResult, timedCheck } from "./common";

export interface Probe {
  name: string;
  ok: boolean;
  detail: string;
}
const mark = (p: Probe) => `${p.ok ? "✓" : "✗"} ${p.name}: ${p.detail}`;
export const probeResult = (probes: Probe[], extra: Record<string, unknown> = {}, summary?: string) => ({
  ok: probes.length > 0 && probes.every((p) => p.ok),
  summary: summary ?? `${probes.filter((p) => p.ok).length}/${probes.length} probes pass`,
  lines: probes.map(mark),
  details: { probes, ...extra },
});

/** Whether the booted stack is a database.topology "cluster". */
export function isClusterLab(ctx: CheckContext): boolean {
  return ctx.rendered.model.database.topology === "cluster";
}

export function clusterNodes(ctx: CheckContext): ServerModel[] {
  return ctx.rendered.model.servers.filter((s) => s.roles.includes("database"));
}

/** One SQL statement on a node, through its socket, as root (tab-separated, no headers). */
export function sql(server: string, statement: string, timeoutMs = 5000): { code: number; out: string; err: string } {
  const r = inRoot(server, ["timeout", String(Math.ceil(timeoutMs / 1000)), "mysql", "--protocol=socket", "-Nse", statement]);
  return { code: r.code, out: r.stdout.trim(), err: r.stderr.trim() };
}

export interface WsrepState { size: number; status: string; state: string; ready: string }

export function wsrepState(server: string): WsrepState | undefined {
  const r = sql(server, "SELECT VARIABLE_NAME, VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME IN ('WSREP_CLUSTER_SIZE','WSREP_CLUSTER_STATUS','WSREP_LOCAL_STATE_COMMENT','WSREP_READY')", 3000);
  if (r.code !== 0) return undefined;
  const v = Object.fromEntries(r.out.split("\n").map((l) => l.split("\t")));
  return { size: Number(v.WSREP_CLUSTER_SIZE), status: v.WSREP_CLUSTER_STATUS, state: v.WSREP_LOCAL_STATE_COMMENT, ready: v.WSREP_READY };
}

export const describeState = (w: WsrepState | undefined) => (w ? `size ${w.size}, ${w.status}, ${w.state}, ready ${w.ready}` : "no answer");
export const synced = (w: WsrepState | undefined, size: number) => !!w && w.size === size && w.status === "Primary" && w.state === "Synced" && w.ready === "ON";

/** HTTP status of a node's health agent, asked from `from` (the app server, as its HAProxy does). */
export function healthOf(from: string, node: ServerModel): string {
  const r = inNetns(from, "curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "3", `http://${node.privateIp}:${Ports.galeraCheck}/`]);
  return r.stdout.trim() || "000";
}

function sClient(from: string, ip: string, port: number, caFile: string): { verify: string; subject: string; protocol: string } {
  const r = run("nsenter", [`--net=${netnsPath(from)}`, "--", "timeout", "5", "openssl", "s_client", "-connect", `${ip}:${port}`, "-CAfile", caFile, "-verify_return_error", "-brief"], { input: "" });
  const text = r.stdout + r.stderr;
  return {
    verify: /Verification: (\S+)/.exec(text)?.[1] ?? (/verify error:[^\n]*/.exec(text)?.[0] ?? "no TLS"),
    subject: /Peer certificate: ([^\n]*)/.exec(text)?.[1] ?? "",
    protocol: /Protocol version: (\S+)/.exec(text)?.[1] ?? "",
  };
}

/** The Galera metric names the alarms use: CloudWatch's series (collector.ts) and the Prometheus rules. */
export function galeraMetricNames(): string[] {
  const { GALERA_SERIES } = require("../../components/payloads/collector") as typeof import("../../components/payloads/collector");
  const rules = fs.readFileSync(path.join(__dirname, "..", "..", "monitoring", "prometheus-alerts.yaml"), "utf8");
  return [...new Set([...GALERA_SERIES.names, ...(rules.match(/mysql_(?:global_status_wsrep|galera)_[a-z0-9_]+/g) ?? [])])].sort();
}

/** A server's exporter, scraped on its loopback from inside its namespace: metric name (unlabelled series) → value. */
export function scrape(server: string, port: number): Map<string, number> {
  const r = inNetns(server, "curl", ["-s", "--max-time", "5", `http://127.0.0.1:${port}/metrics`]);
  const m = new Map<string, number>();
  for (const l of r.stdout.split("\n")) {
    const x = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{[^}]*\})?\s+(\S+)$/.exec(l);
    if (x && !m.has(x[1])) m.set(x[1], Number(x[2]));
  }
  return m;
}

export function clusterStateCheck(ctx: CheckContext): Promise<CheckResult> {
  return timedCheck("cluster: nodes, TLS, health", async () => {
    const nodes = clusterNodes(ctx);
    const probes: Probe[] = [];
    for (const n of nodes) {
      const w = wsrepState(n.name);
      probes.push({ name: `${n.name} is Synced in the primary component of ${nodes.length}`, ok: synced(w, nodes.length), detail: describeState(w) });
    }
    // Galera's port speaks TLS and proves the peer with the internal CA; another CA is refused.
    const ca = path.join(rootPaths(nodes[0].name).merged, "etc/sws/internal-ca.pem");
    for (const a of nodes) for (const b of nodes) {
      if (a.name === b.name) continue;
      const s = sClient(a.name, b.privateIp, Ports.galera, ca);
      probes.push({ name: `${a.name} → ${b.name}:${Ports.galera} TLS verified against the internal CA`, ok: s.verify === "OK" && s.subject.includes(`${b.name}.sws.internal`), detail: `${s.protocol} ${s.verify} ${s.subject}` });
    }
    const other = "/etc/ssl/certs/ca-certificates.crt";
    const s = sClient(nodes[1].name, nodes[0].privateIp, Ports.galera, other);
    probes.push({ name: `a client trusting only the public CAs is refused by ${nodes[0].name}:${Ports.galera}`, ok: s.verify !== "OK", detail: s.verify });
    // Galera monitoring: each node's mysqld_exporter publishes every Galera series the alarms use
    // (CloudWatch's GALERA_SERIES and monitoring/prometheus-alerts.yaml), with the values of a healthy node.
    const wanted = galeraMetricNames();
    for (const n of nodes) {
      const m = scrape(n.name, Ports.local.mysqldExporter);
      const missing = wanted.filter((w) => !m.has(w));
      const size = m.get("mysql_global_status_wsrep_cluster_size");
      const primary = m.get("mysql_global_status_wsrep_cluster_status");
      probes.push({
        name: `${n.name}'s mysqld_exporter publishes the ${wanted.length} Galera series the alarms and rules use; cluster size ${nodes.length}, primary`,
        ok: m.size > 0 && missing.length === 0 && size === nodes.length && primary === 1,
        detail: m.size === 0 ? "no answer from the exporter" : `${missing.length ? `missing ${missing.join(", ")}; ` : ""}wsrep_cluster_size ${size}, wsrep_cluster_status ${primary}, recv queue ${m.get("mysql_global_status_wsrep_local_recv_queue")}, flow control paused ${m.get("mysql_global_status_wsrep_flow_control_paused_ns")} ns, repl latency avg ${m.get("mysql_galera_evs_repl_latency_avg_seconds")} s`,
      });
    }
    // The app servers' HAProxy checks: every node healthy.
    for (const app of ctx.rendered.model.servers.filter((x) => x.roles.includes("app"))) {
      const answers = nodes.map((n) => `${n.name} ${healthOf(app.name, n)}`);
      probes.push({ name: `${app.name} sees every node's health agent answer 200`, ok: answers.every((a) => a.endsWith(" 200")), detail: answers.join(", ") });
    }
    return probeResult(probes);
  });
}

/** Poll `server` every ~10 ms (one client, a loop in bash) until the row with `note` is there; prints "<id> <at> <seen>" (epoch seconds). */
const POLL = `for i in $(seq 1 500); do r=$(mysql --protocol=socket -Nse "SELECT id, UNIX_TIMESTAMP(at), UNIX_TIMESTAMP(NOW(6)) FROM \\\`$1\\\`.visits WHERE note = '$2'"); [ -n "$r" ] && { echo "$r"; exit 0; }; sleep 0.01; done; exit 1`;

export function clusterLagCheck(ctx: CheckContext, rounds = 3): Promise<CheckResult> {
  return timedCheck("cluster: writes on every node, read on the others", async () => {
    const nodes = clusterNodes(ctx);
    const db = ctx.rendered.model.database.name;
    const lags: Array<{ from: string; to: string; ms: number }> = [];
    const failures: string[] = [];
    // The app made the table; if the site was never visited, make it the same way.
    sql(nodes[0].name, `CREATE TABLE IF NOT EXISTS \`${db}\`.visits (id BIGINT AUTO_INCREMENT PRIMARY KEY, at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), client VARCHAR(64) NOT NULL, note VARCHAR(255) NOT NULL DEFAULT '') ENGINE=InnoDB`);
    for (let r = 0; r < rounds; r++) for (const from of nodes) {
      const note = `lag-${from.name}-${Date.now()}-${r}`;
      const polls = nodes.filter((n) => n.name !== from.name).map((to) => ({ to, p: pollAsync(to.name, db, note) }));
      await new Promise((res) => setTimeout(res, 50)); // pollers running before the write
      const w = sql(from.name, `INSERT INTO \`${db}\`.visits (client, note) VALUES ('lab-check', '${note}')`);
      if (w.code !== 0) failures.push(`write on ${from.name}: ${w.err}`);
      for (const { to, p } of polls) {
        const out = await p;
        const m = /^(\d+)\s+([\d.]+)\s+([\d.]+)/.exec(out);
        if (!m) failures.push(`${note} not seen on ${to.name} within 5 s`);
        else lags.push({ from: from.name, to: to.name, ms: Math.round((Number(m[3]) - Number(m[2])) * 1000) });
      }
    }
    const ms = lags.map((l) => l.ms).sort((a, b) => a - b);
    const med = ms.length ? ms[Math.floor(ms.length / 2)] : NaN;
    const max = ms.length ? ms[ms.length - 1] : NaN;
    const probes: Probe[] = [{
      name: `${rounds * nodes.length} rows, each written on one node (autocommit, acknowledged), read on the two others within 1 s`,
      ok: failures.length === 0 && lags.length === rounds * nodes.length * (nodes.length - 1) && max <= 1000,
      detail: `lag from the row's own timestamp (origin node) to the first poll that saw it (~10 ms polling): median ${med} ms, max ${max} ms over ${lags.length} reads${failures.length ? `; ${failures.join("; ")}` : ""}`,
    }];
    return probeResult(probes, { lags, failures }, `lag median ${med} ms, max ${max} ms over ${lags.length} reads; ${probes.filter((p) => p.ok).length}/${probes.length} probes pass`);
  });
}

function pollAsync(server: string, db: string, note: string): Promise<string> {
  return new Promise((resolve) => {
    const { spawn } = require("child_process") as typeof import("child_process");
    const { enterArgs, ROOT_ENV } = require("../root") as typeof import("../root");
    const p = spawn("nsenter", [...enterArgs(server), "env", "-i", ...ROOT_ENV, "bash", "-c", POLL, "poll", db, note]);
    let out = "";
    p.stdout.on("data", (d: Buffer) => (out += d));
    p.on("close", () => resolve(out.trim()));
  });
}

export async function clusterChecks(ctx: CheckContext, done: (r: CheckResult) => void): Promise<void> {
  done(await clusterStateCheck(ctx));
  done(await clusterLagCheck(ctx));
}
