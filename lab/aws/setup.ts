/**
 * `up`'s AWS steps, in order: the program under the mocks (program.ts) → the AWS host and the VPC
 * resolver (host.ts) → the program's resources replayed into it (emulator.ts) → per server, its
 * instance role's credentials from the emulated STS served by IMDS, and the instance stand-ins
 * (instance.ts). The result is kept in the lab state for `check`'s "aws" section.
 */
import * as fs from "fs";
import * as path from "path";
import type { Model, ServerModel } from "../../components/model";
import { readJson, writeJson } from "../files";
import { LabArtifact, uploadArtifact } from "./artifact";
import { sha256 } from "./compare";
import { replayIntoLab, LabReplayReport } from "./emulator";
import { AWS_DIR, AwsHostSettings, awsAdmin, ensureAemm, InstanceIdentity, issueEndpointCertificate, roleCredentials, startImds, startMoto, startResolver } from "./host";
import { INSTANCE_STAND_INS, prepareInstance, StandIn } from "./instance";
import { instanceOf, instanceUserData, LAB_STACK, ProgramRun } from "./program";
import { endpointNames } from "./endpoints";

export const AWS_STATE = path.join(AWS_DIR, "state.json");
export const PROGRAM_FILE = path.join(AWS_DIR, "program.json");
/** The component's name in the program (index.ts: `sws-${pulumi.getStack()}`). */
export const COMPONENT = `sws-${LAB_STACK}`;

export interface AwsLabState {
  region: string;
  host: AwsHostSettings & { resolverIp: string };
  buckets: string[];
  /** The app's s3:// artifact the lab uploaded as its owner would (not one of the program's buckets). */
  artifact?: { url: string; bucket: string; key: string; sha256: string; sources: string[]; files: Record<string, string>; bytes: number };
  endpoints: string[];
  instances: InstanceIdentity[];
  replay: Omit<LabReplayReport, "mapped" | "replayed"> & { replayed: number; leftOut: string[] };
  /** SHA-256 of the user data the program registered, per server. */
  userDataSha256: Record<string, string>;
  /**
   * Each bucket's policy as the emulator stored it from the replay (Sids), compared with the
   * program's, before the lab lifted it (see liftBucketPolicies).
   */
  bucketPolicies: Record<string, { sids: string[]; equalsProgram: boolean }>;
  standIns: StandIn[];
  seconds: { host: number; replay: number; imds: number };
}

export function readAwsState(): AwsLabState | undefined {
  return readJson<AwsLabState | undefined>(AWS_STATE, undefined);
}

/** Resource types the servers read or write through AWS's APIs (they must be in the lab's AWS). */
const SERVED_TYPES = ["aws:ssm/", "aws:s3/", "aws:iam/", "aws:kms/", "aws:cloudwatch/", "aws:ec2/instance:"];

/** The bucket names the program registered (the S3 bucket resources' physical names). */
export function programBuckets(run: ProgramRun): string[] {
  return run.resources.filter((r) => r.type === "aws:s3/bucket:Bucket").map((r) => String(r.state.bucket ?? r.inputs.bucket ?? r.id));
}

/** The user data the program registered for each server (gunzipped #cloud-config), by server name. */
export function programUserData(run: ProgramRun, servers: Array<{ name: string }>): Map<string, string> {
  return new Map(servers.map((s) => [s.name, instanceUserData(instanceOf(run, COMPONENT, s.name))]));
}

/** Each SSM parameter the program registered → the SHA-256 of its value. */
export function programParameterDigests(run: ProgramRun): Map<string, string> {
  return new Map(run.resources.filter((r) => r.type === "aws:ssm/parameter:Parameter").map((r) => [String(r.inputs.name), sha256(String(r.inputs.value))]));
}

/**
 * moto 5.2.1 enforces a bucket policy's `Principal: "*"` statements without their conditions (its
 * put_bucket_policy says so: "Conditions are not taken into account"), so the program's two
 * conditional Deny statements (plain HTTP; writers other than the database servers' roles) would
 * deny every object write. The lab checks that the emulator stored the program's policy, then
 * deletes it before the servers boot: a stand-in, listed by `check`. Who may write is judged by
 * the IAM policy evaluator in the tests, not by moto.
 */
