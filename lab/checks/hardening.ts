/**
 * The hardening switches, proven on the running lab (profile "hardened": webServers 2,
 * appServers 2, hardening.endToEndTls, hardening.databaseReplica). Run by `check` only when the
 * lab's model has them:
 *   - plain ports: nothing listens on 8080 (web) / 3000 (app) and the firewalls drop them; plain
 *     HTTP sent to the TLS port gets no page;
 *   - internal TLS: `openssl s_client` balancer → each web server (8443), each web server → each
 *     app server (3443), app servers and the replica → the primary (3306, STARTTLS): chain to the
 *     internal CA (verify return code 0), the expected name / address in the SAN; a client that
 *     trusts another CA is refused; HAProxy's own health checks (verify required) see the servers UP;
 *   - replica: replicating over TLS with the certificate verified, read-only; rows written through
 *     the site (POST /visit, 201 after the primary's commit) are read on the replica: lag printed;
 *   - web failover: a steady client (20 req/s for 10 s) through the balancer while web-1's Nginx is
 *     killed with -9 and kept down (stopped through its supervisor): failed requests counted, and
 *     where they fall against the time HAProxy took to mark the server DOWN (inter 1s fall 2).
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import type { ServerModel } from "../../components/model";
import { Ports } from "../../components/model";
import { internalNames } from "../../components/payloads/part";
import { supervisorCommand, supervisorDump } from "../supervisor/client";
import { enterArgs, inRoot, ROOT_ENV, rootPaths } from "../root";
import { cleanEnv, run } from "../shell";
import { inNetns, netnsName, netnsPath } from "../namespaces";
import { CLIENTS_DIR } from "../files";
import { signal, sleep } from "../processes";
import { CheckContext, CheckResult, timedCheck } from "./common";

interface Probe {
  name: string;
  ok: boolean;
  detail: string;
}

const mark = (p: Probe) => `${p.ok ? "✓" : "✗"} ${p.name}: ${p.detail}`;
const result = (probes: Probe[], extra: Record<string, unknown> = {}, summary?: string) => ({
  ok: probes.length > 0 && probes.every((p) => p.ok),
  summary: summary ?? `${probes.filter((p) => p.ok).length}/${probes.length} probes pass`,
  lines: probes.map(mark),
  details: { probes, ...extra },
});

/** Whether the booted stack has the hardening switches (the hardened profile). */
export function hardened(ctx: CheckContext): boolean {
  const m = ctx.rendered.model;
  return m.hardening.endToEndTls || m.hardening.databaseReplica || m.servers.filter((s) => s.roles.includes("web")).length > 1;
}

function withRole(ctx: CheckContext, role: string): ServerModel[] {
  return ctx.rendered.model.servers.filter((s) => s.roles.includes(role as ServerModel["roles"][number]));
}

/** The internal CA as a server sees it (the payload's /etc/sws/internal-ca.pem), by host path. */
function caFileOf(server: string): string {
  return path.join(rootPaths(server).merged, "etc/sws/internal-ca.pem");
}

function listeners(server: string): string[] {
  const r = inNetns(server, "ss", ["-Hltn"]);
  return r.stdout.split("\n").map((l) => l.trim().split(/\s+/)[3]).filter(Boolean);
}

