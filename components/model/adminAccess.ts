// Section "admin access": who may reach port 22 (default: nobody — SSM Session Manager needs no
// open port) and with which key pair.
import { SecuredWebStackArgs } from "../types";
import { isAnywhere, isCidr } from "./cidr";
import { Problems, bool, matching } from "./fields";

export interface AdminAccess {
    adminCidrs: string[];
    sshKeyName?: string;
}

export function readAdminAccess(p: Problems, args: SecuredWebStackArgs): AdminAccess {
    const adminCidrs: string[] = [];
    if (args.adminCidrs !== undefined && !Array.isArray(args.adminCidrs)) {
        p.push(`adminCidrs: ${JSON.stringify(args.adminCidrs)} is not allowed; use a list of CIDRs such as ["203.0.113.7/32"]`);
    }
    const allowAnywhere = bool(p, "allowSshFromAnywhere", args.allowSshFromAnywhere, false);
    for (const [i, c] of (Array.isArray(args.adminCidrs) ? args.adminCidrs : []).entries()) {
        if (!isCidr(c)) p.push(`adminCidrs[${i}]: ${JSON.stringify(c)} is not allowed; use a CIDR such as "203.0.113.7/32"`);
        else if (isAnywhere(c) && !allowAnywhere) p.push(`adminCidrs[${i}]: ${JSON.stringify(c)} opens SSH to the whole internet; use your own address range, or set allowSshFromAnywhere: true to accept the risk`);
        else if (!c.includes(":")) adminCidrs.push(c);
        else p.push(`adminCidrs[${i}]: ${JSON.stringify(c)} is IPv6; the stack's VPC is IPv4-only, use an IPv4 CIDR`);
    }
    const sshKeyName = matching(p, "sshKeyName", args.sshKeyName, /^[\x20-\x7e]{1,255}$/, "an existing EC2 key pair name");
    if (sshKeyName && adminCidrs.length === 0) p.push(`sshKeyName: set, but adminCidrs is empty so port 22 is closed everywhere; add adminCidrs or drop the key (SSM Session Manager needs neither)`);
    return { adminCidrs, sshKeyName };
}
