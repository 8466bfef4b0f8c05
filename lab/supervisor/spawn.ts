// Process spawning: the argv that runs one of a unit's commands inside the server (its mount/UTS
// namespaces and the server's PID namespace, in the unit's cgroup, as the unit's User/Group, with
// its environment, working directory and file limit), its environment and directories as systemd would prepare them, its output
// (StandardOutput=/StandardError= or the journal stand-in), and readiness by listening socket.
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ExecCommand, parseEnvironmentAssignments, parseEnvironmentFile, ServiceSpec } from "../units";
import { mkdirp } from "../files";
import { childrenOf } from "../processes";
import type { ServerRoot } from "./serverRoot";

/** This process's hard RLIMIT_NOFILE: the most any service can get on this machine. */
export const HARD_NOFILE = (() => {
  const m = /^Max open files\s+\S+\s+(\S+)/m.exec(fs.readFileSync("/proc/self/limits", "utf8"));
  return m && m[1] !== "unlimited" ? Number(m[1]) : 1048576;
})();

const BASE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** Environment of a service: systemd's base, Environment=, EnvironmentFile= (later wins). */
export function serviceEnvironment(root: ServerRoot, spec: ServiceSpec): Record<string, string> {
  const env: Record<string, string> = { PATH: BASE_PATH, LANG: "C.UTF-8" };
  if (spec.user) {
    const pw = root.passwd(spec.user);
    env.USER = spec.user;
    env.LOGNAME = spec.user;
    if (pw) {
      env.HOME = pw.home;
      env.SHELL = pw.shell;
    }
  }
  if (spec.runtimeDirectory.length) env.RUNTIME_DIRECTORY = spec.runtimeDirectory.map((d) => `/run/${d}`).join(":");
  if (spec.stateDirectory.length) env.STATE_DIRECTORY = spec.stateDirectory.map((d) => `/var/lib/${d}`).join(":");
  if (spec.logsDirectory.length) env.LOGS_DIRECTORY = spec.logsDirectory.map((d) => `/var/log/${d}`).join(":");
  Object.assign(env, parseEnvironmentAssignments(spec.environment));
  for (const f of spec.environmentFiles) {
    const t = root.readRoot(f.path);
    if (t === undefined) {
      if (!f.optional) throw new Error(`EnvironmentFile ${f.path} not found`);
      continue;
    }
    Object.assign(env, parseEnvironmentFile(t));
  }
  return env;
}

/** Create RuntimeDirectory=, StateDirectory=, LogsDirectory=, CacheDirectory= owned by the service user. */
export function prepareDirectories(root: ServerRoot, spec: ServiceSpec): void {
  const pw = spec.user ? root.passwd(spec.user) : undefined;
  const uid = pw?.uid ?? 0;
  const gid = spec.group ? root.groupId(spec.group) ?? pw?.gid ?? 0 : pw?.gid ?? 0;
  const mk = (base: string, dirs: string[], mode: number) => {
    for (const d of dirs) {
      const p = root.r(`${base}/${d}`);
      mkdirp(p);
      fs.chmodSync(p, mode);
      fs.chownSync(p, uid, gid);
    }
  };
  mk("/run", spec.runtimeDirectory, parseInt(spec.runtimeDirectoryMode, 8));
  mk("/var/lib", spec.stateDirectory, 0o755);
  mk("/var/log", spec.logsDirectory, 0o755);
  mk("/var/cache", spec.cacheDirectory, 0o755);
}

/**
 * argv that runs one command of a unit inside the server: in the server's PID namespace (one per
 * server, as on a machine: a daemon's getpid() is what /proc and its pid file say, which Galera's
 * state-transfer script relies on), and in the unit's cgroup (`cgroupDir`), joined by a shell on
 * the host before anything forks, so every process the command starts can be found and killed
 * with the unit (cgroup.ts).
 */
