// Estimated monthly cost from the price table kept beside this file (prices.json: its date and
// region are part of the answer). Pure: tested without Pulumi.
import type { Model } from "../model";
import { MonitoringSink, NetworkMode, TlsMode } from "../types";
import prices = require("./prices.json");

export interface CostLine { item: string; usd: number }
export interface CostEstimate {
    totalUsd: number;
    lines: CostLine[];
    /** Instance types missing from the table (not counted). */
    unpriced: string[];
    basis: string;
}

const ROOT_GB = 16;

/** `alarms`: CloudWatch alarms as billed; `metrics`: CloudWatch custom metrics published. */
export function estimateMonthlyCost(model: Model, alarms = 0, metrics = 0): CostEstimate {
    const h = prices.hoursPerMonth;
    const table = prices.instanceHourly as { [t: string]: number };
    const lines: CostLine[] = [];
    const unpriced: string[] = [];
    for (const s of model.servers) {
        const hourly = table[s.instanceType];
        if (hourly === undefined) unpriced.push(s.instanceType);
        else lines.push({ item: `${s.name} ${s.instanceType}`, usd: hourly * h });
        lines.push({ item: `${s.name} root volume ${ROOT_GB} GiB gp3`, usd: ROOT_GB * prices.gp3GbMonth });
        // The balancer's Elastic IP and every other public address are charged alike.
        if (s.publicIp || s.roles.includes("balancer")) lines.push({ item: `${s.name} public IPv4`, usd: prices.publicIpv4Hourly * h });
        // Every server with a datadir has its own data volume: the writer, a replica, each cluster node.
        if (s.roles.includes("database") || s.roles.includes("replica")) lines.push({ item: `${s.name} data volume ${model.database.volumeGiB} GiB gp3`, usd: model.database.volumeGiB * prices.gp3GbMonth });
    }
    if (model.network.mode === NetworkMode.NatGateway && !model.network.existingVpcId) {
        lines.push({ item: "NAT gateway (hours only)", usd: prices.natGatewayHourly * h }, { item: "NAT gateway public IPv4", usd: prices.publicIpv4Hourly * h });
    }
    if (model.monitoring.sink === MonitoringSink.CloudWatch) {
        lines.push({ item: "CloudWatch dashboard", usd: prices.cloudwatchDashboardMonth });
        // The telemetry key (components/aws/logs.ts); each of its first two yearly rotations adds as much again.
        lines.push({ item: "KMS key (log groups, alarm topic)", usd: prices.kmsKeyMonth });
        if (alarms) lines.push({ item: `CloudWatch alarms ×${alarms}`, usd: alarms * prices.cloudwatchAlarmMonth });
        if (metrics) lines.push({ item: `CloudWatch custom metrics ×${metrics}`, usd: metrics * prices.cloudwatchMetricMonth });
    }
    if (model.tls.mode === TlsMode.Acm) lines.push({ item: "ACM exportable certificate", usd: prices.acmExportableCertificatePerYear / 12 });
    const totalUsd = Math.round(lines.reduce((a, l) => a + l.usd, 0) * 100) / 100;
    return { totalUsd, lines, unpriced, basis: `on-demand list prices, ${prices.region}, ${prices.date}` };
}
