/**
 * An application release rolled out through the lab's AWS, the way the stack's State Manager
 * association rolls one out on an app server (components/aws/appRollout.ts), with every AWS read
 * done by the server's own code:
 *   1. a new artifact is published beside the first, under a new key (as a user ships a version);
 *   2. the stack's live release parameter (fetch.list's "~" line for /etc/sws/app-release.env) is
 *      overwritten with the new ARTIFACT_URL + ARTIFACT_SHA256 — what `pulumi up` does to it when
 *      app.artifactUrl changes;
 *   3. the document's one command runs on the server: `sws-app-update <SHA-256 of the release>` —
 *      it reads the release from the emulated SSM and the artifact from the emulated S3 with the
 *      instance role (boto3, IMDS), verifies both, switches, restarts and checks the health path.
 * Then the previous release is rolled back in the same way (its directory is still there: no
 * download), so the lab ends as it was. The association itself is a stand-in: moto does not run
 * State Manager associations, the lab runs the document's command as the SSM agent would.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { APP_DIR, APP_RELEASE } from "../../components/payloads/app";
import { envFile } from "../../components/payloads/escape";
import { HELPER_LOGS } from "../helperDaemons";
import { inRoot } from "../root";
import { packArtifact, uploadArtifact } from "./artifact";
import { AwsHostSettings, awsAdmin } from "./host";

export interface RolloutReport {
  ok: boolean;
  lines: string[];
  problems: string[];
}

const sha256 = (b: Buffer | string) => crypto.createHash("sha256").update(b).digest("hex");

/** The release with its artifact lines replaced (the rest — settings, health path — unchanged). */
export function releaseWithArtifact(release: string, url: string, sha: string): string {
  const kept = release.split("\n").filter((l) => l && !/^ARTIFACT_(URL|SHA256)=/.test(l));
  return kept.join("\n") + "\n" + envFile({ ARTIFACT_URL: url, ARTIFACT_SHA256: sha });
}

/** The live release parameter a server reads (its fetch.list line "<param> /etc/sws/app-release.env <group> <mode> ~"). */
export function releaseParameter(fetchList: string): string | undefined {
  return fetchList.split("\n").map((l) => l.trim().split(/\s+/)).find((r) => r[1] === APP_RELEASE && r[4] === "~")?.[0];
}

function parameter(host: AwsHostSettings, name: string): { value: string; type: string } {
  return JSON.parse(awsAdmin(host, "p = AWS('ssm').get_parameter(Name=json.load(sys.stdin))['Parameter']\nprint(json.dumps({'value': p['Value'], 'type': p['Type']}))", JSON.stringify(name)));
}

function putParameter(host: AwsHostSettings, name: string, value: string, type: string): void {
  awsAdmin(host, "a = json.load(sys.stdin)\nAWS('ssm').put_parameter(Name=a['name'], Value=a['value'], Type=a['type'], Overwrite=True)", JSON.stringify({ name, value, type }));
}

/** Roll `server` to a new S3 artifact through SSM + S3 and back; every step's outcome in the report. */
export function rolloutThroughAws(
  host: AwsHostSettings, server: { name: string; privateIp: string }, first: { bucket: string; key: string; sha256: string }, files: string[],
): RolloutReport {
  const lines: string[] = [];
  const problems: string[] = [];
  const fl = inRoot(server.name, ["cat", "/etc/sws/fetch.list"]);
  const param = fl.code === 0 ? releaseParameter(fl.stdout) : undefined;
  if (!param) return { ok: false, lines, problems: [`${server.name}: no live release in /etc/sws/fetch.list`] };
  const before = parameter(host, param);
  const installed = inRoot(server.name, ["cat", APP_RELEASE]).stdout;
  if (installed !== before.value) problems.push(`${server.name}: ${APP_RELEASE} differs from ${param} before the rollout`);

  // 1. The next version: the same files plus a marker only it has (so its digest and content differ).
  const marker = `rolled out by the lab through SSM + S3 (${param})\n`;
  const bytes = packArtifact(files, { "SWS_LAB_RELEASE": marker });
  const next = { bucket: first.bucket, key: first.key.replace(/(\.tar\.gz|\.tgz)?$/, "-next$1"), bytes, sha256: sha256(bytes) };
  uploadArtifact(host, next);
  const url = `s3://${next.bucket}/${next.key}`;
  const release = releaseWithArtifact(before.value, url, next.sha256);
  const step = (what: string, rel: string, wantDir: string): boolean => {
    putParameter(host, param, rel, before.type);
    const t0 = Date.now();
    // The association document's command (appRollout.ts: `exec /usr/local/sbin/sws-app-update '{{ release }}'`).
    const r = inRoot(server.name, ["/usr/local/sbin/sws-app-update", sha256(rel)], { timeout: 150000 });
    const ms = Date.now() - t0;
    const link = inRoot(server.name, ["readlink", "-f", APP_DIR]).stdout.trim();
    const now = inRoot(server.name, ["cat", APP_RELEASE]).stdout;
    const bad: string[] = [];
    if (r.code !== 0) bad.push(`sws-app-update exited ${r.code}: ${(r.stderr + r.stdout).trim().split("\n").slice(-2).join(" ")}`);
    if (link !== wantDir) bad.push(`${APP_DIR} → ${link || "?"}, not ${wantDir}`);
    if (now !== rel) bad.push(`${APP_RELEASE} is not the release in SSM`);
    problems.push(...bad.map((b) => `${server.name} ${what}: ${b}`));
    lines.push(`${bad.length ? "✗" : "✓"} ${server.name.padEnd(9)} ${what}: \`sws-app-update ${sha256(rel).slice(0, 12)}…\` (the association's command) read the release from SSM${what.startsWith("to") ? `, fetched ${next.key} from S3 (${bytes.length} B)` : " (its artifact already unpacked: no download)"}, verified, switched, healthy in ${(ms / 1000).toFixed(1)} s; ${APP_DIR} → ${path.basename(link)}${bad.length ? ` — ${bad.join("; ")}` : ""}`);
    return bad.length === 0;
  };
  try {
    if (step(`to ${url}`, release, `${APP_DIR}-releases/${next.sha256}`)) {
      const got = inRoot(server.name, ["cat", `${APP_DIR}/SWS_LAB_RELEASE`]).stdout;
      if (got !== marker) problems.push(`${server.name}: the new release's marker file is not in ${APP_DIR}`);
      const log = fs.existsSync(path.join(HELPER_LOGS, "aws-moto.log")) ? fs.readFileSync(path.join(HELPER_LOGS, "aws-moto.log"), "utf8") : "";
      const gets = log.split("\n").filter((l) => l.startsWith(`${server.privateIp} `) && [`"GET /${next.key} `, `"GET /${next.bucket}/${next.key} `].some((g) => l.includes(g)) && /" 200 /.test(l)).length;
      if (!gets) problems.push(`${server.name}: no GET of ${next.key} from ${server.privateIp} answered 200 in the emulator's log`);
    }
  } finally {
    // Back to the release the program registered, the same way (and the parameter as the program stored it).
    step(`back to s3://${first.bucket}/${first.key}`, before.value, `${APP_DIR}-releases/${first.sha256}`);
  }
  return { ok: problems.length === 0, lines, problems };
}
