// Address arithmetic for security-group sources (ipaddr.js does the parsing and matching).

import * as ipaddr from "ipaddr.js";

const INTERNAL_RANGES = new Set(["private", "uniqueLocal", "loopback", "linkLocal", "carrierGradeNat"]);

/** Whether every address of the CIDR is internal (RFC 1918, ULA, loopback, link-local, CGNAT). */
export function isInternalCidr(cidr: string): boolean {
    if (!ipaddr.isValidCIDR(cidr)) {
        return false;
    }
    const family = ipaddr.parseCIDR(cidr)[0].kind() === "ipv4" ? ipaddr.IPv4 : ipaddr.IPv6;
    const first = family.networkAddressFromCIDR(cidr);
    const last = family.broadcastAddressFromCIDR(cidr);
    return INTERNAL_RANGES.has(first.range()) && INTERNAL_RANGES.has(last.range());
}

/** Whether `ip` lies in `cidr` (false when either does not parse or their families differ). */
export function cidrContains(cidr: string, ip: string): boolean {
    if (!ipaddr.isValidCIDR(cidr) || !ipaddr.isValid(ip)) {
        return false;
    }
    const range = ipaddr.parseCIDR(cidr);
    const address = ipaddr.parse(ip);
    return address.kind() === range[0].kind() && address.match(range);
}

export function isLoopback(host: string): boolean {
    return host === "localhost" || (ipaddr.isValid(host) && ipaddr.parse(host).range() === "loopback");
}
