/** The lab's configuration, rendering and recorded state (shared by the CLI and the checks). */
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import * as YAML from "yaml";
import { renderStack, RenderedStack } from "../components/render";
import type { SecuredWebStackArgs } from "../components/types";
import type { DeployValues } from "../components/payloads/part";
import { AcmeSettings, CA_BUNDLE } from "./acme";
import { readInternalCa } from "./internal-ca";
import { LabHost } from "./net";
import { SinkSettings } from "./sink";
import { supervisorSocket } from "./supervisor";
import { LAB_DIR, netnsName, readJson, STATE, writeJson } from "./util";

export interface LabConfig {
  stack: SecuredWebStackArgs;
  lab: {
    internetCidr: string;
    client: { name: string; ip: string };
    acme: AcmeSettings;
    sink: SinkSettings;
  };
}

/** Lab profiles: one stack configuration each (`--profile <name>` on up/check/down/status). */
export const PROFILES: Record<string, string> = {
  default: "lab-stack.yaml",
  hardened: "lab-stack.hardened.yaml",
};
export const DEFAULT_PROFILE = "default";
export function configFile(profile = DEFAULT_PROFILE): string {
  const f = PROFILES[profile];
  if (!f) throw new Error(`unknown lab profile ${JSON.stringify(profile)}; use one of ${Object.keys(PROFILES).join(", ")}`);
  return path.join(LAB_DIR, f);
}
export const CONFIG_FILE = configFile(DEFAULT_PROFILE);
export const STATE_FILE = path.join(STATE, "state.json");
/** The RenderedStack the running lab was booted from (checks judge the lab against it). */
export const RENDERED_FILE = path.join(STATE, "rendered.json");

export function loadConfig(profile = DEFAULT_PROFILE): LabConfig {
  return YAML.parse(fs.readFileSync(configFile(profile), "utf8")) as LabConfig;
}

/** The profile the lab was last brought up with (recorded in its state), else the default. */
export function runningProfile(): string {
  return readState()?.profile ?? DEFAULT_PROFILE;
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
  if (args.hardening?.endToEndTls) deploy.internalCaPem = internalCaPem ?? readInternalCa();
  return renderStack(args, deploy);
}

export interface LabState {
  status: "booting" | "up";
  /** The lab profile (stack configuration) this lab was brought up with; absent = "default". */
  profile?: string;
  createdRunNetns: boolean;
  startedAt: string;
  upSeconds?: number;
  domain: string;
  balancer: { name: string; ip: string };
  caBundle: string;
  hosts: LabHost[];
  supervisors: Record<string, number>;
  /** The payload's collector scrape interval was shortened for the lab (seconds). */
  notes: string[];
}

export function readState(): LabState | undefined {
  return readJson<LabState | undefined>(STATE_FILE, undefined);
}
export function writeState(s: LabState): void {
  writeJson(STATE_FILE, s);
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

/** Ask a server's supervisor (through its filesystem socket) to run a systemctl command line. */
export function supervisorCommand(server: string, argv: string[], timeoutMs = 60000): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve, reject) => {
    const sock = net.createConnection(supervisorSocket(server));
    let buf = "";
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`supervisor of ${server}: no answer in ${timeoutMs / 1000} s`));
    }, timeoutMs);
    sock.on("connect", () => sock.write(JSON.stringify({ argv }) + "\n"));
    sock.on("data", (d) => (buf += d));
    sock.on("end", () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(buf));
      } catch (e) {
        reject(e);
      }
    });
    sock.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

export interface UnitInfo {
  name: string;
  enabled: boolean;
  state: string;
  sub: string;
  mainPid: number | null;
  restarts: number;
  lastExit: string | null;
  note: string | null;
  log: string;
}

export async function supervisorDump(server: string): Promise<{ supervisorPid: number; units: UnitInfo[] } | undefined> {
  try {
    const r = await supervisorCommand(server, ["sws-lab-dump"], 5000);
    return JSON.parse(r.stdout);
  } catch {
    return undefined;
  }
}

export function statusJson(st: LabState | undefined, cfg: LabConfig): Record<string, unknown> {
  return {
    up: st?.status === "up",
    profile: st?.profile ?? DEFAULT_PROFILE,
    config: configFile(st?.profile ?? DEFAULT_PROFILE),
    domain: st?.domain ?? cfg.stack.domain,
    balancer: st ? { name: st.balancer.name, address: st.balancer.ip, netns: netnsName(st.balancer.name) } : null,
    caBundle: st ? st.caBundle : CA_BUNDLE,
    url: `https://${st?.domain ?? cfg.stack.domain}/`,
    hosts: (st?.hosts ?? []).map((h) => ({ name: h.name, kind: h.kind, netns: netnsName(h.name), address: h.ip, roles: h.roles })),
    state: STATE,
    logs: path.join(STATE, "logs"),
  };
}
