// Where the lab keeps its files (state outside the repository, the lab's own directory) and the
// small filesystem helpers every lab module uses.
import * as fs from "fs";
import * as path from "path";

/** Where the lab keeps its state (never inside the repository). */
export const STATE = process.env.SWS_LAB_STATE || "/var/lib/sws-lab";
export const LAB_DIR = __dirname;
export const REPO_DIR = path.resolve(__dirname, "..");
/** Namespace-file directory (a private bind mount, like /run/netns). */
export const NS_DIR = path.join(STATE, "ns");
/**
 * The lab's EBS: one directory per data volume (<vol-id>), outside every server's root, so a
 * volume outlives the root it is attached to (a replaced server gets it back); `down` removes it.
 */
export const VOLUMES_DIR = path.join(STATE, "volumes");

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

/** Is `target` a mount point (per /proc/self/mountinfo)? */
export function isMounted(target: string): boolean {
  const t = path.resolve(target);
  return fs
    .readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .some((l) => l.split(" ")[4] === t);
}
/** Scripts run by node inside a host's network namespace (probes and clients). */
export const CLIENTS_DIR = path.join(LAB_DIR, "clients");
