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
import { spawn, SpawnSyncOptions } from "child_process";
import { isMounted, LAB_DIR, mkdirp, NS_DIR, STATE, VOLUMES_DIR } from "./files";
import { must, run, RunResult } from "./shell";
import { netnsPath } from "./namespaces";
import { alive, childrenOf } from "./processes";
import { removeServerCgroups } from "./supervisor/cgroup";

export interface RootPaths {
  base: string;
  upper: string;
  work: string;
  merged: string;
  logs: string;
  mntNs: string;
  utsNs: string;
  /** Host pid of the server's init (PID 1 of the server's PID namespace). */
  initPid: string;
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
    initPid: path.join(base, "init.pid"),
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
  mkdirp(VOLUMES_DIR, 0o700);
  fs.chmodSync(ctl, 0o700);
  if (!isMounted(p.mntNs)) {
    fs.writeFileSync(p.mntNs, "");
    fs.writeFileSync(p.utsNs, "");
    must("nsenter", [
      `--net=${netnsPath(server)}`, "--",
      "unshare", `--mount=${p.mntNs}`, `--uts=${p.utsNs}`, "--propagation", "private", "--",
      "/bin/sh", path.join(LAB_DIR, "root-setup.sh"), p.merged, p.logs, path.join(LAB_DIR, "supervisor", "systemctl-standin.js"), hostname, ctl, VOLUMES_DIR,
    ]);
  }
  if (!alive(serverInitPid(server))) startInit(server);
  return p;
}

/**
 * The server's init: PID 1 of one PID namespace per server, as on a machine. It mounts the
 * server's /proc from inside that namespace (so /proc shows the server's own processes with the
 * pids they see themselves: Galera's state transfer checks its parent mariadbd with `ps -p
 * <mariadbd's getpid()>`, and /proc/self must resolve for every process in the root), then only
 * reaps orphans. Every process of the server runs in this namespace or one nested in it.
 * SIGKILL to it ends every process of the server (destroyRoot).
 */
const INIT_SCRIPT = "umount -l /proc 2>/dev/null; mount -t proc -o nosuid,nodev,noexec proc /proc || exit 1; trap '' TERM INT HUP; while :; do sleep 3600 & wait $!; done";

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function startInit(server: string): void {
  const p = rootPaths(server);
  const u = spawn("nsenter", [`--net=${netnsPath(server)}`, `--mount=${p.mntNs}`, `--uts=${p.utsNs}`, "--",
    "unshare", "--pid", "--fork", "--kill-child", "--", "/bin/bash", "-c", `exec -a sws-lab-init /bin/bash -c "$0"`, INIT_SCRIPT], { detached: true, stdio: "ignore" });
  u.unref();
  const t0 = Date.now();
  while (Date.now() - t0 < 10000) {
    const init = childrenOf(u.pid!)[0];
    // Ready once the server's /proc is the namespace's own: its PID 1 is the init.
    if (init && /sws-lab-init/.test(readOr(`/proc/${init}/root/proc/1/cmdline`))) {
      fs.writeFileSync(p.initPid, `${init}\n`);
      return;
    }
    sleepSync(20);
  }
  throw new Error(`${server}: its init (PID 1 of the server's PID namespace) did not start within 10 s`);
}

function readOr(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

/** End the server's init and with it every process left in the server's PID namespace. */
export function stopInit(server: string): boolean {
  const init = serverInitPid(server);
  if (!alive(init) || !/sws-lab-init/.test(readOr(`/proc/${init}/cmdline`))) return false;
  // SIGKILL to a PID namespace's init ends every process in it (its unshare parent then exits).
  process.kill(init, "SIGKILL");
  const t0 = Date.now();
  while (alive(init) && Date.now() - t0 < 2000) sleepSync(20);
  return true;
}

/** Host pid of the server's init, or 0 when it has none (root not created, or torn down). */
export function serverInitPid(server: string): number {
  return Number(readOr(rootPaths(server).initPid).trim()) || 0;
}

/** The server's PID namespace file (its init's), for nsenter --pid=. */
export function serverPidNs(server: string): string {
  const pid = serverInitPid(server);
  if (!alive(pid)) throw new Error(`${server}: its init (PID 1 of the server's PID namespace) is not running; was the root created (npm run lab -- up)?`);
  return `/proc/${pid}/ns/pid`;
}

/**
 * nsenter arguments that put a command inside a server: its network, mount and UTS namespaces
 * and a PID namespace of its own nested in the server's (it sees itself and the server's
 * processes in /proc; `--kill-child` ends the command's whole tree with it). nsenter forks to
 * enter a PID namespace: `setpriv --pdeathsig KILL` ties the command to the nsenter process the
 * caller holds, so killing that pid still ends the command and everything it started.
 */
export function enterArgs(server: string): string[] {
  // No --wd: nsenter opens that path *before* entering the mount namespace (a host path).
  // Entering the mount namespace already puts root and cwd at the server's root.
  const p = rootPaths(server);
  return [`--net=${netnsPath(server)}`, `--mount=${p.mntNs}`, `--uts=${p.utsNs}`, `--pid=${serverPidNs(server)}`, "--",
    "setpriv", "--pdeathsig", "KILL", "--", "unshare", "--pid", "--fork", "--kill-child", "--"];
}

/** A clean environment like systemd's for commands run inside a server. */
export const ROOT_ENV = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8", "HOME=/root"];

/** Run a command inside a server's root (in a fresh PID namespace, with a clean environment). */
export function inRoot(server: string, argv: string[], opts: SpawnSyncOptions & { input?: string; env?: NodeJS.ProcessEnv } = {}, extraEnv: string[] = []): RunResult {
  return run("nsenter", [...enterArgs(server), "env", "-i", ...ROOT_ENV, ...extraEnv, ...argv], opts);
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
  stopInit(server);
  for (const f of [p.mntNs, p.utsNs]) {
    if (isMounted(f)) run("umount", [f]);
  }
  if (isMounted(p.merged)) {
    const r = run("umount", [p.merged]);
    if (r.code !== 0) run("umount", ["-l", p.merged]);
  }
  fs.rmSync(p.base, { recursive: true, force: true });
  removeServerCgroups(server);
}

export function listRoots(): string[] {
  const d = path.join(STATE, "roots");
  return fs.existsSync(d) ? fs.readdirSync(d) : [];
}
