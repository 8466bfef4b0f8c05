// The bench's arithmetic, kept apart from the lab so unit tests can check it without root: the
// parsers of each load tool's report, CPU per request net of the background, medians and the
// goal ratios. Nothing here reads the clock or the machine.

/** The four goals of issue #20: each a ratio of two scenarios measured by the same client, same run. */
export const GOALS = {
  /** B / A: the 1 KiB file through the balancer against Nginx alone serving it directly at its best. */
  frontDoorVsDirect: { numerator: "B", denominator: "A", goal: 0.65 },
  /** C / C-direct: the dynamic page through the stack against the page asked of the app directly (client on the web server). */
  frontTiersOnDynamic: { numerator: "C", denominator: "C-direct", goal: 0.85 },
  /** C / DB: the page against the database alone running the page's two statements at the same concurrency. */
  dynamicVsDatabase: { numerator: "C", denominator: "DB", goal: 0.5 },
  /** H2 / B: the same file over HTTP/2 (h2load, multiplexed) against HTTP/1.1 (wrk) through the balancer. */
  http2VsHttp1: { numerator: "H2", denominator: "B", goal: 1.1 },
} as const;
export type GoalName = keyof typeof GOALS;

export interface LoadResult {
  /** Completed requests (for DB: statement pairs) per second. */
  rps: number;
  requests: number;
  /** Latency percentiles where the tool reports them (wrk); h2load reports a mean, mariadb-slap nothing per request. */
  p50ms: number | null;
  p99ms: number | null;
  meanMs: number | null;
  errors: number;
  detail: string;
  /** CPU seconds the load client itself used (its own process tree). */
  clientCpuSeconds: number;
}

/** "1.23ms" / "850.00us" / "2.01s" → milliseconds. */
export function toMs(v: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(v.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === "us" ? n / 1000 : m[2] === "ms" ? n : m[2] === "s" ? n * 1000 : n * 60000;
}

/** The children's line of the shell builtin `times` printed after the marker: user + system seconds. */
export function parseTimes(out: string, marker = "SWS-TIMES"): number {
  const i = out.lastIndexOf(marker);
  if (i < 0) return NaN;
  const lines = out.slice(i + marker.length).trim().split("\n");
  const m = /(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s/.exec(lines[1] ?? "");
  if (!m) return NaN;
  return Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4]);
}

/** wrk's report. With `Connection: close` a server closing is counted by wrk as a read error: not an error then. */
export function parseWrk(out: string, connectionClose: boolean): LoadResult {
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const se = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const sock = se ? se.slice(1).map(Number) : [0, 0, 0, 0];
  return {
    rps, requests,
    p50ms: toMs(/^\s+50%\s+(\S+)/m.exec(out)?.[1] ?? ""),
    p99ms: toMs(/^\s+99%\s+(\S+)/m.exec(out)?.[1] ?? ""),
    meanMs: toMs(/^\s+Latency\s+(\S+)/m.exec(out)?.[1] ?? ""),
    errors: non2xx + sock[0] + sock[2] + sock[3] + (connectionClose ? 0 : sock[1]),
    detail: `non-2xx ${non2xx}; ${se ? se[0] : "no socket errors"}`,
    clientCpuSeconds: parseTimes(out),
  };
}

/** h2load's report (nghttp2 1.52): rate from "finished in", errors = everything not 2xx or not succeeded. */
export function parseH2load(out: string): LoadResult {
  const fin = /finished in ([\d.]+)(?:s|ms|us), ([\d.]+) req\/s/.exec(out);
  const req = /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(out);
  const codes = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(out);
  const t = /time for request:\s+(\S+)\s+(\S+)\s+(\S+)/.exec(out);
  const proto = /Application protocol: (\S+)/.exec(out)?.[1] ?? "?";
  if (!fin || !req || !codes) return { rps: NaN, requests: NaN, p50ms: null, p99ms: null, meanMs: null, errors: NaN, detail: "h2load report not understood", clientCpuSeconds: parseTimes(out) };
  const done = Number(req[3]);
  const failed = Number(req[5]) + Number(req[6]) + Number(req[7]);
  const non2xx = Number(codes[2]) + Number(codes[3]) + Number(codes[4]);
  return {
    rps: Number(fin[2]), requests: Number(codes[1]), p50ms: null, p99ms: null, meanMs: t ? toMs(t[3]) : null,
    errors: failed + non2xx + (proto === "h2" ? 0 : done),
    detail: `protocol ${proto}; ${req[4]} succeeded, ${req[5]} failed, ${req[6]} errored, ${req[7]} timeout; 2xx ${codes[1]}`,
    clientCpuSeconds: parseTimes(out),
  };
}

