/**
 * `npm run lab -- faults [--json]` (alias: drill): fault drills on the running lab, each with its
 * timings and pass/fail; exit status 1 if any drill fails. Every load is bounded in count and time
 * and goes only to the lab's own addresses.
 *
 *   nginx     kill -9 Nginx on a web server (its restart held 3 s by a runtime drop-in, so the
 *             outage outlasts the health checks): every request meanwhile is answered (503 in
 *             < 1 s — a refusal, not a 2 s timeout — or 200 by another web server), HAProxy marks it down ≤ 2 s after the kill
 *             and up again ≤ 2 s after the supervisor restarted it
 *   app       the same for the application (through the balancer, /healthz → app → database)
 *   database  kill -9 the database while a client streams 1,000 acknowledged inserts: every
 *             acknowledged row is there after the restart (counted), failures were 503, fast
 *   haproxy   kill -9 HAProxy: serving again ≤ 5 s (restarted by the supervisor)
 *   telemetry the sink unreachable for 30 s, then back: the site keeps serving, every collector
 *             delivers what it queued meanwhile (no hole in the series at the sink, nothing
 *             dropped by its own counters); kill -9 every collector: the site keeps serving, each
 *             restarts after RestartSec=, and the hole is visible in the series at the sink
 *   hostile   slowloris, oversized headers, invalid methods, smuggling attempts: refused at the
 *             balancer while a normal client keeps being served
 *
 * Then the lifecycle drills (drills/lifecycle.ts: app update, peer lists, reboot, replacement,
 * promotion, interrupted restore), each where the lab's profile has what it needs and NOT RUN with
 * the reason where it has not.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { supervisorCommand, supervisorDump } from "./supervisor/client";
import { COLLECTOR_TELEMETRY_PORT, COLLECTOR_UNIT, LAB_MAX_SCRAPE_INTERVAL_S } from "./collector";
import { inRoot, rootPaths, writeInRoot } from "./root";
import { cleanEnv, run } from "./shell";
import { inNetns, netnsName, netnsPath } from "./namespaces";
import { CLIENTS_DIR, STATE, writeJson } from "./files";
import { signal, sleep, waitFor } from "./processes";
import { CheckContext, CheckResult, context, timedCheck } from "./checks/common";
import { sinkKind } from "./sink";
import { isClusterLab } from "./checks/cluster";
import { killNodeDrill, partitionDrill } from "./drills/cluster";
import { LIFECYCLE_DRILLS } from "./drills/lifecycle";
import type { BootHooks } from "./drills/reboot";
import { printResult, resultJson } from "./drills/report";

type Sample = [number, number, number, number]; // start (ms since epoch), status (0 = error/timeout), latency ms, retried once by the client (1)

const HOLD_MS = 3000;
// A "fast" 503 is one answered from a refused connection, not after a timeout: the shortest
// timeout on the path is 2 s (HAProxy `timeout connect`, Nginx `proxy_connect_timeout`), so 1 s
// tells the two apart even on the loaded 2-core machine (a CI dry run saw one refusal answered in
// 110 ms while a test suite ran beside the lab; 100 ms was a speed target, not the behaviour).
const FAST_MS = 1000;

function serversWith(ctx: CheckContext, role: string): string[] {
  return ctx.rendered.servers.filter((s) => (s.roles as string[]).includes(role)).map((s) => s.name);
}

async function unitPid(server: string, unit: string): Promise<number | null> {
  const d = await supervisorDump(server);
  const u = d?.units.find((x) => x.name === unit);
  return u && u.state === "active" && u.mainPid ? u.mainPid : null;
}

/** Run a node script from lab/ in the client's namespace; resolves with its stdout. */
function clientScript(ctx: CheckContext, script: string, args: string[], onLine?: (l: string) => void): Promise<string> {
  return new Promise((resolve) => {
    const p = spawn("nsenter", [`--net=${netnsPath(ctx.client)}`, "--", process.execPath, path.join(CLIENTS_DIR, script), ...args], { env: cleanEnv() });
    let out = "";
    let partial = "";
    p.stdout.on("data", (d) => {
      out += d;
      if (onLine) {
        partial += d;
        const lines = partial.split("\n");
        partial = lines.pop()!;
        for (const l of lines) onLine(l);
      }
    });
    p.on("close", () => resolve(out));
  });
}

function prober(ctx: CheckContext, urlPath: string, durationMs: number, intervalMs = 20): Promise<Sample[]> {
  const { state } = ctx;
  return clientScript(ctx, "https-prober.js", [state.balancer.ip, state.domain, state.caBundle, urlPath, String(durationMs), String(intervalMs)])
    .then((o) => (JSON.parse(o) as { samples: Sample[] }).samples);
}

