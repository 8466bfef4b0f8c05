/**
 * Replacement drill (`npm run lab -- drill replacement [--server <db server>] [--empty-volume] [--json]`;
 * default: the database server, the primary): what replacing a database server's instance (an
 * AMI or instance-type change) does to the running site. On AWS that is a new instance, booted
 * the first time from the same user data, with the same EBS data volume attached to it again.
 *
 *   before   acknowledged inserts through the site (POST /visit, 201 only after the commit); the
 *            datadir's identity on the data volume (ibdata1's inode and birth time in the lab's
 *            volume directory, the table's row count and CHECKSUM TABLE, the binlog GTID position);
 *            the root's identity (its upper layer's inode, a marker file written on it) and the
 *            instance id IMDS gives the server; a steady client (GET /count?note=… through the
 *            balancer: the app reading the acknowledged rows) runs from here to the end;
 *   power    every process of the server SIGKILLed, its namespaces released (reboot.ts powerOff);
 *   discard  the root thrown away: the overlay unmounted, its upper and work layers deleted, the
 *            server's cgroups removed; its logs moved aside (an instance's /var/log goes with it);
 *   boot     a new root (empty upper layer) booted as `up` boots a server the first time: namespaces
 *            (root-setup.sh), its supervisor, the machine adaptations, the collector, IMDS with a
 *            NEW instance id (the role's credentials as before), what EC2 gives it (resolver, the
 *            data volume — the same one, or with --empty-volume a new empty one), then the user
 *            data the program registered (write_files, users, runcmd: sws-fetch from the lab's AWS,
 *            sws-db-init on the volume);
 *   after    the root is new (upper layer, marker gone, new instance id); every acknowledged row is
 *            in the database, the table's checksum and the datadir's identity are the ones from
 *            before (the datadir was not initialised again), the GTID position did not go back;
 *            the app answers through the balancer with the count of the rows written before and
 *            acknowledges new inserts (the users and grants applied again work); on a replica:
 *            replicating again over GTID, caught up, no transaction of its own (no errant GTID).
 *            Time from the power-off to healthy, and the steady client's failed requests, printed.
 *
 * --empty-volume (the negative): the replacement gets a new, empty volume instead of its own (the
 * old volume deleted, or an attachment pointing at the wrong volume). It asserts that the product
 * does not then serve an empty database as if nothing had happened (sws-db-init refuses: the
 * primary has backups); the drill then replaces the server once more with its own volume, so the
 * lab ends with its data. --empty-volume --start-empty: the same with the operator's marker
 * (sws-new-datadir-ok) on the empty volume — the product then starts an empty database on purpose
 * and the site serves it, which is what every replacement onto an empty volume did before the guard.
 *
 * What the lab cannot show: EBS itself (the volume is a host directory bound at the mount point,
 * so sws-db-init's device search and mkfs do not run: a stand-in listed by `check`); the alarms'
 * and the program's view of the new instance id (on AWS the same `pulumi up` updates them).
 */
import { spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { RenderedStack } from "../../components/render";
import { DATADIR } from "../../components/payloads/database";
import { CheckResult, context, timedCheck } from "../checks/common";
import { AEMM_BIN, imdsHost, InstanceIdentity, RoleCredentials, startImds } from "../aws/host";
import { prepareInstance, volumeDir } from "../aws/instance";
import type { ProgramRun } from "../aws/program";
import { AWS_STATE, PROGRAM_FILE, programUserData, readAwsState } from "../aws/setup";
import { prepareCollectors } from "../collector";
import { CLIENTS_DIR, readJson, STATE, writeJson } from "../files";
import { helpers } from "../helperDaemons";
import { inNetns, netnsPath } from "../namespaces";
import { bootServer, FETCH_STEP } from "../payload";
import { alive, childrenOf, signal, sleep } from "../processes";
import { createRoot, destroyRoot, inRoot, rootPaths, writeInRoot } from "../root";
import { cleanEnv } from "../shell";
import { readState, writeState } from "../state";
import { supervisorDump } from "../supervisor/client";
import { BootHooks, inserts, powerOff, rowCount, supervisorUp, waitHealthy } from "./reboot";

type Ctx = ReturnType<typeof context>;
interface Line { ok: boolean; text: string }

/** A file written on the root's upper layer (not tmpfs): a replaced root must not have it. */
const ROOT_MARKER = "/var/lib/sws-lab-replacement-marker";
const INSERTS = 300;

/** The datadir as the database and the volume show it. */
interface DatadirIdentity {
  /** ibdata1 in the lab's volume directory: inode and birth time (a new datadir is a new file). */
  ibdata: string;
  rows: number | string;
  checksum: string;
  gtidBinlogPos: string;
  serverId: string;
}

function sql(server: string, db: string, q: string): { ok: boolean; out: string } {
  const r = inRoot(server, ["mysql", "--protocol=socket", "-N", "-B", db, "-e", q]);
  return { ok: r.code === 0, out: r.code === 0 ? r.stdout.trim() : `mysql exit ${r.code}: ${r.stderr.trim().split("\n")[0]}` };
}

function datadirIdentity(server: string, db: string, volumeId: string | undefined, note: string): DatadirIdentity {
  let ibdata = "no data volume";
  if (volumeId) {
    const f = path.join(volumeDir(volumeId), path.basename(DATADIR), "ibdata1");
    const st = fs.existsSync(f) ? fs.statSync(f) : undefined;
    ibdata = st ? `inode ${st.ino}, born ${st.birthtime.toISOString()}` : `no ${f}`;
  }
  const cs = sql(server, db, "CHECKSUM TABLE visits");
  return {
    ibdata,
    rows: rowCount(server, db, note),
    checksum: cs.ok ? cs.out.split("\t")[1] ?? cs.out : cs.out,
    gtidBinlogPos: sql(server, db, "SELECT @@gtid_binlog_pos").out,
    serverId: sql(server, db, "SELECT @@server_id").out,
  };
}

/** The instance id IMDS gives the server (IMDSv2, from inside its network namespace). */
function imdsInstanceId(server: string): string {
  const t = inNetns(server, "curl", ["-sf", "--max-time", "2", "-X", "PUT", "-H", "X-aws-ec2-metadata-token-ttl-seconds: 60", "http://169.254.169.254/latest/api/token"]);
  if (t.code !== 0) return "?";
  const r = inNetns(server, "curl", ["-sf", "--max-time", "2", "-H", `X-aws-ec2-metadata-token: ${t.stdout.trim()}`, "http://169.254.169.254/latest/meta-data/instance-id"]);
  return r.code === 0 ? r.stdout.trim() : "?";
}

/** GET /count?note=… through the balancer: the app reading the rows (null when it does not answer 200). */
function countThroughSite(ctx: Ctx, note: string): { status: string; count: number | null } {
  const { state } = ctx;
  const r = inNetns(ctx.client, "curl", ["-s", "--max-time", "5", "-w", "\n%{http_code}", "--cacert", state.caBundle, "--resolve", `${state.domain}:443:${state.balancer.ip}`,
    `https://${state.domain}/count?note=${encodeURIComponent(note)}`]);
  const [body, code] = [r.stdout.slice(0, r.stdout.lastIndexOf("\n")), r.stdout.slice(r.stdout.lastIndexOf("\n") + 1)];
  let count: number | null = null;
  try {
    if (code === "200") count = Number((JSON.parse(body) as { count: number }).count);
  } catch {
    /* not JSON */
  }
  return { status: code || `curl exit ${r.code}`, count };
}

/** The steady client through the balancer (https-steady.js), stopped with "stop" on its stdin. */
function startSteady(ctx: Ctx, urlPath: string, rps: number, maxMs: number) {
  const { state } = ctx;
  const child = spawn("nsenter", [`--net=${netnsPath(ctx.client)}`, "--", process.execPath, path.join(CLIENTS_DIR, "https-steady.js"),
    state.balancer.ip, state.domain, urlPath, String(rps), String(maxMs), state.caBundle], { env: cleanEnv(), stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  const finished = new Promise<void>((r) => child.on("close", () => r()));
  return {
    async stop(): Promise<{ t0: number; requests: Array<{ at: number; ms: number; status: number; error: string }> }> {
      child.stdin.write("stop\n");
      await finished;
      return JSON.parse(out);
    },
  };
}

/** A new EC2 instance id (17 hex digits, as RunInstances gives). */
const newInstanceId = () => `i-${crypto.randomBytes(9).toString("hex").slice(0, 17)}`;

/**
 * IMDS for the replacement: the same role, a new instance id. The server's IMDS helper (its own
 * namespace, kept) is restarted with a configuration naming the new id; the role's credentials are
 * the ones the emulated STS issued at `up`.
 */
async function newInstanceIdentity(server: string): Promise<{ before: string; after: string } | undefined> {
  const aws = readAwsState();
  const id = aws?.instances.find((i) => i.server === server);
  if (!aws || !id) return undefined;
  const cfgFile = path.join(path.dirname(AWS_STATE), "imds", `${server}.json`);
  const cfg = readJson<{ metadata: { values: { "iam-security-credentials": { AccessKeyId: string; SecretAccessKey: string; Token: string; Expiration: string } } } } | undefined>(cfgFile, undefined);
  if (!cfg) return undefined;
  const c = cfg.metadata.values["iam-security-credentials"];
  const creds: RoleCredentials = { AccessKeyId: c.AccessKeyId, SecretAccessKey: c.SecretAccessKey, SessionToken: c.Token, Expiration: c.Expiration };
  const h = helpers().find((x) => x.name === imdsHost(server));
  if (h) {
    // The helper is `unshare --kill-child`: SIGKILL to it ends the metadata mock with it.
    for (const k of childrenOf(h.pid)) signal(k, "SIGKILL");
    signal(h.pid, "SIGKILL");
    for (let i = 0; i < 100 && alive(h.pid); i++) await sleep(20);
  }
  const next: InstanceIdentity = { ...id, instanceId: newInstanceId() };
  await startImds(AEMM_BIN, next, creds);
  aws.instances = aws.instances.map((i) => (i.server === server ? next : i));
  writeJson(AWS_STATE, aws);
  fs.chmodSync(AWS_STATE, 0o600);
  return { before: id.instanceId, after: next.instanceId };
}

interface Replaced {
  tOff: number;
  tBoot: number;
  tBooted: number;
  offOk: boolean;
  killed: number;
  upperBefore: number;
  upperAfter: number;
  instance?: { before: string; after: string };
  bootOk: boolean;
  bootText: string;
  logsKept: string;
}

/** Power the server off, discard its root, boot a new one as `up` does, with `volumeId` attached. */
async function replace(ctx: Ctx, server: string, volumeId: string | undefined, hooks: BootHooks, say: (l: string) => void): Promise<Replaced> {
  const rendered = (ctx.rendered as RenderedStack).servers.find((s) => s.name === server)!;
  const program = JSON.parse(fs.readFileSync(PROGRAM_FILE, "utf8")) as ProgramRun;
  const userData = programUserData(program, ctx.rendered.model.servers).get(server)!;
  const p = rootPaths(server);
  const upperBefore = fs.statSync(p.upper).ino;

  const off = await powerOff(server);
  say(`  ${off.ok ? "✓" : "✗"} ${off.text}`);
  // Discard the root: the overlay and its layers, the server's cgroups (destroyRoot), and its
  // logs moved aside — a new instance starts with an empty /var/log.
  destroyRoot(server);
  const logsKept = `${p.logs}.before-replacement`;
  fs.rmSync(logsKept, { recursive: true, force: true });
  if (fs.existsSync(p.logs)) fs.renameSync(p.logs, logsKept);

  // Boot a new instance, in `up`'s order.
  const tBoot = Date.now();
  createRoot(server, server, []);
  const upperAfter = fs.statSync(p.upper).ino;
  const pid = hooks.startSupervisor(server);
  const st = readState()!;
  st.supervisors[server] = pid;
  writeState(st);
  const supOk = await supervisorUp(server, 30000);
  if (!supOk) say(`  ✗ ${server}: its new supervisor (pid ${pid}) does not answer within 30 s`);
  const adapted = hooks.adapt(server, userData);
  if (adapted) say(`    note: ${adapted}`);
  for (const n of prepareCollectors([rendered])) say(`    note: ${n}`);
  const instance = await newInstanceIdentity(server);
  prepareInstance(server, ctx.rendered.model.network.resolver, volumeId);
  const report = await bootServer(server, userData, (m) => say(`  ${m}`));
  const tBooted = Date.now();
  const fetchStep = report.steps.find((x) => FETCH_STEP.test(x.step.replace(/^runcmd: /, "").split(" ")[0]));
  const initStep = report.steps.find((x) => /sws-db-init$/.test(x.step.replace(/^runcmd: /, "").split(" ")[0]));
  const failed = report.steps.filter((s) => s.code !== 0);
  return {
    tOff: off.tKill, tBoot, tBooted, offOk: off.ok && off.released, killed: off.killed.length, upperBefore, upperAfter, instance, logsKept,
    bootOk: report.ok && supOk,
    bootText: `first boot of the new root from the registered user data: ${report.steps.length} steps, ${failed.length} failed${failed.length ? ` (${failed.map((f) => `${f.step} → exit ${f.code}`).join("; ")})` : ""}, ${((tBooted - tBoot) / 1000).toFixed(1)} s (sws-fetch ${fetchStep ? `${(fetchStep.ms / 1000).toFixed(1)} s` : "not run"}, sws-db-init ${initStep ? `${(initStep.ms / 1000).toFixed(1)} s, exit ${initStep.code}` : "not run"}); log ${report.log}`,
  };
}

function replicaStatus(server: string): Record<string, string> {
  const r = inRoot(server, ["mysql", "--protocol=socket", "-e", "SHOW SLAVE STATUS\\G"]);
  const out: Record<string, string> = {};
  for (const l of r.stdout.split("\n")) {
    const m = /^\s*(\w+):\s?(.*)$/.exec(l);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

export interface ReplacementOptions {
  /** Attach a new, empty volume instead of the server's own (the negative). */
  emptyVolume?: boolean;
  /** With emptyVolume: the operator's marker on it (sws-new-datadir-ok): start empty on purpose. */
  startEmpty?: boolean;
}

export interface ReplacementResult { ok: boolean; lines: string[]; figures: Record<string, unknown> }

export async function replacementDrill(serverArg: string | undefined, opts: ReplacementOptions, hooks: BootHooks, say: (l: string) => void): Promise<ReplacementResult> {
  const ctx = context();
  const model = ctx.rendered.model;
  if (model.database.topology === "cluster") {
    throw new Error("drill replacement: the cluster profile's nodes rejoin by state transfer; this drill covers the single database and its replica (profiles default, hardened)");
  }
  const primary = model.servers.find((s) => s.roles.includes("database"))!.name;
  const server = serverArg ?? primary;
  const sm = model.servers.find((s) => s.name === server);
  if (!sm || !(sm.roles.includes("database") || sm.roles.includes("replica"))) {
    throw new Error(`--server: ${JSON.stringify(server)} is not a database server of this lab (database servers: ${model.servers.filter((s) => s.roles.includes("database") || s.roles.includes("replica")).map((s) => s.name).join(", ")})`);
  }
  const isReplica = sm.roles.includes("replica");
  if (opts.startEmpty && !opts.emptyVolume) throw new Error("--start-empty goes with --empty-volume");
  if (opts.emptyVolume && isReplica) throw new Error("--empty-volume: drilled on the primary (a replica on an empty volume is seeded again by replication)");
  const db = model.database.name;
  const program = JSON.parse(fs.readFileSync(PROGRAM_FILE, "utf8")) as ProgramRun;
  const userData = programUserData(program, model.servers).get(server)!;
  const volumeId = /^\s*DATA_VOLUME_ID=["']?(vol-[0-9a-f]+)["']?\s*$/m.exec(userData)?.[1];
  if (!volumeId) throw new Error(`${server}: its user data names no DATA_VOLUME_ID; nothing to re-attach`);
  const lines: Line[] = [];
  const add = (ok: boolean, text: string) => {
    lines.push({ ok, text });
    say(`  ${ok ? "✓" : "✗"} ${text}`);
  };

  // ---- before
  const note = `replacement-${server}-${Date.now()}`;
  const w0 = inserts(ctx, note, INSERTS);
  add(w0.acked === INSERTS, `before: ${w0.acked}/${w0.attempted} inserts acknowledged through the site (note ${note}); answers ${JSON.stringify(w0.statuses)}`);
  if (isReplica) {
    // The acknowledged rows on the replica before it is replaced (replication is asynchronous).
    const t = Date.now();
    while (rowCount(server, db, note) !== w0.acked && Date.now() - t < 10000) await sleep(100);
  }
  const id0 = datadirIdentity(server, db, volumeId, note);
  const dump0 = await supervisorDump(server);
  if (!dump0) throw new Error(`${server}: its supervisor does not answer (is the lab up?)`);
  // Targets are synchronisation points of a boot transaction (active only after the enabled units
  // were started, as `drill reboot` does), not something the server serves: not compared.
  const units = dump0.units.filter((u) => u.state === "active" && !u.name.endsWith(".target")).map((u) => u.name).sort();
  writeInRoot(server, ROOT_MARKER, "written on the root before its replacement\n", "0644", "root:root");
  const markerOnUpper = fs.existsSync(path.join(rootPaths(server).upper, ROOT_MARKER));
  const instance0 = imdsInstanceId(server);
  const site0 = countThroughSite(ctx, note);
  say(`• ${server} (${sm.roles.join("+")}), volume ${volumeId}: datadir ${id0.ibdata}, ${id0.rows} rows with the note, CHECKSUM TABLE visits ${id0.checksum}, gtid_binlog_pos ${id0.gtidBinlogPos || "(empty)"}; ${units.length} active units; instance ${instance0}; the site counts ${site0.count ?? site0.status}`);
  add(markerOnUpper && site0.count === w0.acked, `before: a marker on the root's upper layer (${ROOT_MARKER}); GET /count?note=… through the balancer answers ${site0.status} with ${site0.count}`);

  const steady = startSteady(ctx, `/count?note=${encodeURIComponent(note)}`, 10, 300000);
  await sleep(1000);

  // ---- replace: power off, discard the root, boot a new one with the volume (or an empty one)
  const emptyId = opts.emptyVolume ? `vol-${crypto.randomBytes(9).toString("hex").slice(0, 17)}` : undefined;
  if (emptyId && opts.startEmpty) {
    // What an operator does to start empty on purpose: the marker sws-db-init honours, on the new volume.
    fs.mkdirSync(volumeDir(emptyId), { recursive: true, mode: 0o755 });
    fs.writeFileSync(path.join(volumeDir(emptyId), "sws-new-datadir-ok"), "");
  }
  const r = await replace(ctx, server, emptyId ?? volumeId, hooks, say);
  add(r.offOk, `${server} powered off: ${r.killed} processes SIGKILLed, none left, its namespaces released`);
  // The marker written on the old upper layer is the proof that it is gone: a deleted directory's
  // inode number may be handed to the new one (a CI dry run at 17:10 saw 860515 → 860515).
  add(!fs.existsSync(path.join(rootPaths(server).upper, ROOT_MARKER)) && inRoot(server, ["test", "-e", ROOT_MARKER]).code !== 0,
    `root discarded: the marker written on the old upper layer is gone from the new one (upper layer inode ${r.upperBefore} → ${r.upperAfter}); the old root's logs kept aside in ${r.logsKept}`);
  const instance1 = imdsInstanceId(server);
  add(!!r.instance && instance1 === r.instance.after && instance1 !== instance0, `a new instance: IMDS says ${instance1} (was ${instance0})`);
  // On an empty volume a failing boot step (sws-db-init refusing) is the outcome under test, not a fault of the drill.
  if (opts.emptyVolume) say(`  • ${r.bootText}`);
  else add(r.bootOk, r.bootText);

  if (opts.emptyVolume) return emptyVolumeOutcome(ctx, server, db, note, w0.acked, volumeId, emptyId!, !!opts.startEmpty, units, r, steady, hooks, lines, add, say);

  // ---- healthy
  const h = await waitHealthy(ctx, server, units, 120000);
  add(!h.missing.length, `every unit ${server} had is active on the new root (${units.length}: ${units.join(" ")})${h.missing.length ? `; not active: ${h.missing.join(" ")}` : ""}`);
  add(h.site, `the site answers /healthz through the balancer ${ctx.state.balancer.name}`);
  await sleep(2000);
  const res = await steady.stop();

  // ---- the data: the same datadir, every row
  const id1 = datadirIdentity(server, db, volumeId, note);
  add(id1.ibdata === id0.ibdata && !id1.ibdata.startsWith("no "), `the same datadir on the volume: ibdata1 ${id1.ibdata} (before: ${id0.ibdata}) — sws-db-init did not initialise it again`);
  add(typeof id1.rows === "number" && id1.rows === w0.acked, `${id1.rows} rows with the note after the replacement, ${w0.acked} acknowledged before`);
  add(id1.checksum === id0.checksum, `CHECKSUM TABLE visits ${id1.checksum} (before: ${id0.checksum})`);
  add(!!id1.gtidBinlogPos && gtidAtLeast(id1.gtidBinlogPos, id0.gtidBinlogPos), `gtid_binlog_pos ${id1.gtidBinlogPos} (before: ${id0.gtidBinlogPos || "(empty)"}): the binlog on the volume went on`);
  const site1 = countThroughSite(ctx, note);
  add(site1.count === w0.acked, `the app serves them: GET /count?note=${note} through the balancer answers ${site1.status} with ${site1.count} (acknowledged before: ${w0.acked})`);
  const w1 = inserts(ctx, `${note}-after`, 50);
  add(w1.acked === 50, `after: ${w1.acked}/${w1.attempted} new inserts acknowledged through the site (the app user and its grants, applied again by sws-db-init, work); answers ${JSON.stringify(w1.statuses)}`);
  let replica: Record<string, unknown> | undefined;
  if (isReplica) replica = await replicaAfter(ctx, server, primary, db, `${note}-after`, w1.acked, id1.serverId, add);
  else {
    const rows1 = rowCount(server, db, `${note}-after`);
    add(rows1 === w1.acked, `${rows1} of them in ${server}'s database`);
  }

  const steadyFig = steadyFigures(res, r.tOff);
  add(res.requests.length > 0, `steady client (10 req/s, GET /count?note=… through the balancer, from before the power-off until healthy + 2 s): ${steadyFig.text}`);
  const tHealthy = h.t ? (h.t - r.tOff) / 1000 : null;
  say(`  time to healthy: ${tHealthy !== null ? `${tHealthy.toFixed(1)} s from the power-off (first boot ${((r.tBooted - r.tBoot) / 1000).toFixed(1)} s, then ${((h.t - r.tBooted) / 1000).toFixed(1)} s until every unit active and /healthz 200)` : "not healthy within 120 s of the boot"}`);
  const figures = {
    server, volumeId, replica: isReplica,
    timeToHealthySeconds: tHealthy,
    bootSeconds: (r.tBooted - r.tBoot) / 1000,
    ackedBefore: w0.acked, rowsAfter: id1.rows, checksum: { before: id0.checksum, after: id1.checksum },
    datadir: { before: id0.ibdata, after: id1.ibdata }, gtidBinlogPos: { before: id0.gtidBinlogPos, after: id1.gtidBinlogPos },
    instanceId: { before: instance0, after: instance1 },
    steady: steadyFig.figures,
    ...(replica ? { replicaStatus: replica } : {}),
  };
  return { ok: lines.every((l) => l.ok) && h.t > 0, lines: lines.map((l) => `${l.ok ? "✓" : "✗"} ${l.text}`), figures };
}

/** Every domain-server sequence of `before` is in `after` at the same or a later sequence number. */
export function gtidAtLeast(after: string, before: string): boolean {
  const parse = (s: string) => new Map(s.split(",").map((x) => x.trim()).filter(Boolean).map((g) => {
    const [d, sv, n] = g.split("-");
    return [`${d}-${sv}`, Number(n)] as [string, number];
  }));
  const a = parse(after);
  return [...parse(before)].every(([k, n]) => (a.get(k) ?? -1) >= n);
}

function steadyFigures(res: { t0: number; requests: Array<{ at: number; ms: number; status: number; error: string }> }, tOff: number) {
  const off = tOff - res.t0;
  const failed = res.requests.filter((x) => x.status !== 200);
  const window = failed.length ? `${((failed[0].at - off) / 1000).toFixed(2)} s … ${((failed[failed.length - 1].at - off) / 1000).toFixed(2)} s after the power-off` : "none";
  const byStatus: Record<string, number> = {};
  for (const f of failed) byStatus[String(f.status || f.error)] = (byStatus[String(f.status || f.error)] ?? 0) + 1;
  return {
    text: `${res.requests.length} requests, ${res.requests.length - failed.length} × 200, ${failed.length} failed (${window})${failed.length ? ` ${JSON.stringify(byStatus)}` : ""}`,
    figures: { requests: res.requests.length, failed: failed.length, byStatus, firstFailedS: failed.length ? (failed[0].at - off) / 1000 : null, lastFailedS: failed.length ? (failed[failed.length - 1].at - off) / 1000 : null },
  };
}

/** The replaced replica replicates again over GTID, has the new rows and no transaction of its own. */
async function replicaAfter(ctx: Ctx, server: string, primary: string, db: string, note: string, acked: number, serverId: string, add: (ok: boolean, t: string) => void): Promise<Record<string, unknown>> {
  const t0 = Date.now();
  let rows: number | string = -1;
  while (Date.now() - t0 < 15000) {
    rows = rowCount(server, db, note);
    if (rows === acked) break;
    await sleep(100);
  }
  const s = replicaStatus(server);
  add(s.Slave_IO_Running === "Yes" && s.Slave_SQL_Running === "Yes" && /slave_pos|current_pos/i.test(s.Using_Gtid ?? ""),
    `${server} replicates from ${s.Master_Host} again: IO ${s.Slave_IO_Running}, SQL ${s.Slave_SQL_Running}, Using_Gtid ${s.Using_Gtid}, SSL ${s.Master_SSL_Allowed}/${s.Master_SSL_Verify_Server_Cert}`);
  add(rows === acked, `the ${acked} rows acknowledged after the replacement reached ${server}: ${rows}`);
  const mine = sql(server, db, "SELECT @@gtid_binlog_pos").out.split(",").map((x) => x.trim()).filter((g) => g.split("-")[1] === serverId);
  const primaryPos = sql(primary, db, "SELECT @@gtid_binlog_pos").out;
  const slavePos = sql(server, db, "SELECT @@gtid_slave_pos").out;
  add(!mine.length, `no errant transaction on ${server}: its gtid_binlog_pos holds ${mine.length ? mine.join(",") : "no GTID"} of its own server_id ${serverId}; gtid_slave_pos ${slavePos}, the primary's gtid_binlog_pos ${primaryPos}`);
  return { ioRunning: s.Slave_IO_Running, sqlRunning: s.Slave_SQL_Running, usingGtid: s.Using_Gtid, slavePos, primaryPos };
}

/**
 * The negative: the new root got a new, empty volume. What does the site do? Passing means the
 * product did not serve an empty database as the stack's (it refused to start on an unexpected
 * empty volume); failing prints what it served. The server is then replaced once more with its
 * own volume, so the lab ends with its data (and that second replacement is checked too).
 */
async function emptyVolumeOutcome(
  ctx: Ctx, server: string, db: string, note: string, acked: number, volumeId: string, emptyId: string, startEmpty: boolean, units: string[], r: Replaced,
  steady: { stop: () => Promise<{ t0: number; requests: Array<{ at: number; ms: number; status: number; error: string }> }> },
  hooks: BootHooks, lines: Line[], add: (ok: boolean, t: string) => void, say: (l: string) => void,
): Promise<ReplacementResult> {
  // Give it the time a healthy replacement takes (~10-20 s here), then look at what the site serves.
  const h = await waitHealthy(ctx, server, units, 30000);
  const site = countThroughSite(ctx, note);
  const initLog = fs.readFileSync(path.join(rootPaths(server).logs, "sws-lab", "boot.log"), "utf8").split("\n").filter((l) => /sws-db-init/.test(l)).slice(-6);
  const rows = datadirIdentity(server, db, emptyId, note);
  const servedEmpty = site.status === "200";
  const refused = initLog.some((l) => /backups exist/.test(l));
  if (startEmpty) {
    add(servedEmpty && site.count === 0 && !rows.ibdata.startsWith("no "), `with the operator's marker on the empty volume (${emptyId}) the product starts an empty database on purpose and the site serves it — what every replacement onto an empty volume did before sws-db-init's guard: GET /count?note=… → ${site.status} with ${site.count} (acknowledged before: ${acked}), /healthz ${h.site ? "200" : "not 200"}; a new datadir: ibdata1 ${rows.ibdata}, gtid_binlog_pos ${rows.gtidBinlogPos || "(empty)"}`);
  } else add(refused, `sws-db-init refused to initialise a datadir on the empty volume (this primary has backups): ${initLog.filter((l) => /sws-db-init:/.test(l)).join(" | ") || "no refusal in the boot log"}`);
  if (!startEmpty) add(!servedEmpty, `on an empty volume (${emptyId}, not ${volumeId}) the site ${servedEmpty ? `SERVES an empty database as if nothing happened: GET /count?note=… → ${site.status} with ${site.count} (acknowledged before: ${acked}), /healthz ${h.site ? "200" : "not 200"}` : `does not serve: GET /count?note=… → ${site.status}`}; the new datadir: ibdata1 ${rows.ibdata}, ${rows.rows} rows with the note, gtid_binlog_pos ${rows.gtidBinlogPos || "(empty)"}; sws-db-init in the boot log: ${initLog.join(" | ") || "nothing"}`);
  const res = await steady.stop();
  const steadyFig = steadyFigures(res, r.tOff);
  say(`  steady client during it: ${steadyFig.text}`);

  // Put the lab back: replace again, with its own volume this time.
  say(`• replacing ${server} again with its own volume ${volumeId}`);
  const r2 = await replace(ctx, server, volumeId, hooks, say);
  add(r2.bootOk, `again: ${r2.bootText}`);
  const h2 = await waitHealthy(ctx, server, units, 120000);
  const site2 = countThroughSite(ctx, note);
  add(h2.t > 0 && site2.count === acked, `with its own volume back: healthy ${h2.t ? `${((h2.t - r2.tOff) / 1000).toFixed(1)} s after the power-off` : "never"}, GET /count?note=… → ${site2.status} with ${site2.count} of ${acked}`);
  fs.rmSync(volumeDir(emptyId), { recursive: true, force: true });
  const figures = { server, volumeId, emptyVolumeId: emptyId, startEmpty, refused, servedEmpty, siteOnEmpty: site, steady: steadyFig.figures, restoredCount: site2.count };
  return { ok: lines.every((l) => l.ok), lines: lines.map((l) => `${l.ok ? "✓" : "✗"} ${l.text}`), figures };
}

/** The drill as one CheckResult, for `faults`' lifecycle list (lab/drills/lifecycle.ts). */
export function replacementCheck(hooks: BootHooks, server?: string): Promise<CheckResult> {
  return timedCheck("replacement of the database server (root discarded, same data volume)", async () => {
    const r = await replacementDrill(server, {}, hooks, () => undefined);
    const f = r.figures as { server: string; timeToHealthySeconds: number | null; ackedBefore: number; rowsAfter: unknown; steady: { failed: number; requests: number } };
    return {
      ok: r.ok,
      summary: `${f.server}: healthy ${f.timeToHealthySeconds === null ? "never" : `${f.timeToHealthySeconds.toFixed(1)} s`} after the power-off, ${String(f.rowsAfter)}/${f.ackedBefore} acknowledged rows, ${f.steady.failed}/${f.steady.requests} steady requests failed`,
      lines: r.lines,
      details: r.figures,
    };
  });
}

/** The negative as one CheckResult: a replacement handed an empty volume must not serve an empty database as the stack's. */
export function replacementEmptyVolumeCheck(hooks: BootHooks, server?: string): Promise<CheckResult> {
  return timedCheck("replacement on an empty volume: the primary refuses to start empty, then its own volume back", async () => {
    const r = await replacementDrill(server, { emptyVolume: true }, hooks, () => undefined);
    const f = r.figures as { server: string; refused: boolean; servedEmpty: boolean; siteOnEmpty: { status: string }; restoredCount: unknown };
    return {
      ok: r.ok,
      summary: `${f.server}: sws-db-init ${f.refused ? "refused" : "did NOT refuse"} the empty volume, the site ${f.servedEmpty ? "SERVED an empty database" : `answered ${f.siteOnEmpty.status}`}; with its own volume back ${String(f.restoredCount)} rows served`,
      lines: r.lines,
      details: r.figures,
    };
  });
}

export async function runReplacementDrill(server: string | undefined, opts: ReplacementOptions, hooks: BootHooks, json: boolean): Promise<number> {
  const say = (l: string) => { if (!json) process.stdout.write(`${l}\n`); };
  const t0 = Date.now();
  const r = await replacementDrill(server, opts, hooks, say);
  const name = `replacement${opts.emptyVolume ? " --empty-volume" : ""}${opts.startEmpty ? " --start-empty" : ""}`;
  const out = { drill: name, ok: r.ok, seconds: (Date.now() - t0) / 1000, date: new Date().toISOString(), figures: r.figures, lines: r.lines };
  fs.writeFileSync(path.join(STATE, opts.emptyVolume ? `last-replacement-empty${opts.startEmpty ? "-start" : ""}.json` : "last-replacement.json"), JSON.stringify(out, null, 2));
  if (json) process.stdout.write(JSON.stringify(out, null, 2) + "\n");
  else say(`${r.ok ? "PASS" : "FAIL"}  drill ${name} of ${r.figures.server} (${out.seconds.toFixed(1)} s)`);
  return r.ok ? 0 : 1;
}