function liftBucketPolicies(host: AwsHostSettings, run: ProgramRun, buckets: string[], mapped: Record<string, string>): AwsLabState["bucketPolicies"] {
  const registered = run.resources.filter((r) => r.type === "aws:s3/bucketPolicy:BucketPolicy");
  const out: AwsLabState["bucketPolicies"] = {};
  for (const b of buckets) {
    const mine = registered.find((r) => r.inputs.bucket === b || r.state.bucket === b) ?? (registered.length === 1 ? registered[0] : undefined);
    const stored = JSON.parse(awsAdmin(host, [
      "b = json.load(sys.stdin); s3 = AWS('s3')",
      "try: p = json.loads(s3.get_bucket_policy(Bucket=b)['Policy'])",
      "except s3.exceptions.ClientError: p = None",
      "if p is not None: s3.delete_bucket_policy(Bucket=b)",
      "print(json.dumps(p))",
    ].join("\n"), JSON.stringify(b))) as { Statement: Array<{ Sid?: string }> } | null;
    // The program's document with its references mapped onto the emulator's ids, as the replay sent it.
    let doc = mine ? String(mine.inputs.policy) : "null";
    for (const [from, to] of Object.entries(mapped).sort((a, b) => b[0].length - a[0].length)) doc = doc.split(from).join(to);
    const want = JSON.parse(doc) as { Statement: Array<{ Sid?: string }> } | null;
    out[b] = { sids: (stored?.Statement ?? []).map((x) => x.Sid ?? "?"), equalsProgram: JSON.stringify(stored) === JSON.stringify(want) };
  }
  return out;
}

/** The instance role the program gave a server: instance → instance profile → role. */
function roleOf(run: ProgramRun, server: string): { roleName: string; roleArn: string; profileArn: string } {
  const inst = instanceOf(run, COMPONENT, server);
  const profileName = String(inst.inputs.iamInstanceProfile);
  const profile = run.resources.find((r) => r.type === "aws:iam/instanceProfile:InstanceProfile" && (r.state.name === profileName || r.id === profileName));
  if (!profile) throw new Error(`${server}: the program registered no instance profile ${profileName}`);
  const roleName = String(profile.inputs.role);
  const role = run.resources.find((r) => r.type === "aws:iam/role:Role" && (r.state.name === roleName || r.id === roleName));
  if (!role) throw new Error(`${server}: the program registered no role ${roleName}`);
  return { roleName, roleArn: String(role.state.arn), profileArn: String(profile.state.arn ?? `arn:aws:iam::123456789012:instance-profile/${profileName}`) };
}

