/**
 * The lab's stand-in for systemd, one long-running process per server.
 *
 * It runs in the server's network namespace, listens on a unix socket that the server's root sees
 * at /run/sws-lab-systemd/systemd.sock (its `systemctl` stand-in), and starts every service from the unit files
 * found inside the server's root: the distribution unit (/lib/systemd/system), drop-ins
 * (<unit>.d/*.conf) and the payload's own units (/etc/systemd/system). Each daemon runs in the
 * server's mount/UTS namespaces and the server's PID namespace (one per server, its init's: see
 * lab/root.ts), in a cgroup per unit (what a unit leaves behind dies with it), as the unit's User/Group.
 *
 * This file is the process (its socket, its shutdown); the jobs are in supervisor.ts, the verbs in
 * systemctl.ts, unit loading in unitFiles.ts, spawning in spawn.ts, the restart policy in
 * restartPolicy.ts.
 *
 * Usage: node -r ts-node/register/transpile-only lab/supervisor/main.ts <server> [--boot]
 *   --boot   start what the root's enablement links pull into multi-user.target, as systemd does
 *            when the machine boots (boot.ts); without it nothing starts until asked (`up`: cloud-init's
 *            runcmd does the first boot's starts).
 */
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { mkdirp, STATE } from "../files";
import { signal } from "../processes";
import { supervisorDir, supervisorSocket } from "./paths";
import { Supervisor } from "./supervisor";
import { systemctl } from "./systemctl";

async function main(): Promise<void> {
  const server = process.argv[2];
  if (!server || server.startsWith("-")) throw new Error("usage: supervisor/main.ts <server> [--boot]");
  const bootMode = process.argv.slice(3).includes("--boot");
  const sup = new Supervisor(server);
  await sup.root.start();
  mkdirp(path.join(STATE, "run"));
  const handler = (sock: net.Socket) => {
    let buf = "";
    sock.on("data", (d) => {
      buf += d;
      const nl = buf.indexOf("\n");
      if (nl < 0) return;
      let req: { argv: string[] };
      try {
        req = JSON.parse(buf.slice(0, nl));
      } catch {
        sock.end(JSON.stringify({ stdout: "", stderr: "bad request\n", code: 1 }));
        return;
      }
      sup.log(`systemctl ${req.argv.join(" ")}`);
      systemctl(sup, req.argv).then(
        (r) => sock.end(JSON.stringify(r)),
        (e) => sock.end(JSON.stringify({ stdout: "", stderr: `${(e as Error).stack}\n`, code: 1 })),
      );
    });
    sock.on("error", () => undefined);
  };
  // One socket, in a root-only directory: the CLI reaches it on the host, the server's
  // `systemctl` stand-in through the bind mount at /run/sws-lab-systemd (so, as with systemd,
  // only root inside the server can start or stop services).
  mkdirp(supervisorDir(server), 0o700);
  const file = supervisorSocket(server);
  try {
    fs.unlinkSync(file);
  } catch {
    /* none */
  }
  const pathServer = net.createServer(handler);
  pathServer.listen(file);
  sup.writePids();
  let exiting = false;
  const shutdown = async () => {
    if (exiting) return;
    exiting = true;
    sup.log("stopping every service");
    await sup.stopAll();
    if (sup.root.anchor?.pid) signal(sup.root.anchor.pid, "SIGKILL");
    pathServer.close();
    try {
      fs.unlinkSync(file);
    } catch {
      /* gone */
    }
    sup.log("supervisor exits");
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown());
  process.on("SIGINT", () => void shutdown());
  sup.log(`supervisor for ${server} ready (pid ${process.pid})${bootMode ? "; booting" : ""}`);
  // Served while it boots, as systemd answers systemctl during boot.
  if (bootMode) void sup.boot();
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`${(e as Error).stack}\n`);
    process.exit(1);
  });
}