/** HAProxy's view of its servers (show stat through the admin socket, reached via /proc/PID/root). */
async function haproxyStatus(lb: string, pidHint: { pid: number | null }): Promise<Record<string, string> | null> {
  if (!pidHint.pid) pidHint.pid = await unitPid(lb, "haproxy.service");
  if (!pidHint.pid) return null;
  const sock = `/proc/${pidHint.pid}/root/run/haproxy/admin.sock`;
  return new Promise((resolve) => {
    const s = net.createConnection(sock);
    let buf = "";
    const t = setTimeout(() => s.destroy(), 1000);
    s.on("connect", () => s.write("show stat\n"));
    s.on("data", (d) => (buf += d));
    s.on("close", () => {
      clearTimeout(t);
      const lines = buf.split("\n").filter(Boolean);
      if (!lines.length || !lines[0].startsWith("# ")) return resolve(null);
      const hdr = lines[0].slice(2).split(",");
      const i = hdr.indexOf("status");
      const out: Record<string, string> = {};
      for (const l of lines.slice(1)) {
        const f = l.split(",");
        out[`${f[0]}/${f[1]}`] = f[i];
      }
      resolve(out);
    });
    s.on("error", () => {
      pidHint.pid = null;
      resolve(null);
    });
  });
}

/** Poll something every `everyMs` until stopped; returns the [time, value] transitions. */
function watch<T>(fn: () => Promise<T>, everyMs = 50): { stop: () => Promise<Array<[number, T]>> } {
  const seen: Array<[number, T]> = [];
  let on = true;
  const loop = (async () => {
    const t0 = Date.now();
    while (on && Date.now() - t0 < 60000) {
      const v = await fn();
      if (!seen.length || JSON.stringify(seen[seen.length - 1][1]) !== JSON.stringify(v)) seen.push([Date.now(), v]);
      await sleep(everyMs);
    }
  })();
  return {
    stop: async () => {
      on = false;
      await loop;
      return seen;
    },
  };
}

function summarize(samples: Sample[], from: number, to: number) {
  const w = samples.filter((s) => s[0] >= from && s[0] <= to);
  const non200 = w.filter((s) => s[1] !== 200);
  const byStatus: Record<string, number> = {};
  for (const s of w) byStatus[s[1]] = (byStatus[s[1]] ?? 0) + 1;
  const lat = (xs: Sample[]) => (xs.length ? Math.max(...xs.map((s) => s[2])) : null);
  return { requests: w.length, byStatus, non200: non200.length, non200MaxMs: lat(non200), maxMs: lat(w), errors: w.filter((s) => s[1] === 0).length, clientRetries: w.filter((s) => s[3] === 1).length };
}

async function holdRestart(server: string, unit: string, on: boolean): Promise<void> {
  const f = `/run/systemd/system/${unit}.d/zz-sws-faults-hold.conf`;
  if (on) writeInRoot(server, f, `# sws-lab faults: restart held ${HOLD_MS} ms so the outage outlasts the health checks\n[Service]\nRestartSec=${HOLD_MS}ms\n`, "0644", "root:root");
  else inRoot(server, ["rm", "-f", f]);
  await supervisorCommand(server, ["daemon-reload"]);
}

const s2 = (ms: number | null | undefined) => (ms === null || ms === undefined ? "—" : `${(ms / 1000).toFixed(2)} s`);

/** kill -9 a daemon behind the balancer; probe through the balancer; watch HAProxy and the supervisor. */
async function killBehindBalancer(ctx: CheckContext, opts: { server: string; unit: string; probePath: string; haproxyServer?: string }) {
  const lb = ctx.state.balancer.name;
  await holdRestart(opts.server, opts.unit, true);
  try {
    const pid = await unitPid(opts.server, opts.unit);
    if (!pid) throw new Error(`${opts.unit} is not running on ${opts.server}`);
    const hint = { pid: null as number | null };
    const hw = watch(async () => (opts.haproxyServer ? (await haproxyStatus(lb, hint))?.[`web/${opts.haproxyServer}`] ?? "?" : "-"));
    const pw = watch(() => unitPid(opts.server, opts.unit), 50);
    const probe = prober(ctx, opts.probePath, 1000 + HOLD_MS + 4500);
    await sleep(1000);
    const tKill = Date.now();
    signal(pid, "SIGKILL");
    const samples = await probe;
    const hs = await hw.stop();
    const ps = await pw.stop();
    const tRestart = ps.find(([t, v]) => t > tKill && v && v !== pid)?.[0] ?? null;
    const tDown = hs.find(([t, v]) => t > tKill && /^DOWN/.test(String(v)))?.[0] ?? null;
    const tUp = tDown ? hs.find(([t, v]) => t > tDown && /^UP/.test(String(v)))?.[0] ?? null : null;
    const firstOk = tRestart ? samples.find((s) => s[0] >= tRestart && s[1] === 200)?.[0] ?? null : null;
    // The outage window: from the kill to the first 200 after the restart (or the end).
    const win = summarize(samples, tKill, (tUp ?? firstOk ?? Date.now()) - 1);
    const slow503 = samples.filter((s) => s[0] >= tKill && s[1] !== 200 && (s[1] !== 503 || s[2] >= FAST_MS));
    return { pid, tKill, tRestart, tDown, tUp, firstOk, win, slow503, samples: samples.length, before: summarize(samples, 0, tKill - 1) };
  } finally {
    await holdRestart(opts.server, opts.unit, false);
  }
}

