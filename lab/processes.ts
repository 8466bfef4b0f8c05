// Processes by pid: alive (not a zombie), children, signals, stop with a grace period, polling waits.
import * as fs from "fs";

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Whether a pid is a live (non-zombie) process. */
export function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    const st = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const m = /^State:\s+(\S)/m.exec(st);
    return !!m && m[1] !== "Z" && m[1] !== "X";
  } catch {
    return false;
  }
}

/** Direct children of a pid (from /proc/PID/task/PID/children). */
export function childrenOf(pid: number): number[] {
  try {
    return fs
      .readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** Send a signal, ignoring "no such process". */
export function signal(pid: number, sig: NodeJS.Signals | number): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* gone */
  }
}

/** TERM a process, wait, then KILL it. */
export async function stopPid(pid: number, graceMs = 3000): Promise<void> {
  if (!alive(pid)) return;
  signal(pid, "SIGTERM");
  const t0 = Date.now();
  while (alive(pid) && Date.now() - t0 < graceMs) await sleep(50);
  if (alive(pid)) signal(pid, "SIGKILL");
  const t1 = Date.now();
  while (alive(pid) && Date.now() - t1 < 2000) await sleep(20);
}

/** Wait for a condition, polling. */
export async function waitFor(what: string, fn: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 100): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    if (await fn()) return;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(everyMs);
  }
}
