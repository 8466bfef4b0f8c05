/**
 * One root per server: an overlay of the host's `/` with a private upper layer, in a persistent
 * mount + UTS namespace created from the server's network namespace, with its own /proc, /sys,
 * /dev, tmpfs /run and /tmp, and /var/log bound from the lab's state directory.
 *
 * The overlay is mounted once (in the host's mount namespace, under the lab state directory);
 * every later command enters the server's namespaces with nsenter.
 */
import * as fs from "fs";
import * as path from "path";
import { SpawnSyncOptions } from "child_process";
import { isMounted, LAB_DIR, mkdirp, NS_DIR, STATE } from "./files";
import { must, run, RunResult } from "./shell";
import { netnsPath } from "./namespaces";

export interface RootPaths {
  base: string;
  upper: string;
  work: string;
  merged: string;
  logs: string;
  mntNs: string;
  utsNs: string;
}

export function rootPaths(server: string): RootPaths {
  const base = path.join(STATE, "roots", server);
  return {
    base,
    upper: path.join(base, "upper"),
    work: path.join(base, "work"),
    merged: path.join(base, "merged"),
    logs: path.join(STATE, "logs", server),
    mntNs: path.join(NS_DIR, `${server}.mnt`),
    utsNs: path.join(NS_DIR, `${server}.uts`),
  };
}

/** Make NS_DIR a private bind mount so namespace files can be bound into it (like /run/netns). */
export function ensureNsDir(): void {
  mkdirp(NS_DIR);
  if (!isMounted(NS_DIR)) {
    must("mount", ["--bind", NS_DIR, NS_DIR]);
    must("mount", ["--make-private", NS_DIR]);
  }
}

export function rootExists(server: string): boolean {
  const p = rootPaths(server);
  return isMounted(p.mntNs) && isMounted(p.merged);
}

/** Copy /var/log's directory tree (owners and modes, no files) into the server's log dir. */
function seedLogDir(dest: string): void {
  mkdirp(dest);
  const out = run("find", ["/var/log", "-mindepth", "1", "-type", "d", "-printf", "%P\t%m\t%u\t%g\n"]).stdout;
  for (const line of out.split("\n")) {
    if (!line) continue;
    const [rel, mode, user, group] = line.split("\t");
    const d = path.join(dest, rel);
    mkdirp(d);
    fs.chmodSync(d, parseInt(mode, 8));
    run("chown", [`${user}:${group}`, d]);
  }
  mkdirp(path.join(dest, "sws-lab"));
}

/**
 * Create the server's root. `remove` lists host paths the server must not inherit from the
 * lower layer (they become whiteouts in its upper layer).
 */
export function createRoot(server: string, hostname: string, remove: string[]): RootPaths {
  const p = rootPaths(server);
  ensureNsDir();
  for (const d of [p.upper, p.work, p.merged]) mkdirp(d);
  seedLogDir(p.logs);
  if (!isMounted(p.merged)) {
    must("mount", ["-t", "overlay", `sws-lab-${server}`, "-o", `lowerdir=/,upperdir=${p.upper},workdir=${p.work}`, p.merged]);
  }
  for (const r of remove) {
    const target = path.join(p.merged, r);
    if (r.endsWith("/*")) {
      const dir = path.join(p.merged, r.slice(0, -2));
      if (fs.existsSync(dir)) for (const e of fs.readdirSync(dir)) fs.rmSync(path.join(dir, e), { recursive: true, force: true });
    } else fs.rmSync(target, { recursive: true, force: true });
  }
  const ctl = path.join(STATE, "run", server);
  mkdirp(ctl, 0o700);
  fs.chmodSync(ctl, 0o700);
  if (!isMounted(p.mntNs)) {
    fs.writeFileSync(p.mntNs, "");
    fs.writeFileSync(p.utsNs, "");
    must("nsenter", [
      `--net=${netnsPath(server)}`, "--",
      "unshare", `--mount=${p.mntNs}`, `--uts=${p.utsNs}`, "--propagation", "private", "--",
      "/bin/sh", path.join(LAB_DIR, "root-setup.sh"), p.merged, p.logs, path.join(LAB_DIR, "supervisor", "systemctl-standin.js"), hostname, ctl,
    ]);
  }
  return p;
}

/** nsenter arguments that put a command inside a server (its network, mount and UTS namespaces). */
export function enterArgs(server: string): string[] {
  // No --wd: nsenter opens that path *before* entering the mount namespace (a host path).
  // Entering the mount namespace already puts root and cwd at the server's root.
  const p = rootPaths(server);
  return [`--net=${netnsPath(server)}`, `--mount=${p.mntNs}`, `--uts=${p.utsNs}`, "--"];
}

/** A clean environment like systemd's for commands run inside a server. */
export const ROOT_ENV = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8", "HOME=/root"];

/** Run a command inside a server's root (in a fresh PID namespace, with a clean environment). */
export function inRoot(server: string, argv: string[], opts: SpawnSyncOptions & { input?: string; env?: NodeJS.ProcessEnv } = {}, extraEnv: string[] = []): RunResult {
  return run("nsenter", [...enterArgs(server), "unshare", "--pid", "--fork", "--kill-child", "--", "env", "-i", ...ROOT_ENV, ...extraEnv, ...argv], opts);
}

/** Write a file inside a server's root (through its namespaces, so tmpfs paths such as /run work). */
export function writeInRoot(server: string, file: string, content: string, mode: string, owner: string): void {
  const script = `set -e; umask 077; mkdir -p "$(dirname "$1")"; cat > "$1"; chmod "$2" "$1"; chown "$3" "$1"`;
  const r = inRoot(server, ["/bin/sh", "-c", script, "sh", file, mode, owner], { input: content });
  if (r.code !== 0) throw new Error(`writing ${file} in ${server}: ${r.stderr}`);
}

/** Unmount everything of a server root and remove its state. */
export function destroyRoot(server: string): void {
  const p = rootPaths(server);
  for (const f of [p.mntNs, p.utsNs]) {
    if (isMounted(f)) run("umount", [f]);
  }
  if (isMounted(p.merged)) {
    const r = run("umount", [p.merged]);
    if (r.code !== 0) run("umount", ["-l", p.merged]);
  }
  fs.rmSync(p.base, { recursive: true, force: true });
}

export function listRoots(): string[] {
  const d = path.join(STATE, "roots");
  return fs.existsSync(d) ? fs.readdirSync(d) : [];
}
