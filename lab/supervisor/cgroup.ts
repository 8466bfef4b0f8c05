// One cgroup per unit, as systemd keeps them (KillMode=control-group): every process a unit's
// commands start stays in its cgroup, so when the main process ends (kill -9 included) or the
// unit stops, whatever it left behind (nginx's workers, an SST script, a socat child) is killed
// with it. The server's daemons share one PID namespace (the server's, lab/root.ts), so the
// namespace no longer does this for them. Only the cgroup core files are used (cgroup.procs,
// cgroup.kill), no controller: a v2 hierarchy, mounted at /sys/fs/cgroup or, on a hybrid
// machine, /sys/fs/cgroup/unified.
import * as fs from "fs";
import * as path from "path";
import { signal, sleep } from "../processes";

function hierarchy(): string {
  for (const d of ["/sys/fs/cgroup", "/sys/fs/cgroup/unified"]) if (fs.existsSync(path.join(d, "cgroup.controllers"))) return d;
  throw new Error("no cgroup v2 hierarchy at /sys/fs/cgroup or /sys/fs/cgroup/unified: the lab's supervisor keeps each unit's processes in a cgroup of its own");
}

const safe = (s: string) => s.replace(/[^A-Za-z0-9@._:-]/g, "_");

/** The unit's cgroup directory (created): <hierarchy>/sws-lab/<server>/<unit>. */
export function unitCgroup(server: string, unit: string): string {
  const d = path.join(hierarchy(), "sws-lab", safe(server), safe(unit));
  fs.mkdirSync(d, { recursive: true });
  return d;
}

/** Pids (host) of every process in a cgroup. */
export function cgroupPids(dir: string): number[] {
  try {
    return fs.readFileSync(path.join(dir, "cgroup.procs"), "utf8").split("\n").filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** SIGKILL every process in the cgroup (atomically with cgroup.kill where the kernel has it); waits until it is empty. */
export async function killCgroup(dir: string, timeoutMs = 3000): Promise<number[]> {
  const pids = cgroupPids(dir);
  if (!pids.length) return [];
  killCgroupNow(dir);
  const t0 = Date.now();
  while (cgroupPids(dir).length && Date.now() - t0 < timeoutMs) {
    await sleep(20);
    for (const p of cgroupPids(dir)) signal(p, "SIGKILL");
  }
  return pids;
}

/** The synchronous part: one write to cgroup.kill (or SIGKILL to each pid listed). */
export function killCgroupNow(dir: string): void {
  try {
    fs.writeFileSync(path.join(dir, "cgroup.kill"), "1");
    return;
  } catch {
    /* no cgroup.kill (kernel < 5.14): one by one */
  }
  for (const p of cgroupPids(dir)) signal(p, "SIGKILL");
}

/** Remove the server's (empty) unit cgroups and its own directory. */
export function removeServerCgroups(server: string): void {
  let base: string;
  try {
    base = path.join(hierarchy(), "sws-lab", safe(server));
  } catch {
    return;
  }
  if (!fs.existsSync(base)) return;
  for (const u of fs.readdirSync(base, { withFileTypes: true })) if (u.isDirectory()) try { fs.rmdirSync(path.join(base, u.name)); } catch { /* still busy */ }
  try { fs.rmdirSync(base); } catch { /* still busy */ }
}
