// What systemd does at boot, for the lab's supervisor: the start transaction of the default target
// (multi-user.target) built from the unit files and the enablement links in the server's root,
// ordered by After=/Before= (a topological sort; an ordering cycle is an error naming its units),
// then run: a unit's start job begins once every job it is ordered after has finished (a oneshot's
// successor waits for the oneshot to exit), and a unit whose Requires= dependency failed, while
// ordered after it, is not started (its job fails with "dependency", as systemd's does).
//
// Kept to what the payloads use: Wants=/Requires= (unit files and /etc/systemd/system's
// .wants/.requires links), After=/Before=, DefaultDependencies= for services, timers and targets.
// Not modelled: BindsTo=/PartOf=/Requisite=/Conflicts=, conditions, socket or path activation,
// the distribution's static /lib/systemd/system/<target>.wants (the machine's own units: logind,
// getty, journald helpers, which the lab does not run), generators (fstab mounts: the lab mounts
// the data volume stand-in before boot).
import { getAll, getOne, MergedUnit, parseBool } from "../units";
import { linkedDependencies } from "./enablement";
import { loadUnit, RootView } from "./unitFiles";

export const DEFAULT_TARGET = "multi-user.target";

/**
 * Targets the lab's machine has reached before its supervisor starts: the network namespace is
 * configured (EC2's DHCP and the distribution's network service are what pulls network.target in
 * on an instance; the lab has neither). They join the transaction so that units ordered around them
 * (nftables before network-pre.target, sws-fetch after network-online.target) keep their order.
 */
export const MACHINE_TARGETS = ["network.target"];

export interface BootJob {
  name: string;
  /** Units this one pulls in with Wants= (missing ones are ignored, as systemd does). */
  wants: string[];
  /** Units this one pulls in with Requires= (a missing one fails this job). */
  requires: string[];
  /** Units of the transaction this one's start waits for (After= here, Before= there, defaults). */
  after: string[];
}

export interface BootTransaction {
  goal: string;
  jobs: Map<string, BootJob>;
  /** A topological order of the jobs (After= first); jobs run in parallel where it allows. */
  order: string[];
  /** Units named by Wants=/Requires= that have no unit file: name → the units that named them. */
  missing: Map<string, string[]>;
}

const words = (m: MergedUnit, key: string) => getAll(m, "Unit", key).flatMap((v) => v.split(/\s+/)).filter(Boolean);
const kind = (name: string) => name.slice(name.lastIndexOf(".") + 1);

/** systemd's implicit dependencies (systemd.service(5), .timer(5), .target(5) "Default Dependencies"). */
function defaults(m: MergedUnit, pulled: string[]): { requires: string[]; after: string[]; before: string[] } {
  if (!parseBool(getOne(m, "Unit", "DefaultDependencies"), true)) return { requires: [], after: [], before: [] };
  switch (kind(m.name)) {
    case "service":
      return { requires: ["sysinit.target"], after: ["sysinit.target", "basic.target"], before: [] };
    case "timer":
      return { requires: ["sysinit.target"], after: ["sysinit.target"], before: ["timers.target"] };
    case "socket":
      return { requires: ["sysinit.target"], after: ["sysinit.target"], before: ["sockets.target"] };
    case "target":
      // "Target units will automatically complement all configured dependencies of type Wants= or
      // Requires= with dependencies of type After=."
      return { requires: [], after: pulled, before: [] };
    default:
      return { requires: [], after: [], before: [] };
  }
}

/** The start transaction of `goal` in a root, as systemd builds it at boot. Throws on an ordering cycle. */
export function bootTransaction(root: RootView, goal = DEFAULT_TARGET, extra: string[] = MACHINE_TARGETS): BootTransaction {
  const units = new Map<string, MergedUnit>();
  const jobs = new Map<string, BootJob>();
  const before = new Map<string, string[]>();
  const missing = new Map<string, string[]>();
  const queue: Array<{ name: string; by?: string }> = [goal, ...extra].map((name) => ({ name }));
  while (queue.length) {
    const { name, by } = queue.shift()!;
    if (jobs.has(name)) continue;
    if (missing.has(name)) {
      if (by) missing.get(name)!.push(by);
      continue;
    }
    const m = loadUnit(root, name);
    if (!m) {
      missing.set(name, by ? [by] : []);
      continue;
    }
    units.set(name, m);
    const links = linkedDependencies(root, name);
    const wants = [...new Set([...words(m, "Wants"), ...links.wants])];
    const requires = [...new Set([...words(m, "Requires"), ...links.requires])];
    const d = defaults(m, [...wants, ...requires]);
    for (const r of d.requires) if (!requires.includes(r)) requires.push(r);
    jobs.set(name, { name, wants, requires, after: [...words(m, "After"), ...d.after] });
    before.set(name, [...words(m, "Before"), ...d.before]);
    for (const w of [...wants, ...requires]) queue.push({ name: w, by: name });
  }
  // Before= on one side is After= on the other; ordering to a unit outside the transaction is void.
  for (const [name, bs] of before) for (const b of bs) jobs.get(b)?.after.push(name);
  for (const j of jobs.values()) j.after = [...new Set(j.after.filter((a) => a !== j.name && jobs.has(a)))].sort();
  // A Requires= on a missing unit fails the job; a Wants= on one is ignored (kept in `missing` for the record).
  return { goal, jobs, order: topologicalOrder(jobs), missing };
}

