// The VPC: one public subnet (balancer, NAT gateway) and one private subnet (web, app) in one
// zone, or the user's existing VPC and subnets. In "public-subnets" mode there is no NAT gateway
// and every server sits in the public subnet (cheaper; the security groups still admit nothing
// from the internet except to the balancer).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Model } from "../model";
import { knownValue } from "../model/references";
import { NetworkMode } from "../types";

export interface Network {
    vpcId: pulumi.Input<string>;
    publicSubnetId: pulumi.Input<string>;
    privateSubnetId: pulumi.Input<string>;
    availabilityZone: pulumi.Input<string>;
    /** Resources the servers' first boot depends on (routes to the internet: packages, SSM). */
    ready: pulumi.Resource[];
    /** The VPC when the component created it (flow logs go with it); undefined for an existing VPC. */
    createdVpc?: aws.ec2.Vpc;
}

/** The existing VPC and subnet ids, checked (components/aws/references.ts); used when model.network.existingVpcId is set. */
export interface ExistingNetwork {
    existingVpcId?: pulumi.Input<string>;
    existingPublicSubnetId?: pulumi.Input<string>;
    existingPrivateSubnetId?: pulumi.Input<string>;
}

export function createNetwork(name: string, model: Model, tags: { [k: string]: string }, opts: pulumi.CustomResourceOptions, existing: ExistingNetwork = {}): Network {
    const n = model.network;
    if (n.existingVpcId) {
        existing = {
            existingVpcId: existing.existingVpcId ?? knownValue("network.existingVpcId", n.existingVpcId),
            existingPublicSubnetId: existing.existingPublicSubnetId ?? knownValue("network.existingPublicSubnetId", n.existingPublicSubnetId),
            existingPrivateSubnetId: existing.existingPrivateSubnetId ?? knownValue("network.existingPrivateSubnetId", n.existingPrivateSubnetId),
        };
        const subnet = aws.ec2.getSubnetOutput({ id: existing.existingPublicSubnetId! }, opts);
        return {
            vpcId: existing.existingVpcId!, publicSubnetId: existing.existingPublicSubnetId!,
            privateSubnetId: n.mode === NetworkMode.PublicSubnets ? existing.existingPublicSubnetId! : existing.existingPrivateSubnetId!,
            availabilityZone: subnet.availabilityZone, ready: [],
        };
    }
    const az = n.availabilityZone ?? aws.getAvailabilityZonesOutput({ state: "available" }, opts).names[0];
    const t = (suffix: string) => ({ ...tags, Name: `${name}-${suffix}` });
    const vpc = new aws.ec2.Vpc(`${name}-vpc`, { cidrBlock: n.vpcCidr, enableDnsHostnames: true, enableDnsSupport: true, tags: t("vpc") }, opts);
    // Adopting the default security group with no rules removes AWS's allow-all rules from it:
    // anything launched in this VPC without a group of its own can then reach nothing.
    new aws.ec2.DefaultSecurityGroup(`${name}-vpc-default-sg`, { vpcId: vpc.id, tags: t("default-sg-no-rules") }, opts);
    const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: t("igw") }, opts);
    const pub = new aws.ec2.Subnet(`${name}-public`, { vpcId: vpc.id, cidrBlock: n.publicSubnetCidr, availabilityZone: az, mapPublicIpOnLaunch: false, tags: t("public") }, opts);
    const pubRt = new aws.ec2.RouteTable(`${name}-public-rt`, { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }], tags: t("public-rt") }, opts);
    const pubAssoc = new aws.ec2.RouteTableAssociation(`${name}-public-rta`, { subnetId: pub.id, routeTableId: pubRt.id }, opts);
    if (n.mode === NetworkMode.PublicSubnets) {
        return { vpcId: vpc.id, publicSubnetId: pub.id, privateSubnetId: pub.id, availabilityZone: az, ready: [pubAssoc], createdVpc: vpc };
    }
    const natEip = new aws.ec2.Eip(`${name}-nat-eip`, { domain: "vpc", tags: t("nat-eip") }, opts);
    const nat = new aws.ec2.NatGateway(`${name}-nat`, { allocationId: natEip.id, subnetId: pub.id, tags: t("nat") }, { ...opts, dependsOn: [igw] });
    const priv = new aws.ec2.Subnet(`${name}-private`, { vpcId: vpc.id, cidrBlock: n.privateSubnetCidr, availabilityZone: az, mapPublicIpOnLaunch: false, tags: t("private") }, opts);
    const privRt = new aws.ec2.RouteTable(`${name}-private-rt`, { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }], tags: t("private-rt") }, opts);
    const privAssoc = new aws.ec2.RouteTableAssociation(`${name}-private-rta`, { subnetId: priv.id, routeTableId: privRt.id }, opts);
    return { vpcId: vpc.id, publicSubnetId: pub.id, privateSubnetId: priv.id, availabilityZone: az, ready: [pubAssoc, privAssoc], createdVpc: vpc };
}
