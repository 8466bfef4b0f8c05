// An EC2 instance read as a server: its tags, its decoded user data and the roles it plays.

import { ResourceValidation, ResourceValidationArgs } from "@pulumi/policy";
import { tagsOf } from "./props";
import { Check, Resource, TYPES, validateTypes } from "./resources";
import { Payload, Role, UserData, parseDocument, readUserData, rolesOfTag } from "./userData";

export interface Server extends Resource {
    tags: Record<string, string>;
    userData: UserData;
    /** The decoded payload; `undefined` when the instance has no user data or it is unknown. */
    payload: Payload | undefined;
    /** Roles from the payload plus the `role` tag. */
    roles: Set<Role>;
}

export function toServer(r: Resource): Server {
    const tags = tagsOf(r.props);
    const userData = readUserData(r.props);
    const payload = userData.state === "decoded" ? userData.payload : undefined;
    const roles = new Set<Role>([...(payload?.roles ?? []), ...rolesOfTag(tags.role)]);
    return { ...r, tags, userData, payload, roles };
}

export function hasRole(server: Server, roles: readonly string[]): boolean {
    return [...server.roles].some((r) => roles.includes(r));
}

/** `web-1 [web]`, for messages. */
export function describeServer(server: Server): string {
    const roles = [...server.roles].sort().join("+");
    return roles ? `${server.name} [${roles}]` : server.name;
}

/** A resource validation for EC2 instances, handed the instance read as a server. */
export function validateServer(check: Check<Server>): ResourceValidation {
    return validateTypes([TYPES.instance], (r, args, report) => check(toServer(r), args, report));
}

/**
 * The server's payload for a check that reads it. During preview the user data may not be known
 * yet: the check is then not applicable (never a crash, never a false violation). An instance
 * without user data yields an empty payload: it installs nothing.
 */
export function payloadOf(server: Server, args: Pick<ResourceValidationArgs, "notApplicable">): Payload {
    if (server.userData.state === "unknown") {
        args.notApplicable("the user data is not known yet (preview); checked on update");
    }
    return server.payload ?? parseDocument("");
}

/** Skips a role-specific check on servers that play none of `roles`. */
export function requireRole(server: Server, roles: readonly Role[], args: Pick<ResourceValidationArgs, "notApplicable">): void {
    if (server.userData.state === "unknown" && server.roles.size === 0) {
        args.notApplicable("the user data is not known yet (preview), so neither is the server's role");
    }
    if (!hasRole(server, roles)) {
        args.notApplicable(`applies to ${roles.join("/")} servers`);
    }
}
