// Section "network": the VPC and its two subnets (or an existing VPC), and the network mode.
import { NetworkArgs, NetworkMode } from "../types";
import { Cidr, nthSubnet, overlaps, parseIpv4Cidr } from "./cidr";
import { Problems, matching, oneOf, subnetCidr } from "./fields";
import { readReference } from "./references";

export interface NetworkChoice {
    mode: NetworkMode;
    /** Undefined only when a problem was recorded. */
    vpc?: Cidr;
    pub?: Cidr;
    priv?: Cidr;
    /** The arguments as given (availability zone). */
    given: NetworkArgs;
    /** The existing VPC and subnets: checked ids, or DEFERRED (see references.ts). */
    existing: { vpcId?: string; publicSubnetId?: string; privateSubnetId?: string };
}

export function readNetwork(p: Problems, n: NetworkArgs, prod: boolean): NetworkChoice {
    const mode = oneOf(p, "network.mode", n.mode, NetworkMode, prod ? NetworkMode.NatGateway : NetworkMode.PublicSubnets);
    const vpc = parseIpv4Cidr(n.vpcCidr ?? "10.20.0.0/16");
    if (!vpc) p.push(`network.vpcCidr: ${JSON.stringify(n.vpcCidr)} is not allowed; use an IPv4 network in CIDR notation from /16 to /24, such as "10.20.0.0/16"`);
    else if (vpc.prefix < 16 || vpc.prefix > 24) p.push(`network.vpcCidr: ${JSON.stringify(n.vpcCidr)} is not allowed; AWS VPCs are /16 to /24`);
    const vpcOk = vpc && vpc.prefix >= 16 && vpc.prefix <= 24 ? vpc : undefined;
    // Default subnets: the first two /24s of the VPC (two halves of a /24 VPC).
    const subPrefix = vpcOk ? Math.max(24, vpcOk.prefix + 1) : 24;
    const pubDefault = vpcOk ? nthSubnet(vpcOk, subPrefix, 0) : undefined;
    const privDefault = vpcOk ? nthSubnet(vpcOk, subPrefix, 1) : undefined;
    const pub = subnetCidr(p, "network.publicSubnetCidr", n.publicSubnetCidr, vpcOk, pubDefault);
    const priv = subnetCidr(p, "network.privateSubnetCidr", n.privateSubnetCidr, vpcOk, privDefault);
    if (pub && priv && overlaps(pub, priv)) {
        p.push(`network.privateSubnetCidr: ${priv.text} overlaps network.publicSubnetCidr ${pub.text}; subnets must not overlap`);
    }
    const existing: NetworkChoice["existing"] = {};
    if (n.existingVpcId !== undefined) {
        existing.vpcId = readReference(p, "network.existingVpcId", n.existingVpcId);
        existing.publicSubnetId = readReference(p, "network.existingPublicSubnetId", n.existingPublicSubnetId ?? "");
        existing.privateSubnetId = readReference(p, "network.existingPrivateSubnetId", n.existingPrivateSubnetId ?? "");
    } else if (n.existingPublicSubnetId !== undefined || n.existingPrivateSubnetId !== undefined) {
        p.push(`network.existingVpcId: missing; existing subnet ids need the VPC they belong to`);
    }
    if (n.availabilityZone !== undefined) matching(p, "network.availabilityZone", n.availabilityZone, /^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$/, `a zone name such as "eu-west-1a"`);
    return { mode, vpc: vpcOk, pub, priv, given: n, existing };
}