function nginxDrill(ctx: CheckContext): Promise<CheckResult> {
  return timedCheck("kill -9 Nginx", async () => {
    const web = serversWith(ctx, "web")[0];
    const r = await killBehindBalancer(ctx, { server: web, unit: "nginx.service", probePath: "/static/robots.txt", haproxyServer: web });
    const downMs = r.tDown ? r.tDown - r.tKill : null;
    const backMs = r.tUp && r.tRestart ? r.tUp - r.tRestart : null;
    const ok = downMs !== null && downMs <= 2000 && backMs !== null && backMs <= 2000 && r.slow503.length === 0 && r.win.errors === 0;
    return {
      ok,
      summary: `503s in ≤ ${r.win.non200MaxMs ?? 0} ms (${r.win.non200} of ${r.win.requests}), marked down ${s2(downMs)} after the kill, back in rotation ${s2(backMs)} after the restart`,
      lines: [
        `killed nginx master ${r.pid} on ${web}; its restart held ${HOLD_MS / 1000} s (runtime drop-in, removed after); probe GET /static/robots.txt every 20 ms through the balancer`,
        `outage answers: ${JSON.stringify(r.win.byStatus)}; slowest non-200 ${r.win.non200MaxMs ?? "—"} ms (must be 503 in < ${FAST_MS} ms); slowest of all ${r.win.maxMs} ms; errors/timeouts ${r.win.errors}; requests the client retried once (keep-alive connection closed without an answer, as browsers and curl do) ${r.win.clientRetries}`,
        `${downMs !== null && downMs <= 2000 ? "✓" : "✗"} HAProxy marked web/${web} DOWN ${s2(downMs)} after the kill (≤ 2 s)`,
        `supervisor restarted it ${s2(r.tRestart ? r.tRestart - r.tKill : null)} after the kill; ${backMs !== null && backMs <= 2000 ? "✓" : "✗"} HAProxy UP ${s2(backMs)} after the restart (≤ 2 s); first 200 after the restart at +${s2(r.firstOk && r.tRestart ? r.firstOk - r.tRestart : null)}`,
        ...(r.slow503.length ? [`✗ ${r.slow503.length} answers were not a fast 503: ${JSON.stringify(r.slow503.slice(0, 5))}`] : []),
      ],
      details: { ...r, markedDownMs: downMs, backInRotationMs: backMs, restartMs: r.tRestart ? r.tRestart - r.tKill : null, slow503: r.slow503.slice(0, 20) },
    };
  });
}

function appDrill(ctx: CheckContext): Promise<CheckResult> {
  return timedCheck("kill -9 the app", async () => {
    const app = serversWith(ctx, "app")[0];
    const r = await killBehindBalancer(ctx, { server: app, unit: "sws-app.service", probePath: "/healthz" });
    const backMs = r.firstOk && r.tRestart ? r.firstOk - r.tRestart : null;
    const several = serversWith(ctx, "app").length > 1;
    // One app: Nginx answers 503 at once (its upstream is refused). Several: Nginx passes to the next.
    const ok = backMs !== null && backMs <= 2000 && r.slow503.length === 0 && r.win.errors === 0 && (several || r.win.non200 > 0);
    return {
      ok,
      summary: `${several ? "other app servers answered" : `503s in ≤ ${r.win.non200MaxMs ?? 0} ms (${r.win.non200} of ${r.win.requests})`}, serving again ${s2(backMs)} after the restart`,
      lines: [
        `killed sws-app ${r.pid} on ${app}; its restart held ${HOLD_MS / 1000} s; probe GET /healthz (→ app → database) every 20 ms through the balancer`,
        `outage answers: ${JSON.stringify(r.win.byStatus)}; slowest non-200 ${r.win.non200MaxMs ?? "—"} ms (must be 503 in < ${FAST_MS} ms); errors/timeouts ${r.win.errors}`,
        `the balancer's health check is Nginx's own /lb-health: an app outage does not take the web tier (static files) out of rotation; ${several ? "Nginx retries the next app server on a refused connection" : "Nginx answers 503 for the dynamic pages at once (upstream refused → error_page 503)"}`,
        `supervisor restarted it ${s2(r.tRestart ? r.tRestart - r.tKill : null)} after the kill; ${backMs !== null && backMs <= 2000 ? "✓" : "✗"} first 200 through the balancer ${s2(backMs)} after the restart (≤ 2 s)`,
        ...(r.slow503.length ? [`✗ ${r.slow503.length} answers were not a fast 503: ${JSON.stringify(r.slow503.slice(0, 5))}`] : []),
      ],
      details: { ...r, backInRotationMs: backMs, restartMs: r.tRestart ? r.tRestart - r.tKill : null, slow503: r.slow503.slice(0, 20) },
    };
  });
}