export async function startLabAws(
  host: AwsHostSettings, model: Model, run: ProgramRun, log: (m: string) => void, artifact?: LabArtifact,
): Promise<AwsLabState> {
  const region = run.config["aws:region"] ?? "us-east-1";
  const resolverIp = model.network.resolver;
  const buckets = programBuckets(run);
  // The servers resolve every bucket they reach by its virtual-host name: the stack's and the artifact's.
  const reached = [...buckets, ...(artifact && !buckets.includes(artifact.bucket) ? [artifact.bucket] : [])];
  const t0 = Date.now();
  const names = endpointNames(region, reached);
  issueEndpointCertificate(region, reached, host.ip);
  await startResolver(host, resolverIp, names.dns);
  await startMoto(host);
  const t1 = Date.now();
  const rep = replayIntoLab(host, PROGRAM_FILE, region);
  log(`    replayed ${rep.replayed.length} resources (${rep.calls} API calls, ${rep.rejected.length} rejected) in ${rep.seconds.toFixed(1)} s; not emulated: ${[...new Set(rep.notEmulated.map((n) => n.type))].join(", ") || "none"}`);
  const missing = run.resources.filter((r) => r.custom !== false && r.type.startsWith("aws:") && !rep.replayed.includes(r.name) && !rep.notEmulated.some((n) => n.resource === r.name));
  // What the servers use at boot and run time must be there; anything else left out is reported by `check`.
  const needed = missing.filter((r) => SERVED_TYPES.some((t) => r.type.startsWith(t)));
  if (needed.length) throw new Error(`the replay left out what the servers use: ${needed.map((r) => `${r.name} (${r.type})`).join(", ")}`);
  if (missing.length) log(`    note: not replayed (no handler in tests/aws/replay.ts): ${missing.map((r) => `${r.name} (${r.type})`).join(", ")}`);
  if (rep.rejected.length) {
    throw new Error(`the lab's AWS rejected what the program registered:\n${rep.rejected.map((r) => `  ${r.resource} (${r.type}) ${r.call}: ${r.error}`).join("\n")}`);
  }
  const bucketPolicies = liftBucketPolicies(host, run, buckets, rep.mapped);
  for (const [b, p] of Object.entries(bucketPolicies)) {
    if (!p.equalsProgram) throw new Error(`bucket ${b}: the emulator stored another policy than the program registered`);
    log(`    bucket ${b}: the emulator holds the program's policy (${p.sids.join(", ")}); lifted before boot (moto enforces it without its conditions)`);
  }
  if (artifact) {
    const put = uploadArtifact(host, artifact);
    log(`    app artifact: ${artifact.url} (${artifact.bytes.length} B, SHA-256 ${artifact.sha256.slice(0, 12)}…, packed from ${Object.keys(artifact.files).join(", ")}) uploaded as its owner would (ETag ${put.etag})`);
  }
  const t2 = Date.now();
  const aemm = ensureAemm(log);
  const instances: InstanceIdentity[] = [];
  for (const s of model.servers) {
    const inst = instanceOf(run, COMPONENT, s.name);
    const role = roleOf(run, s.name);
    const id: InstanceIdentity = {
      server: s.name, privateIp: s.privateIp, region, accountId: "123456789012",
      // The emulator's own ids where the replay created the resource (the alarms' dimensions are mapped onto them too).
      instanceId: rep.mapped[inst.id] ?? inst.id,
      roleName: role.roleName, instanceProfileArn: rep.mapped[role.profileArn] ?? role.profileArn,
    };
    const creds = roleCredentials(host, rep.mapped[role.roleArn] ?? role.roleArn, id.instanceId);
    await startImds(aemm, id, creds);
    instances.push(id);
  }
  const userData = programUserData(run, model.servers);
  const state: AwsLabState = {
    region, host: { ...host, resolverIp }, buckets, endpoints: names.dns, instances,
    artifact: artifact && { url: artifact.url, bucket: artifact.bucket, key: artifact.key, sha256: artifact.sha256, sources: artifact.sources, files: artifact.files, bytes: artifact.bytes.length },
    replay: { calls: rep.calls, rejected: rep.rejected, replayed: rep.replayed.length, notEmulated: rep.notEmulated, seconds: rep.seconds, leftOut: missing.map((r) => `${r.name} (${r.type})`) },
    userDataSha256: Object.fromEntries([...userData].map(([k, v]) => [k, sha256(v)])),
    bucketPolicies,
    standIns: [
      { what: "the buckets' policies are checked in the emulator, then removed before boot", why: "moto enforces bucket-policy statements without their conditions (5.2.1, and 5.2.5, the latest release, the same: s3/models.py put_bucket_policy), so the program's conditional Deny statements (insecure transport; writers other than the database roles) would deny every write; the IAM policy evaluator in the tests judges them instead" },
      { what: "the lab's AWS does not evaluate IAM: a server's credentials could reach more there than its role allows", why: "moto's optional IAM enforcement matches actions only, not resources or conditions; what each role may read and write (its own parameters, the backup prefix, the one app artifact) is proven by the IAM policy evaluator (tests/iam-effective.test.ts), the lab proves the calls work" },
      { what: "the app rollout's State Manager association: check runs its document's command (sws-app-update <release SHA-256>) on the first app server itself", why: "moto does not run associations (the replay names aws:ssm/association as not emulated); everything the command reads — the live release in SSM, the artifact in S3 — comes from the lab's AWS with the instance role" },
      { what: "no `acm` profile: the balancer's ACM export (sws-tls acm-export) does not run in the lab", why: "moto's ExportCertificate (5.2.1; 5.2.5 the same) returns a certificate signed by its own key that the returned chain does not verify, RSA whatever KeyAlgorithm asks, and an ARN moto picks (the program's ARN in the balancer's user data names no certificate there): python3 lab/aws/acm-export-probe.py; the ACM path is checked under the mocks, the constraints table, the conformance replay and the IAM evaluator" },
      { what: "IMDS = amazon-ec2-metadata-mock (AWS's own) per server at 169.254.169.254 (its own namespace behind a point-to-point veth), IMDSv2 only", why: "no hypervisor here; it serves the role's credentials issued by the emulated STS (AssumeRole), not rotated" },
      ...INSTANCE_STAND_INS,
    ],
    seconds: { host: (t1 - t0) / 1000, replay: (t2 - t1) / 1000, imds: (Date.now() - t2) / 1000 },
  };
  writeJson(AWS_STATE, state);
  fs.chmodSync(AWS_STATE, 0o600);
  return state;
}

/** Before boot: what EC2 gives an instance (resolver, trusted endpoints, the attached data volume). */
export function prepareInstances(model: Model, run: ProgramRun): void {
  const userData = programUserData(run, model.servers);
  for (const s of model.servers as ServerModel[]) {
    // The env file's value, quoted either way ("…" or '…').
    const vol = /^\s*DATA_VOLUME_ID=["']?(vol-[0-9a-f]+)["']?\s*$/m.exec(userData.get(s.name) ?? "")?.[1];
    prepareInstance(s.name, model.network.resolver, vol);
  }
}
