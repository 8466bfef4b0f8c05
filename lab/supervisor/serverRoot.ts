// A server's root as its supervisor sees it: an anchor process sits in the server's mount and UTS
// namespaces, and /proc/<anchor>/root/<path> reaches any path inside the server (its /run and /tmp
// included), the accounts in its /etc/passwd and /etc/group among them. The server's PID namespace
// is its init's (lab/root.ts), made when the root was.
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import { rootPaths, serverPidNs } from "../root";

export class ServerRoot {
  anchor?: ChildProcess;
  readonly paths;

  constructor(readonly server: string) {
    this.paths = rootPaths(server);
  }

  /** A path inside the server's root, seen through the anchor process (includes /run, /tmp). */
  r(p: string): string {
    return `/proc/${this.anchor!.pid}/root${p}`;
  }

  /** The server's PID namespace (its init's), for nsenter --pid=. */
  pidNs(): string {
    return serverPidNs(this.server);
  }

  start(): Promise<void> {
    // In the server's PID namespace too (nsenter forks for it; the sleep dies with the nsenter).
    this.anchor = spawn("nsenter", [`--mount=${this.paths.mntNs}`, `--uts=${this.paths.utsNs}`, `--pid=${this.pidNs()}`, "--",
      "setpriv", "--pdeathsig", "KILL", "--", "/bin/sleep", "infinity"], { stdio: "ignore" });
    return new Promise((resolve) => setTimeout(resolve, 100));
  }

  readRoot(p: string): string | undefined {
    try {
      return fs.readFileSync(this.r(p), "utf8");
    } catch {
      return undefined;
    }
  }

  passwd(user: string): { uid: number; gid: number; home: string; shell: string } | undefined {
    const t = this.readRoot("/etc/passwd") ?? "";
    for (const l of t.split("\n")) {
      const f = l.split(":");
      if (f[0] === user || f[2] === user) return { uid: Number(f[2]), gid: Number(f[3]), home: f[5], shell: f[6] };
    }
    return undefined;
  }

  groupId(group: string): number | undefined {
    if (/^\d+$/.test(group)) return Number(group);
    const t = this.readRoot("/etc/group") ?? "";
    for (const l of t.split("\n")) {
      const f = l.split(":");
      if (f[0] === group) return Number(f[2]);
    }
    return undefined;
  }
}
