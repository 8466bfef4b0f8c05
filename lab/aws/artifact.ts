/**
 * An application artifact from S3, the way a user ships one: a lab profile whose `app.artifactUrl`
 * is `s3://<bucket>/<key>` gets that object in the lab's AWS — a bucket of the user's own, not one
 * of the stack's, so the program does not register it — and the tarball's SHA-256 as
 * `app.artifactSha256` (lab-stack*.yaml leave that field to the lab: the tarball is packed here
 * from the files `lab.appArtifact.files` names, reproducibly, so its digest follows the files).
 *
 * At first boot the app servers' own sws-app-update --boot downloads it with the instance role's
 * credentials (boto3, through IMDS), verifies the SHA-256 and unpacks it; a rollout to a later
 * release runs the same download (install_artifact). check's "aws" section proves what each app
 * server runs is that object.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { artifactS3Object } from "../../components/model";
import type { SecuredWebStackArgs } from "../../components/types";
import { REPO_DIR } from "../files";
import { run } from "../shell";
import { AwsHostSettings, awsAdmin } from "./host";

/** `lab.appArtifact` in a lab-stack*.yaml: the repository files packed into the artifact (at its top level). */
export interface AppArtifactSettings {
  files: string[];
}

export interface LabArtifact {
  url: string;
  bucket: string;
  key: string;
  sha256: string;
  bytes: Buffer;
  /** The repository files packed (lab.appArtifact.files). */
  sources: string[];
  /** Each packed file (its name in the tarball) → SHA-256 of its content. */
  files: Record<string, string>;
}

const sha256 = (b: Buffer | string) => crypto.createHash("sha256").update(b).digest("hex");

/**
 * A .tar.gz of the repository files (and any `extra` name → content) at its top level,
 * byte-identical wherever it is made (sorted, fixed mtime and owner, gzip -n).
 */
export function packArtifact(files: string[], extra: Record<string, string> = {}): Buffer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sws-lab-artifact-"));
  try {
    const names = files.map((f) => {
      const name = path.basename(f);
      fs.copyFileSync(path.join(REPO_DIR, f), path.join(dir, name));
      return name;
    });
    for (const [name, content] of Object.entries(extra)) {
      fs.writeFileSync(path.join(dir, name), content);
      names.push(name);
    }
    for (const n of names) fs.chmodSync(path.join(dir, n), 0o644);
    if (new Set(names).size !== names.length) throw new Error(`lab.appArtifact.files: two files share a name (${names.join(", ")})`);
    const r = run("/bin/sh", ["-c", 'd=$1; shift; tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$d" -cf - "$@" | gzip -n > "$d/.app.tgz"', "sh", dir, ...names]);
    if (r.code !== 0) throw new Error(`packing the lab's app artifact: ${r.stderr}`);
    return fs.readFileSync(path.join(dir, ".app.tgz"));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The profile's S3 artifact (undefined when its app is the bundled one or comes from https://). */
export function labArtifact(stack: SecuredWebStackArgs, settings: AppArtifactSettings | undefined): LabArtifact | undefined {
  const url = stack.app?.artifactUrl;
  const obj = artifactS3Object(url);
  if (!obj) return undefined;
  if (!settings?.files?.length) throw new Error(`app.artifactUrl is ${url}: the lab needs lab.appArtifact.files (what to pack into that object)`);
  const bytes = packArtifact(settings.files);
  const files = Object.fromEntries(settings.files.map((f) => [path.basename(f), sha256(fs.readFileSync(path.join(REPO_DIR, f)))]));
  return { url: url!, ...obj, sha256: sha256(bytes), bytes, sources: [...settings.files], files };
}

/**
 * Fill in app.artifactSha256 for an S3 artifact the lab packs (the only component argument the
 * lab computes besides its CAs); a profile that sets it itself must match the tarball.
 */
export function withArtifactSha256(stack: SecuredWebStackArgs, settings: AppArtifactSettings | undefined): SecuredWebStackArgs {
  const art = labArtifact(stack, settings);
  if (!art) return stack;
  const given = stack.app!.artifactSha256;
  if (given !== undefined && given !== art.sha256) throw new Error(`app.artifactSha256 is ${given}, but the lab's tarball of ${settings!.files.join(", ")} has ${art.sha256}: leave the field to the lab`);
  return { ...stack, app: { ...stack.app, artifactSha256: art.sha256 } };
}

/** Put the artifact into the lab's S3 as its owner would (a bucket of their own; PutObject with the SHA-256 checked by S3). */
export function uploadArtifact(aws: AwsHostSettings, art: Pick<LabArtifact, "bucket" | "key" | "bytes">): { versionId: string | null; etag: string } {
  const out = awsAdmin(aws, [
    "import base64, hashlib",
    "a = json.load(sys.stdin); s3 = AWS('s3'); body = base64.b64decode(a['b64'])",
    "try: s3.create_bucket(Bucket=a['bucket'])",
    "except s3.exceptions.BucketAlreadyOwnedByYou: pass",
    "r = s3.put_object(Bucket=a['bucket'], Key=a['key'], Body=body, ChecksumSHA256=base64.b64encode(hashlib.sha256(body).digest()).decode())",
    "print(json.dumps({'versionId': r.get('VersionId'), 'etag': r['ETag']}))",
  ].join("\n"), JSON.stringify({ bucket: art.bucket, key: art.key, b64: art.bytes.toString("base64") }));
  return JSON.parse(out) as { versionId: string | null; etag: string };
}

/** SHA-256 of the object the lab's S3 holds at an s3:// URL (downloaded in the AWS host's namespace), or null when missing. */
export function objectSha256(aws: AwsHostSettings, bucket: string, key: string): string | null {
  const out = awsAdmin(aws, [
    "import hashlib",
    "a = json.load(sys.stdin); s3 = AWS('s3')",
    "try: print(json.dumps(hashlib.sha256(s3.get_object(Bucket=a['bucket'], Key=a['key'])['Body'].read()).hexdigest()))",
    "except s3.exceptions.NoSuchKey: print('null')",
  ].join("\n"), JSON.stringify({ bucket, key }));
  return JSON.parse(out) as string | null;
}
