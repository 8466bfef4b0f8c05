/**
 * `npm run lab -- drill app-update [--json]`: an application release rolled out in place, the way
 * the stack's SSM State Manager association does it (components/aws/appRollout.ts: one app server
 * at a time, maxConcurrency 1, stop at the first failure, maxErrors 0), on a lab with two or more
 * app servers (`up --profile hardened`), under a steady client through the balancer.
 *
 * The lab has no SSM: THE SSM AGENT'S STAND-IN here runs, on each app server in turn, exactly the
 * document's command — `sws-app-update <sha256 of the release>` — with the release handed over as
 * a file (`--from-file`) instead of read from the SSM parameter, and stops at the first non-zero
 * exit as State Manager does with maxErrors 0. Artifacts are file:/// tarballs placed in each
 * server's root (no https host in the lab); sws-app-update verifies and unpacks them as it would
 * a download.
 *
 *   1 good release   the bundled app as an artifact + a new setting: every server switched, the
 *                    client saw no failed request
 *   2 wrong SHA-256  the artifact does not match: the first server refuses it before switching,
 *                    the rollout stops there, the previous release still serves everywhere
 *   3 no health      an artifact that never answers its health path: the first server switches,
 *                    fails its health check, rolls back; the rollout stops; still serving
 */
import { spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CheckContext, CheckResult, context, timedCheck } from "../checks/common";
import { CLIENTS_DIR, REPO_DIR } from "../files";
import type { Say } from "./report";
import { netnsPath } from "../namespaces";
import { inRoot, writeInRoot } from "../root";
import { cleanEnv, run } from "../shell";
import { sleep } from "../processes";

type Sample = [number, number, number, number];
const RELEASE = "/etc/sws/app-release.env";
const ARTIFACTS = "/var/lib/sws-lab-artifacts";

function probe(ctx: CheckContext, urlPath: string, durationMs: number, intervalMs = 20): { done: Promise<Sample[]> } {
  const { state } = ctx;
  const p = spawn("nsenter", [`--net=${netnsPath(ctx.client)}`, "--", process.execPath, path.join(CLIENTS_DIR, "https-prober.js"),
    state.balancer.ip, state.domain, state.caBundle, urlPath, String(durationMs), String(intervalMs)], { env: cleanEnv() });
  let out = "";
  p.stdout.on("data", (d) => (out += d));
  return { done: new Promise((resolve) => p.on("close", () => resolve((JSON.parse(out) as { samples: Sample[] }).samples))) };
}