function dbDrill(ctx: CheckContext): Promise<CheckResult> {
  return timedCheck("kill -9 the database under 1,000 inserts", async () => {
    const { state } = ctx;
    const db = serversWith(ctx, "database")[0];
    const unit = ctx.rendered.model.dbEngine === "mariadb" ? "mariadb.service" : "mysql.service";
    const pid = await unitPid(db, unit);
    if (!pid) throw new Error(`${unit} is not running on ${db}`);
    const note = `faults-${Date.now()}`;
    let tKill = 0;
    const pw = watch(() => unitPid(db, unit), 50);
    const out = await clientScript(ctx, "inserts.js", [state.balancer.ip, state.domain, note, "1000", "90000", state.caBundle], (l) => {
      if (!tKill && l.includes('"acked":300')) {
        tKill = Date.now();
        signal(pid, "SIGKILL");
      }
    });
    const ps = await pw.stop();
    const w = JSON.parse(out.trim().split("\n").pop()!) as { attempted: number; acked: number; failed: number; statuses: Record<string, number>; failedMaxMs: number | null; failedP50Ms: number | null };
    const tRestart = ps.find(([t, v]) => t > tKill && v && v !== pid)?.[0] ?? null;
    let count = -1;
    for (let i = 0; i < 50 && count < 0; i++) {
      const r = inNetns(ctx.client, "curl", ["-sf", "--max-time", "3", "--cacert", state.caBundle, "--resolve", `${state.domain}:443:${state.balancer.ip}`, `https://${state.domain}/count?note=${note}`]);
      if (r.code === 0) count = (JSON.parse(r.stdout) as { count: number }).count;
      else await sleep(200);
    }
    const only503 = Object.keys(w.statuses).every((s) => s === "201" || s === "503");
    const fast = (w.failedMaxMs ?? 0) < 1000;
    const ok = tKill > 0 && w.attempted === 1000 && count >= w.acked && count <= w.attempted && w.failed > 0 && only503 && fast;
    return {
      ok,
      summary: `${w.acked} acknowledged, ${count} rows after the restart; ${w.failed} answered 503 (slowest ${w.failedMaxMs ?? "—"} ms); database restarted ${s2(tRestart ? tRestart - tKill : null)} after the kill`,
      lines: [
        `killed ${unit} ${pid} on ${db} after 300 acknowledged inserts of 1,000 sequential POST /visit?note=${note} (201 only after the commit)`,
        `answers: ${JSON.stringify(w.statuses)}; failed answers p50 ${w.failedP50Ms ?? "—"} ms, slowest ${w.failedMaxMs ?? "—"} ms ${fast ? "✓" : "✗"} (503 at once, < 1 s: no hang)`,
        `${count >= w.acked && count <= w.attempted ? "✓" : "✗"} rows with that note after the restart: ${count} (must be ≥ acknowledged ${w.acked} and ≤ attempted ${w.attempted}; rows − acknowledged = ${count - w.acked} committed whose answer was lost)`,
      ],
      details: { killedPid: pid, restartMs: tRestart ? tRestart - tKill : null, writer: w, rows: count, note },
    };
  });
}

function haproxyDrill(ctx: CheckContext): Promise<CheckResult> {
  return timedCheck("kill -9 HAProxy", async () => {
    const lb = ctx.state.balancer.name;
    const pid = await unitPid(lb, "haproxy.service");
    if (!pid) throw new Error(`haproxy.service is not running on ${lb}`);
    const pw = watch(() => unitPid(lb, "haproxy.service"), 50);
    const probe = prober(ctx, "/healthz", 8000);
    await sleep(1000);
    const tKill = Date.now();
    signal(pid, "SIGKILL");
    const samples = await probe;
    const ps = await pw.stop();
    const tRestart = ps.find(([t, v]) => t > tKill && v && v !== pid)?.[0] ?? null;
    const firstOk = samples.find((s) => s[0] > tKill && s[1] === 200)?.[0] ?? null;
    const backMs = firstOk ? firstOk - tKill : null;
    const win = summarize(samples, tKill, firstOk ?? Date.now());
    return {
      ok: backMs !== null && backMs <= 5000,
      summary: `serving again ${s2(backMs)} after the kill (≤ 5 s)`,
      lines: [
        `killed HAProxy ${pid} on ${lb}; probe GET /healthz every 20 ms; supervisor restarted it ${s2(tRestart ? tRestart - tKill : null)} after the kill (RestartSec=1s)`,
        `meanwhile: ${JSON.stringify(win.byStatus)} (0 = connection refused: nothing listens on the balancer), slowest ${win.maxMs} ms; first 200 at ${s2(backMs)}`,
      ],
      details: { killedPid: pid, restartMs: tRestart ? tRestart - tKill : null, backMs, window: win },
    };
  });
}

