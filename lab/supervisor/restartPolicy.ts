// Restart policy: what happens when a service's main process ends — Restart= (units.ts's
// shouldRestart), RestartSec= (at least 100 ms here), and systemd's start limit (5 starts within
// 10 s, then the unit stays failed). A pure function, so that it is unit-tested.
import { ServiceSpec, shouldRestart } from "../units";

export const START_LIMIT_BURST = 5;
export const START_LIMIT_INTERVAL_MS = 10000;

export type AfterExit =
  /** Start again after delayMs; `starts` are the start times still inside the limit's interval. */
  | { action: "restart"; delayMs: number; starts: number[] }
  | { action: "start-limit-hit"; starts: number[] }
  /** Not restarted: "inactive" after a clean exit, "failed" otherwise. */
  | { action: "stay-down"; state: "inactive" | "failed" };

export function afterExit(
  spec: Pick<ServiceSpec, "restart" | "restartSec">, starts: number[], code: number | null, sig: string | null, now: number,
): AfterExit {
  if (!shouldRestart(spec.restart, code, sig)) return { action: "stay-down", state: code === 0 && !sig ? "inactive" : "failed" };
  const recent = starts.filter((t) => now - t < START_LIMIT_INTERVAL_MS);
  if (recent.length >= START_LIMIT_BURST) return { action: "start-limit-hit", starts: recent };
  return { action: "restart", delayMs: Math.max(spec.restartSec, 100), starts: recent };
}
