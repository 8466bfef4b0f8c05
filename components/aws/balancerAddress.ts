// The balancer's public address: an Elastic IP (protected in prod), and the Route53 A records of
// the domain (and the apex with tls.redirectApex) when the stack manages the zone.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Model } from "../model";
import { knownValue } from "../model/references";

export function createBalancerAddress(
    name: string, model: Model, tags: { [k: string]: string }, opts: pulumi.CustomResourceOptions,
    /** dns.hostedZoneId, checked (components/aws/references.ts). */
    hostedZoneId?: pulumi.Input<string>,
): { eip: aws.ec2.Eip; dnsRecords: pulumi.Resource[] } {
    const eip = new aws.ec2.Eip(`${name}-lb-eip`, { domain: "vpc", tags: { ...tags, Name: `${name}-lb-eip` } }, { ...opts, protect: model.terminationProtection });
    const dnsRecords: pulumi.Resource[] = [];
    if (model.dns.hostedZoneId) {
        const names = model.tls.redirectApex ? [model.domain, model.apexDomain] : [model.domain];
        // Created before the balancer boots: Let's Encrypt's HTTP-01 needs the name to resolve.
        names.forEach((n, i) => dnsRecords.push(new aws.route53.Record(`${name}-dns-${i}`, {
            zoneId: hostedZoneId ?? knownValue("dns.hostedZoneId", model.dns.hostedZoneId)!, name: n, type: "A", ttl: 300, records: [eip.publicIp], allowOverwrite: true,
        }, opts)));
    }
    return { eip, dnsRecords };
}
