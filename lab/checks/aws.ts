/**
 * The "aws" section of `check`: the seam between the AWS renderer and the servers.
 *   - every server booted exactly the user data the program registered for its instance;
 *   - every file each server's sws-fetch installed (its own fetch.list) equals the SSM parameter the
 *     program registered under that name, and the emulated SSM holds that value (SHA-256 digests);
 *   - the backup bucket in the emulated S3 has the program's versioning, encryption, lifecycle and
 *     policy, and a backup taken now (sws-backup-full, then binlog shipping, through boto3 on the
 *     database server) lands in it;
 *   - an s3:// app artifact: the object in the emulated S3 has the stack's app.artifactSha256, each
 *     app server downloaded it (the emulator's request log) and runs that verified release; the
 *     first app server is rolled to a new object and back through the live SSM release parameter,
 *     by the association's own command (aws/rollout.ts);
 *   - the lab's remaining stand-ins for AWS/EC2, each with why.
 */
import * as fs from "fs";
import * as path from "path";
import { APP_DIR } from "../../components/payloads/app";
import { BACKUP_UNITS } from "../../components/payloads/backup";
import { objectSha256 } from "../aws/artifact";
import { rolloutThroughAws } from "../aws/rollout";
import { HELPER_LOGS } from "../helperDaemons";
import { inRoot } from "../root";
import { compareFetched, compareUserData, ServerFetchInput } from "../aws/compare";
import { bucketReport, emulatorParameterDigests } from "../aws/emulator";
import type { ProgramRun } from "../aws/program";
import { COMPONENT, PROGRAM_FILE, programParameterDigests, programUserData, readAwsState } from "../aws/setup";
import { CheckContext, CheckResult, timedCheck } from "./common";

/** Digest and mode of files inside a server's root (one command per server). */
function filesOn(server: string, paths: string[]): Map<string, { sha256: string; mode: string }> {
  const script = 'for f; do [ -f "$f" ] && printf "%s %s %s\\n" "$(sha256sum < "$f" | cut -d" " -f1)" "$(stat -c %a "$f")" "$f"; done; exit 0';
  const r = inRoot(server, ["/bin/sh", "-c", script, "sh", ...paths]);
  const out = new Map<string, { sha256: string; mode: string }>();
  for (const line of r.stdout.split("\n")) {
    const m = /^([0-9a-f]{64}) (\d+) (.+)$/.exec(line);
    if (m) out.set(m[3], { sha256: m[1], mode: m[2].padStart(4, "0") });
  }
  return out;
}

