/**
 * `npm run bench` (lab/cli.ts bench [--json] [--duration S] [--runs N]): wrk from the client
 * namespace, same client settings for every scenario, each scenario repeated (median of N ≥ 3):
 *
 *   A  Nginx serving a 1 KiB file over TLS directly, best settings (workers = cores, no access
 *      log): a lab-only instrument on the web server (its root, port 9443, lab-made ECDSA P-256
 *      certificate) — the ceiling of this machine
 *   B  the same file through the balancer (the real stack: HAProxy TLS → Nginx)
 *   C  the dynamic page through balancer → web → app → database (one INSERT + one SELECT)
 *   D  C on a "naive" profile of the same stack (see NAIVE below), restored afterwards
 *   E  new TLS handshakes per second at the balancer (wrk `Connection: close`: one handshake per
 *      request) on a bench-only copy of the balancer's HAProxy configuration (port 9443),
 *      with session resumption off (`tune.ssl.cachesize 0`; tickets are off already) and on,
 *      and (E-rsa) off with a lab-made RSA 2048 certificate instead of the ECDSA P-256 one
 *
 * Also per scenario: CPU time per request by host (client, lb, web, app), from /proc — the
 * two cores are shared by the client and every server, so ratios and CPU cost are what carry over.
 * Every load is bounded (wrk -d), only against the lab's own addresses.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { RenderedStack } from "../components/render";
import { LabState, readState, RENDERED_FILE } from "./state";
import { supervisorCommand, supervisorDump } from "./supervisor/client";
import { enterArgs, inRoot, rootPaths, ROOT_ENV, writeInRoot } from "./root";
import { alive, signal, sleep, waitFor } from "./processes";
import { inNetns, netnsPath } from "./namespaces";
import { run } from "./shell";
import { STATE } from "./files";

const WRK = { threads: 2, connections: 32 };
const BENCH_PORT = 9443;
const FILE = "/srv/www/static/bench-1k.txt";
const URL_PATH = "/static/bench-1k.txt";
const BENCH_DIR = "/tmp/sws-bench";
const NFT_COMMENT = "sws-bench";

/** What the naive profile changes (lab-only, restored afterwards). */
export const NAIVE = [
  "Nginx → app: proxy_http_version 1.0, no `keepalive` in the upstream (a new TCP connection per request; the distribution's default)",
  "app → database: DB_POOL=off (app/server.js opens a new MariaDB connection per request and closes it after the answer)",
  "HAProxy unchanged (HAProxy 2.6's own default `http-reuse safe` already keeps connections to Nginx)",
];

export interface WrkRun {
  rps: number;
  p50ms: number;
  p99ms: number;
  requests: number;
  errors: number;
  non2xx: number;
  socketErrors: string;
  /** CPU ms per request by host (client = wrk itself), and the machine's busy share. */
  cpuUsPerRequest: Record<string, number>;
  machineBusy: number;
}
export interface Scenario {
  id: string;
  name: string;
  url: string;
  extra: string[];
  runs: WrkRun[];
  median?: WrkRun;
}

function ms(v: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(v.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === "us" ? n / 1000 : m[2] === "ms" ? n : m[2] === "s" ? n * 1000 : n * 60000;
}

const TICK_US = 1e6 / 100; // USER_HZ

/** CPU ticks (user+system) of every process, summed by the lab host whose network namespace it is in. */
function cpuByHost(hosts: string[]): Record<string, number> {
  const ino = new Map<string, string>();
  for (const h of hosts) {
    try {
      ino.set(`net:[${fs.statSync(netnsPath(h)).ino}]`, h);
    } catch {
      /* gone */
    }
  }
  const out: Record<string, number> = Object.fromEntries(hosts.map((h) => [h, 0]));
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const h = ino.get(fs.readlinkSync(`/proc/${d}/ns/net`));
      if (!h) continue;
      const st = fs.readFileSync(`/proc/${d}/stat`, "utf8");
      const f = st.slice(st.lastIndexOf(")") + 2).split(" ");
      out[h] += Number(f[11]) + Number(f[12]);
    } catch {
      /* raced */
    }
  }
  return out;
}

