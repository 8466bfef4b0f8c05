/**
 * The lab's AWS: what a server on EC2 reaches without being told, rebuilt from real parts.
 *
 *   AWS host        `moto_server` (every emulated service on one port) serving HTTPS on 443 with a
 *                   certificate from the lab CA that names AWS's real endpoints (endpoints.ts)
 *   VPC resolver    pebble-challtestsrv answering DNS on the VPC resolver's address (VPC base + 2,
 *                   as on AWS): each AWS endpoint name → the AWS host, nothing else
 *   instance metadata  AWS's own `amazon-ec2-metadata-mock` (IMDSv2 only) at 169.254.169.254 in
 *                   each server's network namespace, serving that server's role credentials
 *                   (issued by the emulated STS for the role the program registered)
 *
 * The servers' code stays unmodified: it resolves `ssm.us-east-1.amazonaws.com`, trusts the
 * system CA bundle (which holds the lab CA in each root: the stand-in for AWS's public CA) and
 * takes credentials from IMDS through boto3's default chain.
 */
import * as fs from "fs";
import * as path from "path";
import { CA_DIR, LAB_CA } from "../acme";
import { startHelper } from "../helperDaemons";
import { inNetns, netnsName } from "../namespaces";
import { mkdirp, STATE } from "../files";
import { must, run } from "../shell";
import { waitFor } from "../processes";
import { endpointNames } from "./endpoints";

export interface AwsHostSettings {
  /** The AWS host (helper namespace) on the lab's "internet" side. */
  name: string;
  ip: string;
  /** The VPC resolver's helper namespace (its address is the model's network.resolver). */
  resolverName: string;
}

export const AWS_DIR = path.join(STATE, "aws");
export const AWS_CERT = path.join(AWS_DIR, "endpoints.pem");
const AWS_KEY = path.join(AWS_DIR, "endpoints.key");
/** Link-local address of the instance metadata service on EC2. */
export const IMDS_IP = "169.254.169.254";
/** amazon-ec2-metadata-mock: pinned release, built with `go install` into the lab's tool cache. */
export const AEMM_MODULE = "github.com/aws/amazon-ec2-metadata-mock/cmd/ec2-metadata-mock";
export const AEMM_VERSION = "v1.13.0";
export const TOOL_DIR = process.env.SWS_LAB_TOOLS || "/var/cache/sws-lab/bin";
export const AEMM_BIN = path.join(TOOL_DIR, "ec2-metadata-mock");
/** The lab's own (administrator) calls to the emulator: not a server's credentials. */
export const ADMIN_ENV = { AWS_ACCESS_KEY_ID: "sws-lab-admin", AWS_SECRET_ACCESS_KEY: "sws-lab-admin", AWS_DEFAULT_REGION: "us-east-1" };

/** `moto_server` of the machine (pyenv's shim resolved to the real script: helpers get a clean PATH). */
export function motoServerPath(): string {
  const r = run("/bin/sh", ["-c", "command -v moto_server"]);
  let p = r.stdout.trim();
  if (p.includes("/shims/")) p = run("pyenv", ["which", "moto_server"]).stdout.trim();
  if (r.code !== 0 || !p || !fs.existsSync(p)) {
    throw new Error("moto_server not found (the lab's AWS host needs moto 5 with its server: `pip install 'moto[server]'` under Python 3.11)");
  }
  return p;
}

/** Build amazon-ec2-metadata-mock once (Go module proxy), kept outside the lab's state. */
export function ensureAemm(log: (m: string) => void): string {
  if (fs.existsSync(AEMM_BIN)) return AEMM_BIN;
  if (run("/bin/sh", ["-c", "command -v go"]).code !== 0) {
    throw new Error(`${AEMM_BIN} missing and no Go toolchain to build it (go install ${AEMM_MODULE}@${AEMM_VERSION})`);
  }
  mkdirp(TOOL_DIR);
  log(`    building ${AEMM_MODULE}@${AEMM_VERSION} (once; ~1–2 min) …`);
  const r = run("nice", ["-n", "10", "go", "install", `${AEMM_MODULE}@${AEMM_VERSION}`], {
    env: { ...process.env, GOBIN: TOOL_DIR, GOFLAGS: "-buildvcs=false" },
  });
  if (r.code !== 0 || !fs.existsSync(AEMM_BIN)) throw new Error(`go install ${AEMM_MODULE}@${AEMM_VERSION} failed:\n${r.stderr.slice(-2000)}`);
  return AEMM_BIN;
}

