// The lab's recorded state (/var/lib/sws-lab/state.json, rendered.json): what is up, from which
// profile, with which hosts and supervisors — and its summary for `status --json`.
import * as path from "path";
import { CA_BUNDLE } from "./acme";
import { configFile, DEFAULT_PROFILE, LabConfig } from "./config";
import { LabHost, netnsName } from "./namespaces";
import { readJson, STATE, writeJson } from "./files";

export const STATE_FILE = path.join(STATE, "state.json");
/** The RenderedStack the running lab was booted from (checks judge the lab against it). */
export const RENDERED_FILE = path.join(STATE, "rendered.json");

/** The profile the lab was last brought up with (recorded in its state), else the default. */
export function runningProfile(): string {
  return readState()?.profile ?? DEFAULT_PROFILE;
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
