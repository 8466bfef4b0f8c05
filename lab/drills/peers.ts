/**
 * `npm run lab -- drill peers [--json]`: a scaling change reaching running servers in place,
 * the way the stack's peers-update association does it (components/aws/peersRollout.ts), on a
 * lab with two or more web servers (`up --profile hardened`), under a steady client.
 *
 * The peer lists are the program's own rendering: the profile's stack with one web server
 * fewer (webServers N → N-1), then N again. Each changed list is written into the lab's AWS
 * (SSM PutParameter, the value `pulumi up` would set); THE SSM AGENT'S STAND-IN then runs on each
 * affected server, one at a time, exactly the document's command — `sws-peers <server>:<sha256>
 * …` — which fetches the server's own parameters with its own role (sws-fetch, boto3), checks
 * their SHA-256 and applies them: HAProxy reloads gracefully, nftables loads in one transaction.
 *
 *   1 scale in   the balancer drops the last web server (HAProxy's master keeps its pid: a reload,
 *                no restart), the app server's firewall stops admitting it; the client sees no
 *                failed request
 *   2 scale out  the same lists back: the app server admits it first, then the balancer sends
 *                to it again (UP after its health checks)
 *   3 refused    a peer list HAProxy refuses (haproxy -c): sws-peers exits 1, the previous list
 *                stays in place and HAProxy keeps serving with it
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { CheckContext, CheckResult, context, timedCheck } from "../checks/common";
import { haproxyStatus } from "../checks/hardening";
import { render } from "../config";
import { LAB_CA } from "../acme";
import type { Say } from "./report";
import { inNetns } from "../namespaces";
import { inRoot } from "../root";
import { awsAdmin } from "../aws/host";
import { readAwsState } from "../aws/setup";
import { supervisorDump } from "../supervisor/client";
import { sleep } from "../processes";
import { spawn } from "child_process";
import { CLIENTS_DIR } from "../files";
import { netnsPath } from "../namespaces";
import { cleanEnv } from "../shell";
import type { RenderedStack } from "../../components/render";

type Sample = [number, number, number, number];
const sha256 = (s: string) => crypto.createHash("sha256").update(s, "utf8").digest("hex");

/** "<server>:<sha256 of its peer lists>" as peersRollout.ts renders the document's argument (render.ts peersDigest). */
function argument(stack: RenderedStack): string {
  return stack.servers.map((s) => {
    const lines = s.fetched.filter((f) => f.peers).map((f) => `${f.path} ${sha256(f.content!)}\n`).join("");
    return `${s.name}:${sha256(lines)}`;
  }).join(" ");
}

const peerLists = (stack: RenderedStack, server: string) => stack.servers.find((s) => s.name === server)!.fetched.filter((f) => f.peers);
/** The parameter a booted server fetches a path from (its own fetch.list, as the lab booted it). */
const parameterOf = (booted: RenderedStack, server: string, p: string) => booted.servers.find((s) => s.name === server)!.fetched.find((f) => f.path === p)!.parameter;

function putParameters(values: Array<{ name: string; value: string }>): void {
  const aws = readAwsState();
  if (!aws) throw new Error("the lab has no AWS state (up first)");
  awsAdmin(aws.host, "ssm = AWS('ssm')\nfor p in json.load(sys.stdin): ssm.put_parameter(Name=p['name'], Value=p['value'], Type='String', Overwrite=True)\n", JSON.stringify(values));
}

interface Step { server: string; code: number; ms: number; out: string }
/** THE SSM AGENT'S STAND-IN: the document's command on each server in turn; stop at the first failure (maxErrors 0). */
function apply(servers: string[], arg: string): Step[] {
  const steps: Step[] = [];
  for (const server of servers) {
    const t0 = Date.now();
    const r = inRoot(server, ["/usr/local/sbin/sws-peers", ...arg.split(" ")]);
    steps.push({ server, code: r.code, ms: Date.now() - t0, out: (r.stdout + r.stderr).trim() });
    if (r.code !== 0) break;
  }
  return steps;
}

async function mainPid(server: string, unit: string): Promise<number | undefined> {
  return (await supervisorDump(server))?.units.find((u) => u.name === unit)?.mainPid ?? undefined;
}

function probe(ctx: ReturnType<typeof context>, durationMs: number): Promise<Sample[]> {
  const { state } = ctx;
  const p = spawn("nsenter", [`--net=${netnsPath(ctx.client)}`, "--", process.execPath, path.join(CLIENTS_DIR, "https-prober.js"),
    state.balancer.ip, state.domain, state.caBundle, "/", String(durationMs), "25"], { env: cleanEnv() });
  let out = "";
  p.stdout.on("data", (d) => (out += d));
  return new Promise((resolve) => p.on("close", () => resolve((JSON.parse(out) as { samples: Sample[] }).samples)));
}
const failed = (s: Sample[]) => s.filter((x) => x[1] !== 200).length;

/** Needs two or more web servers (one leaves and comes back while the other serves). */
export function peersNeeds(ctx: CheckContext): string | undefined {
  const webs = ctx.rendered.servers.filter((s) => (s.roles as string[]).includes("web")).map((s) => s.name);
  return webs.length < 2 ? `needs two or more web servers (up --profile hardened); this lab has ${webs.join(", ")}` : undefined;
}

