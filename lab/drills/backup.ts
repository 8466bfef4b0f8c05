/**
 * Backup drill:  npm run lab -- drill backup [--json]
 *
 * On the lab's database server, with the payload's own scripts and target (BACKUP_TARGET in
 * /etc/sws/backup.env: s3://<the program's bucket>/<server>, in the lab's AWS):
 *   1. write known rows (phase a1), take a full backup (sws-backup-full.service, as its timer would)
 *   2. write more rows (a2), note the time T, write more (b), ship the binlogs (sws-backup-binlog.service)
 *   3. destroy the database: DROP DATABASE, stop the server, wipe the datadir
 *   4. sws-restore --to T  (dump + binlog replay up to T), timed
 *   5. compare: a1 and a2 exactly as written (count + checksum), b absent; the app answers again;
 *      the dump and binlogs it restored from are objects in the emulated bucket
 * database.topology "cluster": the drill runs on the first node (db-1, its own backups). The
 * DROP DATABASE replicates to every node (the mistake a backup is for); a point-in-time restore
 * rewinds the whole cluster, so the other nodes are stopped first (docs/operations.md), db-1 is
 * restored and founds the cluster again from the restored data (sws-db-galera-join: first node,
 * no grastate.dat, no synced peer), and the others, started again, take a full state transfer
 * (SST) from it: a1 and a2 exact and b absent on every node.
 */
import * as fs from "fs";
import * as path from "path";
import { STATE } from "../files";
import { BACKUP_METRIC, BACKUP_UNITS } from "../../components/payloads/backup";
import type { RenderedStack } from "../../components/render";
import { readState, RENDERED_FILE } from "../state";
import { inRoot } from "../root";
import { bucketReport } from "../aws/emulator";
import { readAwsState } from "../aws/setup";
import { RunResult } from "../shell";
import { sleep } from "../processes";
import { synced, wsrepState } from "../checks/cluster";

export interface BackupDrillReport {
  ok: boolean;
  server: string;
  target: string;
  /** The point in time restored to (UTC). */
  restoreTo: string;
  rows: { phase: string; written: number; afterRestore: number; checksumMatches: boolean; expected: "present" | "absent" }[];
  /** Wall time of `sws-restore` until the application runs again (as the script prints it). */
  restoreSeconds: number | null;
  /** Seconds the database was down inside the restore (as the script prints it). */
  databaseDownSeconds: number | null;
  /** Wall time of the whole sws-restore command, including its new full backup. */
  restoreCommandSeconds: number;
  fullBackupSeconds: number;
  binlogShipSeconds: number;
  metric: { full: number | null; binlog: number | null };
  appHealthy: boolean;
  problems: string[];
  restoreOutput: string;
  /** s3:// targets: the backup objects under the server's prefix in the emulated bucket. */
  objects: { full: number; binlog: number; bytes: number } | null;
  /** database.topology "cluster": the other nodes, stopped for the restore, back by a full state transfer from the restored node. */
  cluster: { node: string; droppedThere: boolean; syncedSeconds: number | null; sst: boolean; rowsMatch: boolean }[] | null;
}

const PHASES = [
  { phase: "a1", rows: 500, expected: "present" as const },
  { phase: "a2", rows: 300, expected: "present" as const },
  { phase: "b", rows: 200, expected: "absent" as const },
];

function utc(d: Date): string {
  return d.toISOString().replace("T", " ").slice(0, 19);
}

function sh(server: string, argv: string[], input?: string): RunResult {
  return inRoot(server, argv, input !== undefined ? { input } : {});
}

function must(server: string, argv: string[], what: string, input?: string): string {
  const r = sh(server, argv, input);
  if (r.code !== 0) throw new Error(`${what}: exit ${r.code}\n${(r.stderr + r.stdout).trim().slice(-3000)}`);
  return r.stdout;
}

