// Field validators shared by the model's sections. Each one checks a single argument, pushes a
// problem naming the field, its value and what is allowed, and returns the default when the value is
// absent or wrong, so that one pass collects every problem before buildModel throws.
import { Cidr, contains, parseIpv4Cidr } from "./cidr";

export class SecuredWebStackArgsError extends Error {
    constructor(readonly problems: string[]) {
        super(`Invalid SecuredWebStack arguments:\n  - ${problems.join("\n  - ")}`);
        this.name = "SecuredWebStackArgsError";
    }
}

/** Problems found so far, one line each ("field: value is not allowed; use …"). */
export type Problems = string[];

export const HOSTNAME = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
export const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function oneOf<T extends { [k: string]: string }>(
    problems: Problems, field: string, value: unknown, allowed: T, dflt: T[keyof T],
): T[keyof T] {
    if (value === undefined || value === null) return dflt;
    const values = Object.values(allowed);
    if (typeof value !== "string" || !values.includes(value)) {
        problems.push(`${field}: ${JSON.stringify(value)} is not allowed; use one of ${values.map((v) => `"${v}"`).join(", ")}`);
        return dflt;
    }
    return value as T[keyof T];
}

export function intIn(problems: Problems, field: string, value: unknown, min: number, max: number, dflt: number): number {
    if (value === undefined || value === null) return dflt;
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
        problems.push(`${field}: ${JSON.stringify(value)} is not allowed; use a whole number from ${min} to ${max}`);
        return dflt;
    }
    return value;
}

export function bool(problems: Problems, field: string, value: unknown, dflt: boolean): boolean {
    if (value === undefined || value === null) return dflt;
    if (typeof value !== "boolean") {
        problems.push(`${field}: ${JSON.stringify(value)} is not allowed; use true or false`);
        return dflt;
    }
    return value;
}

export function matching(problems: Problems, field: string, value: unknown, re: RegExp, what: string, dflt?: string): string | undefined {
    if (value === undefined || value === null) return dflt;
    if (typeof value !== "string" || !re.test(value)) {
        problems.push(`${field}: ${JSON.stringify(value)} is not allowed; use ${what}`);
        return dflt;
    }
    return value;
}

export function subnetCidr(problems: Problems, field: string, value: unknown, vpc: Cidr | undefined, dflt: string | undefined): Cidr | undefined {
    const text = value ?? dflt;
    if (text === undefined) return undefined;
    const c = parseIpv4Cidr(text as string);
    if (!c) {
        problems.push(`${field}: ${JSON.stringify(text)} is not allowed; use an IPv4 network in CIDR notation such as "10.20.1.0/24" (address bits past the prefix must be zero)`);
        return undefined;
    }
    if (c.prefix > 28) {
        problems.push(`${field}: ${JSON.stringify(text)} is too small; AWS subnets are /16 to /28`);
        return undefined;
    }
    if (vpc && !contains(vpc, c)) {
        problems.push(`${field}: ${JSON.stringify(text)} is not inside network.vpcCidr ${vpc.text}`);
        return undefined;
    }
    return c;
}
