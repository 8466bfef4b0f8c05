/**
 * `npm run lab -- check [--json]` (also `npm run test:lab`): services, monitoring, end to end,
 * aws (aws.ts), firewall matrix, TLS; with the hardened profile also the hardening proofs (hardening.ts). Exit status 0 only when every check passes.
 */
import * as path from "path";
import { STATE, writeJson } from "../files";
import { awsCheck } from "./aws";
import { CheckResult, context } from "./common";
import { databaseCheck } from "./database";
import { e2eCheck } from "./e2e";
import { firewallCheck } from "./firewall";
import { hardened, hardeningChecks } from "./hardening";
import { clusterChecks, isClusterLab } from "./cluster";
import { monitoringCheck } from "./monitoring";
import { servicesCheck } from "./services";
import { tlsCheck } from "./tls";

function print(r: CheckResult): void {
  process.stdout.write(`\n${r.ok ? "PASS" : "FAIL"}  ${r.name} — ${r.summary} (${(r.ms / 1000).toFixed(1)} s)\n`);
  for (const l of r.lines) process.stdout.write(`      ${l}\n`);
}

export async function runChecks(json: boolean): Promise<number> {
  const t0 = Date.now();
  const ctx = context();
  const results: CheckResult[] = [];
  const done = (r: CheckResult) => {
    results.push(r);
    if (!json) print(r);
  };
  if (!json) process.stdout.write(`checking the lab: https://${ctx.state.domain}/ via ${ctx.state.balancer.name} (${ctx.state.balancer.ip})\n`);
  if (ctx.stale && !json) process.stdout.write("note: the working tree now renders different payloads than the ones this lab booted; checking the booted ones (run `down` + `up` to boot the new ones)\n");
  done(await servicesCheck(ctx));
  done(await databaseCheck(ctx));
  // The request-count check first, while nothing else sends traffic through the balancer.
  done(await monitoringCheck(ctx));
  // testssl takes about a minute: run it while the other checks run.
  const tls = tlsCheck(ctx);
  done(await e2eCheck(ctx));
  // The seam with the AWS renderer: what the servers fetched and backed up through the lab's AWS.
  done(await awsCheck(ctx));
  done(await firewallCheck(ctx));
  done(await tls);
  // The hardened profile's own proofs (hardening.ts): last, since the failover drill stops a web server for a while.
  if (hardened(ctx)) await hardeningChecks(ctx, done);
  // The cluster profile's own proofs (cluster.ts): every node synced, Galera over TLS, lag.
  if (isClusterLab(ctx)) await clusterChecks(ctx, done);
  const ok = results.every((r) => r.ok);
  const out = {
    ok,
    seconds: (Date.now() - t0) / 1000,
    domain: ctx.state.domain,
    profile: ctx.state.profile ?? "default",
    payloadsChangedSinceUp: ctx.stale,
    balancer: ctx.state.balancer,
    checks: results.map((r) => ({ name: r.name, ok: r.ok, summary: r.summary, seconds: r.ms / 1000, lines: r.lines, details: r.details })),
  };
  writeJson(path.join(STATE, "last-check.json"), out);
  if (json) process.stdout.write(JSON.stringify(out, null, 2) + "\n");
  else {
    process.stdout.write(`\n${ok ? "ALL CHECKS PASS" : "SOME CHECKS FAIL"}: ${results.map((r) => `${r.name} ${r.ok ? "pass" : "FAIL"}`).join(", ")} — ${out.seconds.toFixed(1)} s\n`);
    process.stdout.write(`(machine-readable: npm run lab -- check --json; last result: ${path.join(STATE, "last-check.json")})\n`);
  }
  return ok ? 0 : 1;
}
