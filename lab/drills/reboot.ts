/**
 * Reboot drill (`npm run lab -- drill reboot [--server <name>|all] [--json]`; default: the database
 * server): what a reboot of one server does to the running site.
 *
 *   before   acknowledged inserts through the site (POST /visit, 201 only after the commit); the
 *            units the server runs, the the files its sws-fetch installed, a marker in
 *            each of its tmpfs (/run, /tmp, /dev/shm);
 *   power    every process of the server SIGKILLed: its supervisor (the lab's systemd) and its
 *            init (PID 1 of the server's PID namespace: every process in it dies with it), no
 *            process left in the server's mount or PID namespace; its mount + UTS namespaces
 *            released, so its tmpfs /run, /tmp and /dev/shm are gone;
 *   boot     the same root (overlay upper layer kept, the data volume the same) booted as EC2 boots
 *            an instance again: namespaces and tmpfs set up by root-setup.sh, the server's init, what
 *            EC2 gives it (resolver, the attached data volume), the lab's runtime files in /run
 *            (collector copy, HAProxy's fd limit), then the supervisor in boot mode: it starts what the
 *            root's enablement links pull into multi-user.target, in After=/Before= order, like
 *            systemd (supervisor/boot.ts) — sws-fetch.service re-fetches the secrets onto the new /run
 *            before the units ordered after it start. cloud-init's per-instance modules (write_files,
 *            packages, runcmd) do not run again;
 *   during   a steady client (acknowledged inserts through the balancer, every 100 ms) from before
 *            the kill until the server is healthy again: failed requests and the outage window;
 *   after    every unit that was active is active again; every boot job succeeded; sws-fetch.service
 *            finished before each unit ordered after it started; runcmd did not run (cloud-init's boot
 *            log untouched, no `systemctl enable` asked of the supervisor); every fetched file was
 *            written again by this boot (its change time) and its SHA-256 equals the program's
 *            parameter and the lab AWS's; the markers are gone; every acknowledged row (before and
 *            during the reboot) is in the database; the site answers /healthz through the balancer
 *            and acknowledges new inserts. Time to healthy (kill → all of that) printed.
 *
 * `--server all` reboots every server in turn, each healthy again before the next.
 *
 * What the lab cannot show: a machine's power loss (the page cache is the host kernel's, so a
 * write the database had not flushed survives here); the machine's own units (journald, logind,
 * networking, cloud-init's per-boot modules) are not run by the lab.
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { RenderedStack } from "../../components/render";
import { CheckResult, context, timedCheck } from "../checks/common";
import { UP_HOOKS } from "../serverStart";
import { compareFetched, parseFetchList } from "../aws/compare";
import { emulatorParameterDigests } from "../aws/emulator";
import { prepareInstance } from "../aws/instance";
import type { ProgramRun } from "../aws/program";
import { PROGRAM_FILE, programParameterDigests, programUserData, readAwsState } from "../aws/setup";
import { prepareCollectors } from "../collector";
import { CLIENTS_DIR, isMounted, readJson, STATE } from "../files";
import { alive, signal, sleep } from "../processes";
import { createRoot, inRoot, rootPaths, serverInitPid, stopInit } from "../root";
import { inNetns, netnsPath } from "../namespaces";
import { cleanEnv, run } from "../shell";
import { readState, writeState } from "../state";
import { supervisorCommand, supervisorDump } from "../supervisor/client";
import type { JobRecord } from "../supervisor/boot";
import { supervisorPidsFile, supervisorSocket } from "../supervisor/paths";

/** What `up` does for a server that the drill must do again (lab/cli.ts owns both). */
export interface BootHooks {
  /** Starts the server's supervisor (as `up` does; `boot`: in boot mode, starting the enabled units); returns its pid. */
  startSupervisor: (server: string, boot?: boolean) => number;
  /** `up`'s machine adaptations for one server (runtime files in its /run); returns a note or undefined. */
  adapt: (server: string, userData: string) => string | undefined;
}

interface Line { ok: boolean; text: string }

