// Section "admin access": who may reach port 22 (default: nobody — SSM Session Manager needs no
// open port) and with which key pair. Each CIDR must be canonical (it is rendered verbatim into
// nftables and security groups), and the guard judges the address space the whole list covers:
// "0.0.0.0/1" + "128.0.0.0/1" is the whole internet as much as "0.0.0.0/0".
import { SecuredWebStackArgs } from "../types";
import { Cidr, coveredAddresses, ipv4CidrProblem, isCidr, parseIpv4Cidr } from "./cidr";
import { Problems, bool } from "./fields";
import { readReference } from "./references";

export interface AdminAccess {
    adminCidrs: string[];
    sshKeyName?: string;
}

/** More addresses than one /8 (16,777,216) in total is "from anywhere" for the SSH guard. */
export const MAX_ADMIN_ADDRESSES = 2 ** 24;

export function readAdminAccess(p: Problems, args: SecuredWebStackArgs): AdminAccess {
    const adminCidrs: string[] = [];
    const blocks: Cidr[] = [];
    if (args.adminCidrs !== undefined && !Array.isArray(args.adminCidrs)) {
        p.push(`adminCidrs: ${JSON.stringify(args.adminCidrs)} is not allowed; use a list of CIDRs such as ["203.0.113.7/32"]`);
    }
    const allowAnywhere = bool(p, "allowSshFromAnywhere", args.allowSshFromAnywhere, false);
    for (const [i, c] of (Array.isArray(args.adminCidrs) ? args.adminCidrs : []).entries()) {
        if (typeof c === "string" && c.includes(":") && isCidr(c)) {
            p.push(`adminCidrs[${i}]: ${JSON.stringify(c)} is IPv6; the stack's VPC is IPv4-only, use an IPv4 CIDR`);
            continue;
        }
        const problem = ipv4CidrProblem(c);
        if (problem) { p.push(`adminCidrs[${i}]: ${JSON.stringify(c)} ${problem}`); continue; }
        const block = parseIpv4Cidr(c)!;
        if (block.prefix === 0 && !allowAnywhere) {
            p.push(`adminCidrs[${i}]: ${JSON.stringify(c)} opens SSH to the whole internet; use your own address range, or set allowSshFromAnywhere: true to accept the risk`);
            continue;
        }
        blocks.push(block);
        adminCidrs.push(c);
    }
    const covered = coveredAddresses(blocks);
    if (covered > MAX_ADMIN_ADDRESSES && !allowAnywhere) {
        const all = covered === 2 ** 32;
        p.push(`adminCidrs: ${JSON.stringify(adminCidrs)} together ${all ? "open SSH to the whole internet" : `cover ${covered.toLocaleString("en-US")} addresses (more than a /8)`}; use your own address ranges, or set allowSshFromAnywhere: true to accept the risk`);
    }
    const sshKeyName = readReference(p, "sshKeyName", args.sshKeyName);
    if (sshKeyName && adminCidrs.length === 0) p.push(`sshKeyName: set, but adminCidrs is empty so port 22 is closed everywhere; add adminCidrs or drop the key (SSM Session Manager needs neither)`);
    return { adminCidrs, sshKeyName };
}
