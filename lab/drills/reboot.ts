/**
 * Reboot drill (`npm run lab -- drill reboot [--server <name>] [--json]`; default: the database
 * server): what a reboot of one server does to the running site.
 *
 *   before   acknowledged inserts through the site (POST /visit, 201 only after the commit); the
 *            units the server runs, the the files its sws-fetch installed, a marker in
 *            each of its tmpfs (/run, /tmp, /dev/shm);
 *   power    every process of the server SIGKILLed: its supervisor (the lab's systemd) and its
 *            init (PID 1 of the server's PID namespace: every process in it dies with it), no
 *            process left in the server's mount or PID namespace; its mount + UTS namespaces
 *            released, so its tmpfs /run, /tmp and /dev/shm are gone;
 *   boot     the same root (overlay upper layer kept, the data volume the same) booted through
 *            `up`'s own path: namespaces and tmpfs set up by root-setup.sh, the server's init, what
 *            EC2 gives it (resolver, the attached data volume), the lab's runtime files in /run
 *            (collector copy, HAProxy's fd limit), a new supervisor, then the user data the program
 *            registered, cloud-init's steps and runcmd (sws-fetch reads SSM in the lab's AWS again);
 *   after    every unit that was active is active again; every fetched file was written again by
 *            this boot (its change time) and its SHA-256 equals the program's parameter and the lab AWS's; the markers are
 *            gone; every acknowledged row is in the database; the site answers /healthz through the
 *            balancer and acknowledges new inserts. Time to healthy (kill → all of that) printed.
 *
 * What the lab cannot show: a machine's power loss (the page cache is the host kernel's, so a
 * write the database had not flushed survives here); cloud-init on EC2 runs runcmd once per
 * instance, the lab re-runs the user data's steps at every boot (as `up` does).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { RenderedStack } from "../../components/render";
import { context } from "../checks/common";
import { compareFetched, parseFetchList } from "../aws/compare";
import { emulatorParameterDigests } from "../aws/emulator";
import { prepareInstance } from "../aws/instance";
import type { ProgramRun } from "../aws/program";
import { PROGRAM_FILE, programParameterDigests, programUserData, readAwsState } from "../aws/setup";
import { prepareCollectors } from "../collector";
import { CLIENTS_DIR, isMounted, readJson, STATE } from "../files";
import { bootServer, FETCH_STEP } from "../payload";
import { alive, signal, sleep } from "../processes";
import { createRoot, inRoot, rootPaths, serverInitPid, stopInit } from "../root";
import { inNetns, netnsPath } from "../namespaces";
import { cleanEnv, run } from "../shell";
import { readState, writeState } from "../state";
import { supervisorDump } from "../supervisor/client";
import { supervisorPidsFile, supervisorSocket } from "../supervisor/paths";

/** What `up` does for a server that the drill must do again (lab/cli.ts owns both). */
export interface BootHooks {
  /** Starts the server's supervisor (as `up` does); returns its pid. */
  startSupervisor: (server: string) => number;
  /** `up`'s machine adaptations for one server (runtime files in its /run); returns a note or undefined. */
  adapt: (server: string, userData: string) => string | undefined;
}