const sql = (server: string, db: string, q: string) => must(server, ["mysql", "--protocol=socket", "-N", "-B", db], `SQL on ${server}`, q);

function tally(server: string, db: string): Map<string, { n: number; sum: string }> {
  const out = new Map<string, { n: number; sum: string }>();
  const text = sql(server, db, "SELECT phase, COUNT(*), SUM(CRC32(CONCAT_WS('|', id, phase, val))) FROM sws_drill GROUP BY phase;");
  for (const line of text.trim().split("\n").filter(Boolean)) {
    const [phase, n, sum] = line.split("\t");
    out.set(phase, { n: Number(n), sum });
  }
  return out;
}

function insertRows(server: string, db: string, phase: string, rows: number, run: string): void {
  // One transaction per 100 rows: several binlog events per phase, like an application's writes.
  const stmts: string[] = [];
  for (let i = 0; i < rows; i += 100) {
    const values = [];
    for (let j = i; j < Math.min(rows, i + 100); j++) values.push(`('${phase}', SHA2('${run}-${phase}-${j}', 256))`);
    stmts.push(`START TRANSACTION; INSERT INTO sws_drill (phase, val) VALUES ${values.join(", ")}; COMMIT;`);
  }
  sql(server, db, stmts.join("\n"));
}

async function systemctl(server: string, ...args: string[]): Promise<number> {
  const t0 = Date.now();
  must(server, ["systemctl", ...args], `systemctl ${args.join(" ")} on ${server}`);
  return (Date.now() - t0) / 1000;
}

/** A unit's journal in the lab (the supervisor's log file of the unit), its size and what was appended since. */
function unitLog(server: string, unit: string): string {
  return path.join(STATE, "logs", server, "sws-lab", `${unit}.log`);
}
function logSize(server: string, unit: string): number {
  try {
    return fs.statSync(unitLog(server, unit)).size;
  } catch {
    return 0;
  }
}
function logSince(server: string, unit: string, offset: number): string {
  try {
    return fs.readFileSync(unitLog(server, unit)).subarray(offset).toString("utf8");
  } catch {
    return "";
  }
}

function scrapeMetric(server: string): { full: number | null; binlog: number | null } {
  const r = sh(server, ["curl", "-s", "--max-time", "5", "http://127.0.0.1:9100/metrics"]);
  const get = (kind: string) => {
    const m = new RegExp(`^${BACKUP_METRIC}\\{kind="${kind}"\\} (\\S+)$`, "m").exec(r.stdout);
    return m ? Number(m[1]) : null;
  };
  return { full: get("full"), binlog: get("binlog") };
}