function probePorts(from: string, targets: Array<{ ip: string; port: number }>): Array<{ ip: string; port: number; state: string }> {
  const r = run("nsenter", [`--net=${netnsPath(from)}`, "--", process.execPath, path.join(CLIENTS_DIR, "tcp-probe.js"), JSON.stringify(targets), "1000"]);
  if (r.code !== 0) throw new Error(`probe from ${from} failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

export function plainPortsCheck(ctx: CheckContext): Promise<CheckResult> {
  return timedCheck("hardening: plain ports closed", async () => {
    const m = ctx.rendered.model;
    const probes: Probe[] = [];
    const lb = withRole(ctx, "balancer")[0];
    const webs = withRole(ctx, "web");
    const apps = withRole(ctx, "app");
    for (const w of webs) {
      const l = listeners(w.name);
      probes.push({ name: `${w.name} listens on ${m.hardening.webPort} (TLS) and not on ${Ports.web}`, ok: l.includes(`${w.privateIp}:${m.hardening.webPort}`) && !l.some((a) => a.endsWith(`:${Ports.web}`)), detail: `listening: ${l.join(" ")}` });
      const [p] = probePorts(lb.name, [{ ip: w.privateIp, port: Ports.web }]);
      probes.push({ name: `${lb.name} → ${w.name}:${Ports.web} (plain HTTP) refused or dropped`, ok: p.state !== "open", detail: p.state });
      const h = inNetns(lb.name, "curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "3", `http://${w.privateIp}:${m.hardening.webPort}/lb-health`]);
      probes.push({ name: `plain HTTP to ${w.name}:${m.hardening.webPort} gets no page`, ok: h.stdout.trim() !== "200", detail: `HTTP ${h.stdout.trim() || "(none)"}${h.stdout.trim() === "400" ? " (Nginx: plain HTTP request sent to the HTTPS port)" : ""}` });
    }
    for (const a of apps) {
      const l = listeners(a.name);
      probes.push({ name: `${a.name} listens on ${m.hardening.appPort} (TLS) and not on ${m.app.port}`, ok: l.includes(`${a.privateIp}:${m.hardening.appPort}`) && !l.some((x) => x.endsWith(`:${m.app.port}`)), detail: `listening: ${l.join(" ")}` });
      const [p] = probePorts(webs[0].name, [{ ip: a.privateIp, port: m.app.port }]);
      probes.push({ name: `${webs[0].name} → ${a.name}:${m.app.port} (plain) refused or dropped`, ok: p.state !== "open", detail: p.state });
    }
    return result(probes);
  });
}

interface SClient {
  verify: string;
  subject: string;
  issuer: string;
  sans: string[];
  protocol: string;
}

function sClient(from: string, ip: string, port: number, caFile: string, verify: string[], starttls?: string): SClient {
  const args = ["s_client", "-connect", `${ip}:${port}`, "-CAfile", caFile, "-verify_return_error", ...verify, ...(starttls ? ["-starttls", starttls] : [])];
  const r = inNetns(from, "openssl", args, { input: "", timeout: 10000 });
  const out = r.stdout + r.stderr;
  const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(out)?.[0] ?? "";
  const x = pem ? run("openssl", ["x509", "-noout", "-ext", "subjectAltName"], { input: pem }).stdout : "";
  const sans = x.split("\n").slice(1).join(",").split(",").map((s) => s.trim()).filter(Boolean);
  return {
    verify: /Verify return code: (\d+ \([^)]*\))/.exec(out)?.[1] ?? (/verify error:[^\n]*/.exec(out)?.[0] ?? "no handshake"),
    subject: /^subject=(.*)$/m.exec(out)?.[1]?.trim() ?? "?",
    issuer: /^issuer=(.*)$/m.exec(out)?.[1]?.trim() ?? "?",
    sans,
    protocol: /New, (\S+), Cipher is (\S+)/.exec(out)?.slice(1).join(" ") ?? "?",
  };
}

