/**
 * `npm run bench` (lab/cli.ts bench [--json] [--duration 10]): wrk from the client namespace
 * through the balancer, for a static file (HAProxy → Nginx) and the dynamic page (→ app →
 * database). Two cores are shared by the client and every server: read the figures as ratios.
 */
import { inNetns } from "./util";
import { readState } from "./lab";

export async function bench(json: boolean, seconds: number): Promise<number> {
  const st = readState();
  if (!st || st.status !== "up") throw new Error("the lab is not up: run `npm run lab -- up` first");
  const cases = [
    { name: "static (HAProxy TLS → Nginx)", path: "/static/robots.txt" },
    { name: "dynamic (→ app → database: one INSERT + one SELECT)", path: "/" },
  ];
  const results: Array<{ name: string; path: string; rps: number; p50: string; p99: string; non2xx: number; errors: string }> = [];
  for (const c of cases) {
    const r = inNetns(st.hosts.find((h) => h.roles.includes("client"))!.name, "wrk", [
      "-t2", "-c32", `-d${seconds}s`, "--latency", "-H", `Host: ${st.domain}`, `https://${st.balancer.ip}${c.path}`,
    ], { timeout: (seconds + 30) * 1000 });
    if (r.code !== 0) throw new Error(`wrk failed: ${r.stderr}`);
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1] ?? 0);
    const p50 = /50%\s+(\S+)/.exec(r.stdout)?.[1] ?? "?";
    const p99 = /99%\s+(\S+)/.exec(r.stdout)?.[1] ?? "?";
    const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(r.stdout)?.[1] ?? 0);
    const errors = /Socket errors:.*/.exec(r.stdout)?.[0] ?? "none";
    results.push({ name: c.name, path: c.path, rps, p50, p99, non2xx, errors });
    if (!json) process.stdout.write(`${c.name.padEnd(52)} ${rps.toFixed(0).padStart(7)} req/s  p50 ${p50}  p99 ${p99}  non-2xx ${non2xx}  socket errors: ${errors}\n`);
  }
  if (json) process.stdout.write(JSON.stringify({ wrk: `-t2 -c32 -d${seconds}s`, results }, null, 2) + "\n");
  else process.stdout.write("(wrk -t2 -c32 from the client namespace; the 2 cores are shared with every server: compare ratios, not absolutes)\n");
  return results.every((r) => r.rps > 0 && r.non2xx === 0) ? 0 : 1;
}
