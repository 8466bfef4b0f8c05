/**
 * Data-safety drills (`npm run lab -- drill restore-interrupt | promote`):
 *
 *   restore-interrupt  sws-restore killed at each of its steps (every process of the run, the
 *                      side server included, SIGKILLed the moment it prints "step N/13"): after
 *                      each kill the database that starts is either the old one (every row) or
 *                      the whole restored one (the rows up to the restore time, nothing after) —
 *                      never anything else; then one full run restores and cleans the leftovers.
 *   promote            (hardened profile: a replica; run it before restore-interrupt, whose
 *                      restores leave the replica behind a new primary) the replica's SQL thread is held while rows
 *                      are written on the primary, so the replica has received transactions it
 *                      has not applied; the primary is stopped (lost); sws-db-promote on the
 *                      replica: every acknowledged row is there afterwards (Seconds_Behind_Master
 *                      is NULL at that point: the old wait would have promoted at once and
 *                      RESET SLAVE ALL discarded the backlog).
 */
import { spawn } from "child_process";
import { CheckContext, CheckResult, context, timedCheck } from "../checks/common";
import type { Say } from "./report";
import { enterArgs, inRoot, ROOT_ENV } from "../root";
import type { RunResult } from "../shell";
import { sleep } from "../processes";
import { BACKUP_ENV, BACKUP_UNITS } from "../../components/payloads/backup";

const must = (server: string, argv: string[], what: string, input?: string): string => {
  const r: RunResult = inRoot(server, argv, input !== undefined ? { input } : {});
  if (r.code !== 0) throw new Error(`${what} on ${server}: exit ${r.code}\n${(r.stderr + r.stdout).trim().slice(-2000)}`);
  return r.stdout;
};
const sql = (server: string, db: string, q: string) => must(server, ["mysql", "--protocol=socket", "-N", "-B", db], "SQL", q);
const utc = (d: Date) => d.toISOString().replace("T", " ").slice(0, 19);
const envOf = (server: string, key: string) => new RegExp(`^${key}=["']?([^"'\\n]*)["']?$`, "m").exec(must(server, ["cat", "/etc/sws/database.env"], "database.env"))?.[1] ?? "";

function phases(server: string, db: string): { [phase: string]: number } {
  const out: { [phase: string]: number } = {};
  for (const l of sql(server, db, "SELECT phase, COUNT(*) FROM sws_drill GROUP BY phase;").trim().split("\n").filter(Boolean)) {
    const [p, n] = l.split("\t");
    out[p] = Number(n);
  }
  return out;
}

function insert(server: string, db: string, phase: string, rows: number, table = "sws_drill"): void {
  const stmts: string[] = [];
  for (let i = 0; i < rows; i += 50) {
    const v = [];
    for (let j = i; j < Math.min(rows, i + 50); j++) v.push(`('${phase}')`);
    stmts.push(`INSERT INTO ${table} (phase) VALUES ${v.join(",")};`);
  }
  sql(server, db, stmts.join("\n"));
}

async function waitDb(server: string): Promise<boolean> {
  for (let i = 0; i < 120; i++) {
    if (inRoot(server, ["mysqladmin", "--protocol=socket", "ping"]).code === 0) return true;
    await sleep(250);
  }
  return false;
}

