// The three firewalls: one security group per server, one rule resource per flow and direction,
// each with the flow's reason as its description. Egress is explicit: a group with no egress
// rules would strand cloud-init (no packages, no SSM).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Endpoint, Flow } from "../flows";
import type { Model } from "../model";
import { securityGroupDescription } from "../model";

export function createSecurityGroups(
    name: string, model: Model, vpcId: pulumi.Input<string>, tags: { [k: string]: string }, opts: pulumi.CustomResourceOptions,
): { [server: string]: aws.ec2.SecurityGroup } {
    const groups: { [server: string]: aws.ec2.SecurityGroup } = {};
    for (const s of model.servers) {
        groups[s.name] = new aws.ec2.SecurityGroup(`${name}-${s.name}-sg`, {
            // EC2's alphabet only (model/names.ts checks it against the domain; the conformance suite checks every description).
            vpcId, description: securityGroupDescription(model.domain, s),
            tags: { ...tags, Name: `${name}-${s.name}-sg`, role: s.roles.join("+") },
        }, opts);
    }
    // Peer of a rule: another server's group, or a CIDR.
    const peer = (e: Endpoint) => e.kind === "server"
        ? { referencedSecurityGroupId: groups[e.name].id }
        : { cidrIpv4: e.cidr };
    const base = (f: Flow) => ({ ipProtocol: f.protocol, fromPort: f.port, toPort: f.port, description: f.why.slice(0, 255) });
    for (const f of model.flows) {
        if (f.hostOnly) continue; // AWS never filters these (VPC resolver, Time Sync); the host firewall does.
        if (f.to.kind === "server") {
            new aws.vpc.SecurityGroupIngressRule(`${name}-${f.id}-in`, {
                securityGroupId: groups[f.to.name].id, ...peer(f.from), ...base(f), tags: { ...tags, Name: f.id },
            }, opts);
        }
        if (f.from.kind === "server") {
            new aws.vpc.SecurityGroupEgressRule(`${name}-${f.id}-out`, {
                securityGroupId: groups[f.from.name].id, ...peer(f.to), ...base(f), tags: { ...tags, Name: f.id },
            }, opts);
        }
    }
    return groups;
}
