// Host firewall (nftables) rendered from the same flows as the security groups: a port that is
// not in a flow is closed here too. Loopback and replies to allowed connections always pass.
import type { Flow, Endpoint } from "../flows";
import { inbound, outbound } from "../flows";
import type { Model } from "../model";
import { PayloadPart, file } from "./part";

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

export function renderNftables(model: Model, serverName: string): string {
    const ins = inbound(model.flows, serverName).map((f) => rule(model, f, "saddr"));
    const outs = outbound(model.flows, serverName).map((f) => rule(model, f, "daddr"));
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
${ins.join("\n")}
  }
  chain forward {
    type filter hook forward priority filter; policy drop;
  }
  chain output {
    type filter hook output priority filter; policy drop;
    ct state established,related accept
    oif "lo" accept
    ip protocol icmp accept
${outs.join("\n")}
  }
}
`;
}

export function firewallPart(model: Model, serverName: string): PayloadPart {
    return {
        packages: ["nftables"],
        files: [file("/etc/nftables.conf", renderNftables(model, serverName), "0755")],
        runcmd: [["systemctl", "enable", "--now", "nftables.service"]],
    };
}