export function awsCheck(ctx: CheckContext): Promise<CheckResult> {
  return timedCheck("aws", async () => {
    const st = readAwsState();
    if (!st) return { ok: false, summary: "the lab has no AWS state (was it brought up with the AWS host?)", lines: [], details: {} };
    const run = JSON.parse(fs.readFileSync(PROGRAM_FILE, "utf8")) as ProgramRun;
    const servers = ctx.rendered.model.servers;
    const lines: string[] = [];
    const problems: string[] = [];

    // 1. User data, byte for byte.
    const registered = programUserData(run, servers);
    const booted = new Map<string, string>();
    for (const s of servers) {
      const r = inRoot(s.name, ["cat", "/run/sws-lab/user-data"]);
      if (r.code === 0) booted.set(s.name, r.stdout);
    }
    const udProblems = compareUserData(booted, registered);
    problems.push(...udProblems);
    lines.push(`${udProblems.length ? "✗" : "✓"} user data: each server booted the one the program registered for ${COMPONENT}-<server> (${servers.map((s) => `${s.name} ${registered.get(s.name)?.length ?? 0} B`).join(", ")})`);

    // 2. What sws-fetch installed = what the program registered = what the emulator holds.
    const inputs: ServerFetchInput[] = [];
    const wanted = new Set<string>();
    for (const s of servers) {
      const fl = inRoot(s.name, ["cat", "/etc/sws/fetch.list"]);
      const list = fl.code === 0 ? fl.stdout : undefined;
      const paths = (list ?? "").split("\n").filter((l) => l.trim() && !l.startsWith("#")).map((l) => l.trim().split(/\s+/));
      for (const p of paths) wanted.add(p[0]);
      const files = filesOn(s.name, paths.map((p) => p[1]));
      inputs.push({ server: s.name, fetchList: list, file: (p) => files.get(p) });
    }
    const host = st.host;
    const emulator = emulatorParameterDigests(host, [...wanted]);
    const fetched = compareFetched(inputs, programParameterDigests(run), emulator);
    problems.push(...fetched.problems);
    for (const s of servers) {
      const rows = fetched.rows.filter((r) => r.server === s.name);
      const bad = rows.filter((r) => !r.ok);
      lines.push(`${bad.length || !rows.length ? "✗" : "✓"} ${s.name.padEnd(9)} fetched ${rows.filter((r) => r.kind === "toolkit").length} toolkit file(s) + ${rows.filter((r) => r.kind === "live").length} live file(s) + ${rows.filter((r) => r.kind === "secret").length} secret(s) from SSM: ${bad.length ? bad.map((r) => r.problem).join("; ") : "every SHA-256 equals the program's parameter and the emulator's"}`);
    }

    // 3. The backup bucket: settings as registered, and a backup taken now lands in it.
    const bucketDetails: unknown[] = [];
    // A bucket's settings are the sub-resources registered for it (their `bucket` is its name).
    const reg = (type: string, bucket: string) => run.resources.filter((r) => r.type === type && (r.inputs.bucket === bucket || r.state.bucket === bucket));
    const writers = servers.filter((s) => (s.roles as string[]).includes("database"));
    // Where each database server backs up: its user data's BACKUP_TARGET (s3://<bucket>/<prefix>).
    const targetOf = (server: string) => /^\s*BACKUP_TARGET=["']?s3:\/\/([^/"'\s]+)\/([^"'\s]+)["']?\s*$/m.exec(registered.get(server) ?? "");
    for (const w of writers) if (!targetOf(w.name)) problems.push(`${w.name}: its user data has no s3:// BACKUP_TARGET`);
    for (const bucket of st.buckets) {
      const want = {
        versioning: reg("aws:s3/bucketVersioning:BucketVersioning", bucket)[0]?.inputs.versioningConfiguration?.status ?? null,
        encryption: reg("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", bucket)[0]?.inputs.rules?.[0]?.applyServerSideEncryptionByDefault?.sseAlgorithm ?? null,
        lifecycleRules: reg("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", bucket)[0]?.inputs.rules?.length ?? 0,
        policyStatements: (() => {
          const p = reg("aws:s3/bucketPolicy:BucketPolicy", bucket)[0]?.inputs.policy;
          return p ? (JSON.parse(p).Statement ?? []).length : 0;
        })(),
      };
      const mine = writers.filter((w) => targetOf(w.name)?.[1] === bucket);
      const taken: string[] = [];
      for (const w of mine) {
        for (const unit of [BACKUP_UNITS.fullService, BACKUP_UNITS.binlogService]) {
          const r = inRoot(w.name, ["systemctl", "start", unit]);
          if (r.code !== 0) problems.push(`${w.name}: systemctl start ${unit} failed: ${(r.stderr + r.stdout).trim().split("\n").slice(-2).join(" ")}`);
          else taken.push(`${w.name}:${unit}`);
        }
      }
      const got = bucketReport(host, bucket);
      bucketDetails.push({ want, got });
      const settingProblems: string[] = [];
      for (const k of ["versioning", "encryption", "lifecycleRules"] as const) {
        if (got[k] !== want[k]) settingProblems.push(`${k} ${JSON.stringify(got[k])}, the program registered ${JSON.stringify(want[k])}`);
      }
      // The policy: stored as the program registered it (checked at `up`), then lifted (a stand-in: setup.ts).
      const pol = st.bucketPolicies?.[bucket];
      if (!pol?.equalsProgram || pol.sids.length !== want.policyStatements) settingProblems.push(`policy: the emulator did not hold the program's ${want.policyStatements} statement(s) at up`);
      if (got.policyStatements !== 0) settingProblems.push(`policy: still in place (${got.policyStatements} statement(s)); the lab lifts it before boot`);
      problems.push(...settingProblems.map((p) => `bucket ${bucket}: ${p}`));
      lines.push(`${settingProblems.length ? "✗" : "✓"} bucket ${bucket}: versioning ${got.versioning}, encryption ${got.encryption}, ${got.lifecycleRules} lifecycle rule(s), policy ${pol?.sids.join(" + ") || "none"} as registered (held at up, lifted before boot)${settingProblems.length ? ` — ${settingProblems.join("; ")}` : ""}`);
      for (const w of mine) {
        const prefix = targetOf(w.name)![2];
        const objs = got.objects.filter((o) => o.key.startsWith(`${prefix}/`));
        const full = objs.filter((o) => /\/full-[^/]+\.sql\.gz$/.test(o.key));
        const binlogs = objs.filter((o) => /\/binlog\//.test(o.key));
        const ok = full.length > 0 && binlogs.length > 0 && full.every((o) => o.size > 0);
        if (!ok) problems.push(`bucket ${bucket}: no full dump and binlog under ${prefix}/ after sws-backup ran (${objs.length} object(s))`);
        lines.push(`${ok ? "✓" : "✗"} backups of ${w.name} in s3://${bucket}/${prefix}/: ${full.length} full dump(s) (latest ${full.length ? `${full[full.length - 1].size} B` : "none"}), ${binlogs.length} binlog file(s), ${objs.length} object(s) in all (sws-backup just ran: ${taken.filter((t) => t.startsWith(`${w.name}:`)).length}/2 units)`);
      }
    }

    // 4. The app's s3:// artifact: the object in the emulated S3 is what each app server runs.
    if (st.artifact) {
      const art = st.artifact;
      const inS3 = objectSha256(host, art.bucket, art.key);
      const apps = servers.filter((s) => (s.roles as string[]).includes("app"));
      if (inS3 !== art.sha256) problems.push(`artifact ${art.url}: the emulated S3 holds ${inS3 === null ? "no such object" : `SHA-256 ${inS3}`}, the stack was given ${art.sha256}`);
      lines.push(`${inS3 === art.sha256 ? "✓" : "✗"} app artifact ${art.url}: in the emulated S3 (${art.bytes} B), SHA-256 ${inS3?.slice(0, 12) ?? "none"}… = app.artifactSha256`);
      // The S3 GETs each app server made for the key (moto's request log: client address, path, status).
      const motoLog = fs.existsSync(path.join(HELPER_LOGS, "aws-moto.log")) ? fs.readFileSync(path.join(HELPER_LOGS, "aws-moto.log"), "utf8") : "";
      for (const a of apps) {
        const dir = `${APP_DIR}-releases/${art.sha256}`;
        const link = inRoot(a.name, ["readlink", "-f", APP_DIR]).stdout.trim();
        const files = filesOn(a.name, Object.keys(art.files).map((f) => `${dir}/${f}`));
        const wrong = Object.entries(art.files).filter(([f, sha]) => files.get(`${dir}/${f}`)?.sha256 !== sha).map(([f]) => f);
        // Virtual-hosted (GET /<key>) or path-style (GET /<bucket>/<key>) requests from this server.
        const gets = motoLog.split("\n").filter((l) => l.startsWith(`${a.privateIp} `) && [`"GET /${art.key} `, `"GET /${art.bucket}/${art.key} `].some((g) => l.includes(g)));
        const ok200 = gets.filter((l) => /" 200 /.test(l)).length;
        const bad: string[] = [];
        if (link !== dir) bad.push(`${APP_DIR} is ${link || "missing"}, not the verified release ${dir}`);
        if (wrong.length) bad.push(`${wrong.join(", ")} in ${dir} differ from the artifact's`);
        if (!ok200) bad.push(`no GET of ${art.key} from ${a.privateIp} answered 200 in the emulator's log`);
        problems.push(...bad.map((b) => `${a.name}: ${b}`));
        lines.push(`${bad.length ? "✗" : "✓"} ${a.name.padEnd(9)} runs the artifact: sws-app-update --boot downloaded it from S3 with its instance role (${ok200} GET ${art.key} → 200 from ${a.privateIp}), verified SHA-256 and unpacked it; ${APP_DIR} → ${link || "?"}${bad.length ? ` — ${bad.join("; ")}` : ""}`);
      }
      // A later release takes the same path: through the live SSM parameter and a new S3 object, and back.
      if (apps.length && !problems.length) {
        const ro = rolloutThroughAws(host, apps[0], art, art.sources);
        lines.push(...ro.lines);
        problems.push(...ro.problems);
      }
    }

    // 5. What the lab still stands in for.
    lines.push(`replay: ${st.replay.replayed} resources, ${st.replay.calls} API calls, ${st.replay.rejected.length} rejected; not emulated (checked elsewhere): ${[...new Set(st.replay.notEmulated.map((n) => n.type))].join(", ") || "none"}`);
    if (st.replay.leftOut?.length) lines.push(`not replayed (none of them used by the servers): ${st.replay.leftOut.join(", ")}`);
    lines.push("stand-ins that remain:");
    for (const s of st.standIns) lines.push(`    - ${s.what}: ${s.why}`);

    const ok = problems.length === 0;
    return {
      ok,
      summary: ok
        ? `user data as registered; ${fetched.rows.length} fetched files equal the program's SSM parameters and the emulator's; backups in S3`
        : `${problems.length} problem(s): ${problems[0]}`,
      lines: [...lines, ...problems.map((p) => `problem: ${p}`)],
      details: { problems, fetched: fetched.rows, buckets: bucketDetails, standIns: st.standIns, replay: st.replay, instances: st.instances.map((i) => ({ server: i.server, instanceId: i.instanceId, role: i.roleName })) },
    };
  });
}
