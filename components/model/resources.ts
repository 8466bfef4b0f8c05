// Section "resources": settings every AWS resource carries — termination protection and tags.
import { SecuredWebStackArgs } from "../types";
import { Problems, bool } from "./fields";

export function readResourceSettings(p: Problems, args: SecuredWebStackArgs, prod: boolean): { terminationProtection: boolean; tags: { [k: string]: string } } {
    const terminationProtection = bool(p, "terminationProtection", args.terminationProtection, prod);
    const tags: { [k: string]: string } = {};
    for (const [k, v] of Object.entries(args.tags ?? {})) {
        // Keys and values against AWS's tag rules: model/names.ts checkNames (after every section).
        if (typeof v !== "string") p.push(`tags.${k}: ${JSON.stringify(v)} is not allowed; tag values are strings`);
        else tags[k] = v;
    }
    return { terminationProtection, tags };
}
