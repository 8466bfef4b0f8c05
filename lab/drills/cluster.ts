/**
 * Fault drills of database.topology "cluster" (run by `faults` on the cluster profile, in place
 * of the single database's drill). Every load is bounded in count and time and goes only to the
 * lab's own addresses.
 *
 *   kill      kill -9 one Galera node (mariadbd) while a client streams acknowledged inserts
 *             through the site (POST /visit → app → its local HAProxy → any live node; 201 only
 *             after the commit): every acknowledged row is on every surviving node, writes go on,
 *             the longest window of failed requests is printed (goal < 5 s); the node, restarted by
 *             its unit (Restart=always), rejoins by incremental state transfer (IST, no full SST)
 *             with no person acting, and then holds every acknowledged row too.
 *   partition one node cut off from the others (a drop-all nftables table in its namespace) while
 *             the client writes through the site: the cut-off node leaves the primary component and
 *             refuses writes (no split brain), the two others keep serving, and after the cut is
 *             removed the node rejoins and converges (same table checksum on every node).
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { ServerModel } from "../../components/model";
import { supervisorDump } from "../supervisor/client";
import { cleanEnv } from "../shell";
import { inNetns, netnsPath } from "../namespaces";
import { CLIENTS_DIR } from "../files";
import { signal, sleep } from "../processes";
import { CheckContext, CheckResult, timedCheck } from "../checks/common";
import { Probe, clusterNodes, describeState, probeResult, scrape, sql, synced, wsrepState } from "../checks/cluster";
import { Ports } from "../../components/model";

const UNIT = "mariadb.service";

interface Writes {
  attempted: number; acked: number; failed: number; statuses: Record<string, number>; ids: number[];
  longestWindowMs: number; windowAt: number | null; slowestOkMs: number; endedUnrecovered: boolean;
}

async function unitInfo(server: string) {
  const d = await supervisorDump(server);
  return d?.units.find((x) => x.name === UNIT);
}

/** cluster-writes.js in the client's namespace; onLine sees its progress lines. */
function writer(ctx: CheckContext, note: string, count: number, maxMs: number, onLine: (l: string) => void): Promise<Writes> {
  return new Promise((resolve, reject) => {
    const { state } = ctx;
    const p = spawn("nsenter", [`--net=${netnsPath(ctx.client)}`, "--", process.execPath, path.join(CLIENTS_DIR, "cluster-writes.js"),
      state.balancer.ip, state.domain, note, String(count), String(maxMs), state.caBundle], { env: cleanEnv() });
    let out = "";
    let partial = "";
    p.stdout.on("data", (d) => {
      out += d;
      partial += d;
      const lines = partial.split("\n");
      partial = lines.pop()!;
      for (const l of lines) onLine(l);
    });
    p.on("close", () => {
      try { resolve(JSON.parse(out.trim().split("\n").pop()!)); } catch (e) { reject(new Error(`cluster-writes.js: ${out.slice(-300)}`)); }
    });
  });
}

/** Which of `ids` (rows with `note`) a node holds. */
function missingOn(server: string, db: string, note: string, ids: number[]): { missing: number[]; rows: number; error?: string } {
  const r = sql(server, `SELECT id FROM \`${db}\`.visits WHERE note = '${note}'`, 10000);
  if (r.code !== 0) return { missing: ids, rows: -1, error: r.err };
  const have = new Set(r.out.split("\n").filter(Boolean).map(Number));
  return { missing: ids.filter((i) => !have.has(i)), rows: have.size };
}

async function waitSynced(nodes: ServerModel[], size: number, timeoutMs: number): Promise<number | null> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (nodes.every((n) => synced(wsrepState(n.name), size))) return Date.now() - t0;
    await sleep(250);
  }
  return null;
}

/** The part of a unit's log written after `offset` bytes. */
function logSince(file: string | undefined, offset: number): string {
  if (!file || !fs.existsSync(file)) return "";
  const b = fs.readFileSync(file);
  return b.subarray(Math.min(offset, b.length)).toString("utf8");
}
const logSize = (file: string | undefined) => (file && fs.existsSync(file) ? fs.statSync(file).size : 0);

