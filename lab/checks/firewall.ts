/**
 * Firewall matrix rendered from the flows: from every host (the client and each server) to every
 * other server, a probe set of ports (22, 80, 443, 3306, the web and app ports, the exporter and
 * status ports); plus each server's egress to the lab's sink and ACME server. A connection is
 * expected to open exactly when the destination admits it (an inbound flow) and the source's own
 * firewall lets it out (an outbound flow; the client has no firewall).
 */
import * as fs from "fs";
import { spliceNftIncludes } from "../../components/payloads/firewall";
import * as path from "path";
import { rootPaths } from "../root";
import type { Flow } from "../../components/flows";
import { Ports } from "../../components/model";
import { CLIENTS_DIR } from "../files";
import { netnsPath } from "../namespaces";
import { run } from "../shell";
import { CheckContext, CheckResult, timedCheck } from "./common";

interface Host {
  name: string;
  ip: string;
  server: boolean;
}

function ipInCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split("/");
  const n = (a: string) => a.split(".").reduce((x, o) => (x << 8) + Number(o), 0) >>> 0;
  const b = Number(bits ?? 32);
  const mask = b === 0 ? 0 : (0xffffffff << (32 - b)) >>> 0;
  return ((n(ip) & mask) >>> 0) === ((n(base) & mask) >>> 0);
}

function matches(e: Flow["from"], h: Host): boolean {
  return e.kind === "server" ? e.name === h.name : ipInCidr(h.ip, e.cidr);
}

/** Whether the flows allow src → dst:port (tcp), on both host firewalls. */
export function allowed(flows: Flow[], src: Host, dst: Host, port: number): { ok: boolean; via: string[] } {
  const tcp = flows.filter((f) => f.protocol === "tcp" && f.port === port);
  // A host firewall admits the flows addressed to that server, and lets out the flows leaving it.
  const inbound = dst.server ? tcp.filter((f) => f.to.kind === "server" && f.to.name === dst.name && matches(f.from, src)) : [{ id: "(no firewall)" } as Flow];
  const outbound = src.server ? tcp.filter((f) => f.from.kind === "server" && f.from.name === src.name && matches(f.to, dst)) : [{ id: "(no firewall)" } as Flow];
  return { ok: inbound.length > 0 && outbound.length > 0, via: [...new Set([...inbound, ...outbound].map((f) => f.id))] };
}

interface Probe {
  from: string;
  to: string;
  port: number;
  expected: "open" | "closed";
  state: string;
  ok: boolean;
  flows: string[];
}

/** Ports that listen only during a Galera state transfer (incremental: IST; full: SST). */
const ON_DEMAND_PORTS = new Set<number>([Ports.galeraIst, Ports.galeraSst]);

