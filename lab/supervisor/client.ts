// The supervisor's client side: one systemctl command line over a server's supervisor socket (the
// CLI, the checks, the faults and the bench use it from the host).
import * as net from "net";
import { supervisorSocket } from "./paths";

/** Ask a server's supervisor (through its filesystem socket) to run a systemctl command line. */
export function supervisorCommand(server: string, argv: string[], timeoutMs = 60000): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve, reject) => {
    const sock = net.createConnection(supervisorSocket(server));
    let buf = "";
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`supervisor of ${server}: no answer in ${timeoutMs / 1000} s`));
    }, timeoutMs);
    sock.on("connect", () => sock.write(JSON.stringify({ argv }) + "\n"));
    sock.on("data", (d) => (buf += d));
    sock.on("end", () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(buf));
      } catch (e) {
        reject(e);
      }
    });
    sock.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

export interface UnitInfo {
  name: string;
  enabled: boolean;
  state: string;
  sub: string;
  mainPid: number | null;
  restarts: number;
  lastExit: string | null;
  note: string | null;
  log: string;
}

export async function supervisorDump(server: string): Promise<{ supervisorPid: number; units: UnitInfo[] } | undefined> {
  try {
    const r = await supervisorCommand(server, ["sws-lab-dump"], 5000);
    return JSON.parse(r.stdout);
  } catch {
    return undefined;
  }
}