/** A time relative to the kill, signed ("+1.2 s", "-0.1 s": a request sent before the kill failed). */
const rel = (ms: number) => `${ms < 0 ? "-" : "+"}${(Math.abs(ms) / 1000).toFixed(1)} s`;

const MARKERS = ["/run/sws-lab-reboot-marker", "/tmp/sws-lab-reboot-marker", "/dev/shm/sws-lab-reboot-marker"];

export function inserts(ctx: ReturnType<typeof context>, note: string, count: number): { attempted: number; acked: number; failed: number; statuses: Record<string, number> } {
  const { state } = ctx;
  const r = spawnSync("nsenter", [`--net=${netnsPath(ctx.client)}`, "--", process.execPath, path.join(CLIENTS_DIR, "inserts.js"),
    state.balancer.ip, state.domain, note, String(count), "60000", state.caBundle], { env: cleanEnv(), encoding: "utf8", timeout: 90000 });
  const last = (r.stdout ?? "").trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(last);
  } catch {
    throw new Error(`inserts.js: ${(r.stdout + r.stderr).slice(-300)}`);
  }
}

export function rowCount(dbServer: string, db: string, note: string): number | string {
  const r = inRoot(dbServer, ["mysql", "--protocol=socket", "-N", "-B", db, "-e", `SELECT COUNT(*) FROM visits WHERE note = '${note}'`]);
  return r.code === 0 ? Number(r.stdout.trim()) : `mysql exit ${r.code}: ${r.stderr.trim().split("\n")[0]}`;
}

export function healthz(ctx: ReturnType<typeof context>): boolean {
  const { state } = ctx;
  return inNetns(ctx.client, "curl", ["-sf", "-o", "/dev/null", "--max-time", "5", "--cacert", state.caBundle, "--resolve", `${state.domain}:443:${state.balancer.ip}`, `https://${state.domain}/healthz`]).code === 0;
}

/**
 * SHA-256, change time (s) and mode of each file (inside the server). The change time, not the
 * inode, tells a file written by this boot: the secrets live on the new tmpfs /run, whose inode
 * numbers start over (the lab's first run saw the same numbers there).
 */
function filesOn(server: string, paths: string[]): Map<string, { sha256: string; ctime: number; mode: string }> {
  const script = 'for f; do [ -f "$f" ] && printf "%s %s %s %s\\n" "$(sha256sum < "$f" | cut -d" " -f1)" "$(stat -c %Z "$f")" "$(stat -c %a "$f")" "$f"; done; exit 0';
  const r = inRoot(server, ["/bin/sh", "-c", script, "sh", ...paths]);
  const out = new Map<string, { sha256: string; ctime: number; mode: string }>();
  for (const l of r.stdout.split("\n")) {
    const m = /^([0-9a-f]{64}) (\d+) (\d+) (.+)$/.exec(l);
    if (m) out.set(m[4], { sha256: m[1], ctime: Number(m[2]), mode: m[3].padStart(4, "0") });
  }
  return out;
}

function fetchList(server: string): string | undefined {
  const r = inRoot(server, ["cat", "/etc/sws/fetch.list"]);
  return r.code === 0 ? r.stdout : undefined;
}

const nsInode = (f: string) => {
  try {
    return fs.statSync(f).ino;
  } catch {
    return -1;
  }
};

/** Host pids whose mount namespace is the server's, or whose PID namespace is its init's. */
function serverPids(server: string, mntIno: number, pidNsLink: string): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      const mnt = fs.readlinkSync(`/proc/${d}/ns/mnt`);
      const pidns = fs.readlinkSync(`/proc/${d}/ns/pid`);
      if ((mnt === `mnt:[${mntIno}]` || (pidNsLink && pidns === pidNsLink)) && alive(Number(d))) out.push(Number(d));
    } catch {
      /* raced */
    }
  }
  return out;
}

