/**
 * `npm run bench` (lab/cli.ts bench [--json] [--duration S] [--runs N]): the stack measured
 * against what this machine allows, each ratio from the same client in the same run (median of
 * N ≥ 3 rounds, scenarios interleaved within a round):
 *
 *   A         Nginx serving a 1 KiB file over TLS directly, best settings (workers = cores, no access
 *             log): a lab-only instrument on the web server (its root, port 9443, lab-made ECDSA
 *             P-256 certificate) — the ceiling for the static file
 *   B         the same file through the balancer (the real stack: HAProxy TLS → Nginx), HTTP/1.1
 *   H2        B over HTTP/2 (h2load, multiplexed: -m streams per connection)
 *   C         the dynamic page through balancer → web → app → database (one INSERT + one SELECT)
 *   C-direct  the same page asked of the app directly by a client on the web server (the app's
 *             own port, as Nginx asks it)
 *   DB        the page's two statements run by the database alone at the same concurrency
 *             (mariadb-slap on the app server, connecting as the app does, as the app's user)
 *   E         new TLS handshakes per second at the balancer (wrk `Connection: close`) on a
 *             bench-only copy of its HAProxy configuration (port 9443): resumption off / on, RSA 2048
 *
 * Goals (lab/benchMath.ts GOALS): B/A ≥ 0.65, C/C-direct ≥ 0.85, C/DB ≥ 0.5, H2/B ≥ 1.1.
 * CPU µs per request by host for every scenario, net of the background (health checks, scrapes,
 * collectors), which is measured first on the idle lab and reported on its own.
 * Every load is bounded in time, only against the lab's own addresses.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { RenderedStack } from "../components/render";
import { LabState, readState, RENDERED_FILE } from "./state";
import { enterArgs, inRoot, rootPaths, ROOT_ENV, writeInRoot } from "./root";
import { alive, signal, sleep, waitFor } from "./processes";
import { inNetns, netnsPath } from "./namespaces";
import { run } from "./shell";
import { STATE } from "./files";
import type { BootHealth } from "./bootHealth";
import { cpuPerRequest, goalRatios, LoadResult, medianRun, parseH2load, parseSlap, parseWrk, RunSummary } from "./benchMath";

const LOAD = { threads: 2, connections: 32, h2Streams: 10 };
const BENCH_PORT = 9443;
const FILE = "/srv/www/static/bench-1k.txt";
const URL_PATH = "/static/bench-1k.txt";
const BENCH_DIR = "/tmp/sws-bench";
const NFT_COMMENT = "sws-bench";
/** The page's statements (app/server.js, GET /), as the database alone runs them. */
export const PAGE_STATEMENTS = ["INSERT INTO visits (client) VALUES ('sws-bench-slap')", "SELECT id, at, client FROM visits WHERE id = LAST_INSERT_ID()"];
const TIMES = 'rc=$?; echo SWS-TIMES; times; exit $rc';

/** CPU seconds (user+system) of every process, summed by the lab host whose network namespace it is in. */
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
      out[h] += (Number(f[11]) + Number(f[12])) / 100; // USER_HZ ticks
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
  /** CPU seconds per second of each server host on the idle lab. */
  background: Record<string, number>;
}

/** One timed load: the servers' CPU around it, the client's own CPU from the load tool's shell. */
function measure(ctx: Ctx, load: () => LoadResult): RunSummary & { detail: string } {
  const before = cpuByHost(ctx.serverHosts);
  const m0 = machineTicks();
  const t0 = process.hrtime.bigint();
  const r = load();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const after = cpuByHost(ctx.serverHosts);
  const m1 = machineTicks();
  const delta: Record<string, number> = { client: r.clientCpuSeconds };
  for (const h of ctx.serverHosts) delta[h] = after[h] - before[h];
  const cpu = cpuPerRequest(delta, ctx.background, seconds, r.requests);
  return {
    rps: r.rps, requests: r.requests, p50ms: r.p50ms, p99ms: r.p99ms, meanMs: r.meanMs, errors: r.errors, detail: r.detail,
    cpuUsPerRequest: cpu.net, cpuUsPerRequestGross: cpu.gross,
    machineBusy: Math.round(((m1.busy - m0.busy) / Math.max(m1.total - m0.total, 1)) * 100) / 100,
  };
}

