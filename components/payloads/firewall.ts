// Host firewall (nftables) rendered from the same flows as the security groups: a port that is
// not in a flow is closed here too. Loopback and replies to allowed connections always pass.
// Split in two so that scaling a tier never touches a neighbour's user data: the rules to and
// from other servers of the stack (whose number changes with webServers/appServers) are the
// server's peer lists (payloads/peers.ts: an SSM parameter per server, applied in place by
// sws-peers), included by /etc/nftables.conf; everything else (default drop, the internet, the
// VPC resolver, admin networks) rides in the user data.
import type { Flow, Endpoint } from "../flows";
import { inbound, outbound } from "../flows";
import type { Model } from "../model";
import { PayloadPart, file } from "./part";

/** The peer-list files /etc/nftables.conf includes (glob: a server that has not fetched them yet still loads its firewall). */
export const NFT_PEERS = { input: "/etc/sws/peers/nftables-input.nft", output: "/etc/sws/peers/nftables-output.nft" } as const;
const includeLine = (p: string) => `    include "${p.replace(/\.nft$/, "*.nft")}"`;

function address(model: Model, e: Endpoint): string {
    if (e.kind === "cidr") return e.cidr;
    const s = model.servers.find((x) => x.name === e.name);
    if (!s) throw new Error(`flow names unknown server ${e.name}`);
    return s.privateIp;
}

function rule(model: Model, f: Flow, dir: "saddr" | "daddr"): string {
    const peer = address(model, dir === "saddr" ? f.from : f.to);
    const match = peer === "0.0.0.0/0" ? "" : `ip ${dir} ${peer} `;
    return `    ${match}${f.protocol} dport ${f.port} accept comment ${JSON.stringify(f.id)}`;
}

const betweenServers = (f: Flow) => f.from.kind === "server" && f.to.kind === "server";

/**
 * The rules with another server of the stack at the far end: one peer-list file per chain, a
 * comment line first (an SSM parameter cannot be empty), then one rule a line.
 */
export function renderNftablesPeers(model: Model, serverName: string): { input: string; output: string } {
    const ins = inbound(model.flows, serverName).filter(betweenServers).map((f) => rule(model, f, "saddr"));
    const outs = outbound(model.flows, serverName).filter(betweenServers).map((f) => rule(model, f, "daddr"));
    const file = (chain: string, rules: string[]) =>
        `    # ${chain} rules of ${serverName} with the other servers (its peer list: rendered by secured-web-stack, applied by sws-peers)\n${rules.map((l) => `${l}\n`).join("")}`;
    return { input: file("input", ins), output: file("output", outs) };
}

/** /etc/nftables.conf as the user data carries it: the peer rules are includes. */
export function renderNftablesConf(model: Model, serverName: string): string {
    return nftables(model, serverName, { input: includeLine(NFT_PEERS.input), output: includeLine(NFT_PEERS.output) });
}

/**
 * The ruleset the server runs: /etc/nftables.conf with its peer lists in place (what the
 * invariant tests and the lab check read).
 */
export function renderNftables(model: Model, serverName: string): string {
    const peers = renderNftablesPeers(model, serverName);
    return spliceNftIncludes(renderNftablesConf(model, serverName), (p) => (p === NFT_PEERS.input ? peers.input : p === NFT_PEERS.output ? peers.output : undefined));
}

/**
 * /etc/nftables.conf with each include replaced by the rules of the file it names (read(path):
 * its content, undefined when missing); comment lines are dropped.
 */
export function spliceNftIncludes(conf: string, read: (path: string) => string | undefined): string {
    return conf.replace(/^    include "([^"]+)"\n/gm, (_m, glob: string) =>
        (read(glob.replace(/\*\.nft$/, ".nft")) ?? "").split("\n").filter((l) => l.trim() !== "" && !l.trim().startsWith("#")).map((l) => `${l}\n`).join(""));
}

function nftables(model: Model, serverName: string, peers: { input: string; output: string }): string {
    const ins = inbound(model.flows, serverName).filter((f) => !betweenServers(f)).map((f) => rule(model, f, "saddr"));
    const outs = outbound(model.flows, serverName).filter((f) => !betweenServers(f)).map((f) => rule(model, f, "daddr"));
    const lines = (xs: string[]) => xs.join("\n");
    return `#!/usr/sbin/nft -f
# Rendered from the stack's flows for ${serverName}; every other port is closed.
flush ruleset

table inet sws {
  chain input {
    type filter hook input priority filter; policy drop;
    ct state established,related accept
    ct state invalid drop
    iif "lo" accept
    ip protocol icmp icmp type { echo-request, destination-unreachable, time-exceeded } accept
${lines([peers.input, ...ins])}
  }
  chain forward {
    type filter hook forward priority filter; policy drop;
  }
  chain output {
    type filter hook output priority filter; policy drop;
    ct state established,related accept
    oif "lo" accept
    ip protocol icmp accept
${lines([peers.output, ...outs])}
  }
}
`;
}

export function firewallPart(model: Model, serverName: string): PayloadPart {
    return {
        packages: ["nftables"],
        files: [file("/etc/nftables.conf", renderNftablesConf(model, serverName), "0755")],
        runcmd: [["systemctl", "enable", "--now", "nftables.service"]],
    };
}