export async function backupDrill(progress: (m: string) => void = () => undefined): Promise<BackupDrillReport> {
  const st = readState();
  if (!st || st.status !== "up") throw new Error("the lab is not up: run `npm run lab -- up` first");
  const rendered = JSON.parse(fs.readFileSync(RENDERED_FILE, "utf8")) as RenderedStack;
  const dbServers = rendered.model.servers.filter((s) => s.roles.includes("database"));
  const server = dbServers[0];
  if (!server) throw new Error("no database server in the lab's stack");
  const isCluster = rendered.model.database.topology === "cluster";
  const peers = isCluster ? dbServers.slice(1) : [];
  const s = server.name;
  const db = rendered.model.database.name;
  const env = must(s, ["cat", "/etc/sws/database.env"], "read /etc/sws/database.env");
  // Values are single-quoted (components/payloads/escape.ts); these two never hold a quote.
  const datadir = /^DATADIR=["']?([^"'\n]+)["']?$/m.exec(env)?.[1];
  const dbUnit = /^DB_UNIT=["']?([^"'\n]+)["']?$/m.exec(env)?.[1] ?? "mariadb.service";
  if (!datadir) throw new Error("no DATADIR in /etc/sws/database.env");
  const problems: string[] = [];

  const target = /^BACKUP_TARGET=["']?([^"'\n]+)["']?$/m.exec(must(s, ["cat", "/etc/sws/backup.env"], "read /etc/sws/backup.env"))?.[1];
  if (!target) throw new Error(`no BACKUP_TARGET in ${s}'s /etc/sws/backup.env`);
  progress(`• backups of ${s} go to ${target} (the payload's own setting)`);

  const run = `${Date.now().toString(36)}`;
  sql(s, db, "DROP TABLE IF EXISTS sws_drill; CREATE TABLE sws_drill (id INT AUTO_INCREMENT PRIMARY KEY, phase VARCHAR(4) NOT NULL, val CHAR(64) NOT NULL, at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB;");
  progress(`• write ${PHASES[0].rows} rows (a1)`);
  insertRows(s, db, "a1", PHASES[0].rows, run);

  progress(`• full backup (systemctl start ${BACKUP_UNITS.fullService})`);
  const fullBackupSeconds = await systemctl(s, "start", BACKUP_UNITS.fullService);

  progress(`• write ${PHASES[1].rows} rows (a2), note the time, write ${PHASES[2].rows} rows (b)`);
  insertRows(s, db, "a2", PHASES[1].rows, run);
  await sleep(1200);
  const restoreTo = utc(new Date());
  await sleep(1200);
  insertRows(s, db, "b", PHASES[2].rows, run);
  const before = tally(s, db);

  progress(`• ship the binlogs (systemctl start ${BACKUP_UNITS.binlogService})`);
  const binlogShipSeconds = await systemctl(s, "start", BACKUP_UNITS.binlogService);
  const metric = scrapeMetric(s);
  let objects: BackupDrillReport["objects"] = null;
  if (target.startsWith("s3://")) {
    const aws = readAwsState();
    if (!aws) throw new Error("an s3:// backup target, but the lab has no AWS state");
    const [bucket, prefix] = [target.slice(5).split("/")[0], target.slice(5).split("/").slice(1).join("/")];
    const mine = bucketReport(aws.host, bucket).objects.filter((o) => o.key.startsWith(`${prefix}/`));
    objects = { full: mine.filter((o) => /\/full-[^/]+\.sql\.gz$/.test(o.key)).length, binlog: mine.filter((o) => o.key.includes("/binlog/")).length, bytes: mine.reduce((a, o) => a + o.size, 0) };
    if (!objects.full || !objects.binlog) problems.push(`${target}: ${objects.full} full dump(s) and ${objects.binlog} binlog file(s) in the emulated bucket after the backups`);
  }
  if (metric.full === null || metric.binlog === null) problems.push(`the node exporter does not serve ${BACKUP_METRIC} for both kinds`);

  progress(`• destroy the database: DROP DATABASE ${db}, stop ${dbUnit}, wipe ${datadir}`);
  sql(s, "mysql", `DROP DATABASE \`${db}\`;`);
  const peerLogs = new Map<string, number>();
  const dropped = new Map<string, boolean>();
  if (peers.length) {
    // The mistake replicated (Galera is synchronous); then the rest of the cluster goes down for the rewind.
    for (const p of peers) dropped.set(p.name, sh(p.name, ["mysql", "--protocol=socket", "-N", "-B", "-e", `SHOW DATABASES LIKE '${db}'`]).stdout.trim() === "");
    progress(`• cluster: the DROP reached ${[...dropped].filter(([, v]) => v).map(([k]) => k).join(", ") || "no other node"}; stop ${dbUnit} on ${peers.map((p) => p.name).join(", ")} (a point-in-time restore rewinds every node)`);
    for (const p of peers) {
      peerLogs.set(p.name, logSize(p.name, dbUnit));
      await systemctl(p.name, "stop", dbUnit);
    }
  }
  await systemctl(s, "stop", dbUnit);
  must(s, ["/bin/sh", "-c", `find "$1" -mindepth 1 -delete`, "sh", datadir], "wipe the datadir");
  const gone = sh(s, ["mysqladmin", "--protocol=socket", "ping"]);
  if (gone.code === 0) problems.push("the database still answers after the wipe");

  progress(`• sws-restore --to '${restoreTo}'`);
  const t0 = Date.now();
  const r = sh(s, ["/usr/local/sbin/sws-restore", "--to", restoreTo, "--discard-old"]);
  const restoreCommandSeconds = (Date.now() - t0) / 1000;
  const restoreOutput = (r.stdout + r.stderr).trim();
  if (r.code !== 0) throw new Error(`sws-restore failed (exit ${r.code}):\n${restoreOutput.slice(-3000)}`);
  const m = /restored to .* in ([\d.]+) s \(database down ([\d.]+) s\)/.exec(restoreOutput);

  const after = tally(s, db);
  const rows = PHASES.map((p) => {
    const w = before.get(p.phase);
    const a = after.get(p.phase);
    const checksumMatches = p.expected === "present" ? !!w && !!a && w.n === a.n && w.sum === a.sum : !a;
    if (!w || w.n !== p.rows) problems.push(`phase ${p.phase}: ${w?.n ?? 0} rows written, ${p.rows} intended`);
    if (!checksumMatches) problems.push(p.expected === "present" ? `phase ${p.phase}: ${a?.n ?? 0} rows after the restore, ${w?.n ?? 0} written (or the checksum differs)` : `phase ${p.phase}: ${a?.n} rows after the restore, none expected`);
    return { phase: p.phase, written: w?.n ?? 0, afterRestore: a?.n ?? 0, checksumMatches, expected: p.expected };
  });

  // Cluster: the other nodes come back and take the restored data by a full state transfer.
  let cluster: BackupDrillReport["cluster"] = null;
  if (peers.length) {
    progress(`• cluster: start ${dbUnit} on ${peers.map((p) => p.name).join(", ")}; they rejoin ${s}'s restored cluster`);
    const t1 = Date.now();
    for (const p of peers) await systemctl(p.name, "start", "--no-block", dbUnit);
    const all = [server, ...peers];
    const when = new Map<string, number>();
    while (Date.now() - t1 < 600000 && when.size < peers.length) {
      for (const p of peers) if (!when.has(p.name) && synced(wsrepState(p.name), all.length)) when.set(p.name, (Date.now() - t1) / 1000);
      await sleep(500);
    }
    cluster = peers.map((p) => {
      const log = logSince(p.name, dbUnit, peerLogs.get(p.name) ?? 0);
      const t = when.has(p.name) ? tally(p.name, db) : new Map();
      const rowsMatch = PHASES.every((ph) => {
        const b = before.get(ph.phase);
        const a = t.get(ph.phase);
        return ph.expected === "present" ? !!b && !!a && a.n === b.n && a.sum === b.sum : !a;
      });
      const r = { node: p.name, droppedThere: dropped.get(p.name) ?? false, syncedSeconds: when.get(p.name) ?? null, sst: /Proceeding with SST|mariabackup SST completed on joiner/.test(log), rowsMatch };
      if (!r.droppedThere) problems.push(`${p.name}: the DROP DATABASE on ${s} did not reach it`);
      if (r.syncedSeconds === null) problems.push(`${p.name}: not Synced in a cluster of ${all.length} within 600 s after its start`);
      else if (!rowsMatch) problems.push(`${p.name}: the restored rows differ from ${s}'s (a1, a2 exact, b absent expected)`);
      if (r.syncedSeconds !== null && !r.sst) problems.push(`${p.name}: rejoined without a full state transfer (its old data should have been replaced)`);
      return r;
    });
  }

  // The application reconnects with the users sws-db-init re-applied.
  let appHealthy = false;
  const app = rendered.model.app;
  const appServer = rendered.model.servers.find((x) => x.roles.includes("app")) ?? server;
  const appAddr = appServer.roles.includes("web") ? "127.0.0.1" : appServer.privateIp;
  for (let i = 0; i < 40 && !appHealthy; i++) {
    appHealthy = sh(appServer.name, ["curl", "-sf", "-o", "/dev/null", "--max-time", "2", `http://${appAddr}:${app.port}${app.healthPath}`]).code === 0;
    if (!appHealthy) await sleep(250);
  }
  if (!appHealthy) problems.push(`the application's ${app.healthPath} does not answer 200 after the restore`);
  sql(s, db, "DROP TABLE IF EXISTS sws_drill;");

  return {
    ok: problems.length === 0, server: s, target, restoreTo, rows,
    restoreSeconds: m ? Number(m[1]) : null, databaseDownSeconds: m ? Number(m[2]) : null, restoreCommandSeconds,
    fullBackupSeconds, binlogShipSeconds, metric, appHealthy, problems, restoreOutput, objects, cluster,
  };
}

