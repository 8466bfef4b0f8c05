// Section "backup": how many EBS snapshots DLM keeps, how long logical backups stay in the bucket,
// how often binlogs ship. The payload (payloads/backup.ts) and AWS renderer (aws/backup.ts) read
// the validated BackupModel.
import type { BackupArgs } from "../types";
import type { Problems } from "./fields";
import type { BackupModel } from "./shape";

export const BACKUP_DEFAULTS: Readonly<BackupModel> = Object.freeze({
    dailySnapshots: 7, weeklySnapshots: 4, logicalRetentionDays: 14, binlogIntervalMinutes: 5,
});

/** Bounds of every backup setting (inclusive) and the unit named in the problem. */
export const BACKUP_RANGES: { readonly [k in keyof BackupModel]: readonly [number, number, string] } = {
    dailySnapshots: [1, 365, "daily snapshots kept"],
    weeklySnapshots: [0, 260, "weekly snapshots kept (0: no weekly schedule)"],
    logicalRetentionDays: [1, 3650, "days"],
    binlogIntervalMinutes: [1, 60, "minutes"],
};

/**
 * Defaults: 7 daily snapshots, or 14 in "prod" (policy/config.prod.json asks database-volume-backed-up
 * for minRetainCount 14), 4 weekly, 14 days of logical backups, binlogs every 5 minutes.
 */
export function backupDefaults(environment?: string): BackupModel {
    return { ...BACKUP_DEFAULTS, ...(environment === "prod" ? { dailySnapshots: 14 } : {}) };
}

/**
 * Validates `backup` (undefined: every default) and returns the model's backup settings. Each
 * problem names its field, e.g. `backup.dailySnapshots: 0 is not allowed; use a whole number from
 * 1 to 365 (daily snapshots kept)`.
 */
export function validateBackupArgs(args: BackupArgs | undefined, problems: Problems, environment?: string): BackupModel {
    const out: BackupModel = backupDefaults(environment);
    if (args === undefined || args === null) return out;
    if (typeof args !== "object" || Array.isArray(args)) {
        problems.push(`backup: ${JSON.stringify(args)} is not allowed; use an object such as { dailySnapshots: 7, weeklySnapshots: 4 }`);
        return out;
    }
    for (const key of Object.keys(args)) {
        if (!(key in BACKUP_RANGES)) problems.push(`backup.${key}: unknown setting; use ${Object.keys(BACKUP_RANGES).join(", ")}`);
    }
    for (const [key, [min, max, what]] of Object.entries(BACKUP_RANGES) as [keyof BackupModel, [number, number, string]][]) {
        const v = (args as { [k: string]: unknown })[key];
        if (v === undefined || v === null) continue;
        if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
            problems.push(`backup.${key}: ${JSON.stringify(v)} is not allowed; use a whole number from ${min} to ${max} (${what})`);
        } else out[key] = v;
    }
    return out;
}