/** Sum of a collector's own counters (its telemetry endpoint, 127.0.0.1:8888 in the server) by metric name. */
function collectorTelemetry(server: string): Record<string, number> {
  const r = inNetns(server, "curl", ["-sf", "--max-time", "3", `http://127.0.0.1:${COLLECTOR_TELEMETRY_PORT}/metrics`]);
  const out: Record<string, number> = {};
  if (r.code !== 0) return out;
  for (const line of r.stdout.split("\n")) {
    // Names carry their unit (otelcol_exporter_queue_size__batches_, …_sent_metric_points__datapoints__total).
    const m = /^(otelcol_exporter_[a-z_]+?)(?:__[a-z]+_)?(?:_total)?(?:\{[^}]*\})? ([0-9.e+-]+)$/.exec(line);
    if (m) out[m[1]] = (out[m[1]] ?? 0) + Number(m[2]);
  }
  return out;
}

/** Raw sample timestamps (s) of one series at the sink between two times (s since epoch). */
function sinkTimestamps(ctx: CheckContext, selector: string, from: number, to: number): number[] {
  const { sink } = ctx.cfg.lab;
  const r = inNetns(sink.name, "curl", ["-sf", "--get", "--data-urlencode", `query=${selector}[${Math.max(1, Math.ceil(to - from))}s]`, "--data-urlencode", `time=${to}`, `http://${sink.ip}:${sink.port}/api/v1/query`]);
  if (r.code !== 0) throw new Error(`sink query failed: ${selector}: ${r.stderr}`);
  const res = JSON.parse(r.stdout).data.result as Array<{ values: [number, string][] }>;
  return (res[0]?.values ?? []).map(([t]) => t).filter((t) => t >= from && t <= to).sort((a, b) => a - b);
}

const maxGap = (ts: number[], from: number, to: number) => {
  const pts = [from, ...ts.filter((t) => t > from && t < to), to];
  let g = 0;
  for (let i = 1; i < pts.length; i++) g = Math.max(g, pts[i] - pts[i - 1]);
  return g;
};

/** The lab's scrape interval of the collectors (s): lab/collector.ts caps every job at this. */
const SCRAPE_S = LAB_MAX_SCRAPE_INTERVAL_S;

/**
 * The sink unreachable for 30 s (every packet dropped in its namespace), then back: the site keeps
 * serving; the collectors queue what they scrape meanwhile (remote-write queue of 2000 requests,
 * retries for up to 300 s: the documented bound) and deliver it when the sink is back — every
 * server's `up` series at the sink has no hole longer than two scrape intervals across the
 * outage — and their own counters show nothing dropped (send_failed and enqueue_failed
 * unchanged).
 */
