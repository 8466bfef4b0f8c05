// The lifecycle drills `npm run lab -- faults` runs after the fault drills (issue #14): what a
// day-2 change or a recovery does to the running site. Each runs also alone as
// `npm run lab -- drill <key>`. Order matters: the drills that leave the lab as they found it come
// first; then `promote` (the replica it promotes no longer follows the primary afterwards) and
// `restore-interrupt` (it restores the primary in place; run before it, promote would find the
// replica behind a primary whose history was rewound). The replacement drills come before the
// reboot: a replacement's first boot is compared with the server as `up` booted it (the first boot
// runs cloud-init's steps; a reboot's boot transaction also leaves its oneshots and the units
// packages enable active, which a first boot in the lab does not start).
import type { CheckContext, CheckResult } from "../checks/common";
import type { Say } from "./report";
import type { BootHooks } from "./reboot";
import { appUpdateDrills, appUpdateNeeds } from "./appUpdate";
import { peersDrills, peersNeeds } from "./peers";
import { promoteCheck, promoteNeeds, restoreInterruptCheck } from "./dataSafety";
import { isClusterLab } from "../checks/cluster";
import { replacementCheck, replacementEmptyVolumeCheck } from "./replacement";
import { rebootCheck } from "./reboot";

export interface LifecycleDrill {
  /** The name `--only` and `drill <key>` take. */
  key: string;
  /** Why this lab cannot run it (printed as NOT RUN), or undefined. */
  needs: (ctx: CheckContext) => string | undefined;
  /** `boot`: what `up` does to boot a server (lab/cli.ts owns it), for the drills that boot one again. */
  run: (ctx: CheckContext, say: Say, boot: BootHooks) => Promise<CheckResult[]>;
}

// A Galera cluster has no single datadir to restore in place nor a replica to promote: its own
// drills (drills/cluster.ts) and the whole-cluster point-in-time restore (drill backup) cover it.
const singleDatabase = (ctx: CheckContext) => (isClusterLab(ctx) ? "database.topology \"cluster\" has its own drills (kill -9 a node, partition, drill backup)" : undefined);

export const LIFECYCLE_DRILLS: LifecycleDrill[] = [
  { key: "app-update", needs: appUpdateNeeds, run: appUpdateDrills },
  { key: "peers", needs: peersNeeds, run: peersDrills },
  { key: "replacement", needs: singleDatabase, run: async (_ctx, _say, boot) => [await replacementCheck(boot)] },
  // sws-db-init's guard: the primary's backups say it had data, so an empty volume is not its own.
  { key: "replacement-empty-volume", needs: singleDatabase, run: async (_ctx, _say, boot) => [await replacementEmptyVolumeCheck(boot)] },
  // Every server rebooted in turn (the EC2 reboot path), each healthy before the next; the lab as it was.
  { key: "reboot", needs: (ctx) => (isClusterLab(ctx) ? "database.topology \"cluster\": not tried on Galera nodes (a rebooted node rejoins by IST/SST; the cluster's kill -9 drill covers a node's return)" : undefined), run: async (_ctx, say, boot) => [await rebootCheck(boot, say)] },
  { key: "promote", needs: (ctx) => singleDatabase(ctx) ?? promoteNeeds(ctx), run: async (_ctx, say) => [await promoteCheck(say)] },
  { key: "restore-interrupt", needs: singleDatabase, run: async (_ctx, say) => [await restoreInterruptCheck(say)] },
];