/** HAProxy's view of the web backend (admin socket, `show stat`): server → status. */
export function haproxyStatus(lbMainPid: number): Promise<Record<string, string>> {
  return new Promise((resolve) => {
    const s = net.createConnection(`/proc/${lbMainPid}/root/run/haproxy/admin.sock`);
    let buf = "";
    const t = setTimeout(() => s.destroy(), 2000);
    s.on("connect", () => s.write("show stat\n"));
    s.on("data", (d) => (buf += d));
    const done = () => {
      clearTimeout(t);
      const out: Record<string, string> = {};
      const lines = buf.split("\n");
      const head = (lines[0] ?? "").replace(/^# /, "").split(",");
      const ip = head.indexOf("pxname"), is = head.indexOf("svname"), ist = head.indexOf("status");
      for (const l of lines.slice(1)) {
        const c = l.split(",");
        if (c[ip] === "web" && c[is] !== "BACKEND" && c[is] !== "FRONTEND") out[c[is]] = c[ist];
      }
      resolve(out);
    };
    s.on("end", done);
    s.on("close", done);
    s.on("error", () => resolve({}));
  });
}

async function mainPid(server: string, unit: string): Promise<number | undefined> {
  const d = await supervisorDump(server);
  return d?.units.find((u) => u.name === unit)?.mainPid ?? undefined;
}

export function internalTlsCheck(ctx: CheckContext): Promise<CheckResult> {
  return timedCheck("hardening: internal TLS (openssl s_client)", async () => {
    const m = ctx.rendered.model;
    const probes: Probe[] = [];
    const handshakes: Array<Record<string, unknown>> = [];
    const lb = withRole(ctx, "balancer")[0];
    const webs = withRole(ctx, "web");
    const apps = withRole(ctx, "app");
    const dbs = withRole(ctx, "database");
    const replicas = withRole(ctx, "replica");
    const hop = (from: ServerModel, to: ServerModel, port: number, name: string | undefined, starttls?: string) => {
      const verify = name ? ["-servername", name, "-verify_hostname", name] : ["-verify_ip", to.privateIp];
      const r = sClient(from.name, to.privateIp, port, caFileOf(from.name), verify, starttls);
      const want = [...internalNames(to).map((n) => `DNS:${n}`), `IP Address:${to.privateIp}`];
      const sanOk = want.every((w) => r.sans.includes(w));
      handshakes.push({ from: from.name, to: to.name, port, ...r });
      probes.push({
        name: `${from.name} → ${to.name}:${port}${starttls ? ` (STARTTLS ${starttls})` : ""}, verified as ${name ?? to.privateIp} with the internal CA`,
        ok: r.verify.startsWith("0 ") && sanOk && /internal CA/.test(r.issuer),
        detail: `verify return code ${r.verify}; ${r.protocol}; subject ${r.subject}; issuer ${r.issuer}; SAN ${r.sans.join(", ")}`,
      });
    };
    for (const w of webs) hop(lb, w, m.hardening.webPort, "web.sws.internal");
    for (const w of webs) for (const a of apps) if (a.name !== w.name) hop(w, a, m.hardening.appPort, "app.sws.internal");
    for (const d of dbs) for (const c of [...apps, ...replicas]) if (c.name !== d.name) hop(c, d, Ports.mysql, undefined, "mysql");

    // A client that trusts another CA (the lab's ACME CA) is refused: the chain really is the internal CA's.
    const other = path.join(path.dirname(ctx.state.caBundle), "ca", "lab-ca.pem");
    if (webs[0] && fs.existsSync(other)) {
      const r = sClient(lb.name, webs[0].privateIp, m.hardening.webPort, other, ["-servername", "web.sws.internal", "-verify_hostname", "web.sws.internal"]);
      probes.push({ name: `${lb.name} → ${webs[0].name}:${m.hardening.webPort} trusting another CA is refused`, ok: !r.verify.startsWith("0 "), detail: r.verify });
    }
    // The daemons verify too: HAProxy (verify required, verifyhost web.sws.internal) sees every web server UP.
    const pid = await mainPid(lb.name, "haproxy.service");
    const st = pid ? await haproxyStatus(pid) : {};
    probes.push({ name: "HAProxy's TLS health checks (verify required, verifyhost web.sws.internal) see every web server UP", ok: webs.every((w) => st[w.name] === "UP"), detail: JSON.stringify(st) });
    // Nginx → app with proxy_ssl_verify and app → database over TLS, per app server: ask each app directly as Nginx would.
    for (const a of apps) {
      const w = webs[0];
      const r = inNetns(w.name, "curl", ["-sS", "--max-time", "5", "--cacert", caFileOf(w.name), "--resolve", `app.sws.internal:${m.hardening.appPort}:${a.privateIp}`, "-w", "\n%{http_code}", `https://app.sws.internal:${m.hardening.appPort}/`]);
      const code = r.stdout.trim().split("\n").pop();
      const row = /wrote and read row \d+/.exec(r.stdout)?.[0];
      probes.push({ name: `${w.name} → ${a.name}: page over TLS (app.sws.internal verified), database round trip${a.roles.includes("database") ? " (local socket)" : " (TLS to the primary, require_secure_transport)"}`, ok: code === "200" && !!row, detail: `HTTP ${code}; ${row ?? r.stderr.trim()}` });
    }
    for (const d of [...dbs, ...replicas]) {
      const r = inRoot(d.name, ["mysql", "--protocol=socket", "-Nse", "SELECT @@require_secure_transport, @@ssl_cert, @@have_ssl"]);
      const [rst, cert, have] = r.stdout.trim().split("\t");
      probes.push({ name: `${d.name}: MariaDB requires TLS over the network`, ok: rst === "1" && have === "YES", detail: `require_secure_transport=${rst}, have_ssl=${have}, ssl_cert=${cert}` });
    }
    return result(probes, { handshakes });
  });
}

/** Run a shell script inside a server's root, asynchronously; resolves with its stdout. */
function inRootAsync(server: string, script: string, args: string[]): { done: Promise<{ code: number; out: string; err: string }> } {
  const child = spawn("nsenter", [...enterArgs(server), "env", "-i", ...ROOT_ENV, "/bin/bash", "-c", script, "bash", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  return { done: new Promise((res) => child.on("close", (code) => res({ code: code ?? 1, out, err }))) };
}

const POLL = `
db="$1"; note="$2"; end=$((SECONDS + 5))
while [ $SECONDS -lt $end ]; do
  r=$(mysql --protocol=socket -Nse "SELECT UNIX_TIMESTAMP(at) FROM \\\`$db\\\`.visits WHERE note = '$note'" 2>/dev/null)
  if [ -n "$r" ]; then echo "$(date +%s.%N) $r"; exit 0; fi
done
exit 1
`;

export function replicaCheck(ctx: CheckContext, writes = 10): Promise<CheckResult> {
  return timedCheck("hardening: replica", async () => {
    const { state } = ctx;
    const m = ctx.rendered.model;
    const probes: Probe[] = [];
    const replica = withRole(ctx, "replica")[0];
    const primary = withRole(ctx, "database")[0];
    if (!replica) return result([{ name: "a replica in the model", ok: false, detail: "none" }]);
    const st = inRoot(replica.name, ["mysql", "--protocol=socket", "-e", "SHOW SLAVE STATUS\\G"]).stdout;
    const f = (k: string) => new RegExp(`^\\s*${k}: ?(.*)$`, "m").exec(st)?.[1]?.trim() ?? "?";
    probes.push({
      name: `${replica.name} replicates from ${primary.name} over TLS with the primary's certificate verified (GTID)`,
      ok: f("Master_Host") === primary.privateIp && f("Slave_IO_Running") === "Yes" && f("Slave_SQL_Running") === "Yes" && f("Master_SSL_Allowed") === "Yes" && f("Master_SSL_Verify_Server_Cert") === "Yes" && f("Using_Gtid") !== "No",
      detail: `Master_Host ${f("Master_Host")}, IO ${f("Slave_IO_Running")}, SQL ${f("Slave_SQL_Running")}, SSL ${f("Master_SSL_Allowed")} (CA ${f("Master_SSL_CA_File")}, verify server cert ${f("Master_SSL_Verify_Server_Cert")}), Using_Gtid ${f("Using_Gtid")}, Gtid_IO_Pos ${f("Gtid_IO_Pos")}, Seconds_Behind_Master ${f("Seconds_Behind_Master")}${f("Last_IO_Error") ? `, last IO error ${f("Last_IO_Error")}` : ""}`,
    });
    const ro = inRoot(replica.name, ["mysql", "--protocol=socket", "-Nse", "SELECT @@read_only"]).stdout.trim();
    probes.push({ name: `${replica.name} is read-only`, ok: ro === "1", detail: `read_only=${ro}` });

    // Rows written through the site, read on the replica.
    const lags: Array<{ note: string; id: number; fromInsertMs: number }> = [];
    const failures: string[] = [];
    for (let i = 0; i < writes; i++) {
      const note = `replica-${Date.now()}-${i}`;
      const poll = inRootAsync(replica.name, POLL, [m.database.name, note]);
      await sleep(150); // the poller is running before the write
      const r = inNetns(ctx.client, "curl", ["-sS", "--max-time", "5", "--cacert", state.caBundle, "--resolve", `${state.domain}:443:${state.balancer.ip}`,
        "-X", "POST", "-w", "\n%{http_code} %{time_total}", `https://${state.domain}/visit?note=${note}`]);
      const [code] = r.stdout.trim().split("\n").pop()!.split(" ");
      const p = await poll.done;
      if (code !== "201" || p.code !== 0) {
        failures.push(`${note}: POST ${code}${p.code !== 0 ? "; not seen on the replica within 5 s" : ""}`);
        continue;
      }
      const [seen, at] = p.out.trim().split(" ").map(Number);
      // From the row's own timestamp (CURRENT_TIMESTAMP(3) on the primary, replicated as a value) to
      // the replica's first answer that has it: the same machine's clock on both sides.
      lags.push({ note, id: Number(/"id":(\d+)/.exec(r.stdout)?.[1] ?? 0), fromInsertMs: Math.round((seen - at) * 1000) });
    }
    const ins = lags.map((l) => l.fromInsertMs).sort((a, b) => a - b);
    const med = (a: number[]) => a[Math.floor(a.length / 2)];
    probes.push({
      name: `${writes} rows written on the primary through the site (POST /visit → 201 after commit) read on the replica within 1 s`,
      ok: failures.length === 0 && lags.length === writes && ins[ins.length - 1] <= 1000,
      detail: lags.length ? `lag from the primary's insert (row's own timestamp) to visible on the replica: median ${med(ins)} ms, max ${ins[ins.length - 1]} ms (the replica polled ~every 10 ms from before the write)${failures.length ? `; failures: ${failures.join("; ")}` : ""}` : failures.join("; "),
    });
    return result(probes, { lags, failures }, lags.length ? `replication lag median ${med(ins)} ms, max ${ins[ins.length - 1]} ms over ${lags.length} rows; ${probes.filter((p) => p.ok).length}/${probes.length} probes pass` : undefined);
  });
}

/**
 * How web-1 goes away: "nginx" = kill -9 its Nginx and stop the unit (the port refuses at once);
 * "host" = its network cable pulled (the bridge-side veth down: packets vanish, like a dead instance).
 */
export type FailoverMode = "nginx" | "host";

export function failoverCheck(ctx: CheckContext, mode: FailoverMode = "nginx", rps = 20, seconds = 10, killAtMs = 3000): Promise<CheckResult> {
  const title = mode === "nginx" ? "kill -9 nginx on one of two web servers, kept down" : "one of two web servers off the network";
  return timedCheck(`hardening: web failover (${title})`, async () => {
    const { state } = ctx;
    const probes: Probe[] = [];
    const lb = withRole(ctx, "balancer")[0];
    const webs = withRole(ctx, "web");
    if (webs.length < 2) return result([{ name: "two web servers", ok: false, detail: `${webs.length}` }]);
    const victim = webs[0];
    const lbPid = await mainPid(lb.name, "haproxy.service");
    if (!lbPid) throw new Error("HAProxy has no main process");
    // The health-check settings as rendered (HAProxy's `default-server` line of the web backend).
    const cfgText = ["etc/haproxy/haproxy.cfg", "etc/sws/peers/haproxy-web.cfg"].map((f) => fs.readFileSync(path.join(rootPaths(lb.name).merged, f), "utf8")).join("\n");
    const checkCfg = /^\s*default-server\s+(.*)$/m.exec(cfgText)?.[1]?.trim() ?? "?";
    const checkTimeout = /^\s*timeout check\s+(\S+)/m.exec(cfgText)?.[1] ?? "?";
    const before = await haproxyStatus(lbPid);
    probes.push({ name: "every web server UP at HAProxy before", ok: webs.every((w) => before[w.name] === "UP"), detail: JSON.stringify(before) });

    const child = spawn("nsenter", [`--net=${netnsPath(ctx.client)}`, "--", process.execPath, path.join(CLIENTS_DIR, "https-steady.js"),
      state.balancer.ip, state.domain, "/", String(rps), String(seconds * 1000), state.caBundle], { env: cleanEnv(), stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    const finished = new Promise<void>((r) => child.on("close", () => r()));
    const tStart = Date.now();
    await sleep(killAtMs);
    // nginx: kill -9 the master (the supervisor kills the workers it left, its unit's cgroup), then stop the
    // unit through the supervisor so Restart=always does not bring it back (the server stays down).
    // host: take the server's link down on the bridge (nothing answers, not even a reset).
    const veth = `v-${victim.name}`.slice(0, 15);
    const nginxPid = mode === "nginx" ? await mainPid(victim.name, "nginx.service") : undefined;
    if (mode === "nginx" && !nginxPid) throw new Error(`nginx on ${victim.name} has no main process`);
    const tKill = Date.now();
    if (mode === "nginx") {
      signal(nginxPid!, "SIGKILL");
      await supervisorCommand(victim.name, ["stop", "nginx.service"]);
    } else run("ip", ["-n", netnsName("br"), "link", "set", veth, "down"]);
    const tStopped = Date.now();
    // Watch HAProxy mark it DOWN.
    let tDown: number | undefined;
    const timeline: string[] = [];
    let last = "";
    while (Date.now() - tStart < seconds * 1000 + 500) {
      const s = await haproxyStatus(lbPid);
      const line = webs.map((w) => `${w.name}=${s[w.name] ?? "?"}`).join(" ");
      if (line !== last) timeline.push(`+${((Date.now() - tKill) / 1000).toFixed(2)} s ${line}`);
      last = line;
      if (!tDown && s[victim.name] && s[victim.name].startsWith("DOWN")) tDown = Date.now();
      await sleep(50);
    }
    await finished;
    const res = JSON.parse(out) as { t0: number; requests: Array<{ at: number; ms: number; status: number; error: string }> };
    const kill = tKill - res.t0;
    const down = tDown !== undefined ? tDown - res.t0 : undefined;
    const failed = res.requests.filter((r) => r.status !== 200);
    const late = failed.filter((r) => down === undefined || r.at > down);
    const webPort = ctx.rendered.model.hardening.webPort;
    if (mode === "nginx") {
      const dead = await supervisorDump(victim.name);
      const nginx = dead?.units.find((u) => u.name === "nginx.service");
      const stillDown = nginx?.state !== "active" && !listeners(victim.name).some((a) => a.endsWith(`:${webPort}`));
      probes.push({ name: `${victim.name}'s Nginx killed (-9) and kept down (stopped through its supervisor, no restart)`, ok: stillDown, detail: `master pid ${nginxPid} killed at +${(kill / 1000).toFixed(2)} s; unit ${nginx?.state} (${nginx?.sub}), restarts ${nginx?.restarts}; stop acknowledged after ${tStopped - tKill} ms; nothing listens on ${webPort}` });
    } else {
      const [p] = probePorts(lb.name, [{ ip: victim.privateIp, port: webPort }]);
      probes.push({ name: `${victim.name} off the network (its link on the bridge down)`, ok: p.state !== "open", detail: `${veth} down at +${(kill / 1000).toFixed(2)} s; ${lb.name} → ${victim.name}:${webPort} ${p.state}` });
    }
    // A refused port fails each check at once (≤ inter × fall + inter); a silent host costs the check timeout (2 s) each time.
    const limit = mode === "nginx" ? 3500 : 6500;
    probes.push({ name: `HAProxy marks ${victim.name} DOWN (${checkCfg}${mode === "host" ? `, timeout check ${checkTimeout}` : ""}) within ${limit / 1000} s`, ok: down !== undefined && down - kill <= limit, detail: down !== undefined ? `DOWN ${((down - kill) / 1000).toFixed(2)} s after the kill; ${timeline.join("; ")}` : `never DOWN; ${timeline.join("; ")}` });
    const window = failed.length ? `${((failed[0].at - kill) / 1000).toFixed(2)} s … ${((failed[failed.length - 1].at - kill) / 1000).toFixed(2)} s after the kill` : "none";
    probes.push({
      name: `steady client ${rps} req/s × ${seconds} s (GET / through the balancer): no failed request after the health-check window`,
      ok: late.length === 0 && res.requests.length >= rps * seconds * 0.9,
      detail: `${res.requests.length} requests, ${res.requests.length - failed.length} × 200, ${failed.length} failed (${window})${failed.length ? `: ${failed.map((f) => `+${((f.at - kill) / 1000).toFixed(2)} s ${f.status || f.error}`).join(", ")}` : ""}; health-check window = kill → DOWN ${down !== undefined ? `${((down - kill) / 1000).toFixed(2)} s` : "?"}; failures after it: ${late.length}; ${res.requests.filter((r) => r.ms > 1000).length} request(s) slower than 1 s, slowest ${Math.max(...res.requests.map((r) => r.ms))} ms`,
    });

    // Bring it back: start Nginx again / plug it back in; HAProxy marks it UP (rise 2).
    const tBack = Date.now();
    if (mode === "nginx") await supervisorCommand(victim.name, ["start", "nginx.service"]);
    else run("ip", ["-n", netnsName("br"), "link", "set", veth, "up"]);
    let up: number | undefined;
    while (Date.now() - tBack < 15000) {
      const s = await haproxyStatus(lbPid);
      if (s[victim.name] === "UP") {
        up = Date.now() - tBack;
        break;
      }
      await sleep(100);
    }
    probes.push({ name: `${victim.name} back: ${mode === "nginx" ? "Nginx started again" : "link up again"}, HAProxy marks it UP (rise 2)`, ok: up !== undefined, detail: up !== undefined ? `UP ${(up / 1000).toFixed(2)} s after it came back` : "not UP within 15 s" });
    return result(probes, { healthChecks: checkCfg, killAtMs: kill, downAtMs: down ?? null, requests: res.requests.length, failed, timeline },
      `${failed.length} of ${res.requests.length} requests failed (${window}); ${victim.name} DOWN at HAProxy ${down !== undefined ? `${((down - kill) / 1000).toFixed(2)} s` : "never"} after the kill; ${probes.filter((p) => p.ok).length}/${probes.length} probes pass`);
  });
}

/** Every hardening proof, in an order that disturbs nothing the earlier ones measure. */
export async function hardeningChecks(ctx: CheckContext, done: (r: CheckResult) => void): Promise<void> {
  done(await plainPortsCheck(ctx));
  done(await internalTlsCheck(ctx));
  done(await replicaCheck(ctx));
  done(await failoverCheck(ctx, "nginx"));
  done(await failoverCheck(ctx, "host"));
}