function sinkOutageDrill(ctx: CheckContext): Promise<CheckResult> {
  return timedCheck("sink unreachable 30 s, then back", async () => {
    const OUTAGE_MS = 30000;
    const servers = ctx.rendered.servers.map((s) => s.name);
    const before = Object.fromEntries(servers.map((s) => [s, collectorTelemetry(s)]));
    const sink = ctx.cfg.lab.sink.name;
    const probe = prober(ctx, "/", OUTAGE_MS + 2000, 100);
    await sleep(500);
    const tDown = Date.now() / 1000;
    const drop = inNetns(sink, "nft", ["-f", "-"], { input: "table inet sws_faults {\n chain input { type filter hook input priority -10; policy drop; }\n chain output { type filter hook output priority -10; policy drop; }\n}\n" });
    if (drop.code !== 0) throw new Error(`could not make the sink unreachable: ${drop.stderr.trim()}`);
    let tUp: number;
    let during: Record<string, Record<string, number>> = {};
    try {
      await sleep(OUTAGE_MS);
      during = Object.fromEntries(servers.map((s) => [s, collectorTelemetry(s)]));
    } finally {
      inNetns(sink, "nft", ["delete", "table", "inet", "sws_faults"]);
      tUp = Date.now() / 1000;
    }
    const site = summarize(await probe, 0, Date.now());
    // Delivery: every queue drained and a sample scraped after the outage at the sink.
    const t0 = Date.now();
    let drained = false;
    await waitFor("the collectors' queues drained and fresh samples at the sink", () => {
      drained = servers.every((s) => (collectorTelemetry(s).otelcol_exporter_queue_size ?? 0) === 0
        && sinkTimestamps(ctx, `up{job="node",host="${s}"}`, tUp, Date.now() / 1000).length > 0);
      return drained;
    }, 120000, 2000).catch(() => undefined);
    const deliveredMs = Date.now() - t0;
    await sleep(2000);
    const rows = servers.map((s) => {
      const ts = sinkTimestamps(ctx, `up{job="node",host="${s}"}`, tDown - 30, Date.now() / 1000);
      const inOutage = ts.filter((t) => t >= tDown && t <= tUp);
      const gap = maxGap(ts, tDown - 2 * SCRAPE_S, tUp + 2 * SCRAPE_S);
      const after = collectorTelemetry(s);
      const d = (k: string) => (after[k] ?? 0) - (before[s][k] ?? 0);
      return {
        server: s, samplesInOutage: inOutage.length, expected: Math.floor((tUp - tDown) / SCRAPE_S), maxGapS: gap,
        queuedAtPeak: during[s]?.otelcol_exporter_queue_size ?? null,
        sent: d("otelcol_exporter_sent_metric_points"), sendFailed: d("otelcol_exporter_send_failed_metric_points"), enqueueFailed: d("otelcol_exporter_enqueue_failed_metric_points"),
      };
    });
    const delivered = rows.every((r) => r.maxGapS <= 2 * SCRAPE_S + 1 && r.samplesInOutage >= r.expected - 1);
    const noDrop = rows.every((r) => r.sendFailed === 0 && r.enqueueFailed === 0);
    const ok = drained && delivered && noDrop && site.non200 === 0 && site.requests > 0;
    return {
      ok,
      summary: `site ${site.requests - site.non200}/${site.requests} answered 200; queued samples delivered ${(deliveredMs / 1000).toFixed(1)} s after the sink came back, longest hole at the sink ${Math.max(...rows.map((r) => r.maxGapS)).toFixed(1)} s, dropped ${rows.reduce((a, r) => a + r.sendFailed + r.enqueueFailed, 0)} points`,
      lines: [
        `sink unreachable ${(tUp - tDown).toFixed(1)} s (drops every packet: nft table in its namespace); GET / every 100 ms meanwhile: ${JSON.stringify(site.byStatus)}, slowest ${site.maxMs} ms`,
        `${drained ? "✓" : "✗"} every collector's queue back to 0 and fresh samples at the sink ${(deliveredMs / 1000).toFixed(1)} s after the sink came back (retry backoff up to 30 s)`,
        ...rows.map((r) => `${r.maxGapS <= 2 * SCRAPE_S + 1 && r.samplesInOutage >= r.expected - 1 && r.sendFailed === 0 && r.enqueueFailed === 0 ? "✓" : "✗"} ${r.server}: up{job="node"} samples scraped during the outage at the sink ${r.samplesInOutage} (≥ ${r.expected - 1} expected at ${SCRAPE_S} s), longest hole ${r.maxGapS.toFixed(1)} s; queue at the end of the outage ${r.queuedAtPeak ?? "?"} request(s) of 2000; points sent ${r.sent}, send-failed ${r.sendFailed}, enqueue-failed (queue full) ${r.enqueueFailed}`),
      ],
      details: { outageS: tUp - tDown, deliveredMs, site, rows },
    };
  });
}

/**
 * kill -9 every collector: the site keeps serving; each restarts after its RestartSec=; what it had
 * scraped but not yet sent is lost, so the `up` series at the sink shows a hole at least
 * RestartSec= long, and samples resume after the restart.
 */
function collectorKillDrill(ctx: CheckContext): Promise<CheckResult> {
  return timedCheck("collector killed -9", async () => {
    const servers = ctx.rendered.servers.map((s) => s.name);
    const restartSec = Number(/^RestartSec=(\d+)s?$/m.exec(fs.readFileSync(path.join(rootPaths(servers[0]).merged, "etc/systemd/system", COLLECTOR_UNIT), "utf8"))?.[1] ?? NaN);
    const probe = prober(ctx, "/", 3000, 50);
    await sleep(300);
    const tKill = Date.now() / 1000;
    const killed: Array<{ server: string; pid: number }> = [];
    for (const s of servers) {
      const p = await unitPid(s, COLLECTOR_UNIT);
      if (p) {
        signal(p, "SIGKILL");
        killed.push({ server: s, pid: p });
      }
    }
    const site = summarize(await probe, 0, Date.now());
    const restarted: Record<string, number> = {};
    await waitFor("every collector restarted", async () => {
      for (const k of killed) {
        if (restarted[k.server]) continue;
        const p = await unitPid(k.server, COLLECTOR_UNIT);
        if (p && p !== k.pid) restarted[k.server] = Date.now() / 1000;
      }
      return Object.keys(restarted).length === killed.length;
    }, 60000, 250).catch(() => undefined);
    const tRestart = Math.max(...Object.values(restarted), tKill);
    await sleep(1000);
    await waitFor("samples after the restart at the sink", () => servers.every((s) => sinkTimestamps(ctx, `up{job="node",host="${s}"}`, tRestart, Date.now() / 1000).length > 0), 60000, 1000).catch(() => undefined);
    const rows = killed.map((k) => {
      const ts = sinkTimestamps(ctx, `up{job="node",host="${k.server}"}`, tKill - 60, Date.now() / 1000);
      const last = ts.filter((t) => t <= tKill).pop();
      const next = ts.find((t) => t > tKill);
      const gap = last !== undefined && next !== undefined ? next - last : null;
      return { ...k, restartAfterS: restarted[k.server] ? restarted[k.server] - tKill : null, lastBeforeKill: last, firstAfter: next, gapS: gap };
    });
    const seriesOk = rows.every((r) => r.gapS !== null && r.gapS >= restartSec && r.restartAfterS !== null);
    const ok = killed.length === servers.length && seriesOk && site.non200 === 0;
    return {
      ok,
      summary: `${killed.length}/${servers.length} collectors killed, restarted after ${rows.map((r) => (r.restartAfterS ?? NaN).toFixed(1)).join("/")} s; hole at the sink ${rows.map((r) => r.gapS?.toFixed(1) ?? "none").join("/")} s (≥ RestartSec=${restartSec}s); site ${site.requests - site.non200}/${site.requests} answered 200`,
      lines: [
        `kill -9 ${COLLECTOR_UNIT} on ${killed.map((k) => `${k.server}:${k.pid}`).join(", ")} while GET / runs every 50 ms: ${JSON.stringify(site.byStatus)}, slowest ${site.maxMs} ms`,
        ...rows.map((r) => `${r.gapS !== null && r.gapS >= restartSec ? "✓" : "✗"} ${r.server}: restarted ${r.restartAfterS?.toFixed(1) ?? "never"} s after the kill; up{job="node"} at the sink: last sample ${r.lastBeforeKill !== undefined ? (r.lastBeforeKill - tKill).toFixed(1) : "?"} s, next ${r.firstAfter !== undefined ? `+${(r.firstAfter - tKill).toFixed(1)}` : "none"} s from the kill → hole ${r.gapS?.toFixed(1) ?? "—"} s (what was scraped but not yet sent died with the process)`),
      ],
      details: { restartSec, site, rows },
    };
  });
}