/** `npm run lab -- drill backup [--json]`: prints the figures; true when the drill passed. */
export async function runBackupDrill(opts: { json: boolean }): Promise<boolean> {
  const log = (m: string) => {
    if (!opts.json) process.stderr.write(m + "\n");
  };
  let rep: BackupDrillReport;
  try {
    rep = await backupDrill(log);
  } catch (e) {
    const msg = (e as Error).message;
    if (opts.json) process.stdout.write(JSON.stringify({ ok: false, error: msg }, null, 2) + "\n");
    else process.stdout.write(`backup drill FAILED: ${msg}\n`);
    return false;
  }
  if (opts.json) {
    process.stdout.write(JSON.stringify(rep, null, 2) + "\n");
    return rep.ok;
  }
  const lines = [
    "",
    `backup drill on ${rep.server} (target ${rep.target}): ${rep.ok ? "PASSED" : "FAILED"}`,
    `  restored to    ${rep.restoreTo} UTC (between the a2 and b writes)`,
    ...rep.rows.map((r) => `  rows ${r.phase.padEnd(3)}       written ${String(r.written).padStart(4)}, after restore ${String(r.afterRestore).padStart(4)} (${r.expected}${r.expected === "present" ? `, checksum ${r.checksumMatches ? "equal" : "DIFFERS"}` : ""})`),
    `  restore time   ${rep.restoreSeconds ?? "?"} s until the app ran again (database down ${rep.databaseDownSeconds ?? "?"} s); whole command with its new full backup ${rep.restoreCommandSeconds.toFixed(1)} s`,
    `  backup runs    full ${rep.fullBackupSeconds.toFixed(1)} s, binlog shipping ${rep.binlogShipSeconds.toFixed(1)} s`,
    ...(rep.objects ? [`  in the bucket  ${rep.objects.full} full dump(s), ${rep.objects.binlog} binlog file(s), ${rep.objects.bytes} bytes under ${rep.target}/ (emulated S3, before the restore read them back)`] : []),
    `  metric         ${BACKUP_METRIC} full=${rep.metric.full ?? "missing"} binlog=${rep.metric.binlog ?? "missing"}`,
    ...(rep.cluster ?? []).map((c) => `  cluster node   ${c.node}: the DROP reached it ${c.droppedThere ? "yes" : "NO"}; stopped for the restore, Synced again ${c.syncedSeconds === null ? "NEVER" : `${c.syncedSeconds.toFixed(1)} s after its start`} by ${c.sst ? "a full state transfer (SST) from the restored node" : "NO full state transfer"}; rows ${c.rowsMatch ? "as restored (a1, a2 exact, b absent)" : "DIFFER"}`),
    `  application    ${rep.appHealthy ? "healthy again" : "NOT healthy"}`,
    ...rep.problems.map((p) => `  problem        ${p}`),
    "",
  ];
  process.stdout.write(lines.join("\n") + "\n");
  return rep.ok;
}
