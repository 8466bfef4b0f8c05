// Policy configuration with the defaults of its schema applied.
//
// The Pulumi CLI fills in `default`s from a policy's `configSchema` before it hands the config to
// the pack; applying them here too keeps a policy correct when it is run by other means.

import { PolicyConfigSchema } from "@pulumi/policy";

export function configOf<T extends object>(args: { getConfig<U extends object>(): U }, schema: PolicyConfigSchema): T {
    const defaults: Record<string, unknown> = {};
    for (const [key, property] of Object.entries(schema.properties)) {
        if (typeof property === "object" && property.default !== undefined) {
            defaults[key] = property.default;
        }
    }
    return { ...defaults, ...args.getConfig<object>() } as T;
}
