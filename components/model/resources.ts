// Section "resources": settings every AWS resource carries — termination protection and tags.
import { SecuredWebStackArgs } from "../types";
import { Problems, bool } from "./fields";

export function readResourceSettings(p: Problems, args: SecuredWebStackArgs, prod: boolean): { terminationProtection: boolean; tags: { [k: string]: string } } {
    const terminationProtection = bool(p, "terminationProtection", args.terminationProtection, prod);
    const tags: { [k: string]: string } = {};
    for (const [k, v] of Object.entries(args.tags ?? {})) {
        if (typeof v !== "string" || k.length > 128 || v.length > 256 || k.startsWith("aws:")) p.push(`tags.${k}: not allowed; tag keys are ≤ 128 characters not starting with "aws:", values ≤ 256 characters`);
        else tags[k] = v;
    }
    return { terminationProtection, tags };
}