function wrk(ctx: Ctx, from: string, url: string, extra: string[], seconds: number): LoadResult {
  const args = [`-t${LOAD.threads}`, `-c${LOAD.connections}`, `-d${seconds}s`, "--timeout", "5s", "--latency", "-H", `Host: ${ctx.st.domain}`, ...extra, url];
  const r = inNetns(from, "/bin/sh", ["-c", `wrk "$@"; ${TIMES}`, "sh", ...args], { timeout: (seconds + 30) * 1000 });
  if (r.code !== 0) throw new Error(`wrk ${args.join(" ")} (from ${from}) failed (${r.code}): ${r.stderr}${r.stdout}`);
  return parseWrk(r.stdout, extra.includes("Connection: close"));
}

function h2load(ctx: Ctx, url: string, seconds: number): LoadResult {
  const args = ["-D", String(seconds), `-t${LOAD.threads}`, `-c${LOAD.connections}`, `-m${LOAD.h2Streams}`, "-H", `:authority: ${ctx.st.domain}`, url];
  const r = inNetns(ctx.client, "/bin/sh", ["-c", `h2load "$@"; ${TIMES}`, "sh", ...args], { timeout: (seconds + 30) * 1000 });
  if (r.code !== 0) throw new Error(`h2load ${args.join(" ")} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return parseH2load(r.stdout);
}

/** The app's environment as its unit gets it (the rendered env files, read back by the shell they are written for). */
function appEnv(app: string): Record<string, string> {
  const r = inRoot(app, ["/bin/sh", "-c", "set -a; . /etc/sws/app.env; if [ -f /etc/sws/app-db.env ]; then . /etc/sws/app-db.env; fi; env -0"]);
  if (r.code !== 0) throw new Error(`${app}: could not read the app's environment: ${r.stderr}`);
  return Object.fromEntries(r.stdout.split("\0").filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
}

/** A MariaDB client option file's [client] group that connects as the app does (its env file). */
export function slapOptions(env: Record<string, string>, password: string): string {
  const q = (v: string) => `"${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
  const lines = ["[client]", `user=${q(env.DB_USER || "app")}`, `password=${q(password)}`];
  if (env.DB_SOCKET) lines.push(`socket=${q(env.DB_SOCKET)}`, "protocol=SOCKET");
  else lines.push(`host=${q(env.DB_HOST || "127.0.0.1")}`, `port=${Number(env.DB_PORT || 3306)}`, "protocol=TCP");
  if (env.DB_SSL_CA) lines.push(`ssl-ca=${q(env.DB_SSL_CA)}`, "ssl-verify-server-cert");
  return lines.join("\n") + "\n";
}

/** mariadb-slap on the app server: the page's statements, `connections` clients, `pairsPerClient` pages each. */
function slap(app: string, db: string, pairsPerClient: number): LoadResult {
  const statements = PAGE_STATEMENTS.length;
  const args = [`--defaults-extra-file=${BENCH_DIR}/slap.cnf`, `--concurrency=${LOAD.connections}`, "--iterations=1",
    `--number-of-queries=${pairsPerClient * statements * LOAD.connections}`, `--create-schema=${db}`, "--no-drop",
    "--delimiter=;", `--query=${PAGE_STATEMENTS.join(";")}`];
  const r = inRoot(app, ["/bin/sh", "-c", `mariadb-slap "$@"; ${TIMES}`, "sh", ...args], { timeout: 120000 });
  if (r.code !== 0) throw new Error(`${app}: mariadb-slap failed (${r.code}): ${r.stderr}${r.stdout}`);
  const out = parseSlap(r.stdout, statements);
  if (!Number.isFinite(out.rps)) throw new Error(`${app}: mariadb-slap's report not understood:\n${r.stdout}${r.stderr}`);
  return out;
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
  return `# sws-bench scenario A: the ceiling (Nginx serving the file over TLS directly, best settings: the
# payload's own static settings, workers = cores, no access log)
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
    open_file_cache max=10000 inactive=60s;
    open_file_cache_valid 30s;
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

/** The balancer's HAProxy configuration as a bench-only copy: only the HTTPS frontend, on port 9443. */
export function benchHaproxyCfg(cfg: string, ip: string, cache: boolean): string {
  const sections = cfg.split(/\n(?=\S)/);
  const keep = sections.filter((s) => !/^frontend (metrics|http-in)\b/.test(s));
  return keep.join("\n")
    .replace(/^\s*stats socket .*$/m, "")
    .replace(/^(\s*)tune\.ssl\.cachesize .*$/m, `$1tune.ssl.cachesize ${cache ? 100000 : 0}`)
    .replace(/^(\s*bind )\S*:443\b/m, `$1${ip}:${BENCH_PORT}`);
}

function healthz(ctx: Ctx, urlPath = "/healthz"): boolean {
  return inNetns(ctx.client, "curl", ["-sf", "-o", "/dev/null", "--max-time", "3", "--cacert", ctx.st.caBundle, "--resolve", `${ctx.st.domain}:443:${ctx.st.balancer.ip}`, `https://${ctx.st.domain}${urlPath}`]).code === 0;
}

interface Scenario {
  id: string;
  name: string;
  /** Where the load client runs and what it asks. */
  client: string;
  target: string;
  tool: string;
  runs: Array<RunSummary & { detail: string }>;
  median?: RunSummary;
}

const n0 = (v: number | null | undefined, d = 0) => (v === null || v === undefined || Number.isNaN(v) ? "—" : v.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d }));

