// CIDR helpers on top of ipaddr.js (parsing and containment come from the library; only the
// "n-th address / n-th /24 of a block" arithmetic lives here).
import * as ipaddr from "ipaddr.js";

export interface Cidr {
    network: ipaddr.IPv4;
    prefix: number;
    text: string;
}

/** Parses an IPv4 CIDR whose address is the network address ("10.0.0.0/16", not "10.0.0.1/16"). */
export function parseIpv4Cidr(text: string): Cidr | undefined {
    if (typeof text !== "string" || !ipaddr.isValidCIDR(text)) return undefined;
    const [addr, prefix] = ipaddr.parseCIDR(text);
    if (addr.kind() !== "ipv4") return undefined;
    const network = ipaddr.IPv4.networkAddressFromCIDR(text);
    if (network.toString() !== addr.toString()) return undefined;
    return { network: network as ipaddr.IPv4, prefix, text };
}

/** Any CIDR, IPv4 or IPv6 (admin access may come from either). */
export function isCidr(text: string): boolean {
    return typeof text === "string" && ipaddr.isValidCIDR(text);
}

export function isAnywhere(text: string): boolean {
    if (!isCidr(text)) return false;
    return ipaddr.parseCIDR(text)[1] === 0;
}

function toInt(a: ipaddr.IPv4): number {
    return a.octets.reduce((n, o) => n * 256 + o, 0);
}

function fromInt(n: number): string {
    const o = [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256);
    return o.join(".");
}

export function size(c: Cidr): number {
    return 2 ** (32 - c.prefix);
}

/** The n-th address of a block (0 = network address). */
export function nthAddress(c: Cidr, n: number): string {
    if (n < 0 || n >= size(c)) throw new RangeError(`address #${n} is outside ${c.text}`);
    return fromInt(toInt(c.network) + n);
}

/** The n-th sub-block of the given prefix inside a block, e.g. the 2nd /24 of a /16. */
export function nthSubnet(c: Cidr, prefix: number, n: number): string {
    if (prefix < c.prefix) throw new RangeError(`/${prefix} is larger than ${c.text}`);
    const count = 2 ** (prefix - c.prefix);
    if (n >= count) throw new RangeError(`${c.text} has only ${count} /${prefix} blocks`);
    return `${fromInt(toInt(c.network) + n * 2 ** (32 - prefix))}/${prefix}`;
}

export function contains(outer: Cidr, inner: Cidr): boolean {
    return inner.prefix >= outer.prefix && inner.network.match(outer.network, outer.prefix);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
    return contains(a, b) || contains(b, a);
}