/** Runs sws-restore in the server and SIGKILLs every process of the run when it prints "step <n>/13". */
function restoreKilledAt(server: string, to: string, step: number): Promise<{ killed: boolean; out: string }> {
  return new Promise((resolve) => {
    // Its own PID namespace (unshare --kill-child): killing the unshare kills the script and every child.
    const p = spawn("nsenter", [...enterArgs(server), "unshare", "--pid", "--fork", "--kill-child", "--", "env", "-i", ...ROOT_ENV,
      "/usr/local/sbin/sws-restore", "--to", to, "--no-backup"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let killed = false;
    const onData = (d: Buffer) => {
      out += d;
      if (!killed && out.includes(`step ${step}/13`)) {
        killed = true;
        p.kill("SIGKILL");
      }
    };
    p.stdout.on("data", onData);
    p.stderr.on("data", onData);
    p.on("close", () => resolve({ killed, out }));
  });
}

export async function restoreInterruptDrill(say: (l: string) => void): Promise<{ ok: boolean; lines: string[] }> {
  const ctx = context();
  const server = ctx.rendered.model.servers.find((s) => s.roles.includes("database"))!;
  const s = server.name;
  const db = ctx.rendered.model.database.name;
  const dbUnit = envOf(s, "DB_UNIT") || "mariadb.service";
  // The server's own backup configuration, as its payload installed it (the program's bucket in
  // the lab's S3): the drill once wrote a file:// target over it, and every later backup went there.
  sql(s, db, "DROP TABLE IF EXISTS sws_drill; CREATE TABLE sws_drill (id INT AUTO_INCREMENT PRIMARY KEY, phase VARCHAR(4) NOT NULL) ENGINE=InnoDB;");
  insert(s, db, "a", 500);
  must(s, ["systemctl", "start", BACKUP_UNITS.fullService], "full backup");
  insert(s, db, "a", 300);
  await sleep(1200);
  const to = utc(new Date());
  await sleep(1200);
  insert(s, db, "b", 200);
  must(s, ["systemctl", "start", BACKUP_UNITS.binlogService], "ship binlogs");
  const OLD = JSON.stringify({ a: 800, b: 200 });
  const RESTORED = JSON.stringify({ a: 800 });
  const lines: string[] = [];
  let ok = true;
  const target = /^BACKUP_TARGET=["']?([^"'\n]*)/m.exec(must(s, ["cat", BACKUP_ENV], "backup.env"))?.[1] ?? "?";
  say(`• ${s}: 800 rows before ${to} UTC, 200 after (backups in ${target}); sws-restore --to '${to}' killed at each step`);
  // Steps 1–12 (13 is the new full backup, after the restore is complete).
  for (let step = 1; step <= 12; step++) {
    const r = await restoreKilledAt(s, to, step);
    // What a reboot does: the database and the application start again.
    inRoot(s, ["systemctl", "start", dbUnit]);
    const up = await waitDb(s);
    const now = up ? JSON.stringify(phases(s, db)) : "database does not start";
    const which = now === OLD ? "the old database" : now === RESTORED ? "the restored database" : `NEITHER: ${now}`;
    const pass = r.killed && up && (now === OLD || now === RESTORED);
    ok &&= pass;
    inRoot(s, ["systemctl", "start", "sws-app.service"]);
    const line = `${pass ? "✓" : "✗"} killed at step ${step}/13 (${/step \d+\/13: ([^\n]*)/.exec(r.out.split("\n").filter((l) => l.includes(`step ${step}/13`))[0] ?? "")?.[1] ?? "?"}): ${which}`;
    lines.push(line);
    say(`  ${line}`);
    if (now === RESTORED) break; // past the exchange: the old database is gone by design; the later steps restart only
  }
  // A full run afterwards: it removes the killed runs' leftovers and restores.
  const full = inRoot(s, ["/usr/local/sbin/sws-restore", "--to", to, "--no-backup", "--discard-old"]);
  const after = JSON.stringify(phases(s, db));
  const leftovers = must(s, ["/bin/sh", "-c", `ls -d ${envOf(s, "DATA_MOUNT")}/.sws-restore.* 2>/dev/null | wc -l`], "leftovers").trim();
  const fullOk = full.code === 0 && after === RESTORED && leftovers === "0";
  ok &&= fullOk;
  lines.push(`${fullOk ? "✓" : "✗"} a full run afterwards: exit ${full.code}, ${after}, leftover side directories ${leftovers}${/removed the leftovers/.test(full.stdout) ? " (it removed those of the killed runs)" : ""}`);
  say(`  ${lines[lines.length - 1]}`);
  return { ok, lines };
}

export async function promoteDrill(say: (l: string) => void): Promise<{ ok: boolean; lines: string[] }> {
  const ctx = context();
  const primary = ctx.rendered.model.servers.find((s) => s.roles.includes("database"))!.name;
  const replica = ctx.rendered.model.servers.find((s) => s.roles.includes("replica"))?.name;
  if (!replica) throw new Error("the promote drill needs a replica (up --profile hardened)");
  const db = ctx.rendered.model.database.name;
  const lines: string[] = [];
  sql(primary, db, "DROP TABLE IF EXISTS sws_promote; CREATE TABLE sws_promote (id INT AUTO_INCREMENT PRIMARY KEY, phase VARCHAR(4) NOT NULL) ENGINE=InnoDB;");
  for (let i = 0; i < 40; i++) {
    if (inRoot(replica, ["mysql", "--protocol=socket", "-N", "-B", db, "-e", "SELECT 1 FROM sws_promote LIMIT 1"]).code === 0) break;
    await sleep(250);
  }
  // Hold the replica's SQL thread: what arrives now is received, not applied.
  must(replica, ["mysql", "--protocol=socket", "-e", "STOP SLAVE SQL_THREAD;"], "stop the SQL thread");
  insert(primary, db, "w", 1000, "sws_promote"); // acknowledged: each statement returned after its commit
  const acked = Number(sql(primary, db, "SELECT COUNT(*) FROM sws_promote;").trim());
  await sleep(1500); // the I/O thread receives them
  const status = (k: string) => new RegExp(`^\\s*${k}: (.*)$`, "m").exec(must(replica, ["mysql", "--protocol=socket", "-e", "SHOW SLAVE STATUS\\G"], "status"))?.[1] ?? "";
  const appliedBefore = Number(sql(replica, db, "SELECT COUNT(*) FROM sws_promote;").trim());
  // The primary is lost.
  must(primary, ["systemctl", "stop", envOf(primary, "DB_UNIT") || "mariadb.service"], "stop the primary");
  await sleep(1000);
  const io = status("Gtid_IO_Pos");
  const sbm = status("Seconds_Behind_Master");
  const t0 = Date.now();
  const r = inRoot(replica, ["/usr/local/sbin/sws-db-promote"]);
  const ms = Date.now() - t0;
  const after = Number(sql(replica, db, "SELECT COUNT(*) FROM sws_promote;").trim());
  const writable = sql(replica, db, "SELECT @@read_only;").trim() === "0";
  const ok = r.code === 0 && after === acked && writable && appliedBefore < acked;
  lines.push(`replica ${replica}: SQL thread held while ${acked} rows were acknowledged on ${primary}; applied before the promotion ${appliedBefore}, received up to ${io}; ${primary} stopped (lost); Seconds_Behind_Master then: ${sbm || "—"}`);
  lines.push(`${ok ? "✓" : "✗"} sws-db-promote exit ${r.code} in ${ms} ms: ${after}/${acked} rows on the promoted replica, writable ${writable} — ${(r.stdout + r.stderr).trim().split("\n").slice(-2).join(" | ")}`);
  for (const l of lines) say(`  ${l}`);
  // The primary comes back as it was (the lab is taken down after the drills).
  inRoot(primary, ["systemctl", "start", envOf(primary, "DB_UNIT") || "mariadb.service"]);
  return { ok, lines };
}

/** The promote drill needs a replica of the primary. */
export function promoteNeeds(ctx: CheckContext): string | undefined {
  return ctx.rendered.model.servers.some((s) => s.roles.includes("replica")) ? undefined : "needs a database replica (up --profile hardened)";
}

export function restoreInterruptCheck(say: Say): Promise<CheckResult> {
  return timedCheck("restore interrupted at each step: the old database or the restored one, never half", async () => {
    const r = await restoreInterruptDrill(say);
    const kills = r.lines.filter((l) => /killed at step/.test(l));
    return { ok: r.ok, summary: `${kills.length} interrupted runs, ${kills.filter((l) => l.startsWith("✓")).length} left a whole database; ${r.lines[r.lines.length - 1].replace(/^[✓✗] /, "")}`, lines: r.lines, details: {} };
  });
}

export function promoteCheck(say: Say): Promise<CheckResult> {
  return timedCheck("promote the replica under received-but-unapplied writes: no acknowledged row lost", async () => {
    const r = await promoteDrill(say);
    return { ok: r.ok, summary: r.lines[r.lines.length - 1].replace(/^[✓✗] /, ""), lines: r.lines, details: {} };
  });
}
