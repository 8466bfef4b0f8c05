// Section "identity": what the stack serves and where it runs — domain, environment, layout, OS.
import { Layout, OsFamily, SecuredWebStackArgs } from "../types";
import { HOSTNAME, Problems, matching, oneOf } from "./fields";

const ENV_NAME = /^[a-z][a-z0-9-]{0,15}$/;
/**
 * The component's name prefixes every resource name, the SSM parameter path, the log groups, the
 * KMS alias and the bucket prefix: lower-case letters, digits and "-" (valid in all of them, and
 * the lower-cased bucket prefix cannot collide with another name), at most 24 characters, not
 * "aws…" (KMS reserves alias/aws/).
 */
const STACK_NAME = /^[a-z](?:[a-z0-9-]{0,22}[a-z0-9])?$/;

export function readStackName(p: Problems, name: unknown): void {
    if (typeof name !== "string" || !STACK_NAME.test(name)) {
        p.push(`name: ${JSON.stringify(name)} is not allowed; the component's name must be 1-24 lower-case letters, digits or "-", starting with a letter and not ending with "-", such as "shop"`);
    } else if (name.startsWith("aws")) {
        p.push(`name: ${JSON.stringify(name)} is not allowed; names starting with "aws" are reserved by AWS (KMS aliases), use another such as "shop"`);
    }
}

export interface Identity {
    domain: string;
    environment: string;
    /** environment "prod" switches several defaults (NAT gateway, termination protection, 14 daily snapshots). */
    prod: boolean;
    layout: Layout;
    os: OsFamily;
}

/** `stack`: the Pulumi stack name, the default environment (without one, "dev"). */
export function readIdentity(p: Problems, args: SecuredWebStackArgs, stack?: string): Identity {
    const domain = matching(p, "domain", args.domain, HOSTNAME, `a lower-case fully qualified host name such as "www.foobar.com"`) ?? "invalid.example";
    if (args.domain === undefined) p.push(`domain: missing; use a lower-case fully qualified host name such as "www.foobar.com"`);
    const envWords = `1-16 lower-case letters, digits or "-", starting with a letter`;
    if ((args.environment === undefined || args.environment === null) && stack !== undefined && !ENV_NAME.test(stack)) {
        p.push(`environment: missing, and the stack name ${JSON.stringify(stack)} (its default) is not ${envWords}; set environment`);
    }
    const dflt = stack !== undefined && ENV_NAME.test(stack) ? stack : "dev";
    const environment = matching(p, "environment", args.environment, ENV_NAME, envWords, dflt)!;
    const prod = environment === "prod";
    const layout = oneOf(p, "layout", args.layout, Layout, Layout.Split);
    const os = oneOf(p, "os", args.os, OsFamily, OsFamily.Ubuntu2404);
    return { domain, environment, prod, layout, os };
}