export async function bench(json: boolean, seconds: number, runs = 3): Promise<number> {
  const st = readState();
  if (!st || st.status !== "up") throw new Error("the lab is not up: run `npm run lab -- up` first");
  const rendered = JSON.parse(fs.readFileSync(RENDERED_FILE, "utf8")) as RenderedStack;
  const by = (role: string) => rendered.servers.filter((s) => (s.roles as string[]).includes(role)).map((s) => s.name);
  const ctx: Ctx = {
    st, rendered, client: st.hosts.find((h) => h.roles.includes("client"))!.name,
    lb: st.balancer.name, webs: by("web"), apps: by("app"), serverHosts: rendered.servers.map((s) => s.name), background: {},
  };
  runs = Math.max(3, runs);
  const say = (m: string) => {
    if (!json) process.stderr.write(m + "\n");
  };
  const loadBefore = os.loadavg();
  const web = ctx.webs[0];
  const app = ctx.apps[0];
  const ipOf = (name: string) => rendered.servers.find((s) => s.name === name)!.privateIp as string;
  const webIp = ipOf(web);
  const hard = rendered.model.hardening;
  const clientIp = st.hosts.find((h) => h.name === ctx.client)!.ip;
  const lbUrl = `https://${st.balancer.ip}`;
  const appUrl = `${hard.endToEndTls ? "https" : "http"}://${ipOf(app)}:${hard.appPort}/`;
  const eUrl = `https://${st.balancer.ip}:${BENCH_PORT}${URL_PATH}`;
  const t0 = Date.now();
  const wrkTool = `wrk -t${LOAD.threads} -c${LOAD.connections} -d${seconds}s --latency`;
  const sc: Record<string, Scenario> = {
    A: { id: "A", name: `Nginx alone, 1 KiB file over TLS (${os.cpus().length} workers = cores, no access log; lab instrument)`, client: ctx.client, target: `https://${webIp}:${BENCH_PORT}${URL_PATH}`, tool: wrkTool, runs: [] },
    B: { id: "B", name: "the same file through the balancer (HAProxy TLS → Nginx), HTTP/1.1", client: ctx.client, target: `${lbUrl}${URL_PATH}`, tool: wrkTool, runs: [] },
    H2: { id: "H2", name: "B over HTTP/2, multiplexed", client: ctx.client, target: `${lbUrl}${URL_PATH}`, tool: `h2load -D ${seconds} -t${LOAD.threads} -c${LOAD.connections} -m${LOAD.h2Streams}`, runs: [] },
    C: { id: "C", name: "dynamic page: balancer → web → app → database (INSERT + SELECT, durable commit)", client: ctx.client, target: `${lbUrl}/`, tool: wrkTool, runs: [] },
    Cdirect: { id: "C-direct", name: `the same page asked of the app directly (client on ${web})`, client: web, target: appUrl, tool: wrkTool, runs: [] },
    DB: { id: "DB", name: `the page's two statements, database alone (mariadb-slap on ${app}, as the app connects)`, client: app, target: "the app's database", tool: `mariadb-slap --concurrency=${LOAD.connections}`, runs: [] },
    Eoff: { id: "E-off", name: "new TLS handshakes/s at the balancer, resumption off (ECDSA P-256)", client: ctx.client, target: eUrl, tool: `${wrkTool} -H 'Connection: close'`, runs: [] },
    Eon: { id: "E-on", name: "new TLS connections/s at the balancer, resumption on", client: ctx.client, target: eUrl, tool: `${wrkTool} -H 'Connection: close'`, runs: [] },
    Ersa: { id: "E-rsa", name: "E-off with an RSA 2048 certificate (lab-made, for comparison)", client: ctx.client, target: eUrl, tool: `${wrkTool} -H 'Connection: close'`, runs: [] },
  };
  const close = ["-H", "Connection: close"];
  const pids: number[] = [];
  let dbName = "app";
  let backgroundSeconds = 0;
  try {
    // The 1 KiB file in every web root, and the scenario A instrument on the first web server.
    for (const w of ctx.webs) writeInRoot(w, FILE, "x".repeat(1023) + "\n", "0644", "root:root");
    tlsCert(web);
    writeInRoot(web, `${BENCH_DIR}/nginx.conf`, directNginxConf(webIp), "0644", "root:root");
    nftClose(web);
    nftOpen(web, clientIp, BENCH_PORT);
    const nginxPid = startInRoot(web, ["/usr/sbin/nginx", "-c", `${BENCH_DIR}/nginx.conf`, "-g", "daemon off;"], "bench-nginx.log");
    pids.push(nginxPid);
    await waitFor("the scenario A Nginx", () => inNetns(ctx.client, "curl", ["-skf", "-o", "/dev/null", "--max-time", "2", sc.A.target]).code === 0, 15000, 200);
    if (!healthz(ctx)) throw new Error("the site does not answer /healthz through the balancer");
    // The page once: the app creates its table on the first page, and the DB scenario writes to it.
    if (!healthz(ctx, "/")) throw new Error("the site does not answer its page through the balancer");
    // mariadb-slap connects as the app does, with the app's user (its password in a root-only file in the app server's /tmp).
    const env = appEnv(app);
    dbName = env.DB_NAME || "app";
    const password = inRoot(app, ["cat", env.DB_PASSWORD_FILE || "/run/sws/secrets/db-app-password"]);
    if (password.code !== 0) throw new Error(`${app}: could not read the app's database password file`);
    writeInRoot(app, `${BENCH_DIR}/slap.cnf`, slapOptions(env, password.stdout.trim()), "0600", "root:root");

    // Background: the idle lab (health checks every second, collectors' scrapes, exporters) for as long as one run.
    backgroundSeconds = seconds;
    const b0 = cpuByHost(ctx.serverHosts);
    const tb = process.hrtime.bigint();
    await sleep(seconds * 1000);
    const elapsed = Number(process.hrtime.bigint() - tb) / 1e9;
    const b1 = cpuByHost(ctx.serverHosts);
    for (const h of ctx.serverHosts) ctx.background[h] = (b1[h] - b0[h]) / elapsed;
    say(`bench: background CPU on the idle lab (${seconds} s): ${ctx.serverHosts.map((h) => `${h} ${(ctx.background[h] * 1000).toFixed(1)} ms/s`).join(", ")}`);

    // mariadb-slap counts statements, not time: each DB run is sized from the rate of the run
    // before it (the first from a short probe), so it lasts about `seconds` like the others.
    let pairsPerClient = 50;
    const sized = (r: LoadResult) => (pairsPerClient = Math.max(50, Math.round((r.rps * seconds) / LOAD.connections)));
    sized(slap(app, dbName, pairsPerClient));

    say(`bench: ${runs} rounds of A, B, H2, C, C-direct, DB (${seconds} s each, interleaved per round), then E`);
    for (let i = 0; i < runs; i++) {
      const rounds: Array<[string, () => LoadResult]> = [
        ["A", () => wrk(ctx, ctx.client, sc.A.target, [], seconds)],
        ["B", () => wrk(ctx, ctx.client, sc.B.target, [], seconds)],
        ["H2", () => h2load(ctx, sc.H2.target, seconds)],
        ["C", () => wrk(ctx, ctx.client, sc.C.target, [], seconds)],
        ["Cdirect", () => wrk(ctx, web, sc.Cdirect.target, [], seconds)],
        ["DB", () => {
          const r = slap(app, dbName, pairsPerClient);
          sized(r);
          return r;
        }],
      ];
      for (const [k, load] of rounds) {
        const r = measure(ctx, load);
        sc[k].runs.push(r);
        say(`  round ${i + 1} ${sc[k].id}: ${r.rps.toFixed(0)}/s, errors ${r.errors} (${r.detail}), CPU µs/req ${JSON.stringify(r.cpuUsPerRequest)}`);
      }
    }
    await stopPidTree(nginxPid);
    nftClose(web);

    // E: bench-only HAProxy copies (resumption off, then on, then RSA) on the balancer, port 9443.
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
      await waitFor(`the bench HAProxy (${key})`, () => inNetns(ctx.client, "curl", ["-skf", "-o", "/dev/null", "--max-time", "2", "-H", `Host: ${st.domain}`, sc[key].target]).code === 0, 15000, 200);
      for (let i = 0; i < runs; i++) {
        const r = measure(ctx, () => wrk(ctx, ctx.client, sc[key].target, close, seconds));
        sc[key].runs.push(r);
        say(`  round ${i + 1} ${sc[key].id}: ${r.rps.toFixed(0)} conn/s, errors ${r.errors}`);
      }
      await stopPidTree(pid);
    }
  } finally {
    for (const p of pids) if (alive(p)) await stopPidTree(p);
    nftClose(web);
    nftClose(ctx.lb);
    inRoot(app, ["rm", "-f", `${BENCH_DIR}/slap.cnf`]);
  }

  for (const s of Object.values(sc)) if (s.runs.length) s.median = medianRun(s.runs);
  const medianRps = Object.fromEntries(Object.values(sc).map((s) => [s.id, s.median?.rps]));
  const goals = goalRatios(medianRps);
  const errors = Object.values(sc).reduce((a, s) => a + (s.median?.errors ?? 0), 0);
  // Handshakes per balancer core-second: what the balancer itself spends per new connection.
  const perCore = (k: string) => {
    const us = sc[k].median?.cpuUsPerRequest[ctx.lb];
    return us && us > 0 ? Math.round(1e6 / us) : null;
  };
  const handshakes = { fullPerBalancerCoreSecond: perCore("Eoff"), resumedPerBalancerCoreSecond: perCore("Eon"), certificate: "ECDSA P-256 (the default key algorithm)", rsa2048FullPerBalancerCoreSecond: perCore("Ersa") };
  const bootFile = path.join(STATE, "boot-health.json");
  // Only what this lab's own `up` recorded (a file older than the lab is from an earlier one).
  const bootToHealth = fs.existsSync(bootFile) && fs.statSync(bootFile).mtimeMs >= Date.parse(st.startedAt) ? (JSON.parse(fs.readFileSync(bootFile, "utf8")) as BootHealth[]) : null;
  const out = {
    date: new Date().toISOString(),
    machine: `${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}) shared by the client and every server, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.release()}`,
    command: `npm run bench -- ${process.argv.slice(3).join(" ")}`.trim(),
    loadAverage: { before: loadBefore.map((v) => Math.round(v * 100) / 100), after: os.loadavg().map((v) => Math.round(v * 100) / 100) },
    profile: st.profile ?? "default",
    servers: rendered.model.servers.map((s) => `${s.name}:${s.instanceType}`).join(" "),
    runs, secondsPerRun: seconds,
    cpuNote: "CPU µs per request by host (client = the load tool's own process), net of each host's background; gross figures beside them",
    backgroundCpuMsPerSecond: Object.fromEntries(ctx.serverHosts.map((h) => [h, Math.round(ctx.background[h] * 10000) / 10])),
    backgroundSeconds,
    scenarios: Object.values(sc).map((s) => ({ id: s.id, name: s.name, client: s.client, target: s.target, tool: s.tool, median: s.median ?? null, runs: s.runs })),
    goals, errors, handshakes, bootToHealth,
    seconds: Math.round((Date.now() - t0) / 1000),
  };
  fs.mkdirSync(STATE, { recursive: true });
  fs.writeFileSync(path.join(STATE, "last-bench.json"), JSON.stringify(out, null, 2));
  if (json) process.stdout.write(JSON.stringify(out, null, 2) + "\n");
  else process.stdout.write(benchTable(out, ["client", ...ctx.serverHosts]));
  return errors === 0 ? 0 : 1;
}