/** Kahn's algorithm over After= edges, ties broken by name (a stable log). An ordering cycle throws, naming it. */
export function topologicalOrder(jobs: Map<string, { after: string[] }>): string[] {
  const indegree = new Map<string, number>();
  const next = new Map<string, string[]>();
  for (const [name, j] of jobs) {
    indegree.set(name, j.after.filter((a) => jobs.has(a)).length);
    for (const a of j.after) if (jobs.has(a)) next.set(a, [...(next.get(a) ?? []), name]);
  }
  const ready = [...indegree].filter(([, d]) => d === 0).map(([n]) => n).sort();
  const order: string[] = [];
  while (ready.length) {
    const n = ready.shift()!;
    order.push(n);
    for (const s of next.get(n) ?? []) {
      const d = indegree.get(s)! - 1;
      indegree.set(s, d);
      if (d === 0) {
        ready.push(s);
        ready.sort();
      }
    }
  }
  if (order.length === jobs.size) return order;
  throw new Error(`ordering cycle: ${findCycle(jobs, new Set(order)).join(" → ")} (each starts after the next: their After=/Before= contradict each other)`);
}

/** One cycle among the jobs that the sort could not place (each of them waits on another of them). */
function findCycle(jobs: Map<string, { after: string[] }>, placed: Set<string>): string[] {
  const left = [...jobs.keys()].filter((n) => !placed.has(n)).sort();
  let n = left[0];
  const path: string[] = [];
  const seen = new Map<string, number>();
  // Every unplaced job waits on at least one unplaced job: walking those edges must revisit a unit.
  while (!seen.has(n)) {
    seen.set(n, path.length);
    path.push(n);
    n = jobs.get(n)!.after.filter((a) => jobs.has(a) && !placed.has(a)).sort()[0];
  }
  return [...path.slice(seen.get(n)!), n];
}

export type JobResult = "done" | "failed" | "dependency";

export interface JobRecord {
  name: string;
  result: JobResult;
  /** ms since the epoch; for "dependency" the job never started: startedAt = finishedAt. */
  startedAt: number;
  finishedAt: number;
  after: string[];
  note?: string;
}

/**
 * Run the transaction: each job starts when every job it is ordered after has finished, and runs
 * `start` (which resolves when the unit's start job is done: a oneshot exited, a notify service
 * ready, a simple one spawned). A job whose Requires= unit failed (or is missing) while ordered
 * after it does not start.
 */
export async function runBoot(tx: BootTransaction, start: (name: string) => Promise<boolean>, now: () => number = Date.now): Promise<JobRecord[]> {
  const done = new Map<string, Promise<JobRecord>>();
  const job = (name: string): Promise<JobRecord> => {
    let p = done.get(name);
    if (p) return p;
    const j = tx.jobs.get(name)!;
    p = Promise.all(j.after.map(job)).then(async (prior) => {
      const failedReq = j.requires.filter((r) => tx.missing.has(r) || (j.after.includes(r) && prior.find((x) => x.name === r)!.result !== "done"));
      const t0 = now();
      if (failedReq.length) {
        return { name, result: "dependency" as const, startedAt: t0, finishedAt: t0, after: j.after, note: `Requires= ${failedReq.join(" ")} ${failedReq.some((r) => tx.missing.has(r)) ? "missing or failed" : "failed"}` };
      }
      let ok = false;
      let note: string | undefined;
      try {
        ok = await start(name);
      } catch (e) {
        note = (e as Error).message;
      }
      return { name, result: ok ? "done" as const : "failed" as const, startedAt: t0, finishedAt: now(), after: j.after, ...(note ? { note } : {}) };
    });
    done.set(name, p);
    return p;
  };
  // Placing jobs in topological order means every job's predecessors exist before it is awaited.
  const all = await Promise.all(tx.order.map(job));
  return all;
}
