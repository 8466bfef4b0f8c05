// The flow model: every connection the stack allows, and nothing else. Security groups (AWS),
// each server's nftables ruleset and the lab's firewall matrix are all rendered from this list.
// The model's shape only (not ./model, whose buildModel calls buildFlows): no import cycle.
import type { Endpoint, Flow, Model } from "./model/shape";
import { Ports, Role, isCluster } from "./model/shape";

export type { Endpoint, Flow };

export const INTERNET = "0.0.0.0/0";
/** Amazon Time Sync Service (link-local). */
export const TIME_SYNC = "169.254.169.123/32";

/** The port of a URL (explicit, or the scheme's default). */
export function urlPort(url: string): number {
    const u = new URL(url);
    return u.port ? Number(u.port) : u.protocol === "http:" ? 80 : 443;
}

type FlowInputs = Pick<Model, "servers" | "adminCidrs" | "app" | "tls" | "monitoring" | "network" | "hardening" | "database">;

export function buildFlows(model: FlowInputs): Flow[] {
    const flows: Flow[] = [];
    const server = (name: string): Endpoint => ({ kind: "server", name });
    const withRole = (r: Role) => model.servers.filter((s) => s.roles.includes(r));
    const add = (f: Omit<Flow, "id">, id: string) => {
        if (!flows.some((x) => x.id === id)) flows.push({ id, ...f });
    };
    // Between two servers; a connection inside one server needs no flow (loopback).
    const between = (from: Role, to: Role, port: number, label: string, why: string) => {
        for (const a of withRole(from)) for (const b of withRole(to)) {
            if (a.name !== b.name) add({ from: server(a.name), to: server(b.name), protocol: "tcp", port, why }, `${a.name}-to-${b.name}-${label}`);
        }
    };

    for (const lb of withRole(Role.Balancer)) {
        const internet: Endpoint = { kind: "cidr", cidr: INTERNET, label: "internet" };
        add({ from: internet, to: server(lb.name), protocol: "tcp", port: Ports.http, why: "HTTP from the internet: 301 to HTTPS, ACME HTTP-01 challenges" }, `internet-to-${lb.name}-http`);
        add({ from: internet, to: server(lb.name), protocol: "tcp", port: Ports.https, why: "HTTPS from the internet to the balancer" }, `internet-to-${lb.name}-https`);
    }
    const tls = model.hardening.endToEndTls;
    between(Role.Balancer, Role.Web, model.hardening.webPort, "web", tls
        ? "balancer re-encrypts requests to the web server (TLS, internal CA verified)"
        : "balancer forwards requests to the web server (Nginx)");
    between(Role.Web, Role.App, model.hardening.appPort, "app", tls
        ? "web server proxies dynamic requests to the application server (TLS, internal CA verified)"
        : "web server proxies dynamic requests to the application server");
    between(Role.App, Role.Database, Ports.mysql, "mysql", "application reads and writes its database (TLS required)");
    between(Role.Replica, Role.Database, Ports.mysql, "mysql", "replica streams the binary log of the primary (TLS required)");
    // Standing, so that a promotion (sws-db-promote, then sws-app-use-db) needs no firewall change.
    between(Role.App, Role.Replica, Ports.mysql, "mysql", "application database after the replica is promoted (TLS required)");

    if (isCluster(model)) {
        // Galera between the database servers only, every pair both ways, all three encrypted with
        // the internal CA (socket.ssl_* for replication and IST, socat TLS for SST).
        between(Role.Database, Role.Database, Ports.galera, "galera", "Galera replication between cluster nodes (TLS, internal CA verified)");
        between(Role.Database, Role.Database, Ports.galeraIst, "galera-ist", "Galera incremental state transfer to a rejoining node (TLS, internal CA verified)");
        between(Role.Database, Role.Database, Ports.galeraSst, "galera-sst", "Galera full state transfer, mariabackup through socat (TLS, internal CA verified)");
        between(Role.App, Role.Database, Ports.galeraCheck, "galera-check", "the local HAProxy of each app server checks whether the node is synced in the primary component (HTTP, no data)");
        between(Role.Database, Role.Database, Ports.galeraCheck, "galera-check", "a booting node asks its peers whether a synced cluster exists before it may found one (HTTP, no data)");
    }

    model.adminCidrs.forEach((cidr, i) => {
        for (const s of model.servers) {
            add({ from: { kind: "cidr", cidr, label: `admin-${i + 1}` }, to: server(s.name), protocol: "tcp", port: Ports.ssh, why: `SSH from admin network ${cidr}` }, `admin-${i + 1}-to-${s.name}-ssh`);
        }
    });

    // Egress every server truly needs.
    for (const s of model.servers) {
        const out = (cidr: string, label: string, protocol: "tcp" | "udp", port: number, why: string, hostOnly?: boolean) =>
            add({ from: server(s.name), to: { kind: "cidr", cidr, label }, protocol, port, why, ...(hostOnly ? { hostOnly } : {}) }, `${s.name}-to-${label}-${protocol}-${port}`);
        out(INTERNET, "internet", "tcp", Ports.https, "HTTPS out: SSM, package security updates, collector sink, ACME, application artifact");
        out(INTERNET, "internet", "tcp", Ports.http, "HTTP out: distribution package mirrors (packages are signed; mirrors serve plain HTTP), instance metadata");
        out(`${model.network.resolver}/32`, "vpc-resolver", "udp", 53, "DNS to the VPC resolver", true);
        out(`${model.network.resolver}/32`, "vpc-resolver", "tcp", 53, "DNS to the VPC resolver (large answers)", true);
        out(TIME_SYNC, "time-sync", "udp", 123, "NTP to the Amazon Time Sync Service", true);
        if (model.monitoring.remoteWriteUrl) {
            const port = urlPort(model.monitoring.remoteWriteUrl);
            if (port !== Ports.https && port !== Ports.http) out(INTERNET, "internet", "tcp", port, `metrics to the remote-write sink ${new URL(model.monitoring.remoteWriteUrl).host}`);
        }
        if (s.roles.includes(Role.Balancer) && model.tls.mode === "lets-encrypt") {
            const port = urlPort(model.tls.acmeDirectoryUrl);
            if (port !== Ports.https && port !== Ports.http) out(INTERNET, "internet", "tcp", port, `ACME directory ${new URL(model.tls.acmeDirectoryUrl).host}`);
        }
    }
    return flows;
}

/** Flows arriving at / leaving a server. */
export function inbound(flows: Flow[], name: string): Flow[] {
    return flows.filter((f) => f.to.kind === "server" && f.to.name === name);
}
export function outbound(flows: Flow[], name: string): Flow[] {
    return flows.filter((f) => f.from.kind === "server" && f.from.name === name);
}