/** A tar.gz holding one server.js, byte-identical wherever it is made (fixed mtime and owner, gzip -n). */
function tarball(serverJs: string): Buffer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sws-app-artifact-"));
  try {
    fs.writeFileSync(path.join(dir, "server.js"), serverJs);
    const r = run("/bin/sh", ["-c", `tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$1" -cf - server.js | gzip -n > "$1/app.tgz"`, "sh", dir]);
    if (r.code !== 0) throw new Error(`tar: ${r.stderr}`);
    return fs.readFileSync(path.join(dir, "app.tgz"));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const sha256 = (b: Buffer | string) => crypto.createHash("sha256").update(b).digest("hex");

function placeArtifact(server: string, name: string, bytes: Buffer): string {
  const file = `${ARTIFACTS}/${name}`;
  const r = inRoot(server, ["/bin/sh", "-c", `set -e; mkdir -p "${ARTIFACTS}"; base64 -d > "$1"; chmod 0644 "$1"`, "sh", file], { input: bytes.toString("base64") });
  if (r.code !== 0) throw new Error(`placing ${file} on ${server}: ${r.stderr}`);
  return `file://${file}`;
}

/** One release: the current release file with lines replaced/added (KEY='value', values without quotes). */
function releaseWith(current: string, set: { [k: string]: string }): string {
  const lines = current.split("\n").filter((l) => l && !Object.keys(set).some((k) => l.startsWith(`${k}=`)));
  return [...lines, ...Object.entries(set).map(([k, v]) => `${k}='${v}'`)].join("\n") + "\n";
}

interface ServerStep { server: string; code: number; ms: number; out: string }

/** THE SSM AGENT'S STAND-IN: the document's command on each app server in turn; stop at the first failure (maxErrors 0). */
function rollout(apps: string[], release: string, healthTimeoutS: number): ServerStep[] {
  const sha = sha256(release);
  const steps: ServerStep[] = [];
  for (const server of apps) {
    writeInRoot(server, "/run/sws/app-release.new", release, "0644", "root:root");
    const t0 = Date.now();
    const r = inRoot(server, ["/usr/local/sbin/sws-app-update", "--from-file", "/run/sws/app-release.new", sha], {}, [`SWS_HEALTH_TIMEOUT=${healthTimeoutS}`]);
    steps.push({ server, code: r.code, ms: Date.now() - t0, out: (r.stdout + r.stderr).trim() });
    if (r.code !== 0) break;
  }
  return steps;
}

const installed = (server: string) => inRoot(server, ["cat", RELEASE]).stdout;
const appTarget = (server: string) => inRoot(server, ["readlink", "-f", "/opt/sws-app"]).stdout.trim();

function summarize(samples: Sample[]) {
  const byStatus: Record<string, number> = {};
  for (const s of samples) byStatus[s[1]] = (byStatus[s[1]] ?? 0) + 1;
  return { requests: samples.length, failed: samples.filter((s) => s[1] !== 200).length, byStatus, maxMs: samples.length ? Math.max(...samples.map((s) => s[2])) : null };
}

/** Needs two or more app servers (a rollout one at a time under a client must have another server answering). */
export function appUpdateNeeds(ctx: CheckContext): string | undefined {
  const apps = ctx.rendered.servers.filter((s) => (s.roles as string[]).includes("app")).map((s) => s.name);
  return apps.length < 2 ? `needs two or more app servers (up --profile hardened); this lab has ${apps.join(", ")}` : undefined;
}

export async function appUpdateDrills(ctx: CheckContext, say: Say): Promise<CheckResult[]> {
  const apps = ctx.rendered.servers.filter((s) => (s.roles as string[]).includes("app")).map((s) => s.name);
  const results: CheckResult[] = [];
  const cannot = appUpdateNeeds(ctx);
  if (cannot) throw new Error(`the app-update drill ${cannot}`);
  const original = installed(apps[0]);
  if (!original) throw new Error(`${apps[0]} has no ${RELEASE}`);
  const bundled = fs.readFileSync(path.join(REPO_DIR, "app", "server.js"), "utf8");
  const good = tarball(bundled);
  // Listens on nothing: the health path never answers.
  const mute = tarball(`"use strict";\n// sws-lab drill: an application that starts but never answers its health path\nsetInterval(() => {}, 60000);\n`);
  const goodUrl = apps.map((s) => placeArtifact(s, "app-good.tgz", good))[0];
  const muteUrl = apps.map((s) => placeArtifact(s, "app-mute.tgz", mute))[0];

  say(`app-update drill on ${apps.join(", ")} (SSM agent stand-in: the document's command on one server at a time, stop at the first failure)`);

  results.push(await timedCheck("good release, under a steady client", async () => {
    const release = releaseWith(original, { ARTIFACT_URL: goodUrl, ARTIFACT_SHA256: sha256(good), SWS_LAB_RELEASE: "b" });
    // The client runs a fixed 40 s (the rollout takes a few seconds per server) and covers it whole.
    const p = probe(ctx, "/healthz", 40000);
    await sleep(1500);
    const t0 = Date.now();
    const steps = rollout(apps, release, 30);
    const rolloutMs = Date.now() - t0;
    const s = summarize(await p.done);
    if (rolloutMs > 36000) throw new Error(`the rollout took ${rolloutMs} ms, longer than the client ran`);
    const switched = apps.filter((a) => installed(a) === release && appTarget(a).endsWith(sha256(good)));
    const ok = steps.length === apps.length && steps.every((x) => x.code === 0) && switched.length === apps.length && s.failed === 0 && s.requests > 50;
    return {
      ok,
      summary: `${switched.length}/${apps.length} servers on the new release; client ${s.requests - s.failed}/${s.requests} answered 200 (failed ${s.failed})`,
      lines: [...steps.map((x) => `${x.code === 0 ? "✓" : "✗"} ${x.server}: exit ${x.code} in ${(x.ms / 1000).toFixed(1)} s — ${x.out.split("\n").pop()}`),
        `client GET /healthz every 20 ms through the balancer: ${JSON.stringify(s.byStatus)}, slowest ${s.maxMs} ms`],
      details: { steps, client: s },
    };
  }));

  const before = Object.fromEntries(apps.map((a) => [a, installed(a)]));
  const serving = async () => summarize(await probe(ctx, "/healthz", 2000, 50).done);

  results.push(await timedCheck("wrong SHA-256: the rollout stops, the previous release serves", async () => {
    const release = releaseWith(before[apps[0]], { ARTIFACT_URL: muteUrl, ARTIFACT_SHA256: "0".repeat(64), SWS_LAB_RELEASE: "c" });
    const steps = rollout(apps, release, 20);
    const unchanged = apps.filter((a) => installed(a) === before[a]);
    const s = await serving();
    const ok = steps.length === 1 && steps[0].code !== 0 && /SHA-256/.test(steps[0].out) && unchanged.length === apps.length && s.failed === 0;
    return {
      ok,
      summary: `stopped after ${steps.map((x) => x.server).join(", ")} (exit ${steps[0]?.code}); ${unchanged.length}/${apps.length} servers keep the previous release; serving ${s.requests - s.failed}/${s.requests}`,
      lines: steps.map((x) => `${x.code === 0 ? "✓" : "✗"} ${x.server}: exit ${x.code} — ${x.out.split("\n").slice(-2).join(" | ")}`),
      details: { steps, client: s },
    };
  }));

  results.push(await timedCheck("no health answer: rolled back, the rollout stops, the previous release serves", async () => {
    const release = releaseWith(before[apps[0]], { ARTIFACT_URL: muteUrl, ARTIFACT_SHA256: sha256(mute), SWS_LAB_RELEASE: "d" });
    const p = probe(ctx, "/healthz", 30000, 50);
    await sleep(500);
    const steps = rollout(apps, release, 10);
    const s = summarize(await p.done);
    const unchanged = apps.filter((a) => installed(a) === before[a] && appTarget(a).endsWith(sha256(good)));
    const after = await serving();
    const ok = steps.length === 1 && steps[0].code !== 0 && /rolled back/.test(steps[0].out) && unchanged.length === apps.length && after.failed === 0;
    return {
      ok,
      summary: `${steps[0]?.server} switched, failed its health check, rolled back (exit ${steps[0]?.code}); rollout stopped; ${unchanged.length}/${apps.length} on the previous release; meanwhile client ${s.requests - s.failed}/${s.requests} 200, after ${after.requests - after.failed}/${after.requests}`,
      lines: [...steps.map((x) => `${x.code === 0 ? "✓" : "✗"} ${x.server}: exit ${x.code} in ${(x.ms / 1000).toFixed(1)} s — ${x.out.split("\n").slice(-2).join(" | ")}`),
        `client during the attempt: ${JSON.stringify(s.byStatus)} (the other app server answers while this one is down or muted: Nginx passes to the next upstream)`],
      details: { steps, during: s, after },
    };
  }));

  // Leave the lab on the release it was booted with.
  rollout(apps, original, 60);
  return results;
}