export function killNodeDrill(ctx: CheckContext, victimIndex = 1): Promise<CheckResult> {
  const nodes = clusterNodes(ctx);
  const victim = nodes[victimIndex % nodes.length];
  return timedCheck(`cluster: kill -9 ${victim.name} under acknowledged writes`, async () => {
    const db = ctx.rendered.model.database.name;
    const survivors = nodes.filter((n) => n.name !== victim.name);
    const before = await unitInfo(victim.name);
    if (!before?.mainPid) throw new Error(`${UNIT} is not running on ${victim.name}`);
    const logOffset = logSize(before.log);
    const note = `cluster-kill-${Date.now()}`;
    let tKill = 0;
    let tRejoin = 0;
    let writing = true;
    const writes = writer(ctx, note, 1000, 120000, (l) => {
      if (!tKill && l.includes('"acked":300')) {
        tKill = Date.now();
        signal(before.mainPid!, "SIGKILL");
      }
    }).finally(() => { writing = false; });
    // While the writes go on: when is the killed node back, Synced in a cluster of three?
    const watcher = (async () => {
      while (writing || (!tRejoin && Date.now() - tKill < 120000)) {
        if (tKill && !tRejoin && Date.now() - tKill > 1000 && synced(wsrepState(victim.name), nodes.length)) tRejoin = Date.now();
        if (tRejoin && !writing) break;
        await sleep(250);
      }
    })();
    const w = await writes;
    await watcher;
    const probes: Probe[] = [];
    probes.push({ name: `killed mariadbd ${before.mainPid} on ${victim.name} (kill -9) after 300 acknowledged inserts`, ok: tKill > 0, detail: tKill ? "killed" : "never reached 300 acknowledgements" });
    const afterKill = w.ids.length - 300;
    probes.push({ name: "writes went on through the site", ok: afterKill > 100 && !w.endedUnrecovered, detail: `${w.acked} acknowledged of ${w.attempted} (${afterKill} after the kill); answers ${JSON.stringify(w.statuses)}` });
    probes.push({
      name: "longest window of failed requests under 5 s",
      ok: w.longestWindowMs < 5000,
      detail: `${w.longestWindowMs} ms${w.windowAt ? ` (starting ${w.windowAt - tKill} ms after the kill)` : ""}; slowest successful request ${w.slowestOkMs} ms (a commit waits while the cluster evicts the dead node)`,
    });
    for (const s of survivors) {
      const m = missingOn(s.name, db, note, w.ids);
      probes.push({ name: `every acknowledged row on survivor ${s.name}`, ok: m.missing.length === 0 && m.rows >= w.acked, detail: `${w.acked - m.missing.length}/${w.acked} acknowledged present, ${m.rows} rows with the note${m.error ? `; ${m.error}` : ""}` });
    }
    // The unit restarts mariadbd (Restart=always); the node must rejoin by IST, nobody acting.
    const allMs = await waitSynced(nodes, nodes.length, 30000);
    const rejoinMs = tRejoin && allMs !== null ? tRejoin - tKill : null;
    const after = await unitInfo(victim.name);
    const log = logSince(after?.log ?? before.log, logOffset);
    // The joiner always runs the SST script; it either receives a full copy ("Proceeding with SST")
    // or is told by the donor to take an IST ("Running IST", then "IST received").
    const ist = /IST received|mariabackup IST completed on joiner/.test(log);
    const sst = /Proceeding with SST|mariabackup SST completed on joiner/.test(log);
    probes.push({
      name: `${victim.name} rejoined by itself (restarted by its unit) and is Synced in a cluster of ${nodes.length}`,
      ok: rejoinMs !== null && (after?.restarts ?? 0) > (before.restarts ?? 0),
      detail: rejoinMs !== null ? `${victim.name} Synced again ${(rejoinMs / 1000).toFixed(1)} s after the kill (unit restarts ${before.restarts} → ${after?.restarts})` : `not synced within 120 s of the kill: ${describeState(wsrepState(victim.name))}`,
    });
    probes.push({ name: `${victim.name} caught up by incremental state transfer (IST), no full transfer`, ok: ist && !sst, detail: `log after the kill: ${ist ? "IST received" : "no IST"}${sst ? ", a full SST ran" : ""}` });
    const m = missingOn(victim.name, db, note, w.ids);
    probes.push({ name: `every acknowledged row on the rejoined ${victim.name}`, ok: m.missing.length === 0, detail: `${w.acked - m.missing.length}/${w.acked} present` });
    return probeResult(probes, { writes: { ...w, ids: undefined }, note, killedPid: before.mainPid, rejoinMs },
      `${w.acked} acknowledged; longest failed window ${w.longestWindowMs} ms; ${victim.name} back ${rejoinMs === null ? "—" : (rejoinMs / 1000).toFixed(1) + " s"} after the kill by ${ist && !sst ? "IST" : sst ? "a full SST" : "?"}`);
  });
}

const PARTITION_TABLE = "sws_lab_partition";

function partition(server: string, on: boolean): void {
  if (on) {
    const rules = `table inet ${PARTITION_TABLE} {\n  chain in { type filter hook input priority -10; policy drop; iifname "lo" accept; }\n  chain out { type filter hook output priority -10; policy drop; oifname "lo" accept; }\n}\n`;
    const r = inNetns(server, "nft", ["-f", "-"], { input: rules });
    if (r.code !== 0) throw new Error(`nft on ${server}: ${r.stderr}`);
  } else {
    inNetns(server, "nft", ["delete", "table", "inet", PARTITION_TABLE]);
  }
}