export function commandArgv(root: ServerRoot, spec: ServiceSpec, cmd: ExecCommand, env: Record<string, string>, cgroupDir: string): string[] {
  const join = ["/bin/sh", "-c", 'echo $$ > "$0" && exec "$@"', path.join(cgroupDir, "cgroup.procs")];
  const enter = ["nsenter", `--mount=${root.paths.mntNs}`, `--uts=${root.paths.utsNs}`, `--pid=${root.pidNs()}`, "--"];
  const creds: string[] = [];
  if (spec.user && !cmd.privileged) {
    const pw = root.passwd(spec.user);
    if (!pw) throw new Error(`User=${spec.user} does not exist in the root`);
    const gid = spec.group ? root.groupId(spec.group) : pw.gid;
    if (gid === undefined) throw new Error(`Group=${spec.group} does not exist in the root`);
    const extra = spec.supplementaryGroups.map((g) => root.groupId(g)).filter((g): g is number => g !== undefined);
    creds.push("setpriv", `--reuid=${pw.uid}`, `--regid=${gid}`, extra.length ? `--groups=${extra.join(",")}` : "--init-groups", "--");
  }
  let wd = spec.workingDirectory?.replace(/^-/, "");
  if (wd === "~") wd = env.HOME ?? "/";
  const envArgs = ["env", "-i", ...(wd ? ["-C", wd] : []), ...Object.entries(env).map(([k, v]) => `${k}=${v}`)];
  // systemd's defaults for services: LimitNOFILE=1024:524288 (HAProxy raises its soft limit
  // itself), capped at this machine's hard limit (no CAP_SYS_RESOURCE here to go beyond it).
  const cap = (n: string) => String(Math.min(n === "infinity" ? 1048576 : Number(n), HARD_NOFILE));
  const [soft, hard] = (spec.limitNofile ?? "1024:524288").split(":");
  const limits = ["prlimit", `--nofile=${cap(soft)}:${cap(hard ?? soft)}`, "--"];
  return [...join, ...enter, ...limits, ...creds, ...envArgs, ...cmd.argv];
}

/** Open the target of StandardOutput=/StandardError= (inside the root); the journal stand-in otherwise. */
function outputFd(root: ServerRoot, setting: string | undefined, journalFd: number, opened: number[]): number {
  const m = /^(append|file|truncate):(.+)$/.exec(setting ?? "");
  if (m) {
    try {
      mkdirp(path.dirname(root.r(m[2])));
      const fd = fs.openSync(root.r(m[2]), m[1] === "truncate" ? "w" : "a");
      opened.push(fd);
      return fd;
    } catch {
      return journalFd;
    }
  }
  if (setting === "null") {
    const fd = fs.openSync("/dev/null", "w");
    opened.push(fd);
    return fd;
  }
  return journalFd;
}

export function spawnIn(root: ServerRoot, journal: string, u: { name: string; spec?: ServiceSpec }, argv: string[], main = false): ChildProcess {
  const jfd = fs.openSync(path.join(journal, `${u.name}.log`), "a");
  const opened = [jfd];
  const out = main ? outputFd(root, u.spec?.standardOutput, jfd, opened) : jfd;
  const err = main && u.spec?.standardError && u.spec.standardError !== "inherit" ? outputFd(root, u.spec.standardError, jfd, opened) : out;
  const old = u.spec?.umask ? process.umask(parseInt(u.spec.umask, 8)) : undefined;
  try {
    return spawn(argv[0], argv.slice(1), { stdio: ["ignore", out, err] });
  } finally {
    if (old !== undefined) process.umask(old);
    for (const fd of opened) fs.closeSync(fd);
  }
}

/** Whether any process in the tree of `pid` holds a listening TCP or unix socket. */
export function hasListeningSocket(pid: number): boolean {
  const pids = [pid];
  for (let i = 0; i < pids.length && pids.length < 200; i++) pids.push(...childrenOf(pids[i]));
  const listening = new Set<string>();
  for (const f of ["tcp", "tcp6"]) {
    try {
      for (const l of fs.readFileSync(`/proc/${pid}/net/${f}`, "utf8").split("\n").slice(1)) {
        const c = l.trim().split(/\s+/);
        if (c[3] === "0A") listening.add(c[9]);
      }
    } catch {
      /* ignore */
    }
  }
  try {
    for (const l of fs.readFileSync(`/proc/${pid}/net/unix`, "utf8").split("\n").slice(1)) {
      const c = l.trim().split(/\s+/);
      if (c[3] === "00010000") listening.add(c[6]);
    }
  } catch {
    /* ignore */
  }
  for (const p of pids) {
    let fds: string[] = [];
    try {
      fds = fs.readdirSync(`/proc/${p}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${p}/fd/${fd}`));
        if (m && listening.has(m[1])) return true;
      } catch {
        /* raced */
      }
    }
  }
  return false;
}