/** mariadb-slap's report: one "query" is one statement; `statementsPerUnit` of them make one page's worth. */
export function parseSlap(out: string, statementsPerUnit: number): LoadResult {
  const avg = Number(/Average number of seconds to run all queries: ([\d.]+) seconds/.exec(out)?.[1] ?? NaN);
  const clients = Number(/Number of clients running queries: (\d+)/.exec(out)?.[1] ?? NaN);
  const perClient = Number(/Average number of queries per client: (\d+)/.exec(out)?.[1] ?? NaN);
  const units = (clients * perClient) / statementsPerUnit;
  return {
    rps: units / avg, requests: units, p50ms: null, p99ms: null, meanMs: avg > 0 ? (avg * 1000 * clients) / units : null,
    errors: Number.isFinite(units) ? 0 : NaN,
    detail: `${clients} clients × ${perClient} statements in ${avg} s`,
    clientCpuSeconds: parseTimes(out),
  };
}

/**
 * CPU µs per request by host: each host's CPU over the run, less its background (health checks,
 * scrapes, collectors: measured on the idle lab, as CPU seconds per second) over the same time.
 * A host that does nothing for the requests can come out a tick below its background: that is
 * noise (USER_HZ ticks of 10 ms), shown as 0.
 */
export function cpuPerRequest(deltaCpuSeconds: Record<string, number>, backgroundPerSecond: Record<string, number>, seconds: number, requests: number): { net: Record<string, number>; gross: Record<string, number> } {
  const net: Record<string, number> = {};
  const gross: Record<string, number> = {};
  const n = Math.max(requests, 1);
  for (const [h, cpu] of Object.entries(deltaCpuSeconds)) {
    gross[h] = Math.round((cpu * 1e6) / n);
    net[h] = Math.max(0, Math.round(((cpu - (backgroundPerSecond[h] ?? 0) * seconds) * 1e6) / n));
  }
  net.total = Object.values(net).reduce((a, b) => a + b, 0);
  gross.total = Object.values(gross).reduce((a, b) => a + b, 0);
  return { net, gross };
}

/** The middle value (lower middle for an even count). */
export function medianOf(v: number[]): number {
  const s = v.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
}

/** One run's load figures (the client's own, as LoadResult has them) with the CPU by host. */
export interface RunSummary extends Pick<LoadResult, "rps" | "requests" | "p50ms" | "p99ms" | "meanMs" | "errors"> {
  cpuUsPerRequest: Record<string, number>;
  cpuUsPerRequestGross: Record<string, number>;
  machineBusy: number;
}

/** Per field median over the runs; errors and requests summed. */
export function medianRun(runs: RunSummary[]): RunSummary {
  const med = (k: (r: RunSummary) => number | null) => {
    const v = runs.map(k).filter((x): x is number => x !== null);
    return v.length ? medianOf(v) : null;
  };
  const perHost = (pick: (r: RunSummary) => Record<string, number>) => {
    const o: Record<string, number> = {};
    for (const h of new Set(runs.flatMap((r) => Object.keys(pick(r))))) o[h] = medianOf(runs.map((r) => pick(r)[h] ?? NaN));
    return o;
  };
  return {
    rps: medianOf(runs.map((r) => r.rps)), requests: runs.reduce((a, r) => a + r.requests, 0),
    p50ms: med((r) => r.p50ms), p99ms: med((r) => r.p99ms), meanMs: med((r) => r.meanMs),
    errors: runs.reduce((a, r) => a + r.errors, 0),
    cpuUsPerRequest: perHost((r) => r.cpuUsPerRequest), cpuUsPerRequestGross: perHost((r) => r.cpuUsPerRequestGross),
    machineBusy: medianOf(runs.map((r) => r.machineBusy)),
  };
}

export interface GoalResult {
  numerator: string;
  denominator: string;
  value: number | null;
  goal: number;
  met: boolean;
}

/** Each goal's ratio from the scenarios' median rates (null, and not met, when a side is missing). */
export function goalRatios(medianRps: Record<string, number | undefined>): Record<GoalName, GoalResult> {
  const out = {} as Record<GoalName, GoalResult>;
  for (const [name, g] of Object.entries(GOALS) as Array<[GoalName, (typeof GOALS)[GoalName]]>) {
    const a = medianRps[g.numerator];
    const b = medianRps[g.denominator];
    const value = a !== undefined && b !== undefined && Number.isFinite(a) && Number.isFinite(b) && b > 0 ? Math.round((a / b) * 1000) / 1000 : null;
    out[name] = { numerator: g.numerator, denominator: g.denominator, value, goal: g.goal, met: value !== null && value >= g.goal };
  }
  return out;
}
