// The lab's configuration: its profiles (one stack configuration each, lab-stack*.yaml), the
// rendering of the stack with the component's own renderer, and the hosts that come out of it.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { AppArtifactSettings, withArtifactSha256 } from "./aws/artifact";
import type { AwsHostSettings } from "./aws/host";
import { LAB_STACK } from "./aws/program";
import { renderStack, RenderedStack } from "../components/render";
import type { SecuredWebStackArgs } from "../components/types";
import type { DeployValues } from "../components/payloads/part";
import { AcmeSettings } from "./acme";
import { readInternalCa } from "./internal-ca";
import { LabHost } from "./namespaces";
import { SinkSettings } from "./sink";
import { LAB_DIR } from "./files";

export interface LabConfig {
  stack: SecuredWebStackArgs;
  lab: {
    internetCidr: string;
    client: { name: string; ip: string };
    acme: AcmeSettings;
    sink: SinkSettings;
    /** The lab's AWS (moto) and the VPC resolver's host name (lab/aws/). */
    aws?: AwsHostSettings;
    /** What the lab packs into an s3:// app.artifactUrl (lab/aws/artifact.ts). */
    appArtifact?: AppArtifactSettings;
  };
}

/** Lab profiles: one stack configuration each (`--profile <name>` on up/check/down/status). */
export const PROFILES: Record<string, string> = {
  default: "lab-stack.yaml",
  hardened: "lab-stack.hardened.yaml",
  /** The default profile with the Sumo Logic sink: the collectors' otlphttp exporter → the lab's receiver (sink.ts). */
  sumologic: "lab-stack.sumologic.yaml",
  /** The default profile with the CloudWatch sink: awsemf + awscloudwatchlogs → the lab's AWS, read back by check. */
  cloudwatch: "lab-stack.cloudwatch.yaml",
  /** The default profile with database.topology "cluster": three MariaDB Galera nodes (db-1..3). */
  cluster: "lab-stack.cluster.yaml",
};
export const DEFAULT_PROFILE = "default";
export function configFile(profile = DEFAULT_PROFILE): string {
  const f = PROFILES[profile];
  if (!f) throw new Error(`unknown lab profile ${JSON.stringify(profile)}; use one of ${Object.keys(PROFILES).join(", ")}`);
  return path.join(LAB_DIR, f);
}
export const CONFIG_FILE = configFile(DEFAULT_PROFILE);
export function loadConfig(profile = DEFAULT_PROFILE): LabConfig {
  const cfg = loadConfigFile(configFile(profile));
  // An s3:// app artifact: its SHA-256 is the tarball's the lab packs and uploads (aws/artifact.ts).
  return { ...cfg, stack: withArtifactSha256(cfg.stack, cfg.lab.appArtifact) };
}

/**
 * A profile file is a whole configuration, or `base: <another profile file>` plus the sections of
 * `stack` and `lab` it replaces (each named section replaced whole: a profile that sets
 * `monitoring` keeps nothing of the base's `monitoring`), so a profile that differs in one section
 * follows every later change to its base.
 */
function loadConfigFile(file: string): LabConfig {
  const raw = YAML.parse(fs.readFileSync(file, "utf8")) as Partial<LabConfig> & { base?: string };
  if (!raw.base) return raw as LabConfig;
  const base = loadConfigFile(path.join(path.dirname(file), raw.base));
  return { stack: { ...base.stack, ...raw.stack }, lab: { ...base.lab, ...raw.lab } };
}

/**
 * Render with the component's own renderer; the lab only adds its ACME CA (tls.acmeCaPem) and,
 * with hardening.endToEndTls, its internal CA's certificate (deploy.internalCaPem; by default
 * the one in the lab's state, see internal-ca.ts).
 */
export function render(cfg: LabConfig, acmeCaPem?: string, internalCaPem?: string): RenderedStack {
  const args: SecuredWebStackArgs = JSON.parse(JSON.stringify(cfg.stack));
  if (acmeCaPem && args.tls) args.tls.acmeCaPem = acmeCaPem;
  const deploy: DeployValues = { region: "us-east-1" };
  // database.topology "cluster" needs it too: Galera runs over TLS only.
  if (args.hardening?.endToEndTls || args.database?.topology === "cluster") deploy.internalCaPem = internalCaPem ?? readInternalCa();
  // The program's component name (index.ts: `sws-<stack>`), so names and the SSM prefix match what it registers.
  return renderStack(args, deploy, `sws-${LAB_STACK}`);
}

/** The hosts of the lab: the rendered servers plus the client and the helpers. */
export function labHosts(cfg: LabConfig, rendered: RenderedStack): LabHost[] {
  const m = rendered.model;
  const prefixOf = (subnet: string) => Number((subnet === "public" ? m.network.publicSubnetCidr : m.network.privateSubnetCidr).split("/")[1]);
  const helperPrefix = Number(cfg.lab.internetCidr.split("/")[1]);
  return [
    ...m.servers.map((s) => ({ name: s.name, kind: "server" as const, roles: [...s.roles], ip: s.privateIp, prefix: prefixOf(s.subnet) })),
    { name: cfg.lab.client.name, kind: "helper" as const, roles: ["client"], ip: cfg.lab.client.ip, prefix: helperPrefix },
    { name: cfg.lab.acme.name, kind: "helper" as const, roles: ["acme-server"], ip: cfg.lab.acme.ip, prefix: helperPrefix },
    { name: cfg.lab.sink.name, kind: "helper" as const, roles: ["monitoring-sink"], ip: cfg.lab.sink.ip, prefix: helperPrefix },
  ];
}

