/** Small helpers shared by the lab: running commands, progress lines, state paths. */
import { execFileSync, spawnSync, SpawnSyncOptions } from "child_process";
import * as fs from "fs";
import * as path from "path";

/** Where the lab keeps its state (never inside the repository). */
export const STATE = process.env.SWS_LAB_STATE || "/var/lib/sws-lab";
export const LAB_DIR = __dirname;
export const REPO_DIR = path.resolve(__dirname, "..");
/** Namespace-file directory (a private bind mount, like /run/netns). */
export const NS_DIR = path.join(STATE, "ns");
export const NETNS_PREFIX = "swslab-";

export function netnsName(host: string): string {
  return NETNS_PREFIX + host;
}
export function netnsPath(host: string): string {
  return `/run/netns/${netnsName(host)}`;
}

let quiet = false;
/** A step's "• name …" line is open (no newline yet). */
let openLine = false;
export function setQuiet(q: boolean): void {
  quiet = q;
}
export function log(msg: string): void {
  if (quiet) return;
  if (openLine) {
    process.stderr.write("\n");
    openLine = false;
  }
  process.stderr.write(msg + "\n");
}

/** Run one progress step: prints `name … done (1.2 s)` (or the error) and returns its value. */
export async function step<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
  const t0 = Date.now();
  if (!quiet) {
    process.stderr.write(`• ${name} … `);
    openLine = true;
  }
  const end = (word: string) => {
    if (quiet) return;
    const secs = `${((Date.now() - t0) / 1000).toFixed(1)} s`;
    process.stderr.write(openLine ? `${word} (${secs})\n` : `  ${word}: ${name} (${secs})\n`);
    openLine = false;
  };
  try {
    const r = await fn();
    end("ok");
    return r;
  } catch (e) {
    end("FAILED");
    throw e;
  }
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The environment for the lab's own commands: the caller's, minus proxy and CA-bundle variables
 * (lab traffic never goes through a proxy, and every TLS client is given the lab's CA explicitly).
 */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) {
    if (/^(https?|all|no|ftp)_proxy$/i.test(k) || /^(REQUESTS_CA_BUNDLE|CURL_CA_BUNDLE|SSL_CERT_FILE|SSL_CERT_DIR|NODE_EXTRA_CA_CERTS)$/.test(k)) delete env[k];
  }
  return env;
}

/** Run a command, never throwing; returns exit code and output. */
export function run(cmd: string, args: string[], opts: SpawnSyncOptions & { input?: string } = {}): RunResult {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, env: cleanEnv(), ...opts });
  return {
    code: r.status === null ? 128 + 9 : r.status,
    stdout: (r.stdout ?? "").toString(),
    stderr: (r.stderr ?? "").toString() + (r.error ? String(r.error) : ""),
  };
}

/** Run a command and throw with its output when it fails. */
export function must(cmd: string, args: string[], opts: SpawnSyncOptions & { input?: string } = {}): string {
  const r = run(cmd, args, opts);
  if (r.code !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} → exit ${r.code}\n${r.stderr.trim()}\n${r.stdout.trim()}`.trim());
  }
  return r.stdout;
}

export function sh(script: string, opts: SpawnSyncOptions & { input?: string } = {}): string {
  return must("/bin/sh", ["-ec", script], opts);
}

export function mkdirp(p: string, mode?: number): void {
  fs.mkdirSync(p, { recursive: true, mode });
}

export function readJson<T>(p: string, dflt: T): T {
  try {
    return JSON.parse(fs.readFileSync(p, "utf8")) as T;
  } catch {
    return dflt;
  }
}

export function writeJson(p: string, v: unknown): void {
  mkdirp(path.dirname(p));
  fs.writeFileSync(p + ".tmp", JSON.stringify(v, null, 2));
  fs.renameSync(p + ".tmp", p);
}

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

/** Is `target` a mount point (per /proc/self/mountinfo)? */
export function isMounted(target: string): boolean {
  const t = path.resolve(target);
  return fs
    .readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .some((l) => l.split(" ")[4] === t);
}

/** A MAC derived from an IPv4 address (stable across re-creations; avoids stale-ARP stalls). */
export function macFor(ip: string): string {
  const o = ip.split(".").map((x) => Number(x).toString(16).padStart(2, "0"));
  return `02:5a:${o.join(":")}`;
}

export function fmtSecs(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Run a command in a network namespace (host mount namespace). */
export function inNetns(host: string, cmd: string, args: string[], opts: SpawnSyncOptions & { input?: string } = {}): RunResult {
  return run("nsenter", [`--net=${netnsPath(host)}`, "--", cmd, ...args], opts);
}

export function execOut(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: "utf8" });
}