/** The steady client (clients/steady-inserts.js) in the client's namespace, until `stop()`. */
export function steadyClient(ctx: ReturnType<typeof context>, note: string): { stop: () => Promise<SteadyResult> } {
  const { state } = ctx;
  const stopFile = path.join(STATE, `steady-${note}.stop`);
  fs.rmSync(stopFile, { force: true });
  const child = spawn("nsenter", [`--net=${netnsPath(ctx.client)}`, "--", process.execPath, path.join(CLIENTS_DIR, "steady-inserts.js"),
    state.balancer.ip, state.domain, note, "100", "400000", state.caBundle, stopFile], { env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const ended = new Promise<void>((res) => child.on("close", () => res()));
  return {
    stop: async () => {
      fs.writeFileSync(stopFile, "");
      await Promise.race([ended, sleep(10000)]);
      fs.rmSync(stopFile, { force: true });
      const last = out.trim().split("\n").pop() ?? "";
      try {
        return JSON.parse(last) as SteadyResult;
      } catch {
        throw new Error(`steady-inserts.js: ${out.slice(-300)}`);
      }
    },
  };
}

export interface SteadyResult {
  attempted: number;
  acked: number;
  failed: number;
  statuses: Record<string, number>;
  firstFailMs: number | null;
  lastFailMs: number | null;
  longestGapMs: number;
  startedAt: number;
}

/** systemctl command lines the server's supervisor was asked since `sinceMs` (its log: "<ISO time> systemctl <argv>"). */
function systemctlRequestsSince(server: string, sinceMs: number): string[] {
  const log = path.join(rootPaths(server).logs, "sws-lab", "supervisor.log");
  let text = "";
  try {
    text = fs.readFileSync(log, "utf8");
  } catch {
    return [];
  }
  return text.split("\n").filter((l) => {
    const m = /^(\S+) systemctl (.*)$/.exec(l);
    return !!m && Date.parse(m[1]) >= sinceMs;
  }).map((l) => l.replace(/^\S+ /, ""));
}

/** The supervisor's boot record once the boot transaction has finished (every job done, failed or skipped). */
async function bootFinished(server: string, timeoutMs: number): Promise<{ jobs: JobRecord[]; order: string[]; missing: Record<string, string[]>; startedAt: number; finishedAt?: number; error?: string } | undefined> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    const r = await supervisorCommand(server, ["sws-lab-dump"], 5000).catch(() => undefined);
    const boot = r ? (JSON.parse(r.stdout) as { boot: { jobs: JobRecord[]; order: string[]; missing: Record<string, string[]>; startedAt: number; finishedAt?: number; error?: string } | null }).boot : null;
    if (boot?.finishedAt) return boot;
    await sleep(200);
  }
  return undefined;
}

/** Wait until every unit of `units` is active on the server and the site answers /healthz; the time, or 0. */
export async function waitHealthy(ctx: ReturnType<typeof context>, server: string, units: string[], timeoutMs: number): Promise<{ t: number; missing: string[]; site: boolean }> {
  const t0 = Date.now();
  let missing = units;
  let site = false;
  while (Date.now() - t0 < timeoutMs) {
    const d = await supervisorDump(server);
    const active = new Set((d?.units ?? []).filter((u) => u.state === "active").map((u) => u.name));
    missing = units.filter((u) => !active.has(u));
    site = healthz(ctx);
    if (!missing.length && site) return { t: Date.now(), missing, site };
    await sleep(250);
  }
  return { t: 0, missing, site };
}

export async function supervisorUp(server: string, timeoutMs: number): Promise<boolean> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (fs.existsSync(supervisorSocket(server)) && (await supervisorDump(server))) return true;
    await sleep(100);
  }
  return false;
}

/** What powerOff did: every process of the server SIGKILLed, its mount/UTS namespaces released. */
export interface PowerOff {
  /** Every process gone (supervisor, init and the rest), and there were some. */
  ok: boolean;
  /** The server's mount and UTS namespaces released (its tmpfs with them); the overlay root still mounted. */
  released: boolean;
  /** The host pids that were in the server's namespaces before the kill. */
  killed: number[];
  /** When the kill began (ms since the epoch). */
  tKill: number;
  text: string;
}