type BenchOut = {
  date: string; machine: string; command: string; loadAverage: { before: number[]; after: number[] }; profile: string;
  scenarios: Array<{ id: string; name: string; median: RunSummary | null }>;
  goals: ReturnType<typeof goalRatios>; errors: number; backgroundCpuMsPerSecond: Record<string, number>;
  handshakes: Record<string, unknown>; bootToHealth: BootHealth[] | null; seconds: number;
};

/** The human-readable table (the README's tables are this, as markdown). */
export function benchTable(out: BenchOut, hosts: string[]): string {
  const lines: string[] = [];
  lines.push(`\n${out.machine}; profile ${out.profile}; ${out.date}; \`${out.command}\`; load average before ${out.loadAverage.before.join(", ")}, after ${out.loadAverage.after.join(", ")}`);
  lines.push(`| scenario | per s | p50 ms | p99 ms | errors | CPU µs/req ${hosts.join("/")} (net of background) |`, "|---|---:|---:|---:|---:|---|");
  for (const s of out.scenarios) {
    const m = s.median;
    const cpu = m ? `${hosts.map((h) => n0(m.cpuUsPerRequest[h])).join("/")} = ${n0(m.cpuUsPerRequest.total)}` : "—";
    lines.push(`| ${s.id} ${s.name} | ${n0(m?.rps)} | ${n0(m?.p50ms ?? null, 2)} | ${n0(m?.p99ms ?? null, 2)} | ${n0(m?.errors)} | ${cpu} |`);
  }
  lines.push("", "| goal | ratio | measured | goal | |", "|---|---|---:|---:|---|");
  for (const [name, g] of Object.entries(out.goals)) lines.push(`| ${name} | ${g.numerator}/${g.denominator} | ${g.value ?? "—"} | ≥ ${g.goal} | ${g.met ? "met" : "NOT met"} |`);
  lines.push("", `background CPU (idle lab, not charged): ${Object.entries(out.backgroundCpuMsPerSecond).map(([h, v]) => `${h} ${v} ms/s`).join(", ")}`);
  lines.push(`handshakes per balancer core-second: ${out.handshakes.fullPerBalancerCoreSecond} full / ${out.handshakes.resumedPerBalancerCoreSecond} resumed (${out.handshakes.certificate}); RSA 2048: ${out.handshakes.rsa2048FullPerBalancerCoreSecond} full`);
  lines.push(out.bootToHealth ? `first boot step → serving its health path: ${out.bootToHealth.map((b) => `${b.server} (${b.role}) ${b.seconds ?? "never"} s`).join(", ")}` : "first boot step → health: not recorded by this lab's `up`");
  lines.push(`errors ${out.errors}${out.errors ? " (NOT zero)" : ""}; ${out.seconds} s; JSON: --json, last result ${path.join(STATE, "last-bench.json")}`, "");
  return lines.join("\n");
}