function machineTicks(): { busy: number; total: number } {
  const f = fs.readFileSync("/proc/stat", "utf8").split("\n")[0].split(/\s+/).slice(1).map(Number);
  const idle = f[3] + f[4];
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

interface Ctx {
  st: LabState;
  rendered: RenderedStack;
  client: string;
  lb: string;
  webs: string[];
  apps: string[];
  serverHosts: string[];
}

function wrk(ctx: Ctx, url: string, extra: string[], seconds: number): WrkRun {
  const before = cpuByHost(ctx.serverHosts);
  const m0 = machineTicks();
  const args = [`-t${WRK.threads}`, `-c${WRK.connections}`, `-d${seconds}s`, "--timeout", "5s", "--latency", "-H", `Host: ${ctx.st.domain}`, ...extra, url];
  // Through a shell, so wrk's own CPU time is read back from the shell's cutime/cstime.
  const r = inNetns(ctx.client, "/bin/sh", ["-c", 'wrk "$@"; rc=$?; echo "CPUSTAT $(cat /proc/$$/stat)"; exit $rc', "sh", ...args], { timeout: (seconds + 30) * 1000 });
  const after = cpuByHost(ctx.serverHosts);
  const m1 = machineTicks();
  if (r.code !== 0) throw new Error(`wrk ${args.join(" ")} failed (${r.code}): ${r.stderr}${r.stdout}`);
  const out = r.stdout;
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const se = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const sock = se ? se.slice(1).map(Number) : [0, 0, 0, 0];
  const cs = /CPUSTAT (.*)/.exec(out)?.[1] ?? "";
  const f = cs.slice(cs.lastIndexOf(")") + 2).split(" ");
  const clientTicks = Number(f[13] ?? 0) + Number(f[14] ?? 0);
  const cpu: Record<string, number> = { client: Math.round((clientTicks * TICK_US) / Math.max(requests, 1)) };
  for (const h of ctx.serverHosts) cpu[h] = Math.round(((after[h] - before[h]) * TICK_US) / Math.max(requests, 1));
  cpu.total = Object.values(cpu).reduce((a, b) => a + b, 0);
  return {
    rps, requests, non2xx,
    p50ms: ms(/^\s+50%\s+(\S+)/m.exec(out)?.[1] ?? ""),
    p99ms: ms(/^\s+99%\s+(\S+)/m.exec(out)?.[1] ?? ""),
    // Read errors are how wrk counts a server closing after `Connection: close`; count the rest.
    errors: non2xx + sock[0] + sock[2] + sock[3] + (extra.includes("Connection: close") ? 0 : sock[1]),
    socketErrors: se ? se[0] : "none",
    cpuUsPerRequest: cpu,
    machineBusy: Math.round(((m1.busy - m0.busy) / Math.max(m1.total - m0.total, 1)) * 100) / 100,
  };
}

function median(runs: WrkRun[]): WrkRun {
  const sorted = [...runs].sort((a, b) => a.rps - b.rps);
  const mid = sorted[Math.floor(sorted.length / 2)];
  const med = (k: (r: WrkRun) => number) => {
    const v = runs.map(k).sort((a, b) => a - b);
    return v[Math.floor(v.length / 2)];
  };
  const cpu: Record<string, number> = {};
  for (const k of Object.keys(mid.cpuUsPerRequest)) cpu[k] = med((r) => r.cpuUsPerRequest[k] ?? 0);
  return {
    ...mid, rps: med((r) => r.rps), p50ms: med((r) => r.p50ms), p99ms: med((r) => r.p99ms),
    errors: runs.reduce((a, r) => a + r.errors, 0), non2xx: runs.reduce((a, r) => a + r.non2xx, 0),
    requests: runs.reduce((a, r) => a + r.requests, 0), cpuUsPerRequest: cpu, machineBusy: med((r) => r.machineBusy),
  };
}

// ---- firewall holes for the lab-only instruments (removed afterwards) ----
function nftOpen(host: string, from: string, port: number): void {
  const r = inNetns(host, "nft", ["insert", "rule", "inet", "sws", "input", "ip", "saddr", from, "tcp", "dport", String(port), "accept", "comment", `"${NFT_COMMENT}"`]);
  if (r.code !== 0) throw new Error(`${host}: could not open port ${port} for the bench: ${r.stderr}`);
}
function nftClose(host: string): void {
  const l = inNetns(host, "nft", ["-a", "list", "chain", "inet", "sws", "input"]).stdout;
  for (const m of l.matchAll(new RegExp(`comment "${NFT_COMMENT}" # handle (\\d+)`, "g"))) inNetns(host, "nft", ["delete", "rule", "inet", "sws", "input", "handle", m[1]]);
}

/** Start a daemon in the foreground inside a server's root (detached); returns its host pid. */
function startInRoot(server: string, argv: string[], logName: string): number {
  const logFile = path.join(STATE, "logs", server, "sws-lab", logName);
  const fd = fs.openSync(logFile, "a");
  const child = spawn("nsenter", [...enterArgs(server), "env", "-i", ...ROOT_ENV, ...argv], { detached: true, stdio: ["ignore", fd, fd] });
  fs.closeSync(fd);
  child.unref();
  return child.pid!;
}
async function stopPidTree(pid: number): Promise<void> {
  signal(pid, "SIGTERM");
  const t = Date.now();
  while (alive(pid) && Date.now() - t < 5000) await sleep(50);
  if (alive(pid)) signal(pid, "SIGKILL");
}

function tlsCert(server: string): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sws-bench-"));
  try {
    run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
      "-subj", "/CN=bench.sws.lab", "-keyout", path.join(dir, "k.pem"), "-out", path.join(dir, "c.pem")]);
    writeInRoot(server, `${BENCH_DIR}/cert.pem`, fs.readFileSync(path.join(dir, "c.pem"), "utf8"), "0644", "root:root");
    writeInRoot(server, `${BENCH_DIR}/key.pem`, fs.readFileSync(path.join(dir, "k.pem"), "utf8"), "0600", "root:root");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A lab-made RSA 2048 certificate + key in one PEM (HAProxy's format), for the E-rsa comparison. */
function rsaPem(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sws-bench-"));
  try {
    run("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=bench.sws.lab",
      "-keyout", path.join(dir, "k.pem"), "-out", path.join(dir, "c.pem")]);
    return fs.readFileSync(path.join(dir, "c.pem"), "utf8") + fs.readFileSync(path.join(dir, "k.pem"), "utf8");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function directNginxConf(ip: string): string {
  const workers = os.cpus().length;
  return `# sws-bench scenario A: the ceiling (Nginx serving the file over TLS directly, best settings)
user www-data;
worker_processes ${workers};
pid ${BENCH_DIR}/nginx.pid;
error_log ${BENCH_DIR}/nginx-error.log warn;
events { worker_connections 4096; }
http {
    sendfile on;
    tcp_nopush on;
    access_log off;
    keepalive_requests 100000;
    keepalive_timeout 65s;
    client_body_temp_path ${BENCH_DIR}/cb; proxy_temp_path ${BENCH_DIR}/p; fastcgi_temp_path ${BENCH_DIR}/f;
    uwsgi_temp_path ${BENCH_DIR}/u; scgi_temp_path ${BENCH_DIR}/s;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:BENCH:10m;
    ssl_certificate ${BENCH_DIR}/cert.pem;
    ssl_certificate_key ${BENCH_DIR}/key.pem;
    server {
        listen ${ip}:${BENCH_PORT} ssl;
        root /srv/www;
    }
}
`;
}

/** The naive profile of the web server's nginx.conf: HTTP/1.0 to the app, no upstream keep-alive. */
export function naiveNginxConf(normal: string): string {
  const n = normal
    .replace(/^[ \t]*keepalive \d+;\n/m, "")
    .replace(/proxy_http_version 1\.1;/, "proxy_http_version 1.0;")
    .replace(/^[ \t]*proxy_set_header Connection "";\n/m, "");
  if (n === normal || !/proxy_http_version 1\.0;/.test(n) || /^\s*keepalive \d+;/m.test(n)) throw new Error("nginx.conf: no upstream keep-alive to remove (the payload changed?)");
  return n;
}

/** The balancer's HAProxy configuration as a bench-only copy: only the HTTPS frontend, on port 9443. */
export function benchHaproxyCfg(cfg: string, ip: string, cache: boolean): string {
  const sections = cfg.split(/\n(?=\S)/);
  const keep = sections.filter((s) => !/^frontend (metrics|http-in)\b/.test(s));
  return keep.join("\n")
    .replace(/^\s*stats socket .*$/m, "")
    .replace(/^(\s*)tune\.ssl\.cachesize .*$/m, `$1tune.ssl.cachesize ${cache ? 100000 : 0}`)
    .replace(/^(\s*bind )\S*:443\b/m, `$1${ip}:${BENCH_PORT}`);
}

async function naive(ctx: Ctx, on: boolean): Promise<void> {
  for (const w of ctx.webs) {
    const conf = path.join(rootPaths(w).merged, "etc/nginx/nginx.conf");
    const saved = path.join(STATE, "bench", `${w}.nginx.conf.normal`);
    if (on) {
      // A bench interrupted before restoring left its saved copy: that is the normal profile.
      if (fs.existsSync(saved)) fs.writeFileSync(conf, fs.readFileSync(saved, "utf8"));
      const normal = fs.readFileSync(conf, "utf8");
      fs.mkdirSync(path.dirname(saved), { recursive: true });
      fs.writeFileSync(saved, normal);
      fs.writeFileSync(conf, naiveNginxConf(normal));
    } else if (fs.existsSync(saved)) {
      fs.writeFileSync(conf, fs.readFileSync(saved, "utf8"));
      fs.rmSync(saved);
    }
    const r = await supervisorCommand(w, ["reload", "nginx.service"]);
    if (r.code !== 0) throw new Error(`${w}: nginx reload failed: ${r.stderr}`);
  }
  for (const a of ctx.apps) {
    const dropIn = "/run/systemd/system/sws-app.service.d/zz-sws-bench-naive.conf";
    if (on) writeInRoot(a, dropIn, "# sws-bench naive profile (lab only)\n[Service]\nEnvironment=DB_POOL=off\n", "0644", "root:root");
    else inRoot(a, ["rm", "-f", dropIn]);
    await supervisorCommand(a, ["daemon-reload"]);
    const r = await supervisorCommand(a, ["restart", "sws-app.service"]);
    if (r.code !== 0) throw new Error(`${a}: sws-app restart failed: ${r.stderr}`);
  }
  await waitFor("the site after switching profile", () => healthz(ctx), 30000, 200);
}

function healthz(ctx: Ctx): boolean {
  return inNetns(ctx.client, "curl", ["-sf", "-o", "/dev/null", "--max-time", "3", "--cacert", ctx.st.caBundle, "--resolve", `${ctx.st.domain}:443:${ctx.st.balancer.ip}`, `https://${ctx.st.domain}/healthz`]).code === 0;
}

function fmt(r: WrkRun | undefined): string {
  if (!r) return "—";
  return `${r.rps.toFixed(0).padStart(7)}  ${r.p50ms.toFixed(2).padStart(7)}  ${r.p99ms.toFixed(2).padStart(7)}  ${String(r.errors).padStart(6)}`;
}

export async function bench(json: boolean, seconds: number, runs = 3): Promise<number> {
  const st = readState();
  if (!st || st.status !== "up") throw new Error("the lab is not up: run `npm run lab -- up` first");
  const rendered = JSON.parse(fs.readFileSync(RENDERED_FILE, "utf8")) as RenderedStack;
  const by = (role: string) => rendered.servers.filter((s) => (s.roles as string[]).includes(role)).map((s) => s.name);
  const ctx: Ctx = {
    st, rendered, client: st.hosts.find((h) => h.roles.includes("client"))!.name,
    lb: st.balancer.name, webs: by("web"), apps: by("app"), serverHosts: rendered.servers.map((s) => s.name),
  };
  runs = Math.max(3, runs);
  const say = (m: string) => {
    if (!json) process.stderr.write(m + "\n");
  };
  const web = ctx.webs[0];
  const webIp = rendered.servers.find((s) => s.name === web)!.privateIp as string;
  const clientIp = st.hosts.find((h) => h.name === ctx.client)!.ip;
  const lbUrl = `https://${st.balancer.ip}`;
  const t0 = Date.now();
  const sc: Record<string, Scenario> = {
    A: { id: "A", name: `Nginx direct, TLS, 1 KiB file (${os.cpus().length} workers = cores, lab instrument)`, url: `https://${webIp}:${BENCH_PORT}${URL_PATH}`, extra: [], runs: [] },
    B: { id: "B", name: "1 KiB file through the balancer (HAProxy TLS → Nginx)", url: `${lbUrl}${URL_PATH}`, extra: [], runs: [] },
    C: { id: "C", name: "dynamic page: balancer → web → app → database", url: `${lbUrl}/`, extra: [], runs: [] },
    D: { id: "D", name: "C on the naive profile", url: `${lbUrl}/`, extra: [], runs: [] },
    Eoff: { id: "E-off", name: "new TLS handshakes/s at the balancer, resumption off", url: `https://${st.balancer.ip}:${BENCH_PORT}${URL_PATH}`, extra: ["-H", "Connection: close"], runs: [] },
    Eon: { id: "E-on", name: "new TLS connections/s at the balancer, resumption on", url: `https://${st.balancer.ip}:${BENCH_PORT}${URL_PATH}`, extra: ["-H", "Connection: close"], runs: [] },
    Ersa: { id: "E-rsa", name: "E-off with an RSA 2048 certificate (lab-made, for comparison)", url: `https://${st.balancer.ip}:${BENCH_PORT}${URL_PATH}`, extra: ["-H", "Connection: close"], runs: [] },
  };
  const pids: number[] = [];
  try {
    // The 1 KiB file in every web root, and the scenario A instrument on the first web server.
    for (const w of ctx.webs) writeInRoot(w, FILE, "x".repeat(1023) + "\n", "0644", "root:root");
    tlsCert(web);
    writeInRoot(web, `${BENCH_DIR}/nginx.conf`, directNginxConf(webIp), "0644", "root:root");
    nftClose(web);
    nftOpen(web, clientIp, BENCH_PORT);
    const nginxPid = startInRoot(web, ["/usr/sbin/nginx", "-c", `${BENCH_DIR}/nginx.conf`, "-g", "daemon off;"], "bench-nginx.log");
    pids.push(nginxPid);
    await waitFor("the scenario A Nginx", () => inNetns(ctx.client, "curl", ["-skf", "-o", "/dev/null", "--max-time", "2", sc.A.url]).code === 0, 15000, 200);
    if (!healthz(ctx)) throw new Error("the site does not answer /healthz through the balancer");

    say(`bench: wrk -t${WRK.threads} -c${WRK.connections} -d${seconds}s, ${runs} rounds; A, B, C interleaved per round`);
    for (let i = 0; i < runs; i++) {
      for (const k of ["A", "B", "C"]) {
        const r = wrk(ctx, sc[k].url, sc[k].extra, seconds);
        sc[k].runs.push(r);
        say(`  round ${i + 1} ${sc[k].id}: ${r.rps.toFixed(0)} req/s, p99 ${r.p99ms} ms, errors ${r.errors}`);
      }
    }
    await stopPidTree(nginxPid);
    nftClose(web);

    say("bench: switching to the naive profile (lab only) …");
    await naive(ctx, true);
    try {
      for (let i = 0; i < runs; i++) {
        const r = wrk(ctx, sc.D.url, sc.D.extra, seconds);
        sc.D.runs.push(r);
        say(`  round ${i + 1} D: ${r.rps.toFixed(0)} req/s, p99 ${r.p99ms} ms, errors ${r.errors}`);
      }
    } finally {
      say("bench: restoring the normal profile …");
      await naive(ctx, false);
    }

    // E: bench-only HAProxy copies (resumption off, then on) on the balancer, port 9443.
    // As HAProxy loads them: haproxy.cfg, then the web backend (the balancer's peer list).
    const cfg = ["etc/haproxy/haproxy.cfg", "etc/sws/peers/haproxy-web.cfg"].map((f) => fs.readFileSync(path.join(rootPaths(ctx.lb).merged, f), "utf8")).join("\n");
    nftClose(ctx.lb);
    nftOpen(ctx.lb, clientIp, BENCH_PORT);
    writeInRoot(ctx.lb, `${BENCH_DIR}/rsa.pem`, rsaPem(), "0600", "root:root");
    for (const [key, cache] of [["Eoff", false], ["Eon", true], ["Ersa", false]] as const) {
      let c = benchHaproxyCfg(cfg, st.balancer.ip, cache);
      if (key === "Ersa") c = c.replace(/ssl crt \S+/, `ssl crt ${BENCH_DIR}/rsa.pem`);
      writeInRoot(ctx.lb, `${BENCH_DIR}/haproxy-${key}.cfg`, c, "0644", "root:root");
      const pid = startInRoot(ctx.lb, ["/usr/sbin/haproxy", "-db", "-n", "9000", "-f", `${BENCH_DIR}/haproxy-${key}.cfg`], "bench-haproxy.log");
      pids.push(pid);
      await waitFor(`the bench HAProxy (${key})`, () => inNetns(ctx.client, "curl", ["-skf", "-o", "/dev/null", "--max-time", "2", "-H", `Host: ${st.domain}`, sc[key].url]).code === 0, 15000, 200);
      for (let i = 0; i < runs; i++) {
        const r = wrk(ctx, sc[key].url, sc[key].extra, seconds);
        sc[key].runs.push(r);
        say(`  round ${i + 1} ${sc[key].id}: ${r.rps.toFixed(0)} conn/s, p99 ${r.p99ms} ms, errors ${r.errors}`);
      }
      await stopPidTree(pid);
    }
  } finally {
    for (const p of pids) if (alive(p)) await stopPidTree(p);
    nftClose(web);
    nftClose(ctx.lb);
  }

  for (const s of Object.values(sc)) if (s.runs.length) s.median = median(s.runs);
  const rps = (k: string) => sc[k].median?.rps ?? NaN;
  const round = (v: number) => Math.round(v * 1000) / 1000;
  const ratios = { frontDoorVsDirect: round(rps("B") / rps("A")), dynamicVsNaive: round(rps("C") / rps("D")), dynamicVsStatic: round(rps("C") / rps("B")) };
  const targets = { frontDoorVsDirect: 0.65, dynamicVsNaive: 10, dynamicVsStatic: 0.25 };
  const errors = Object.values(sc).reduce((a, s) => a + (s.median?.errors ?? 0), 0);
  const met = {
    frontDoorVsDirect: ratios.frontDoorVsDirect >= targets.frontDoorVsDirect,
    dynamicVsNaive: ratios.dynamicVsNaive >= targets.dynamicVsNaive,
    dynamicVsStatic: ratios.dynamicVsStatic >= targets.dynamicVsStatic,
    zeroErrors: errors === 0,
  };
  // Handshakes per balancer core-second: what the balancer itself spends per new connection.
  const perCore = (k: string) => {
    const us = sc[k].median?.cpuUsPerRequest[ctx.lb];
    return us ? Math.round(1e6 / us) : null;
  };
  const handshakes = { fullPerBalancerCoreSecond: perCore("Eoff"), resumedPerBalancerCoreSecond: perCore("Eon"), certificate: "ECDSA P-256 (the default key algorithm)", rsa2048FullPerBalancerCoreSecond: perCore("Ersa") };
  const webMeta = rendered.model.servers.map((s) => `${s.name}:${s.instanceType}`).join(" ");
  const out = {
    date: new Date().toISOString(),
    machine: `${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}) shared by the client and every server, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.release()}`,
    profile: st.profile ?? "default",
    servers: webMeta,
    wrk: `wrk -t${WRK.threads} -c${WRK.connections} -d${seconds}s --latency (median of ${runs})`,
    naive: NAIVE,
    scenarios: Object.values(sc).map((s) => ({ id: s.id, name: s.name, url: s.url, extra: s.extra, median: s.median, runs: s.runs })),
    ratios, targets, met, handshakes,
    seconds: Math.round((Date.now() - t0) / 1000),
  };
  fs.mkdirSync(STATE, { recursive: true });
  fs.writeFileSync(path.join(STATE, "last-bench.json"), JSON.stringify(out, null, 2));
  if (json) process.stdout.write(JSON.stringify(out, null, 2) + "\n");
  else {
    const w = process.stdout.write.bind(process.stdout);
    w(`\n${out.machine}; ${out.wrk}; profile ${out.profile}; ${out.date}\n`);
    w(`${"scenario".padEnd(70)}  ${"req/s".padStart(7)}  ${"p50 ms".padStart(7)}  ${"p99 ms".padStart(7)}  ${"errors".padStart(6)}   CPU µs/req (client/${ctx.serverHosts.join("/")})\n`);
    for (const s of Object.values(sc)) {
      const c = s.median?.cpuUsPerRequest ?? {};
      w(`${(s.id + "  " + s.name).padEnd(70)}  ${fmt(s.median)}   ${["client", ...ctx.serverHosts].map((h) => c[h] ?? "?").join("/")} = ${c.total ?? "?"}\n`);
    }
    w(`\nB/A front door vs direct ${ratios.frontDoorVsDirect} (target ≥ ${targets.frontDoorVsDirect}) ${met.frontDoorVsDirect ? "met" : "NOT met"}\n`);
    w(`C/D dynamic vs naive     ${ratios.dynamicVsNaive} (target ≥ ${targets.dynamicVsNaive}) ${met.dynamicVsNaive ? "met" : "NOT met"}\n`);
    w(`C/B dynamic vs static    ${ratios.dynamicVsStatic} (target ≥ ${targets.dynamicVsStatic}) ${met.dynamicVsStatic ? "met" : "NOT met"}\n`);
    w(`E: ${handshakes.fullPerBalancerCoreSecond} full / ${handshakes.resumedPerBalancerCoreSecond} resumed handshakes per balancer core-second (${handshakes.certificate}); RSA 2048: ${handshakes.rsa2048FullPerBalancerCoreSecond} full\n`);
    w(`errors ${errors} ${met.zeroErrors ? "(none)" : "(NOT zero)"}; naive = ${NAIVE.join("; ")}\n`);
    w(`(${out.seconds} s; JSON: --json, last result ${path.join(STATE, "last-bench.json")})\n`);
  }
  void supervisorDump;
  return met.zeroErrors ? 0 : 1;
}
