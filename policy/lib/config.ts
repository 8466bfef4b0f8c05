// Policy configuration with the defaults of its schema applied.
//
// The Pulumi CLI fills in `default`s from a policy's `configSchema` before it hands the config to
// the pack; applying them here too keeps a policy correct when it is run by other means.

import { PolicyConfigSchema } from "@pulumi/policy";
import { ROLES } from "./userData";

export function configOf<T extends object>(args: { getConfig<U extends object>(): U }, schema: PolicyConfigSchema): T {
    const defaults: Record<string, unknown> = {};
    for (const [key, property] of Object.entries(schema.properties)) {
        if (typeof property === "object" && property.default !== undefined) {
            defaults[key] = property.default;
        }
    }
    return { ...defaults, ...args.getConfig<object>() } as T;
}

/** Schema of a list of TCP/UDP ports. */
export function portListSchema(defaults: number[], description: string) {
    return {
        type: "array" as const,
        items: { type: "integer" as const, minimum: 0, maximum: 65535 },
        default: defaults,
        description,
    };
}

/** Schema of a list of server roles. */
export function roleListSchema(defaults: string[], description: string) {
    return {
        type: "array" as const,
        items: { type: "string" as const, enum: [...ROLES] },
        default: defaults,
        description,
    };
}
