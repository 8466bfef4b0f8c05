// Section "identity": what the stack serves and where it runs — domain, environment, layout, OS.
import { Layout, OsFamily, SecuredWebStackArgs } from "../types";
import { HOSTNAME, Problems, matching, oneOf } from "./fields";

const ENV_NAME = /^[a-z][a-z0-9-]{0,15}$/;

export interface Identity {
    domain: string;
    environment: string;
    /** environment "prod" switches several defaults (NAT gateway, termination protection, 14 daily snapshots). */
    prod: boolean;
    layout: Layout;
    os: OsFamily;
}

export function readIdentity(p: Problems, args: SecuredWebStackArgs): Identity {
    const domain = matching(p, "domain", args.domain, HOSTNAME, `a lower-case fully qualified host name such as "www.foobar.com"`) ?? "invalid.example";
    if (args.domain === undefined) p.push(`domain: missing; use a lower-case fully qualified host name such as "www.foobar.com"`);
    const environment = matching(p, "environment", args.environment, ENV_NAME, `1-16 lower-case letters, digits or "-", starting with a letter`, "dev")!;
    const prod = environment === "prod";
    const layout = oneOf(p, "layout", args.layout, Layout, Layout.Split);
    const os = oneOf(p, "os", args.os, OsFamily, OsFamily.Ubuntu2404);
    return { domain, environment, prod, layout, os };
}
