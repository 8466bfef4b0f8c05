// Section "patching": whether unattended upgrades may reboot a server, and when. The payload
// (payloads/housekeeping.ts) renders the validated PatchingModel.
import type { PatchingArgs } from "../types";
import type { Problems } from "./fields";
import type { PatchingModel } from "./shape";

export const PATCHING_DEFAULTS: Readonly<PatchingModel> = Object.freeze({ autoReboot: false, rebootTime: "04:30" });
const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

export function validatePatchingArgs(args: PatchingArgs | undefined, problems: Problems): PatchingModel {
    const out: PatchingModel = { ...PATCHING_DEFAULTS };
    if (args === undefined || args === null) return out;
    if (typeof args !== "object" || Array.isArray(args)) {
        problems.push(`patching: ${JSON.stringify(args)} is not allowed; use an object such as { autoReboot: true, rebootTime: "04:30" }`);
        return out;
    }
    if (args.autoReboot !== undefined) {
        if (typeof args.autoReboot !== "boolean") problems.push(`patching.autoReboot: ${JSON.stringify(args.autoReboot)} is not allowed; use true or false`);
        else out.autoReboot = args.autoReboot;
    }
    if (args.rebootTime !== undefined) {
        if (typeof args.rebootTime !== "string" || !HHMM.test(args.rebootTime)) {
            problems.push(`patching.rebootTime: ${JSON.stringify(args.rebootTime)} is not allowed; use a 24-hour time "HH:MM" such as "04:30" (server time, UTC on EC2)`);
        } else out.rebootTime = args.rebootTime;
    }
    return out;
}