/** The AWS host's certificate: every endpoint name (and the host's address, for the lab's own calls), signed by the lab CA. */
export function issueEndpointCertificate(region: string, buckets: string[], hostIp: string): string[] {
  mkdirp(AWS_DIR, 0o700);
  const names = endpointNames(region, buckets).san;
  const csr = path.join(AWS_DIR, "endpoints.csr");
  const ext = path.join(AWS_DIR, "endpoints.ext");
  must("openssl", ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", AWS_KEY, "-out", csr, "-subj", "/CN=amazonaws.com (sws lab)"]);
  fs.writeFileSync(ext, `subjectAltName=${[...names.map((n) => `DNS:${n}`), `IP:${hostIp}`].join(",")}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`);
  must("openssl", ["x509", "-req", "-in", csr, "-CA", LAB_CA, "-CAkey", path.join(CA_DIR, "lab-ca.key"), "-CAcreateserial", "-days", "30", "-extfile", ext, "-out", AWS_CERT]);
  return names;
}

/** moto_server on the AWS host, HTTPS on 443. */
export async function startMoto(aws: AwsHostSettings): Promise<void> {
  startHelper("aws-moto", aws.name, [motoServerPath(), "-H", "0.0.0.0", "-p", "443", "-c", AWS_CERT, "-k", AWS_KEY], {
    // AWS managed policies (AmazonSSMManagedInstanceCore) exist, as in every account.
    MOTO_IAM_LOAD_MANAGED_POLICIES: "true",
    HOME: AWS_DIR,
  });
  await waitFor("moto_server (https, lab CA)", () =>
    inNetns(aws.name, "curl", ["-sf", "-o", "/dev/null", "--max-time", "2", "--cacert", LAB_CA, `https://${aws.ip}/moto-api/`]).code === 0, 60000, 250);
}

/** The VPC resolver: exact A records for the AWS endpoint names, nothing else. */
export async function startResolver(aws: AwsHostSettings, resolverIp: string, names: string[]): Promise<void> {
  startHelper("vpc-resolver", aws.resolverName, [
    "/usr/bin/pebble-challtestsrv", "-defaultIPv4", "", "-defaultIPv6", "", "-dns01", `${resolverIp}:53`,
    "-http01", "", "-https01", "", "-tlsalpn01", "", "-management", "127.0.0.1:8055",
  ]);
  await waitFor("the VPC resolver's management API", () =>
    inNetns(aws.resolverName, "curl", ["-s", "-o", "/dev/null", "--max-time", "1", "http://127.0.0.1:8055/"]).code === 0, 20000, 100);
  for (const n of names) {
    const r = inNetns(aws.resolverName, "curl", ["-sf", "--max-time", "5", "-X", "POST", "-d", JSON.stringify({ host: `${n}.`, addresses: [aws.ip] }), "http://127.0.0.1:8055/add-a"]);
    if (r.code !== 0) throw new Error(`VPC resolver: cannot add ${n}: ${r.stderr}`);
  }
}

export interface RoleCredentials {
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken: string;
  Expiration: string;
}

/** Run a boto3 snippet against the lab's AWS from the AWS host's namespace (the lab's own calls). */
export function awsAdmin(aws: AwsHostSettings, script: string, input = ""): string {
  const prelude = `import boto3, json, sys\nAWS = lambda svc: boto3.client(svc, endpoint_url="https://${aws.ip}", region_name="us-east-1")\n`;
  const r = inNetns(aws.name, "/usr/bin/python3", ["-c", prelude + script], {
    input,
    env: { PATH: "/usr/bin:/bin", ...ADMIN_ENV, AWS_CA_BUNDLE: LAB_CA },
  });
  if (r.code !== 0) throw new Error(`lab AWS call failed: ${r.stderr.trim().split("\n").slice(-3).join(" ")}`);
  return r.stdout;
}

/** Credentials of an instance role, issued by the emulated STS (AssumeRole on the role's ARN, 12 h). */
export function roleCredentials(aws: AwsHostSettings, roleArn: string, session: string): RoleCredentials {
  const out = awsAdmin(aws, [
    "a = json.load(sys.stdin)",
    'c = AWS("sts").assume_role(RoleArn=a["arn"], RoleSessionName=a["session"], DurationSeconds=43200)["Credentials"]',
    'print(json.dumps({k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in c.items()}))',
  ].join("\n"), JSON.stringify({ arn: roleArn, session: session.replace(/[^\w+=,.@-]/g, "-") }));
  return JSON.parse(out) as RoleCredentials;
}

export interface InstanceIdentity {
  server: string;
  instanceId: string;
  privateIp: string;
  roleName: string;
  instanceProfileArn: string;
  region: string;
  accountId: string;
}

/** amazon-ec2-metadata-mock's configuration for one server: its identity and its role's credentials. */
export function imdsConfig(id: InstanceIdentity, creds: RoleCredentials): unknown {
  return {
    imdsv2: true,
    metadata: {
      values: {
        "instance-id": id.instanceId,
        "local-ipv4": id.privateIp,
        hostname: `ip-${id.privateIp.replace(/\./g, "-")}.ec2.internal`,
        "local-hostname": `ip-${id.privateIp.replace(/\./g, "-")}.ec2.internal`,
        "iam-info": { Code: "Success", LastUpdated: new Date().toISOString().replace(/\.\d+Z$/, "Z"), InstanceProfileArn: id.instanceProfileArn, InstanceProfileId: `AIPA${id.instanceId.slice(2).toUpperCase()}` },
        "iam-security-credentials-role": id.roleName,
        "iam-security-credentials": {
          Code: "Success", LastUpdated: new Date().toISOString().replace(/\.\d+Z$/, "Z"), Type: "AWS-HMAC",
          AccessKeyId: creds.AccessKeyId, SecretAccessKey: creds.SecretAccessKey, Token: creds.SessionToken,
          Expiration: new Date(creds.Expiration).toISOString().replace(/\.\d+Z$/, "Z"),
        },
      },
      dynamic: {
        "instance-identity-document": {
          accountId: id.accountId, instanceId: id.instanceId, privateIp: id.privateIp, region: id.region,
          availabilityZone: `${id.region}a`, architecture: "x86_64", version: "2017-09-30",
        },
      },
    },
  };
}

/** The per-server namespace that plays the hypervisor's link-local IMDS endpoint. */
export function imdsHost(server: string): string {
  return `imds-${server}`;
}

/**
 * IMDS at 169.254.169.254:80 for one server, as on EC2 *outside* the instance's own network stack
 * (a listener inside it would take port 80 from HAProxy's wildcard bind): a namespace of its own,
 * joined to the server's by a point-to-point veth (`imds0` in the server, no address) with a host
 * route to 169.254.169.254; the server's firewall sees it as the egress it is (tcp 80 out).
 */
export async function startImds(aemm: string, id: InstanceIdentity, creds: RoleCredentials): Promise<void> {
  const dir = path.join(AWS_DIR, "imds");
  mkdirp(dir, 0o700);
  const cfg = path.join(dir, `${id.server}.json`);
  fs.writeFileSync(cfg, JSON.stringify(imdsConfig(id, creds), null, 2), { mode: 0o600 });
  const ns = netnsName(id.server);
  const imds = imdsHost(id.server);
  const imdsNs = netnsName(imds);
  if (!run("ip", ["netns", "list"]).stdout.split("\n").some((l) => l.split(" ")[0] === imdsNs)) {
    must("ip", ["netns", "add", imdsNs]);
    must("ip", ["-n", imdsNs, "link", "set", "lo", "up"]);
    must("ip", ["-n", ns, "link", "add", "imds0", "type", "veth", "peer", "name", "eth0", "netns", imdsNs]);
    must("ip", ["-n", imdsNs, "addr", "add", `${IMDS_IP}/32`, "dev", "eth0"]);
    must("ip", ["-n", imdsNs, "link", "set", "eth0", "up"]);
    must("ip", ["-n", imdsNs, "route", "add", `${id.privateIp}/32`, "dev", "eth0"]);
    must("ip", ["-n", ns, "link", "set", "imds0", "up"]);
    must("ip", ["-n", ns, "route", "add", `${IMDS_IP}/32`, "dev", "imds0", "src", id.privateIp]);
  }
  startHelper(imds, imds, [aemm, "-c", cfg, "-n", IMDS_IP, "-p", "80", "-I"], { HOME: dir });
  await waitFor(`IMDSv2 for ${id.server}`, () =>
    inNetns(id.server, "curl", ["-sf", "-o", "/dev/null", "--max-time", "1", "-X", "PUT", "-H", "X-aws-ec2-metadata-token-ttl-seconds: 60", `http://${IMDS_IP}/latest/api/token`]).code === 0, 20000, 100);
}
