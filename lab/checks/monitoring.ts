/**
 * Monitoring, read at the lab's sink (a Prometheus receiving remote writes from every server's
 * OpenTelemetry Collector — the build of monitoring/collector/builder-config.yaml running the
 * payload's /etc/sws/collector.yaml, scrape intervals capped at 5 s; lab/collector.ts):
 *   - every exporter on every server is up (the series carry the payload's own `host` label);
 *   - N requests through the balancer appear as N (± 1 %) on the web tier's request counter;
 *   - every collector's peak resident memory (VmHWM) stays under its unit's MemoryMax=.
 * Counters are compared as raw samples before and after the burst (no rate()/increase(): they
 * extrapolate). Nginx's counter also counts the balancer's health checks and the exporter's
 * stub_status scrapes: that steady background is measured over the quiet minute before the
 * burst and subtracted (both figures are printed). HAProxy's backend response counter must move
 * by exactly N.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { COLLECTOR_UNIT, memoryMaxBytes, memoryOf } from "../collector";
import { supervisorDump } from "../supervisor/client";
import { rootPaths } from "../root";
import { sinkQuery } from "../sink";
import { CLIENTS_DIR } from "../files";
import { netnsPath } from "../namespaces";
import { run } from "../shell";
import { sleep, waitFor } from "../processes";
import { CheckContext, CheckResult, timedCheck } from "./common";

interface Sample {
  t: number;
  v: number;
}

function rawSamples(ctx: CheckContext, selector: string, window: string): Map<string, Sample[]> {
  const out = new Map<string, Sample[]>();
  for (const r of sinkQuery(ctx.cfg.lab.sink, `${selector}[${window}]`) as unknown as Array<{ metric: Record<string, string>; values: [number, string][] }>) {
    const key = JSON.stringify(r.metric);
    out.set(key, r.values.map(([t, v]) => ({ t, v: Number(v) })));
  }
  return out;
}

/** Sum of the latest sample of every series matching the selector, and the oldest of those timestamps. */
function latest(ctx: CheckContext, selector: string, window = "30s"): { v: number; t: number; series: number } {
  let v = 0;
  let t = Infinity;
  let n = 0;
  for (const s of rawSamples(ctx, selector, window).values()) {
    const last = s[s.length - 1];
    if (!last) continue;
    v += last.v;
    t = Math.min(t, last.t);
    n++;
  }
  return { v, t: n ? t : 0, series: n };
}

