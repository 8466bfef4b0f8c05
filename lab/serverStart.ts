// Starting a server's own processes, shared by `up` (cli.ts) and the reboot drill: its supervisor
// (the lab's systemd; in boot mode for a reboot) and the machine adaptation written into its /run
// before the supervisor starts anything.
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { LAB_DIR, mkdirp, REPO_DIR, STATE } from "./files";
import { netnsName } from "./namespaces";
import { parseCloudConfig } from "./payload";
import { rootPaths, writeInRoot } from "./root";
import { HARD_NOFILE } from "./supervisor/spawn";

/** Start a server's supervisor; `boot`: it starts the root's enabled units as systemd does at boot (a reboot). */
export function startSupervisor(server: string, boot = false): number {
  const p = rootPaths(server);
  const logFile = path.join(p.logs, "sws-lab", "supervisor.log");
  mkdirp(path.dirname(logFile));
  mkdirp(path.join(STATE, "run"));
  const fd = fs.openSync(logFile, "a");
  const child = spawn(
    "nsenter",
    [`--net=/run/netns/${netnsName(server)}`, "--", process.execPath, "-r", require.resolve("ts-node/register/transpile-only"), path.join(LAB_DIR, "supervisor", "main.ts"), server, ...(boot ? ["--boot"] : [])],
    { detached: true, stdio: ["ignore", fd, fd], cwd: REPO_DIR, env: { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin", TS_NODE_TRANSPILE_ONLY: "1", SWS_LAB_STATE: STATE } },
  );
  fs.closeSync(fd);
  child.unref();
  return child.pid!;
}

/**
 * One server's machine adaptation (in its /run, so `up` and every reboot write it): HAProxy needs
 * ~2 fds per connection of `maxconn`; see `up`. Returns the note, or undefined when none is needed.
 */
export function machineAdaptation(server: string, userData: string): string | undefined {
  const cfgFile = (parseCloudConfig(userData).write_files ?? []).find((f) => f.path === "/etc/haproxy/haproxy.cfg");
  const m = /^\s*maxconn\s+(\d+)/m.exec(cfgFile?.content ?? "");
  if (!m) return undefined;
  const need = 2 * Number(m[1]) + 100;
  if (need <= HARD_NOFILE) return undefined;
  const n = Math.floor((HARD_NOFILE - 200) / 2);
  writeInRoot(server, "/run/systemd/system/haproxy.service.d/zz-sws-lab-nofile.conf",
    `# sws-lab: this machine's hard RLIMIT_NOFILE is ${HARD_NOFILE}; maxconn ${m[1]} needs ~${need}.\n[Service]\nEnvironment="EXTRAOPTS=-S /run/haproxy-master.sock -n ${n}"\n`, "0644", "root:root");
  return `machine limit: hard RLIMIT_NOFILE is ${HARD_NOFILE} here (no CAP_SYS_RESOURCE), HAProxy's maxconn ${m[1]} needs ~${need} fds: the lab starts it with \`-n ${n}\` through a runtime drop-in (/run/systemd/system/haproxy.service.d/zz-sws-lab-nofile.conf on ${server}); the payload is unchanged`;
}

/** What `up` does to boot a server, for the drills that boot one again (reboot, replacement). */
export const UP_HOOKS = { startSupervisor, adapt: machineAdaptation };