export function firewallCheck(ctx: CheckContext): Promise<CheckResult> {
  return timedCheck("firewall matrix", async () => {
    const { rendered, cfg } = ctx;
    const m = rendered.model;
    const flows = m.flows;
    const servers: Host[] = m.servers.map((s) => ({ name: s.name, ip: s.privateIp, server: true }));
    const client: Host = { name: cfg.lab.client.name, ip: cfg.lab.client.ip, server: false };
    const sink: Host = { name: cfg.lab.sink.name, ip: cfg.lab.sink.ip, server: false };
    const acme: Host = { name: cfg.lab.acme.name, ip: cfg.lab.acme.ip, server: false };
    const appPort = m.app.port;
    const flowPorts = flows.filter((f) => f.protocol === "tcp" && f.to.kind === "server").map((f) => f.port);
    const ports = [...new Set([22, 80, 443, 3306, 8080, appPort, 9100, 9113, 9104, 8405, 8090, 8888, ...flowPorts])].sort((a, b) => a - b);

    // Each server runs the ruleset rendered from the flows: its payload's /etc/nftables.conf, loaded.
    const loaded: string[] = [];
    let rulesetsOk = true;
    for (const s of rendered.servers) {
      // /etc/nftables.conf with the peer lists it includes (fetched from SSM) in place.
      const read = (p: string) => { try { return fs.readFileSync(path.join(rootPaths(s.name).merged, p), "utf8"); } catch { return undefined; } };
      const onDisk = spliceNftIncludes(read("etc/nftables.conf") ?? "", read);
      const same = onDisk === s.nftables;
      const live = run("nsenter", [`--net=${netnsPath(s.name)}`, "--", "nft", "-a", "list", "ruleset"]);
      const rules = (live.stdout.match(/ accept comment "/g) ?? []).length;
      const expectedRules = (s.nftables.match(/ accept comment "/g) ?? []).length;
      const ok = same && live.code === 0 && rules === expectedRules && /policy drop/.test(live.stdout);
      rulesetsOk &&= ok;
      loaded.push(`${ok ? "✓" : "✗"} ${s.name}: /etc/nftables.conf ${same ? "is" : "is NOT"} the ruleset rendered from the flows; loaded in its namespace with ${rules}/${expectedRules} flow rules, default policy drop`);
    }

    const probes: Probe[] = [];
    for (const src of [client, ...servers]) {
      const targets: Array<{ ip: string; port: number; to: Host }> = [];
      for (const dst of servers) if (dst.name !== src.name) for (const port of ports) targets.push({ ip: dst.ip, port, to: dst });
      if (src.server) {
        targets.push({ ip: sink.ip, port: cfg.lab.sink.port, to: sink });
        targets.push({ ip: acme.ip, port: cfg.lab.acme.port, to: acme });
      }
      const r = run("nsenter", [`--net=${netnsPath(src.name)}`, "--", process.execPath, path.join(CLIENTS_DIR, "tcp-probe.js"),
        JSON.stringify(targets.map((t) => ({ ip: t.ip, port: t.port }))), "1500"]);
      if (r.code !== 0) throw new Error(`probe from ${src.name} failed: ${r.stderr}`);
      const res: Array<{ ip: string; port: number; state: string }> = JSON.parse(r.stdout);
      res.forEach((x, i) => {
        const dst = targets[i].to;
        const a = allowed(flows, src, dst, x.port);
        const expected = a.ok ? "open" : "closed";
        // Galera's IST and SST ports listen only while a state transfer runs: a refusal (RST) there
        // proves the host firewalls let the flow through (a dropped probe gets no answer at all).
        const onDemand = ON_DEMAND_PORTS.has(x.port);
        const ok = expected === "open" ? x.state === "open" || (onDemand && x.state === "refused") : x.state !== "open";
        probes.push({ from: src.name, to: dst.name, port: x.port, expected, state: x.state, ok, flows: a.ok ? a.via : [] });
      });
    }

    // The matrix: one row per (from → to), one column per port.
    const lines: string[] = [...loaded];
    const rows = [...new Set(probes.map((p) => `${p.from} → ${p.to}`))];
    const allPorts = [...new Set(probes.map((p) => p.port))].sort((a, b) => a - b);
    const w = Math.max(...rows.map((r) => r.length)) + 1;
    lines.push(`${"".padEnd(w)} ${allPorts.map((p) => String(p).padStart(6)).join("")}`);
    for (const row of rows) {
      const cells = allPorts.map((port) => {
        const p = probes.find((x) => `${x.from} → ${x.to}` === row && x.port === port);
        if (!p) return "".padStart(6);
        const c = p.state === "open" ? "open" : p.state === "refused" ? "rst" : "·";
        return (p.ok ? c : `✗${c}`).padStart(6);
      });
      lines.push(`${row.padEnd(w)} ${cells.join("")}`);
    }
    lines.push(`legend: open = connected; · = dropped (no answer); rst = refused (reachable, nothing listening: expected for ${[...ON_DEMAND_PORTS].join(" and ")}, which listen only during a Galera state transfer); ✗ = differs from the flows`);
    const expOpen = probes.filter((p) => p.expected === "open");
    const expClosed = probes.filter((p) => p.expected === "closed");
    const bad = probes.filter((p) => !p.ok);
    const counts = {
      probes: probes.length,
      expectedOpen: expOpen.length,
      open: expOpen.filter((p) => p.ok).length,
      expectedClosed: expClosed.length,
      closed: expClosed.filter((p) => p.ok).length,
      mismatches: bad.length,
    };
    lines.push(`counts: ${counts.probes} probes; allowed flows open ${counts.open}/${counts.expectedOpen}; other ports closed ${counts.closed}/${counts.expectedClosed}; mismatches ${counts.mismatches}`);
    for (const b of bad) lines.push(`✗ ${b.from} → ${b.to}:${b.port}: expected ${b.expected}, got ${b.state}${b.flows.length ? ` (flows ${b.flows.join(", ")})` : ""}`);
    return {
      ok: bad.length === 0 && expOpen.length > 0 && rulesetsOk,
      summary: `allowed flows open ${counts.open}/${counts.expectedOpen}, other probes closed ${counts.closed}/${counts.expectedClosed}`,
      lines,
      details: { counts, probes },
    };
  });
}