export function monitoringCheck(ctx: CheckContext, N = 3000): Promise<CheckResult> {
  return timedCheck("monitoring", async () => {
    const { rendered, state, cfg } = ctx;
    const lines: string[] = [
      "each server's sws-collector.service runs the OpenTelemetry Collector (monitoring/collector/builder-config.yaml, the payload's pinned release) with its payload's /etc/sws/collector.yaml (scrape intervals capped at 5 s), remote-writing to the sink's Prometheus (--web.enable-remote-write-receiver)",
    ];
    let ok = true;

    // 1. Every exporter on every server is up, as the sink sees it.
    const expected: Array<{ server: string; job: string; target: string }> = [];
    for (const s of rendered.servers) {
      const text = fs.readFileSync(path.join(rootPaths(s.name).merged, "etc/sws/collector.yaml"), "utf8");
      const doc = YAML.parse(text);
      for (const sc of doc?.receivers?.prometheus?.config?.scrape_configs ?? []) {
        for (const stc of sc.static_configs ?? []) for (const t of stc.targets ?? []) expected.push({ server: s.name, job: sc.job_name, target: t });
      }
    }
    await waitFor("every scrape target at the sink", () => sinkQuery(cfg.lab.sink, "up").length >= expected.length, 30000, 1000).catch(() => undefined);
    const ups = sinkQuery(cfg.lab.sink, "up");
    const exporters = expected.map((e) => {
      const s = ups.find((u) => u.metric.job === e.job && u.metric.host === e.server);
      return { ...e, up: s ? s.value[1] === "1" : false, seen: !!s };
    });
    const allUp = exporters.every((e) => e.up);
    ok &&= allUp && exporters.length > 0;
    lines.push(`${allUp ? "✓" : "✗"} exporters up at the sink: ${exporters.filter((e) => e.up).length}/${exporters.length}`);
    for (const e of exporters) lines.push(`    ${e.up ? "up  " : e.seen ? "DOWN" : "MISSING"} ${e.server.padEnd(5)} ${e.job.padEnd(8)} ${e.target}`);

    // 2. N requests through the balancer → N on the web tier's counter.
    const web = rendered.servers.filter((s) => s.roles.includes("web")).map((s) => s.name);
    const lbs = rendered.servers.filter((s) => s.roles.includes("balancer")).map((s) => s.name);
    const nginxSel = `nginx_http_requests_total{host=~"${web.join("|")}"}`;
    const haproxySel = `haproxy_backend_http_responses_total{proxy="web",host=~"${lbs.join("|")}"}`;
    // Background rate: the median per-scrape increase over the last minute (robust to earlier
    // bursts and to counter resets after a restart).
    // One median per web server's series, summed (with several web servers each has its own background).
    let bgRate = 0;
    let rates: number[] = [];
    await waitFor("three quiet scrape intervals at the sink", () => {
      rates = [];
      for (const series of rawSamples(ctx, nginxSel, "60s").values()) {
        const increments: number[] = [];
        for (let i = 1; i < series.length; i++) {
          const dv = series[i].v - series[i - 1].v;
          const dt = series[i].t - series[i - 1].t;
          if (dv >= 0 && dt > 0) increments.push(dv / dt);
        }
        if (increments.length < 3) return false;
        increments.sort((x, y) => x - y);
        rates.push(increments[Math.floor(increments.length / 2)]);
      }
      return rates.length > 0;
    }, 30000, 1000);
    bgRate = rates.reduce((x, y) => x + y, 0);
    const before = latest(ctx, nginxSel);
    const hBefore = latest(ctx, haproxySel);
    if (!before.series) throw new Error(`no ${nginxSel} series at the sink`);

    const burst = run("nsenter", [`--net=${netnsPath(ctx.client)}`, "--", process.execPath, path.join(CLIENTS_DIR, "https-burst.js"),
      state.balancer.ip, state.domain, "/static/robots.txt", String(N), "8", state.caBundle], { timeout: 120000 });
    if (burst.code !== 0) throw new Error(`burst failed: ${burst.stderr}`);
    const b = JSON.parse(burst.stdout) as { sent: number; statuses: Record<string, number>; errors: number; ms: number };
    const burstEnd = Date.now() / 1000;
    lines.push(`    sent ${N} requests (GET /static/robots.txt) in ${(b.ms / 1000).toFixed(1)} s from ${ctx.client}: statuses ${JSON.stringify(b.statuses)}, errors ${b.errors}`);

    // Wait for a sample scraped after the burst to reach the sink.
    let after = latest(ctx, nginxSel);
    let hAfter = latest(ctx, haproxySel);
    await waitFor("a sample after the burst at the sink", () => {
      after = latest(ctx, nginxSel);
      hAfter = latest(ctx, haproxySel);
      return after.t > burstEnd + 0.5 && hAfter.t > burstEnd + 0.5;
    }, 45000, 1000).catch(() => undefined);
    if (after.t <= burstEnd + 0.5) {
      lines.push(`✗ no ${nginxSel} sample scraped after the burst reached the sink within 45 s`);
      return { ok: false, summary: `exporters up ${exporters.filter((e) => e.up).length}/${exporters.length}; no web-tier sample after the burst`, lines, details: { exporters, N, burst: b } };
    }
    const delta = after.v - before.v;
    const background = bgRate * (after.t - before.t);
    const corrected = delta - background;
    const tol = Math.ceil(N * 0.01);
    const nginxOk = Math.abs(corrected - N) <= tol;
    const hDelta = hAfter.v - hBefore.v;
    const hOk = Math.abs(hDelta - N) <= tol;
    ok &&= nginxOk && hOk && (b.statuses["200"] ?? 0) === N;
    lines.push(`${nginxOk ? "✓" : "✗"} web tier (nginx_http_requests_total at the sink): +${delta} raw over ${(after.t - before.t).toFixed(1)} s, background ${background.toFixed(1)} (median ${bgRate.toFixed(2)}/s over the quiet minute before, summed over ${rates.length} web server(s): health checks + stub_status scrapes) → ${corrected.toFixed(1)} for ${N} sent (± ${tol} allowed)`);
    lines.push(`${hOk ? "✓" : "✗"} balancer (haproxy_backend_http_responses_total{proxy="web"} at the sink): +${hDelta} for ${N} sent`);

    // 3. The collectors' memory through the burst: peak RSS (the kernel's high-water mark of each
    // process) against the unit's MemoryMax= (the lab has no cgroup limit: this is the check).
    const memory: Array<{ server: string; pid: number | null; peakMiB?: number; rssMiB?: number; maxMiB?: number; ok: boolean }> = [];
    for (const s of rendered.servers) {
      const unit = fs.readFileSync(path.join(rootPaths(s.name).merged, "etc/systemd/system", COLLECTOR_UNIT), "utf8");
      const max = memoryMaxBytes(/^MemoryMax=(\S+)$/m.exec(unit)?.[1]);
      const pid = (await supervisorDump(s.name))?.units.find((u) => u.name === COLLECTOR_UNIT)?.mainPid ?? null;
      const m = pid ? memoryOf(pid) : undefined;
      const maxMiB = max ? max / 1024 / 1024 : undefined;
      memory.push({ server: s.name, pid, peakMiB: m?.peakMiB, rssMiB: m?.rssMiB, maxMiB, ok: !!m && !!maxMiB && m.peakMiB < maxMiB });
    }
    const memOk = memory.length > 0 && memory.every((m) => m.ok);
    ok &&= memOk;
    lines.push(`${memOk ? "✓" : "✗"} collectors' peak RSS (VmHWM) under MemoryMax=: ${memory.map((m) => `${m.server} ${m.peakMiB?.toFixed(1) ?? "?"} MiB (now ${m.rssMiB?.toFixed(1) ?? "?"}) of ${m.maxMiB ?? "?"} MiB`).join("; ")}`);
    return {
      ok,
      summary: `exporters up ${exporters.filter((e) => e.up).length}/${exporters.length}; ${N} requests → web counter +${corrected.toFixed(0)} (raw +${delta}), balancer +${hDelta}; collectors' peak RSS ≤ ${Math.max(...memory.map((m) => m.peakMiB ?? NaN)).toFixed(1)} MiB`,
      lines,
      details: { exporters, N, burst: b, nginx: { before, after, delta, backgroundRate: bgRate, background, corrected, ok: nginxOk }, haproxy: { before: hBefore, after: hAfter, delta: hDelta, ok: hOk }, memory },
    };
  });
}
