// CIDR helpers on top of ipaddr.js (parsing and containment come from the library; only the
// "n-th address / n-th /24 of a block" arithmetic lives here).
import * as ipaddr from "ipaddr.js";

export interface Cidr {
    network: ipaddr.IPv4;
    prefix: number;
    text: string;
}

/**
 * Why an IPv4 CIDR text is not canonical, or undefined when it is: dotted decimal with no leading
 * zeros (ipaddr.js also reads "010.0.0.0" as octal and "0xa.0.0.0" as hex — nftables and AWS would
 * not agree on those), a prefix from 0 to 32, and no address bits past the prefix.
 */
export function ipv4CidrProblem(text: unknown): string | undefined {
    if (typeof text !== "string") return "is not a string";
    const m = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(text);
    if (!m || !ipaddr.IPv4.isValidFourPartDecimal(m[1]) || m[1].split(".").some((o) => o.length > 1 && o.startsWith("0")) || Number(m[2]) > 32 || (m[2].length > 1 && m[2].startsWith("0"))) {
        return `is not an IPv4 CIDR in canonical dotted-decimal form such as "203.0.113.0/24" (no leading zeros, no octal or hex)`;
    }
    const network = ipaddr.IPv4.networkAddressFromCIDR(text).toString();
    if (network !== m[1]) return `has address bits set past the /${m[2]} prefix; its network is "${network}/${m[2]}" — write that (or a longer prefix for the single address)`;
    return undefined;
}

/** Parses a canonical IPv4 CIDR (see ipv4CidrProblem); undefined otherwise. */
export function parseIpv4Cidr(text: string): Cidr | undefined {
    if (ipv4CidrProblem(text) !== undefined) return undefined;
    const [addr, prefix] = ipaddr.parseCIDR(text);
    return { network: addr as ipaddr.IPv4, prefix, text };
}

/** Any CIDR, IPv4 or IPv6 (admin access may come from either). */
export function isCidr(text: string): boolean {
    return typeof text === "string" && ipaddr.isValidCIDR(text);
}

export function isAnywhere(text: string): boolean {
    if (!isCidr(text)) return false;
    return ipaddr.parseCIDR(text)[1] === 0;
}

/** How many addresses a list of IPv4 blocks covers together (overlaps counted once). */
export function coveredAddresses(blocks: Cidr[]): number {
    const ranges = blocks.map((b) => [toInt(b.network), toInt(b.network) + size(b)] as [number, number]).sort((a, b) => a[0] - b[0]);
    let total = 0, end = -1;
    for (const [s, e] of ranges) {
        if (e <= end) continue;
        total += e - Math.max(s, end);
        end = e;
    }
    return total;
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