export async function peersDrills(ctx: CheckContext, say: Say): Promise<CheckResult[]> {
  const cfg = ctx.cfg;
  const webs = ctx.rendered.servers.filter((s) => (s.roles as string[]).includes("web")).map((s) => s.name);
  const cannot = peersNeeds(ctx);
  if (cannot) throw new Error(`the peers drill ${cannot}`);
  const lb = ctx.rendered.servers.find((s) => (s.roles as string[]).includes("balancer"))!.name;
  const gone = webs[webs.length - 1];
  const goneIp = ctx.rendered.servers.find((s) => s.name === gone)!.privateIp;
  const ca = fs.readFileSync(LAB_CA, "utf8");
  // (The internal CA's certificate is in no peer list: any PEM renders the same lists.)
  const pem = "-----BEGIN CERTIFICATE-----\nsws-lab\n-----END CERTIFICATE-----\n";
  const full = render(cfg, ca, pem);
  const fewer = render({ ...cfg, stack: { ...cfg.stack, webServers: webs.length - 1 } }, ca, pem);
  // The servers whose peer lists differ between the two renderings (the ones `pulumi up` would update).
  const changed = full.servers.filter((s) => fewer.servers.some((t) => t.name === s.name && JSON.stringify(peerLists(fewer, s.name)) !== JSON.stringify(peerLists(full, s.name)))).map((s) => s.name);
  // Scale in: front to back (stop sending before the back tier stops admitting); out: back to front.
  const frontFirst = [lb, ...changed.filter((s) => s !== lb)];
  say(`peers drill: ${lb} and ${changed.filter((s) => s !== lb).join(", ")} change their peer lists when ${gone} leaves (SSM agent stand-in: the document's command on one server at a time)`);
  const results: CheckResult[] = [];
  const nftAdmits = (server: string) => inNetns(server, "nft", ["list", "chain", "inet", "sws", "input"]).stdout.includes(`ip saddr ${goneIp} `);

  const stage = async (name: string, target: RenderedStack, order: string[], expectUp: string[]) => timedCheck(name, async () => {
    const pidBefore = await mainPid(lb, "haproxy.service");
    putParameters(order.flatMap((s) => peerLists(target, s).map((f) => ({ name: parameterOf(ctx.rendered, s, f.path), value: f.content! }))));
    const client = probe(ctx, 25000);
    await sleep(1500);
    const steps = apply(order, argument(target));
    await sleep(4000); // health checks: a server coming back is UP after `rise 2`
    const status = await haproxyStatus((await mainPid(lb, "haproxy.service"))!);
    const samples = await client;
    const pidAfter = await mainPid(lb, "haproxy.service");
    const backends = Object.entries(status).map(([k, v]) => `${k} ${v}`);
    const admits = changed.filter((s) => s !== lb).map((s) => `${s} ${nftAdmits(s) ? "admits" : "does not admit"} ${gone}`);
    const up = backends.filter((b) => b.endsWith(" UP")).map((b) => b.split(" ")[0]);
    const ok = steps.every((x) => x.code === 0) && steps.length === order.length && pidBefore !== undefined && pidAfter === pidBefore
      && JSON.stringify(up.sort()) === JSON.stringify([...expectUp].sort()) && failed(samples) === 0 && samples.length > 100;
    return {
      ok,
      summary: `HAProxy backends now ${backends.join(", ")}; master pid ${pidBefore} → ${pidAfter} (reloaded, not restarted); ${admits.join("; ")}; client ${samples.length - failed(samples)}/${samples.length} answered 200`,
      lines: steps.map((x) => `${x.code === 0 ? "✓" : "✗"} ${x.server}: exit ${x.code} in ${(x.ms / 1000).toFixed(1)} s — ${x.out.split("\n").pop()}`),
      details: { steps, backends, admits, pidBefore, pidAfter, client: { requests: samples.length, failed: failed(samples) } },
    };
  });

  results.push(await stage(`scale in: ${gone} leaves (webServers ${webs.length} → ${webs.length - 1})`, fewer, frontFirst, webs.filter((w) => w !== gone)));
  results.push(await stage(`scale out: ${gone} back (webServers ${webs.length - 1} → ${webs.length})`, full, [...frontFirst].reverse(), webs));

  results.push(await timedCheck("a peer list HAProxy refuses: sws-peers exits 1, the previous list stays, HAProxy serves", async () => {
    const f = peerLists(full, lb).find((x) => x.path.endsWith("haproxy-web.cfg"))!;
    const bad = { ...full, servers: full.servers.map((s) => (s.name !== lb ? s : { ...s, fetched: s.fetched.map((x) => (x.path === f.path ? { ...x, content: x.content!.replace("balance roundrobin", "balance sideways") } : x)) })) };
    const name = parameterOf(ctx.rendered, lb, f.path);
    putParameters([{ name, value: bad.servers.find((s) => s.name === lb)!.fetched.find((x) => x.path === f.path)!.content! }]);
    const pid = await mainPid(lb, "haproxy.service");
    const steps = apply([lb], argument(bad));
    const kept = inRoot(lb, ["cat", f.path]).stdout === f.content;
    const samples = await probe(ctx, 3000);
    putParameters([{ name, value: f.content! }]);
    const ok = steps[0].code === 1 && /refused/.test(steps[0].out) && kept && (await mainPid(lb, "haproxy.service")) === pid && failed(samples) === 0;
    return {
      ok,
      summary: `sws-peers exit ${steps[0].code}; previous list ${kept ? "kept" : "NOT kept"}; HAProxy pid ${pid} unchanged; client ${samples.length - failed(samples)}/${samples.length} 200`,
      lines: steps.map((x) => `${x.code === 0 ? "✓" : "✗"} ${x.server}: exit ${x.code} — ${x.out.split("\n").slice(-2).join(" | ")}`),
      details: { steps },
    };
  }));

  return results;
}