/**
 * Power a server off as a machine loses power, short of its disk: its supervisor (the lab's
 * systemd) and its init (PID 1 of its PID namespace: every process in it dies with it) SIGKILLed,
 * then its mount + UTS namespaces released, so its tmpfs /run, /tmp and /dev/shm are gone. Its
 * root (the overlay) is left mounted and untouched: the caller boots it again (reboot) or
 * discards it (replacement).
 */
export async function powerOff(server: string): Promise<PowerOff> {
  const p = rootPaths(server);
  const st = readState()!;
  const supPid = st.supervisors[server] ?? readJson<Record<string, number[]>>(supervisorPidsFile(server), {}).supervisor?.[0];
  const mntIno = nsInode(p.mntNs);
  const initPid = serverInitPid(server);
  let pidNsLink = "";
  try {
    pidNsLink = fs.readlinkSync(`/proc/${initPid}/ns/pid`);
  } catch {
    /* no init */
  }
  const before = serverPids(server, mntIno, pidNsLink);
  const tKill = Date.now();
  if (supPid) signal(supPid, "SIGKILL");
  stopInit(server);
  let left = serverPids(server, mntIno, pidNsLink);
  for (let i = 0; i < 50 && (left.length || (supPid && alive(supPid))); i++) {
    await sleep(20);
    left = serverPids(server, mntIno, pidNsLink);
  }
  const ok = !left.length && !(supPid && alive(supPid)) && before.length > 1;
  for (const f of [p.mntNs, p.utsNs]) if (isMounted(f)) run("umount", [f]);
  return {
    ok, killed: before, tKill,
    released: !isMounted(p.mntNs) && !isMounted(p.utsNs) && isMounted(p.merged),
    text: `every process of ${server} SIGKILLed: its supervisor (pid ${supPid}) and its init (pid ${initPid}) with the ${before.length} processes in its namespaces; left: ${left.length ? left.join(" ") : "none"}`,
  };
}

