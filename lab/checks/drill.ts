/**
 * `npm run lab -- drill [--json]`: failure drills on the running lab (not part of `check`).
 *   - kill -9 Nginx's master: the supervisor (Restart=always) brings it back; time until
 *     https://<domain>/healthz answers 200 again through the balancer.
 *   - kill -9 the database while acknowledged writes (POST /visit, 201 only after commit) flow
 *     through the whole stack: after recovery every acknowledged row is there.
 */
import { spawn } from "child_process";
import * as path from "path";
import { supervisorDump } from "../lab";
import { cleanEnv, inNetns, LAB_DIR, netnsPath, signal, sleep } from "../util";
import { CheckContext, CheckResult, context, timedCheck } from "./common";

function healthy(ctx: CheckContext): boolean {
  const { state } = ctx;
  return inNetns(ctx.client, "curl", ["-sf", "-o", "/dev/null", "--max-time", "2", "--cacert", state.caBundle, "--resolve", `${state.domain}:443:${state.balancer.ip}`, `https://${state.domain}/healthz`]).code === 0;
}

async function mainPid(server: string, unit: string): Promise<number> {
  const d = await supervisorDump(server);
  const u = d?.units.find((x) => x.name === unit);
  if (!u?.mainPid) throw new Error(`${unit} on ${server} has no running main process`);
  return u.mainPid;
}

async function untilHealthy(ctx: CheckContext, t0: number, limitMs: number): Promise<number | undefined> {
  while (Date.now() - t0 < limitMs) {
    if (healthy(ctx)) return Date.now() - t0;
    await sleep(50);
  }
  return undefined;
}

function nginxDrill(ctx: CheckContext): Promise<CheckResult> {
  return timedCheck("drill: kill -9 nginx", async () => {
    const web = ctx.rendered.servers.find((s) => s.roles.includes("web"))!.name;
    const pid = await mainPid(web, "nginx.service");
    const t0 = Date.now();
    signal(pid, "SIGKILL");
    await sleep(20);
    const ms = await untilHealthy(ctx, t0, 20000);
    const after = await mainPid(web, "nginx.service").catch(() => 0);
    return {
      ok: ms !== undefined && after !== pid,
      summary: ms !== undefined ? `serving again after ${(ms / 1000).toFixed(2)} s (new master pid ${after})` : "not serving 20 s after the kill",
      lines: [`killed nginx master ${pid} on ${web}; /healthz 200 through the balancer after ${ms ?? "∞"} ms`],
      details: { killedPid: pid, newPid: after, recoveryMs: ms ?? null },
    };
  });
}

function dbDrill(ctx: CheckContext): Promise<CheckResult> {
  return timedCheck("drill: kill -9 the database under acknowledged writes", async () => {
    const { state } = ctx;
    const dbServer = ctx.rendered.servers.find((s) => s.roles.includes("database"))!.name;
    const unit = ctx.rendered.model.dbEngine === "mariadb" ? "mariadb.service" : "mysql.service";
    const note = `drill-${Date.now()}`;
    const writer = spawn("nsenter", [`--net=${netnsPath(ctx.client)}`, "--", process.execPath, path.join(LAB_DIR, "writer.js"),
      state.balancer.ip, state.domain, note, "6000", state.caBundle], { env: cleanEnv() });
    let out = "";
    writer.stdout.on("data", (d) => (out += d));
    const finished = new Promise<void>((r) => writer.on("close", () => r()));
    await sleep(1500);
    const pid = await mainPid(dbServer, unit);
    const t0 = Date.now();
    signal(pid, "SIGKILL");
    const ms = await untilHealthy(ctx, t0, 30000);
    await finished;
    const w = JSON.parse(out) as { attempted: number; acked: number; failed: number };
    const r = inNetns(ctx.client, "curl", ["-sf", "--cacert", state.caBundle, "--resolve", `${state.domain}:443:${state.balancer.ip}`, `https://${state.domain}/count?note=${note}`]);
    const count = r.code === 0 ? (JSON.parse(r.stdout) as { count: number }).count : -1;
    const ok = ms !== undefined && count >= w.acked && count <= w.attempted && w.acked > 0;
    return {
      ok,
      summary: `${w.acked} acknowledged writes, ${count} rows found after recovery; database back (healthz 200) after ${ms !== undefined ? (ms / 1000).toFixed(2) : "∞"} s`,
      lines: [
        `killed ${unit} main process ${pid} on ${dbServer} 1.5 s into 6 s of sequential POST /visit?note=${note}`,
        `writer: attempted ${w.attempted}, acknowledged (201) ${w.acked}, failed during the outage ${w.failed}`,
        `${count >= w.acked ? "✓" : "✗"} rows with that note after recovery: ${count} (must be ≥ acknowledged ${w.acked}, ≤ attempted ${w.attempted})`,
      ],
      details: { killedPid: pid, recoveryMs: ms ?? null, writer: w, rows: count },
    };
  });
}

export async function runDrill(json: boolean): Promise<number> {
  const ctx = context();
  const results = [await nginxDrill(ctx), await dbDrill(ctx)];
  if (json) process.stdout.write(JSON.stringify({ ok: results.every((r) => r.ok), drills: results }, null, 2) + "\n");
  else {
    for (const r of results) {
      process.stdout.write(`\n${r.ok ? "PASS" : "FAIL"}  ${r.name} — ${r.summary}\n`);
      for (const l of r.lines) process.stdout.write(`      ${l}\n`);
    }
  }
  return results.every((r) => r.ok) ? 0 : 1;
}
