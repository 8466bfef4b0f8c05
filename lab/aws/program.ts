/**
 * The program (index.ts) for the lab's stack configuration, run under the provider-shaped mocks
 * (tests/helpers/pulumiMocks.ts), exactly as the tests run it: what it registers is what the
 * lab's AWS gets (replay.ts) and what the servers boot (the instances' user data, byte for byte).
 *
 * The lab adds one layer on top of the mocks, for values a real provider computes and a real
 * server must be able to use: generated passwords are random (not the mocks' recognisable
 * placeholders), and with hardening.endToEndTls the @pulumi/tls resources return the lab's own
 * internal CA and per-server certificates (internal-ca.ts), real PEMs that Nginx, the app and
 * MariaDB load. Everything else is the mocks' answer.
 *
 * Runs in a child process (`runProgram`, through child.ts): Pulumi's mock runtime is process-global.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import { REPO_DIR, STATE } from "../files";
import { childMain, runChild } from "./child";

export const PROJECT = "secured-web-stack";
/** The program's stack name in the lab: `sws-lab` is the component's name (index.ts: `sws-${stack}`). */
export const LAB_STACK = "lab";

export interface ProgramResource {
  type: string;
  /** false for component resources (no provider, no physical id). */
  custom?: boolean;
  name: string;
  urn: string;
  id: string;
  inputs: Record<string, any>;
  state: Record<string, any>;
}

export interface ProgramRun {
  stack: string;
  config: Record<string, string>;
  resources: ProgramResource[];
  outputs: Record<string, unknown>;
}

/** Stack config as the engine hands it to the program: "<project>:<key>" → string (objects as JSON). */
export function programConfig(stackArgs: Record<string, unknown>, region = "us-east-1"): Record<string, string> {
  const out: Record<string, string> = { "aws:region": region };
  for (const [k, v] of Object.entries(stackArgs)) {
    if (v === undefined) continue;
    out[`${PROJECT}:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
  }
  return out;
}

/** The #cloud-config an instance was registered with (its userDataBase64: gzip, base64). */
export function instanceUserData(r: ProgramResource): string {
  const b64 = r.inputs.userDataBase64 as string | undefined;
  if (b64 !== undefined) return zlib.gunzipSync(Buffer.from(b64, "base64")).toString("utf8");
  if (typeof r.inputs.userData === "string") return r.inputs.userData;
  throw new Error(`instance ${r.name}: registered without user data`);
}

/** The instance the program registered for a server (logical name `<component>-<server>`). */
export function instanceOf(run: ProgramRun, component: string, server: string): ProgramResource {
  const r = run.resources.find((x) => x.type === "aws:ec2/instance:Instance" && x.name === `${component}-${server}`);
  if (!r) throw new Error(`the program registered no instance ${component}-${server}`);
  return r;
}

/** Run the program for a stack configuration in a child process; the captured resources are kept in the lab state. */
export function runProgram(stackArgs: Record<string, unknown>, opts: { internalTls?: boolean; out?: string } = {}): ProgramRun {
  const out = opts.out ?? path.join(STATE, "aws", "program.json");
  fs.mkdirSync(path.dirname(out), { recursive: true, mode: 0o700 });
  runChild(__filename, { stack: LAB_STACK, config: programConfig(stackArgs), internalTls: !!opts.internalTls, out }, {
    what: "the program under mocks", timeoutMs: 180000, env: { ...process.env, SWS_LAB_STATE: STATE },
  });
  const run = JSON.parse(fs.readFileSync(out, "utf8")) as ProgramRun;
  fs.chmodSync(out, 0o600);
  return run;
}

/** Alphanumeric like the program asks @pulumi/random for (special: false). */
function randomAlnum(n: number): string {
  const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = crypto.randomBytes(n * 2);
  let s = "";
  for (let i = 0; s.length < n; i++) if (bytes[i % bytes.length] < 248) s += abc[bytes[i % bytes.length] % 62];
  return s;
}

/** The child: mocks + the lab's layer, then index.ts; writes every registered resource. */
async function child(spec: { stack: string; config: Record<string, string>; internalTls: boolean; out: string }): Promise<void> {
  const pulumi = require("@pulumi/pulumi");
  const ids = new Map<string, string>();
  // The lab's layer over the mocks (see the file comment): wraps whatever setMocks receives.
  const setMocks = pulumi.runtime.setMocks;
  pulumi.runtime.setMocks = (mocks: any, ...rest: unknown[]) => setMocks({
    newResource: async (args: any) => {
      const r = await mocks.newResource(args);
      ids.set(args.name, r.id);
      return { id: r.id, state: { ...r.state, ...(await labValues(args, spec)) } };
    },
    call: (args: any) => mocks.call(args),
  }, ...rest);
  const { installMocks, settle } = require(path.join(REPO_DIR, "tests", "helpers", "pulumiMocks"));
  const resources = installMocks(PROJECT, spec.stack, spec.config);
  const program = require(path.join(REPO_DIR, "index"));
  const outputs: Record<string, unknown> = {};
  for (const k of ["url", "instanceIds", "privateIps", "secretParameters", "backupBucketName", "dashboardUrl"]) {
    if (program[k]) outputs[k] = await new Promise((res) => pulumi.output(program[k]).apply((v: unknown) => { res(v); return v; }));
  }
  await settle(resources, 150);
  const run: ProgramRun = {
    stack: spec.stack, config: spec.config, outputs,
    // Every field the mocks captured (the replay reads `custom`, `id`, …), secrets unwrapped.
    resources: resources.map((c: any) => ({ ...c, id: c.id ?? ids.get(c.name) ?? "", inputs: unwrapSecrets(c.inputs), state: unwrapSecrets(c.state) })),
  };
  fs.writeFileSync(spec.out, JSON.stringify(run), { mode: 0o600 });
}

/** Pulumi's secret envelope (what a mock sees for a secret input) → its value. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
export function unwrapSecrets(v: any): any {
  if (Array.isArray(v)) return v.map(unwrapSecrets);
  if (v && typeof v === "object") {
    if (v[SECRET_SIG] === "1b47061264138c4ac30d75fd1eb44270") return unwrapSecrets(v.value);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x)]));
  }
  return v;
}

/** Values the lab makes instead of the mocks' placeholders (passwords; internal TLS material). */
async function labValues(args: { type: string; name: string; inputs: any }, spec: { stack: string; internalTls: boolean }): Promise<Record<string, unknown>> {
  if (args.type === "random:index/randomPassword:RandomPassword") return { result: randomAlnum(args.inputs.length ?? 32) };
  if (!spec.internalTls || !args.type.startsWith("tls:")) return {};
  const ca = await import("../internal-ca");
  const component = `sws-${spec.stack}`;
  if (args.name === `${component}-internal-ca`) return { certPem: ca.readInternalCa() };
  const m = new RegExp(`^${component}-(.+)-internal-(key|cert)$`).exec(args.name);
  if (!m) return {};
  // The server's certificate + key, made once per lab state by internal-ca.ts (SANs: internalNames + address).
  const pem = fs.readFileSync(path.join(ca.INTERNAL_CA_DIR, m[1], "server.pem"), "utf8");
  const cert = pem.slice(0, pem.indexOf("-----END CERTIFICATE-----") + 26);
  const key = pem.slice(cert.length);
  return m[2] === "key" ? { privateKeyPem: key } : { certPem: cert };
}

childMain(module, child);