interface HostileCase { name: string; kind: string; status: number; closedByServer: boolean; ms: number; responses: number; fromBalancer: boolean; head: string }

function hostileDrill(ctx: CheckContext): Promise<CheckResult> {
  return timedCheck("hostile clients", async () => {
    const { state } = ctx;
    const SLOW_N = 50;
    const SLOW_MS = 13000;
    const probe = prober(ctx, "/static/robots.txt", SLOW_MS + 1000, 50);
    const probeDyn = prober(ctx, "/healthz", SLOW_MS + 1000, 100);
    const out = await clientScript(ctx, "hostile.js", [state.balancer.ip, state.domain, state.caBundle, String(SLOW_N), String(SLOW_MS)]);
    const h = JSON.parse(out) as { cases: HostileCase[]; slowloris: { connections: number; closedByServer: number; statuses: Record<string, number>; closedAfterMs: { min: number; max: number } | null } };
    const normal = summarize([...(await probe), ...(await probeDyn)], 0, Date.now());
    const lines: string[] = [];
    let ok = true;
    for (const c of h.cases) {
      const refused = c.fromBalancer && c.status >= 400 && c.status < 500 && c.responses === 1;
      // Both Content-Length and Transfer-Encoding: HAProxy 2.6's parser drops Content-Length before any
      // rule runs (RFC 9112 §6.1), forwards the chunked body only and closes after one answer.
      const normalized = /Content-Length \+|\+ Content-Length/.test(c.name) && c.responses === 1 && c.closedByServer;
      const pass = refused || normalized;
      ok &&= pass;
      lines.push(`${pass ? "✓" : "✗"} ${c.name}: ${c.head || "no answer"} ${c.fromBalancer ? "(from HAProxy)" : "(from behind the balancer)"}${c.closedByServer ? ", closed" : ""}${c.responses > 1 ? `, ${c.responses} answers (smuggled!)` : ""}, ${c.ms} ms${!refused && normalized ? " — not refused: HAProxy dropped Content-Length, passed the chunked body only, closed the connection" : ""}`);
    }
    const sl = h.slowloris;
    const slOk = sl.closedByServer === sl.connections && (sl.closedAfterMs?.max ?? 1e9) <= 11500;
    ok &&= slOk;
    lines.push(`${slOk ? "✓" : "✗"} slowloris: ${sl.connections} connections trickling a header every 2 s: ${sl.closedByServer} closed by the balancer (${JSON.stringify(sl.statuses)}) after ${sl.closedAfterMs ? `${(sl.closedAfterMs.min / 1000).toFixed(1)}–${(sl.closedAfterMs.max / 1000).toFixed(1)} s` : "—"} (timeout http-request 10s)`);
    const nOk = normal.non200 === 0;
    ok &&= nOk;
    lines.push(`${nOk ? "✓" : "✗"} normal client meanwhile (GET /static/robots.txt every 50 ms, /healthz every 100 ms): ${JSON.stringify(normal.byStatus)}, slowest ${normal.maxMs} ms`);
    return {
      ok,
      summary: `${h.cases.filter((c) => c.fromBalancer && c.status >= 400 && c.status < 500).length}/${h.cases.length} malformed requests refused by HAProxy, slowloris closed at ${sl.closedAfterMs ? (sl.closedAfterMs.max / 1000).toFixed(1) : "—"} s, normal client ${normal.requests - normal.non200}/${normal.requests} 200`,
      lines,
      details: { ...h, normalClient: normal },
    };
  });
}

