/**
 * The lab's network: one network namespace per host, each with a veth whose other end sits on a
 * bridge that lives in its own namespace. The machine's own network is never touched: no
 * interface, address or route is created outside the lab's namespaces.
 */
import * as fs from "fs";
import { isMounted } from "./files";
import { must, run, RunResult } from "./shell";
import type { SpawnSyncOptions } from "child_process";

export const NETNS_PREFIX = "swslab-";

export function netnsName(host: string): string {
  return NETNS_PREFIX + host;
}
export function netnsPath(host: string): string {
  return `/run/netns/${netnsName(host)}`;
}

/** A MAC derived from an IPv4 address (stable across re-creations; avoids stale-ARP stalls). */
export function macFor(ip: string): string {
  const o = ip.split(".").map((x) => Number(x).toString(16).padStart(2, "0"));
  return `02:5a:${o.join(":")}`;
}

/** Run a command in a network namespace (host mount namespace). */
export function inNetns(host: string, cmd: string, args: string[], opts: SpawnSyncOptions & { input?: string } = {}): RunResult {
  return run("nsenter", [`--net=${netnsPath(host)}`, "--", cmd, ...args], opts);
}

export interface LabHost {
  name: string;
  /** "server" (runs a payload in its own root) or "helper" (client, ACME server, sink). */
  kind: "server" | "helper";
  roles: string[];
  ip: string;
  prefix: number;
}

const BRIDGE_NS = "br";

function cidrOf(ip: string, prefix: number): string {
  const n = ip.split(".").reduce((a, o) => (a << 8) + Number(o), 0) >>> 0;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const net = (n & mask) >>> 0;
  return `${[24, 16, 8, 0].map((s) => (net >>> s) & 255).join(".")}/${prefix}`;
}

export function existingNetns(): string[] {
  const r = run("ip", ["netns", "list"]);
  return r.stdout
    .split("\n")
    .map((l) => l.split(" ")[0])
    .filter((n) => n.startsWith(NETNS_PREFIX));
}

/** Create the bridge namespace and one namespace per host; returns whether /run/netns was created by us. */
export function createNetwork(hosts: LabHost[]): { createdRunNetns: boolean } {
  const createdRunNetns = !isMounted("/run/netns");
  const have = new Set(existingNetns());
  const br = netnsName(BRIDGE_NS);
  if (!have.has(br)) {
    must("ip", ["netns", "add", br]);
    must("ip", ["-n", br, "link", "set", "lo", "up"]);
    must("ip", ["-n", br, "link", "add", "br0", "type", "bridge", "stp_state", "0", "forward_delay", "0"]);
    must("ip", ["-n", br, "link", "set", "br0", "up"]);
  }
  const nets = [...new Set(hosts.map((h) => cidrOf(h.ip, h.prefix)))];
  for (const h of hosts) {
    const ns = netnsName(h.name);
    if (have.has(ns)) continue;
    must("ip", ["netns", "add", ns]);
    const peer = `v-${h.name}`.slice(0, 15);
    must("ip", ["-n", br, "link", "add", peer, "type", "veth", "peer", "name", "eth0", "netns", ns]);
    must("ip", ["-n", br, "link", "set", peer, "master", "br0", "up"]);
    must("ip", ["-n", ns, "link", "set", "lo", "up"]);
    must("ip", ["-n", ns, "link", "set", "eth0", "address", macFor(h.ip)]);
    must("ip", ["-n", ns, "addr", "add", `${h.ip}/${h.prefix}`, "dev", "eth0"]);
    must("ip", ["-n", ns, "link", "set", "eth0", "up"]);
    // Every other lab network is on-link on the same bridge (like routes inside a VPC, plus the
    // "internet" helpers' network). No default route: nothing can leave the lab.
    for (const n of nets) {
      if (n === cidrOf(h.ip, h.prefix)) continue;
      must("ip", ["-n", ns, "route", "add", n, "dev", "eth0"]);
    }
  }
  return { createdRunNetns };
}

/** Delete every lab namespace (bridge-side veths first: `ip netns del` is asynchronous). */
export function destroyNetwork(createdRunNetns: boolean): string[] {
  const done: string[] = [];
  const br = netnsName(BRIDGE_NS);
  const have = existingNetns();
  if (have.includes(br)) {
    const links = run("ip", ["-n", br, "-o", "link", "show"]).stdout;
    for (const l of links.split("\n")) {
      const m = /^\d+:\s+(v-[^@:]+)/.exec(l);
      if (m) run("ip", ["-n", br, "link", "del", m[1]]);
    }
  }
  for (const ns of have) {
    if (ns === br) continue;
    run("ip", ["netns", "del", ns]);
    done.push(ns);
  }
  if (have.includes(br)) {
    run("ip", ["netns", "del", br]);
    done.push(br);
  }
  if (createdRunNetns && fs.existsSync("/run/netns") && fs.readdirSync("/run/netns").length === 0 && isMounted("/run/netns")) {
    run("umount", ["/run/netns"]);
    try {
      fs.rmdirSync("/run/netns");
    } catch {
      /* keep */
    }
  }
  return done;
}