export function partitionDrill(ctx: CheckContext): Promise<CheckResult> {
  const nodes = clusterNodes(ctx);
  const cut = nodes[nodes.length - 1];
  return timedCheck(`cluster: network partition of ${cut.name}`, async () => {
    const db = ctx.rendered.model.database.name;
    const majority = nodes.filter((n) => n.name !== cut.name);
    const probes: Probe[] = [];
    const note = `cluster-partition-${Date.now()}`;
    let tCut = 0;
    let minority = "";
    let majorityState = "";
    let minorityWrite = { code: 0, out: "", err: "" };
    const writes = writer(ctx, note, 600, 90000, (l) => {
      if (!tCut && l.includes('"acked":100')) {
        tCut = Date.now();
        partition(cut.name, true);
      }
    });
    // While cut: wait for the minority to notice, then try to write on it.
    while (!tCut) await sleep(50);
    let leftMs: number | null = null;
    for (let i = 0; i < 120; i++) {
      const s = wsrepState(cut.name);
      if (s && s.status !== "Primary") { leftMs = Date.now() - tCut; minority = describeState(s); break; }
      await sleep(100);
    }
    minorityWrite = sql(cut.name, `INSERT INTO \`${db}\`.visits (client, note) VALUES ('lab-minority', '${note}-minority')`);
    majorityState = majority.map((n) => `${n.name}: ${describeState(wsrepState(n.name))}`).join("; ");
    // What the monitoring sees meanwhile (each node's own exporter): the series the Galera alarms
    // watch say "not primary" on the cut node and "2 of 3" on the others (SwsGaleraNodeNotPrimary,
    // SwsGaleraClusterShrunk, and CloudWatch's galera-size alarms, would fire).
    const seen = nodes.map((n) => ({ n: n.name, m: scrape(n.name, Ports.local.mysqldExporter) }));
    const fmt = seen.map((x) => `${x.n}: size ${x.m.get("mysql_global_status_wsrep_cluster_size")}, status ${x.m.get("mysql_global_status_wsrep_cluster_status")}`).join("; ");
    probes.push({
      name: "the Galera alarm series show it: the cut node not primary, the others in a component of 2",
      ok: seen.every((x) => x.n === cut.name
        ? x.m.get("mysql_global_status_wsrep_cluster_status") === 0
        : x.m.get("mysql_global_status_wsrep_cluster_size") === nodes.length - 1 && x.m.get("mysql_global_status_wsrep_cluster_status") === 1),
      detail: fmt,
    });
    probes.push({ name: `${cut.name} cut off leaves the primary component`, ok: leftMs !== null, detail: leftMs !== null ? `${minority}, ${leftMs} ms after the cut` : `still ${describeState(wsrepState(cut.name))}` });
    probes.push({ name: `${cut.name} (minority) refuses writes: no split brain`, ok: minorityWrite.code !== 0, detail: minorityWrite.code !== 0 ? minorityWrite.err.split("\n")[0] : "the write succeeded" });
    probes.push({ name: `${majority.map((n) => n.name).join(" + ")} keep a primary component of 2`, ok: majority.every((n) => synced(wsrepState(n.name), 2)), detail: majorityState });
    await sleep(Math.max(0, 8000 - (Date.now() - tCut)));
    partition(cut.name, false);
    const tHeal = Date.now();
    const w = await writes;
    probes.push({ name: "the site kept accepting writes (majority)", ok: w.acked > 150 && !w.endedUnrecovered, detail: `${w.acked} acknowledged of ${w.attempted}, answers ${JSON.stringify(w.statuses)}, longest failed window ${w.longestWindowMs} ms` });
    const rejoinMs = await waitSynced(nodes, nodes.length, 120000);
    probes.push({ name: `${cut.name} rejoined after the cut was removed`, ok: rejoinMs !== null, detail: rejoinMs !== null ? `all ${nodes.length} Synced ${((Date.now() - tHeal) / 1000).toFixed(1)} s after the heal` : describeState(wsrepState(cut.name)) });
    const m = missingOn(cut.name, db, note, w.ids);
    probes.push({ name: `${cut.name} converged: every row acknowledged during the partition is there`, ok: m.missing.length === 0, detail: `${w.acked - m.missing.length}/${w.acked}` });
    const sums = nodes.map((n) => `${n.name} ${sql(n.name, `CHECKSUM TABLE \`${db}\`.visits`).out.split("\t")[1] ?? "?"}`);
    const same = new Set(sums.map((s) => s.split(" ")[1])).size === 1;
    probes.push({ name: "same table checksum on every node", ok: same && !sums.some((s) => s.endsWith("?")), detail: sums.join(", ") });
    const stray = sql(majority[0].name, `SELECT COUNT(*) FROM \`${db}\`.visits WHERE note = '${note}-minority'`).out;
    probes.push({ name: "the write refused on the minority exists nowhere", ok: stray === "0", detail: `${stray} rows` });
    return probeResult(probes, { writes: { ...w, ids: undefined }, leftMs, rejoinMs },
      `minority left the primary component in ${leftMs ?? "—"} ms and refused writes; majority served ${w.acked} writes; rejoined ${rejoinMs === null ? "—" : (rejoinMs / 1000).toFixed(1) + " s"} after the heal; checksums ${same ? "equal" : "differ"}`);
  });
}

export async function clusterDrills(ctx: CheckContext): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  out.push(await killNodeDrill(ctx, 1));
  out.push(await partitionDrill(ctx));
  return out;
}