/** Each drill starts from a serving site (up to 20 s). */
async function untilServing(ctx: CheckContext): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (inNetns(ctx.client, "curl", ["-sf", "-o", "/dev/null", "--max-time", "2", "--cacert", ctx.state.caBundle, "--resolve", `${ctx.state.domain}:443:${ctx.state.balancer.ip}`, `https://${ctx.state.domain}/healthz`]).code === 0) return;
    await sleep(200);
  }
}

export async function runFaults(json: boolean, boot: BootHooks, only?: string[]): Promise<number> {
  const t0 = Date.now();
  const say = (l: string) => { if (!json) process.stdout.write(`${l}\n`); };
  const keys = [...new Set(["nginx", "app", "database", "partition", "haproxy", "telemetry", "hostile", ...LIFECYCLE_DRILLS.map((d) => d.key)])];
  const unknown = (only ?? []).filter((k) => !keys.includes(k));
  if (unknown.length) throw new Error(`--only: no drill ${unknown.join(", ")} (drills: ${keys.join(", ")})`);
  const ctx = context();
  const drills: Array<[string, (c: CheckContext) => Promise<CheckResult>]> = [
    ["nginx", nginxDrill], ["app", appDrill], ["database", dbDrill], ["haproxy", haproxyDrill], ["telemetry", sinkOutageDrill], ["telemetry", collectorKillDrill], ["hostile", hostileDrill],
  ];
  // database.topology "cluster": the single database's drill (it expects 503s while the only
  // writer is down) gives way to the cluster's own (drills/cluster.ts): kill -9 a node, partition one.
  if (isClusterLab(ctx)) drills.splice(2, 1, ["database", killNodeDrill], ["partition", partitionDrill]);
  const results: CheckResult[] = [];
  if (!json) process.stdout.write(`fault drills on the lab (profile ${(ctx.state as { profile?: string }).profile ?? "default"}): https://${ctx.state.domain}/ via ${ctx.state.balancer.name} (${ctx.state.balancer.ip})\n`);
  // The telemetry drills read the sink's Prometheus (raw sample timestamps): profiles with another sink do not run them.
  const sink = sinkKind(ctx.cfg.stack.monitoring as { sink?: string } | undefined);
  for (const [key, fn] of drills) {
    if (only?.length && !only.includes(key)) continue;
    if (key === "telemetry" && sink !== "prometheus-remote-write") {
      if (!json) process.stdout.write(`\nNOT RUN  ${fn === sinkOutageDrill ? "sink unreachable" : "collector kill -9"} — the telemetry drills read the sink's Prometheus; this profile's sink is ${sink} (run them on the default profile)\n`);
      continue;
    }
    await untilServing(ctx);
    await sleep(key === "nginx" ? 0 : 2500); // health checks settle (rise 2) after the previous drill
    const r = await fn(ctx);
    results.push(r);
    if (!json) printResult(r, say);
  }
  // The lifecycle drills (drills/lifecycle.ts): what a day-2 change or a recovery does to the site.
  const notRun: Array<{ name: string; why: string }> = [];
  for (const d of LIFECYCLE_DRILLS) {
    if (only?.length && !only.includes(d.key)) continue;
    const why = d.needs(ctx);
    if (why) {
      notRun.push({ name: d.key, why });
      if (!json) process.stdout.write(`\nNOT RUN  ${d.key} — ${why}\n`);
      continue;
    }
    if (!json) process.stdout.write(`\n== ${d.key}\n`);
    await untilServing(ctx);
    const rs = await d.run(ctx, say, boot).catch(async (e: Error) => [await timedCheck(d.key, () => Promise.reject(e))]);
    for (const r of rs) {
      results.push(r);
      if (!json) printResult(r, say);
    }
  }
  const ok = results.length > 0 && results.every((r) => r.ok);
  const out = { ok, notRun, seconds: (Date.now() - t0) / 1000, date: new Date().toISOString(), drills: results.map(resultJson) };
  writeJson(path.join(STATE, "last-faults.json"), out);
  if (json) process.stdout.write(JSON.stringify(out, null, 2) + "\n");
  else process.stdout.write(`\n${ok ? "ALL DRILLS PASS" : "SOME DRILLS FAIL"}: ${results.map((r) => `${r.name} ${r.ok ? "pass" : "FAIL"}`).join(", ")}${notRun.length ? `; not run on this lab: ${notRun.map((n) => n.name).join(", ")}` : ""} — ${out.seconds.toFixed(1)} s\n`);
  void fs;
  return ok ? 0 : 1;
}