interface Line { ok: boolean; text: string }

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
  // ---- power: every process of the server killed
  const off = await powerOff(server);
  const { tKill } = off;
  const before = off.killed;
  add(off.ok, off.text);
  add(off.released, `${server}'s mount/UTS namespaces released (tmpfs gone); its root (overlay upper layer ${p.upper}) kept`);

  // ---- boot, through up's path
  const tBoot = Date.now();
  const bootLog = path.join(p.logs, "sws-lab", "boot.log");
  if (fs.existsSync(bootLog)) fs.copyFileSync(bootLog, path.join(p.logs, "sws-lab", "boot.before-reboot.log"));
  createRoot(server, server, []);
  const vol = /^\s*DATA_VOLUME_ID=["']?(vol-[0-9a-f]+)["']?\s*$/m.exec(userData)?.[1];
  prepareInstance(server, model.network.resolver, vol);
  for (const n of prepareCollectors([rendered])) say(`    note: ${n}`);
  const adapted = hooks.adapt(server, userData);
  if (adapted) say(`    note: ${adapted}`);
  const pid = hooks.startSupervisor(server);
  const st2 = readState()!;
  st2.supervisors[server] = pid;
  writeState(st2);
  const supOk = await supervisorUp(server, 30000);
  add(supOk, `${server}: new supervisor (pid ${pid}) ${supOk ? "answers" : "does not answer within 30 s"}`);
  const report = await bootServer(server, userData, (m) => say(`  ${m}`));
  const tBooted = Date.now();
  const fetchStep = report.steps.find((x) => FETCH_STEP.test(x.step.replace(/^runcmd: /, "").split(" ")[0]));
  add(report.ok, `boot from the registered user data: ${report.steps.length} steps, ${report.steps.filter((s) => s.code !== 0).length} failed, ${((tBooted - tBoot) / 1000).toFixed(1)} s (sws-fetch ${fetchStep ? `${(fetchStep.ms / 1000).toFixed(1)} s, exit ${fetchStep.code}` : "not run"}); log ${report.log}`);

  // ---- healthy: every unit that was active is active, the site answers through the balancer
  let tHealthy = 0;
  let missing: string[] = units;
  let siteOk = false;
  while (Date.now() - tBooted < 120000) {
    const d = await supervisorDump(server);
    const active = new Set((d?.units ?? []).filter((u) => u.state === "active").map((u) => u.name));
    missing = units.filter((u) => !active.has(u));
    siteOk = healthz(ctx);
    if (!missing.length && siteOk) {
      tHealthy = Date.now();
      break;
    }
    await sleep(250);
  }
  add(!missing.length, `every unit ${server} had is active again (${units.length}: ${units.join(" ")})${missing.length ? `; not active: ${missing.join(" ")}` : ""}`);
  add(siteOk, `the site answers /healthz through the balancer ${st.balancer.name}`);

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
  const w1 = inserts(ctx, `${note}-after`, 50);
  const rows1 = rowCount(dbServer, db, `${note}-after`);
  add(w1.acked === 50 && rows1 === 50, `after: ${w1.acked}/${w1.attempted} new inserts acknowledged through the site, ${rows1} in the database; answers ${JSON.stringify(w1.statuses)}`);

  const figures = {
    server,
    killedProcesses: before.length,
    bootSeconds: (tBooted - tBoot) / 1000,
    fetchSeconds: fetchStep ? fetchStep.ms / 1000 : null,
    timeToHealthySeconds: tHealthy ? (tHealthy - tKill) / 1000 : null,
    ackedBefore: w0.acked,
    rowsAfter: rows,
    units: units.length,
    fetchedFiles: entries1.length,
  };
  const ok = lines.every((l) => l.ok) && tHealthy > 0;
  say(`  time to healthy: ${tHealthy ? `${((tHealthy - tKill) / 1000).toFixed(1)} s from the kill (boot ${((tBooted - tBoot) / 1000).toFixed(1)} s, then ${((tHealthy - tBooted) / 1000).toFixed(1)} s until every unit active and /healthz 200)` : "not healthy within 120 s of the boot"}`);
  return { ok, lines: lines.map((l) => `${l.ok ? "✓" : "✗"} ${l.text}`), figures };
}

export async function runRebootDrill(server: string | undefined, hooks: BootHooks, json: boolean): Promise<number> {
  const say = (l: string) => { if (!json) process.stdout.write(`${l}\n`); };
  const t0 = Date.now();
  const r = await rebootDrill(server, hooks, say);
  const out = { drill: "reboot", ok: r.ok, seconds: (Date.now() - t0) / 1000, date: new Date().toISOString(), figures: r.figures, lines: r.lines };
  fs.writeFileSync(path.join(STATE, "last-reboot.json"), JSON.stringify(out, null, 2));
  if (json) process.stdout.write(JSON.stringify(out, null, 2) + "\n");
  else say(`${r.ok ? "PASS" : "FAIL"}  drill reboot of ${r.figures.server} (${out.seconds.toFixed(1)} s)`);
  return r.ok ? 0 : 1;
}
