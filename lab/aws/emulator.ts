/**
 * The lab's AWS holds what the program registered: the resources captured under the
 * provider-shaped mocks (program.ts) are replayed into the lab's moto by the conformance suite's
 * own replay (tests/aws/replay.ts: AWS SDK v3 calls in dependency order, references mapped onto
 * the emulator's ids) — SSM parameters (toolkit files; secrets with the lab-made values), the
 * backup bucket with its versioning, encryption, lifecycle and policy, IAM roles, log groups and
 * alarms when the sink is CloudWatch, … Runs in a child process inside the AWS host's network
 * namespace (the only place the lab's AWS is reachable from), trusting the lab CA.
 *
 * Also the lab's own reads of the emulator for `check` (digests only, never values).
 */
import * as fs from "fs";
import * as path from "path";
import { LAB_CA } from "../acme";
import { REPO_DIR, STATE } from "../files";
import { netnsPath } from "../namespaces";
import { ADMIN_ENV, AWS_DIR, AwsHostSettings, awsAdmin } from "./host";
import { childMain, runChild } from "./child";
import type { ProgramRun } from "./program";

export interface LabReplayReport {
  calls: number;
  rejected: Array<{ resource: string; type: string; call: string; error: string }>;
  replayed: string[];
  notEmulated: Array<{ resource: string; type: string; how: string }>;
  /** Mock value → emulator value (ids, ARNs the emulator chose). */
  mapped: Record<string, string>;
  seconds: number;
}

/** Replay the program's resources into the lab's moto (child process in the AWS host's namespace). */
export function replayIntoLab(aws: AwsHostSettings, programFile: string, region: string): LabReplayReport {
  const out = path.join(AWS_DIR, "replay.json");
  runChild(__filename, { programFile, endpoint: `https://${aws.ip}`, region, out }, {
    what: "replay into the lab's AWS", prefix: ["nsenter", `--net=${netnsPath(aws.name)}`, "--"], timeoutMs: 300000,
    env: { PATH: process.env.PATH, HOME: AWS_DIR, SWS_LAB_STATE: STATE, NODE_EXTRA_CA_CERTS: LAB_CA, ...ADMIN_ENV },
  });
  return JSON.parse(fs.readFileSync(out, "utf8")) as LabReplayReport;
}

async function child(spec: { programFile: string; endpoint: string; region: string; out: string }): Promise<void> {
  const run = JSON.parse(fs.readFileSync(spec.programFile, "utf8")) as ProgramRun;
  const { replay } = require(path.join(REPO_DIR, "tests", "aws", "replay"));
  const t0 = Date.now();
  const rep = await replay(run.resources, { endpoint: spec.endpoint, region: spec.region });
  const report: LabReplayReport = {
    calls: rep.calls, rejected: rep.rejected, replayed: rep.replayed, notEmulated: rep.notEmulated,
    mapped: Object.fromEntries(rep.mapped as Map<string, string>), seconds: (Date.now() - t0) / 1000,
  };
  fs.writeFileSync(spec.out, JSON.stringify(report, null, 2), { mode: 0o600 });
}

/** SHA-256 of each SSM parameter's value as the emulator holds it (decrypted in the emulator's namespace; only digests leave it). */
export function emulatorParameterDigests(aws: AwsHostSettings, names: string[]): Map<string, string> {
  const out = awsAdmin(aws, [
    "import hashlib",
    "names = json.load(sys.stdin); ssm = AWS('ssm'); got = {}",
    "for i in range(0, len(names), 10):",
    "    r = ssm.get_parameters(Names=names[i:i + 10], WithDecryption=True)",
    "    for p in r['Parameters']: got[p['Name']] = hashlib.sha256(p['Value'].encode()).hexdigest()",
    "print(json.dumps(got))",
  ].join("\n"), JSON.stringify(names));
  return new Map(Object.entries(JSON.parse(out) as Record<string, string>));
}

export interface BucketReport {
  bucket: string;
  versioning: string | null;
  encryption: string | null;
  lifecycleRules: number;
  policyStatements: number;
  objects: Array<{ key: string; size: number; versions: number }>;
}

/** What the emulated S3 holds for a bucket: its settings and objects (keys and sizes). */
export function bucketReport(aws: AwsHostSettings, bucket: string): BucketReport {
  const out = awsAdmin(aws, [
    "b = json.load(sys.stdin); s3 = AWS('s3'); rep = {'bucket': b}",
    "rep['versioning'] = s3.get_bucket_versioning(Bucket=b).get('Status')",
    "try:",
    "    rules = s3.get_bucket_encryption(Bucket=b)['ServerSideEncryptionConfiguration']['Rules']",
    "    rep['encryption'] = rules[0]['ApplyServerSideEncryptionByDefault']['SSEAlgorithm']",
    "except Exception: rep['encryption'] = None",
    "try: rep['lifecycleRules'] = len(s3.get_bucket_lifecycle_configuration(Bucket=b)['Rules'])",
    "except Exception: rep['lifecycleRules'] = 0",
    "try: rep['policyStatements'] = len(json.loads(s3.get_bucket_policy(Bucket=b)['Policy'])['Statement'])",
    "except Exception: rep['policyStatements'] = 0",
    "versions = {}",
    "for page in s3.get_paginator('list_object_versions').paginate(Bucket=b):",
    "    for v in page.get('Versions', []): versions[v['Key']] = versions.get(v['Key'], 0) + 1",
    "rep['objects'] = []",
    "for page in s3.get_paginator('list_objects_v2').paginate(Bucket=b):",
    "    for o in page.get('Contents', []): rep['objects'].append({'key': o['Key'], 'size': o['Size'], 'versions': versions.get(o['Key'], 1)})",
    "print(json.dumps(rep))",
  ].join("\n"), JSON.stringify(bucket));
  return JSON.parse(out) as BucketReport;
}

childMain(module, child);