export async function rebootDrill(serverArg: string | undefined, hooks: BootHooks, say: (l: string) => void): Promise<{ ok: boolean; lines: string[]; figures: Record<string, unknown> }> {
  const ctx = context();
  const model = ctx.rendered.model;
  const dbServer = model.servers.find((s) => s.roles.includes("database"))!.name;
  const server = serverArg ?? dbServer;
  const rendered = (ctx.rendered as RenderedStack).servers.find((s) => s.name === server);
  const sm = model.servers.find((s) => s.name === server);
  if (!rendered || !sm) throw new Error(`--server: no server ${JSON.stringify(server)} in this lab (servers: ${model.servers.map((s) => s.name).join(", ")})`);
  const db = model.database.name;
  const program = JSON.parse(fs.readFileSync(PROGRAM_FILE, "utf8")) as ProgramRun;
  const userData = programUserData(program, model.servers).get(server)!;
  const lines: Line[] = [];
  const add = (ok: boolean, text: string) => {
    lines.push({ ok, text });
    say(`  ${ok ? "✓" : "✗"} ${text}`);
  };

  // ---- before
  const note = `reboot-${server}-${Date.now()}`;
  const w0 = inserts(ctx, note, 300);
  add(w0.acked === 300, `before: ${w0.acked}/${w0.attempted} inserts acknowledged through the site (note ${note}); answers ${JSON.stringify(w0.statuses)}`);
  const dump0 = await supervisorDump(server);
  if (!dump0) throw new Error(`${server}: its supervisor does not answer (is the lab up?)`);
  const units = dump0.units.filter((u) => u.state === "active").map((u) => u.name).sort();
  const list0 = fetchList(server);
  const entries = list0 ? parseFetchList(list0).entries : [];
  const files0 = filesOn(server, entries.map((e) => e.path));
  for (const m of MARKERS) inRoot(server, ["/bin/sh", "-c", 'echo before-reboot > "$1"', "sh", m]);
  const markers0 = MARKERS.filter((m) => inRoot(server, ["test", "-e", m]).code === 0);
  say(`• ${server} (${sm.roles.join("+")}): ${units.length} active units, ${entries.length} fetched files (${entries.filter((e) => e.kind === "-").length} secrets), markers in ${markers0.join(" ")}`);

  const p = rootPaths(server);
  const st = readState()!;
  // ---- during: a steady client from before the kill until the server is healthy again
  const bootLogFile = path.join(rootPaths(server).logs, "sws-lab", "boot.log");
  const bootLog0 = fs.existsSync(bootLogFile) ? fs.statSync(bootLogFile) : undefined;
  const steadyNote = `${note}-during`;
  const steady = steadyClient(ctx, steadyNote);
  await sleep(1000);

  // ---- power: every process of the server killed
  const off = await powerOff(server);
  const { tKill } = off;
  const before = off.killed;
  add(off.ok, off.text);
  add(off.released, `${server}'s mount/UTS namespaces released (tmpfs gone); its root (overlay upper layer ${p.upper}) kept`);

  // The machine's kernel state goes with the power too: its firewall ruleset (the network namespace
  // outlives the lab's "power-off"; a real reboot starts with no rules until nftables.service loads them).
  const nftBefore = inNetns(server, "nft", ["list", "table", "inet", "sws"]).stdout;
  inNetns(server, "nft", ["flush", "ruleset"]);
  const nftFlushed = inNetns(server, "nft", ["list", "ruleset"]).stdout.trim() === "";

  // ---- boot, as EC2 boots the instance again: no cloud-init per-instance module, systemd starts the enabled units
  const tBoot = Date.now();
  createRoot(server, server, []);
  const vol = /^\s*DATA_VOLUME_ID=["']?(vol-[0-9a-f]+)["']?\s*$/m.exec(userData)?.[1];
  prepareInstance(server, model.network.resolver, vol);
  for (const n of prepareCollectors([rendered])) say(`    note: ${n}`);
  const adapted = hooks.adapt(server, userData);
  if (adapted) say(`    note: ${adapted}`);
  const pid = hooks.startSupervisor(server, true);
  const st2 = readState()!;
  st2.supervisors[server] = pid;
  writeState(st2);
  const supOk = await supervisorUp(server, 30000);
  add(supOk, `${server}: new supervisor (pid ${pid}) in boot mode ${supOk ? "answers" : "does not answer within 30 s"}`);
  // Healthy is watched from now on, while the boot transaction runs (a late oneshot does not delay it).
  const healthy = waitHealthy(ctx, server, units, 180000 - (Date.now() - tBoot)).then((h) => ({ tHealthy: h.t, missing: h.missing, siteOk: h.site }));
  const boot = await bootFinished(server, 180000);
  const tBooted = Date.now();
  const jobs = boot?.jobs ?? [];
  const failedJobs = jobs.filter((j) => j.result !== "done");
  add(!!boot && !boot.error && jobs.length > 0 && !failedJobs.length,
    `boot transaction of multi-user.target: ${jobs.length} jobs${boot?.error ? `; ${boot.error}` : ""}${!boot ? "; not finished within 180 s" : ""}, ${failedJobs.length} not done${failedJobs.length ? ` (${failedJobs.map((j) => `${j.name} ${j.result}${j.note ? `: ${j.note}` : ""}`).join("; ")})` : ""}, ${boot?.finishedAt ? ((boot.finishedAt - boot.startedAt) / 1000).toFixed(1) : "?"} s in the supervisor (${((tBooted - tBoot) / 1000).toFixed(1)} s from the power-on, namespaces and supervisor start included); record ${path.join(p.logs, "sws-lab", "boot-jobs.json")}`);
  const fetchJob = jobs.find((j) => j.name === "sws-fetch.service");
  const afterFetch = jobs.filter((j) => j.after.includes("sws-fetch.service"));
  const early = afterFetch.filter((j) => !fetchJob || j.startedAt < fetchJob.finishedAt);
  add(fetchJob?.result === "done" && afterFetch.length > 0 && !early.length,
    `sws-fetch.service ${fetchJob ? `${fetchJob.result} in ${((fetchJob.finishedAt - fetchJob.startedAt) / 1000).toFixed(1)} s` : "not in the boot"}; the ${afterFetch.length} units ordered after it started after it finished (${afterFetch.map((j) => `${j.name} +${fetchJob ? ((j.startedAt - fetchJob.finishedAt) / 1000).toFixed(2) : "?"} s`).join(", ")})${early.length ? `; started before: ${early.map((j) => j.name).join(" ")}` : ""}`);
  const nftAfter = inNetns(server, "nft", ["list", "table", "inet", "sws"]).stdout;
  const nftJob = jobs.find((j) => j.name === "nftables.service");
  add(nftFlushed && nftBefore !== "" && nftAfter === nftBefore && nftJob?.result === "done",
    `host firewall: ruleset flushed with the power (${nftFlushed ? "empty" : "not empty"}), loaded again by nftables.service at boot (${nftJob ? nftJob.result : "not in the boot"}): table inet sws ${nftAfter === nftBefore ? "identical to before the reboot" : "differs from before the reboot"}`);
  // runcmd did not run: cloud-init's boot log (written only by the first boot's steps) is untouched,
  // and nobody asked the supervisor to enable a unit (every payload's runcmd does).
  const bootLog1 = fs.existsSync(bootLogFile) ? fs.statSync(bootLogFile) : undefined;
  const enables = systemctlRequestsSince(server, tBoot).filter((l) => /^systemctl (\S+ )*(enable|reenable)\b/.test(l));
  add(!!bootLog0 && !!bootLog1 && bootLog1.mtimeMs === bootLog0.mtimeMs && bootLog1.size === bootLog0.size && !enables.length,
    `cloud-init's runcmd did not run again: its boot log ${bootLog1 && bootLog0 && bootLog1.mtimeMs === bootLog0.mtimeMs ? "untouched" : "changed"} (${bootLogFile}), ${enables.length ? `enable requests: ${enables.join("; ")}` : "no `systemctl enable` asked since the boot"}`);

  // ---- healthy: every unit that was active is active, the site answers through the balancer
  const { tHealthy, missing, siteOk } = await healthy;
  add(!missing.length, `every unit ${server} had is active again (${units.length}: ${units.join(" ")})${missing.length ? `; not active: ${missing.join(" ")}` : ""}`);
  add(siteOk, `the site answers /healthz through the balancer ${st.balancer.name}`);
  // The steady client runs on a little past healthy, so the window's end is seen.
  await sleep(2000);
  const sc = await steady.stop();
  const outageMs = sc.longestGapMs;
  say(`  steady client: ${sc.acked}/${sc.attempted} inserts acknowledged during the reboot, ${sc.failed} failed ${JSON.stringify(sc.statuses)}; outage window ${(sc.longestGapMs / 1000).toFixed(1)} s without an acknowledged insert${sc.firstFailMs !== null ? ` (failures from ${rel(sc.startedAt + sc.firstFailMs - tKill)} to ${rel(sc.startedAt + sc.lastFailMs! - tKill)} after the kill)` : ""}`);

  // ---- secrets fetched again
  const list1 = fetchList(server);
  const entries1 = list1 ? parseFetchList(list1).entries : [];
  const files1 = filesOn(server, entries1.map((e) => e.path));
  const aws = readAwsState();
  const emulator = aws ? emulatorParameterDigests(aws.host, entries1.map((e) => e.parameter)) : new Map<string, string>();
  const cmp = compareFetched([{ server, fetchList: list1, file: (f) => files1.get(f) }], programParameterDigests(program), emulator);
  // Written by this boot: changed at or after the boot began (whole seconds), and before it the file existed too.
  const bootSec = Math.floor(tBoot / 1000);
  const same = entries1.filter((e) => !files0.get(e.path) || (files1.get(e.path)?.ctime ?? 0) < bootSec);
  add(entries1.length > 0 && entries1.length === entries.length && !cmp.problems.length && cmp.rows.every((r) => r.ok),
    `${entries1.length} fetched files (${entries1.filter((e) => e.kind === "-").length} secrets): every SHA-256 equals the program's parameter and the lab AWS's${cmp.problems.length ? ` — ${cmp.problems.join("; ")}` : ""}`);
  add(entries1.length > 0 && !same.length, `each of them present before and written again by this boot's sws-fetch (changed at or after the boot began)${same.length ? `; not: ${same.map((e) => e.path).join(" ")}` : ""}`);
  const markers1 = MARKERS.filter((m) => inRoot(server, ["test", "-e", m]).code === 0);
  add(markers0.length === MARKERS.length && !markers1.length, `tmpfs cleared: markers written before (${markers0.length}/${MARKERS.length}), present after: ${markers1.length ? markers1.join(" ") : "none"}`);

  // ---- no data lost, the site writes again
  const rows = rowCount(dbServer, db, note);
  add(typeof rows === "number" && rows >= w0.acked && w0.acked > 0, `${typeof rows === "number" ? rows : "?"} rows with the note in ${dbServer}'s database after the reboot, ${w0.acked} acknowledged before${typeof rows === "string" ? ` (${rows})` : ""}`);
  const rowsDuring = rowCount(dbServer, db, steadyNote);
  add(typeof rowsDuring === "number" && rowsDuring >= sc.acked && sc.acked > 0,
    `${typeof rowsDuring === "number" ? rowsDuring : "?"} rows in the database from the steady client, ${sc.acked} acknowledged during the reboot (${sc.failed} failed requests${typeof rowsDuring === "number" && rowsDuring > sc.acked ? `; ${rowsDuring - sc.acked} more rows than acknowledgements: commits whose answer did not reach the client` : ""})${typeof rowsDuring === "string" ? ` (${rowsDuring})` : ""}`);
  const w1 = inserts(ctx, `${note}-after`, 50);
  const rows1 = rowCount(dbServer, db, `${note}-after`);
  add(w1.acked === 50 && rows1 === 50, `after: ${w1.acked}/${w1.attempted} new inserts acknowledged through the site, ${rows1} in the database; answers ${JSON.stringify(w1.statuses)}`);
  // A rebooted replica follows its primary again: what was written there before, during and after
  // its reboot reaches it (GTID auto-positioning resumes from its own relay position).
  if (sm.roles.includes("replica")) {
    const notes = [note, steadyNote, `${note}-after`];
    const want = notes.map((n) => rowCount(dbServer, db, n));
    const t0 = Date.now();
    let got = notes.map((n) => rowCount(server, db, n));
    while (JSON.stringify(got) !== JSON.stringify(want) && Date.now() - t0 < 60000) {
      await sleep(500);
      got = notes.map((n) => rowCount(server, db, n));
    }
    add(want.every((n) => typeof n === "number") && JSON.stringify(got) === JSON.stringify(want),
      `replication resumed on ${server}: rows with the drill's notes (before/during/after) ${got.join("/")} on it, ${want.join("/")} on the primary ${dbServer} (${((Date.now() - t0) / 1000).toFixed(1)} s after the last insert)`);
  }

  const figures = {
    server,
    killedProcesses: before.length,
    bootSeconds: (tBooted - tBoot) / 1000,
    bootJobs: jobs.length,
    bootTransactionSeconds: boot?.finishedAt ? (boot.finishedAt - boot.startedAt) / 1000 : null,
    fetchSeconds: fetchJob ? (fetchJob.finishedAt - fetchJob.startedAt) / 1000 : null,
    steadyAttempted: sc.attempted,
    steadyAcked: sc.acked,
    steadyFailed: sc.failed,
    steadyStatuses: sc.statuses,
    outageWindowSeconds: outageMs / 1000,
    rowsDuring,
    timeToHealthySeconds: tHealthy ? (tHealthy - tKill) / 1000 : null,
    ackedBefore: w0.acked,
    rowsAfter: rows,
    units: units.length,
    fetchedFiles: entries1.length,
  };
  const ok = lines.every((l) => l.ok) && tHealthy > 0;
  say(`  time to healthy: ${tHealthy ? `${((tHealthy - tKill) / 1000).toFixed(1)} s from the kill (boot transaction ${((tBooted - tBoot) / 1000).toFixed(1)} s; every unit active and /healthz 200 at +${((tHealthy - tBoot) / 1000).toFixed(1)} s after the boot began)` : "not healthy within 180 s of the boot"}; failed requests ${sc.failed}, outage window ${(outageMs / 1000).toFixed(1)} s`);
  return { ok, lines: lines.map((l) => `${l.ok ? "✓" : "✗"} ${l.text}`), figures };
}

/**
 * `--server all`: every server of the lab in turn, each healthy again (its drill passed) before the
 * next is rebooted; the first failure stops the round (no second fault on top of an unhealthy site).
 */
export async function rebootEach(servers: string[], hooks: BootHooks, say: (l: string) => void): Promise<{ ok: boolean; lines: string[]; figures: Array<Record<string, unknown>> }> {
  const lines: string[] = [];
  const figures: Array<Record<string, unknown>> = [];
  for (const s of servers) {
    say(`reboot ${s}`);
    const r = await rebootDrill(s, hooks, say);
    lines.push(...r.lines.map((l) => `${s}: ${l}`));
    figures.push(r.figures);
    if (!r.ok) {
      const left = servers.slice(servers.indexOf(s) + 1);
      if (left.length) lines.push(`✗ stopped after ${s} failed; not rebooted: ${left.join(" ")}`);
      return { ok: false, lines, figures };
    }
  }
  return { ok: true, lines, figures };
}

/** The lab's servers (`--server all`), in the model's order. */
export function labServers(): string[] {
  return context().rendered.model.servers.map((s) => s.name);
}

/** What `up` does for a server, as the drill needs it (the CLI passes the same). */

/** The faults' lifecycle entry (lab/drills/lifecycle.ts): every server of the lab rebooted in turn. */
export function rebootCheck(boot: BootHooks = UP_HOOKS, say: (l: string) => void = () => undefined): Promise<CheckResult> {
  return timedCheck("reboot: every server in turn (the EC2 reboot path)", async () => {
    const servers = labServers();
    const r = await rebootEach(servers, boot, say);
    const figs = r.figures.map((f) => `${f.server} healthy ${f.timeToHealthySeconds ?? "never"} s, ${f.steadyFailed}/${f.steadyAttempted} failed, outage ${f.outageWindowSeconds} s`);
    return { ok: r.ok, summary: `${r.figures.length}/${servers.length} servers rebooted and healthy again: ${figs.join("; ")}`, lines: r.lines, details: r.figures };
  });
}

export async function runRebootDrill(server: string | undefined, hooks: BootHooks, json: boolean): Promise<number> {
  const say = (l: string) => { if (!json) process.stdout.write(`${l}\n`); };
  const t0 = Date.now();
  const servers = server === "all" ? labServers() : undefined;
  const r = servers ? await rebootEach(servers, hooks, say) : await rebootDrill(server, hooks, say);
  const out = { drill: "reboot", ok: r.ok, seconds: (Date.now() - t0) / 1000, date: new Date().toISOString(), figures: r.figures, lines: r.lines };
  fs.writeFileSync(path.join(STATE, "last-reboot.json"), JSON.stringify(out, null, 2));
  if (json) process.stdout.write(JSON.stringify(out, null, 2) + "\n");
  else if (servers) {
    for (const f of r.figures as Array<Record<string, unknown>>) say(`  ${String(f.server).padEnd(8)} healthy ${f.timeToHealthySeconds ?? "never"} s after the kill, steady client ${f.steadyFailed}/${f.steadyAttempted} failed, outage window ${f.outageWindowSeconds} s`);
    say(`${r.ok ? "PASS" : "FAIL"}  drill reboot of every server in turn (${servers.join(", ")}; ${out.seconds.toFixed(1)} s)`);
  } else say(`${r.ok ? "PASS" : "FAIL"}  drill reboot of ${(r.figures as Record<string, unknown>).server} (${out.seconds.toFixed(1)} s)`);
  return r.ok ? 0 : 1;
}
