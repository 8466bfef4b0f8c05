/**
 * Helper daemons of the lab (ACME server, DNS stub for it, monitoring sink): each in its own
 * network namespace and PID namespace, started detached, tracked by pid.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { alive, childrenOf, signal, sleep } from "./processes";
import { mkdirp, readJson, STATE, writeJson } from "./files";
import { netnsPath } from "./namespaces";

export const HELPER_PIDS = path.join(STATE, "run", "helpers.json");
export const HELPER_LOGS = path.join(STATE, "logs", "helpers");

export interface HelperProc {
  name: string;
  host: string;
  pid: number;
  log: string;
  argv: string[];
}

export function helpers(): HelperProc[] {
  return readJson<HelperProc[]>(HELPER_PIDS, []);
}

/** Start a helper in a host's network namespace (and a fresh PID namespace). */
export function startHelper(name: string, host: string, argv: string[], env: Record<string, string> = {}): HelperProc {
  const existing = helpers().find((h) => h.name === name);
  if (existing && alive(existing.pid)) return existing;
  mkdirp(HELPER_LOGS);
  const log = path.join(HELPER_LOGS, `${name}.log`);
  const fd = fs.openSync(log, "a");
  const child = spawn(
    "nsenter",
    [`--net=${netnsPath(host)}`, "--", "unshare", "--pid", "--fork", "--kill-child", "--", "env", "-i",
      "PATH=/usr/sbin:/usr/bin:/sbin:/bin", ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...argv],
    { detached: true, stdio: ["ignore", fd, fd] },
  );
  fs.closeSync(fd);
  child.unref();
  const h: HelperProc = { name, host, pid: child.pid!, log, argv };
  writeJson(HELPER_PIDS, [...helpers().filter((x) => x.name !== name), h]);
  return h;
}

/** Stop every helper by pid (the daemon, then its `unshare` parent). */
export async function stopHelpers(): Promise<string[]> {
  const out: string[] = [];
  for (const h of helpers()) {
    const kids = childrenOf(h.pid);
    for (const k of kids) signal(k, "SIGTERM");
    const t0 = Date.now();
    while (kids.some(alive) && Date.now() - t0 < 2000) await sleep(50);
    for (const k of kids) if (alive(k)) signal(k, "SIGKILL");
    if (alive(h.pid)) signal(h.pid, "SIGKILL");
    out.push(`${h.name} (pid ${h.pid})`);
  }
  try {
    fs.unlinkSync(HELPER_PIDS);
  } catch {
    /* none */
  }
  return out;
}
