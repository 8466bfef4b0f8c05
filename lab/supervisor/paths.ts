// Where a server's supervisor keeps its socket and pid list on the host (the CLI, the checks and
// the supervisor itself agree on these).
import * as path from "path";
import { STATE } from "../files";

/** Host directory of a server's supervisor socket (0700 root), bound into the server's root at /run/sws-lab-systemd. */
export function supervisorDir(server: string): string {
  return path.join(STATE, "run", server);
}
export function supervisorSocket(server: string): string {
  return path.join(supervisorDir(server), "systemd.sock");
}
export function supervisorPidsFile(server: string): string {
  return path.join(STATE, "run", `${server}.pids.json`);
}
