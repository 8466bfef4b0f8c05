// The topology model: SecuredWebStackArgs → validated plain data with every default applied.
// No Pulumi types in here: the AWS renderer, the payload renderers and the lab all read this.
import {
    Layout, MonitoringSink, NetworkMode, OsFamily, SecuredWebStackArgs, TlsMode,
} from "./types";
import { buildFlows, Flow } from "./flows";
import { BackupModel, validateBackupArgs } from "./payloads/backup";
import { PatchingModel, validatePatchingArgs } from "./payloads/housekeeping";
import { Cidr, isAnywhere, isCidr, nthAddress, nthSubnet, overlaps, contains, parseIpv4Cidr, size } from "./net";

export const Role = {
    Balancer: "balancer",
    Web: "web",
    App: "app",
    /** The MySQL server that accepts writes. */
    Database: "database",
    /** A read-only MySQL replica of the database (hardening.databaseReplica). */
    Replica: "replica",
} as const;
export type Role = typeof Role[keyof typeof Role];

/** Every TCP port the stack uses, in one place: flows, payloads and the lab read them here. */
export const Ports = {
    http: 80,
    https: 443,
    /** Nginx on the web server, reached by the balancer. */
    web: 8080,
    /** The same, over TLS from the internal CA (hardening.endToEndTls); the plain port closes. */
    webTls: 8443,
    /** The application's port over TLS (hardening.endToEndTls), replacing app.port. */
    appTls: 3443,
    mysql: 3306,
    ssh: 22,
    /** Local-only listeners (127.0.0.1): never in a flow, never open in a firewall. */
    local: {
        certbot: 8402,
        haproxyMetrics: 8405,
        nginxStatus: 8090,
        nodeExporter: 9100,
        nginxExporter: 9113,
        mysqldExporter: 9104,
        collector: 8888,
    },
} as const;

export interface ServerModel {
    /** Short name, also the Pulumi child suffix and hostname prefix: "lb", "web-1", "app". */
    name: string;
    roles: Role[];
    instanceType: string;
    subnet: "public" | "private";
    /** Fixed private address: servers find each other by address, so replacing one server never changes another's user data. */
    privateIp: string;
    /** Whether the instance gets a public IPv4 of its own (the balancer uses an Elastic IP instead). */
    publicIp: boolean;
}

/** A value delivered at boot from SSM Parameter Store to a file on the servers that need it. */
export interface SecretRef {
    /** Short name: "db-app-password". */
    name: string;
    /** SSM parameter name (SecureString). */
    parameter: string;
    /** Where sws-fetch-secrets writes it (tmpfs). */
    path: string;
    /** Group that may read the file where that group exists on the server (mode 0640); otherwise root only (0600). */
    group: string;
    /** Servers that read it (each server's role may read only its own parameters). */
    servers: string[];
}

export interface Model {
    name: string;
    domain: string;
    apexDomain: string;
    environment: string;
    layout: Layout;
    os: OsFamily;
    dbEngine: "mysql" | "mariadb";
    servers: ServerModel[];
    network: {
        mode: NetworkMode;
        vpcCidr: string;
        publicSubnetCidr: string;
        privateSubnetCidr: string;
        availabilityZone?: string;
        existingVpcId?: string;
        existingPublicSubnetId?: string;
        existingPrivateSubnetId?: string;
        /** The VPC's DNS resolver (base + 2). */
        resolver: string;
    };
    adminCidrs: string[];
    sshKeyName?: string;
    tls: {
        mode: TlsMode;
        email?: string;
        acmeDirectoryUrl: string;
        acmeCaPem?: string;
        keyAlgorithm: "ECDSA" | "RSA";
        redirectApex: boolean;
    };
    dns: { hostedZoneId?: string };
    monitoring: {
        sink: MonitoringSink;
        remoteWriteUrl?: string;
        remoteWriteSigV4: boolean;
        alarmEmail?: string;
    };
    database: { name: string; user: string; volumeGiB: number; exporterUser: string };
    app: {
        custom: boolean;
        artifactUrl?: string;
        artifactSha256?: string;
        startCommand?: string;
        port: number;
        healthPath: string;
        environment: { [key: string]: string };
        workers: number;
    };
    deployGate: { enabled: boolean; timeoutSeconds: number };
    backup: BackupModel;
    patching: PatchingModel;
    hardening: {
        endToEndTls: boolean;
        databaseReplica: boolean;
        /** Ports the balancer and the web servers reach the next tier on (TLS ports with endToEndTls). */
        webPort: number;
        appPort: number;
    };
    terminationProtection: boolean;
    tags: { [key: string]: string };
    /** SSM Parameter Store prefix of the stack's secrets and toolkit files: "/<name>/<environment>". */
    parameterPrefix: string;
    secrets: SecretRef[];
    flows: Flow[];
}

export class SecuredWebStackArgsError extends Error {
    constructor(readonly problems: string[]) {
        super(`Invalid SecuredWebStack arguments:\n  - ${problems.join("\n  - ")}`);
        this.name = "SecuredWebStackArgsError";
    }
}

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\d[a-z0-9-]*\.(nano|micro|small|medium|large|xlarge|\d+xlarge|metal(-\d+xl)?)$/;
const ENV_NAME = /^[a-z][a-z0-9-]{0,15}$/;
const SHA256 = /^[0-9a-f]{64}$/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,31}$/;
const ENV_VAR = /^[A-Z_][A-Z0-9_]*$/;
const RESERVED_ENV = new Set(["PORT", "DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_PASSWORD_FILE"]);

const ACME_DIRECTORIES: { [k: string]: string } = {
    production: "https://acme-v02.api.letsencrypt.org/directory",
    staging: "https://acme-staging-v02.api.letsencrypt.org/directory",
};

function oneOf<T extends { [k: string]: string }>(
    problems: string[], field: string, value: unknown, allowed: T, dflt: T[keyof T],
): T[keyof T] {
    if (value === undefined || value === null) return dflt;
    const values = Object.values(allowed);
    if (typeof value !== "string" || !values.includes(value)) {
        problems.push(`${field}: ${JSON.stringify(value)} is not allowed; use one of ${values.map((v) => `"${v}"`).join(", ")}`);
        return dflt;
    }
    return value as T[keyof T];
}

function intIn(problems: string[], field: string, value: unknown, min: number, max: number, dflt: number): number {
    if (value === undefined || value === null) return dflt;
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
        problems.push(`${field}: ${JSON.stringify(value)} is not allowed; use a whole number from ${min} to ${max}`);
        return dflt;
    }
    return value;
}

function bool(problems: string[], field: string, value: unknown, dflt: boolean): boolean {
    if (value === undefined || value === null) return dflt;
    if (typeof value !== "boolean") {
        problems.push(`${field}: ${JSON.stringify(value)} is not allowed; use true or false`);
        return dflt;
    }
    return value;
}

function matching(problems: string[], field: string, value: unknown, re: RegExp, what: string, dflt?: string): string | undefined {
    if (value === undefined || value === null) return dflt;
    if (typeof value !== "string" || !re.test(value)) {
        problems.push(`${field}: ${JSON.stringify(value)} is not allowed; use ${what}`);
        return dflt;
    }
    return value;
}

function subnetCidr(problems: string[], field: string, value: unknown, vpc: Cidr | undefined, dflt: string | undefined): Cidr | undefined {
    const text = value ?? dflt;
    if (text === undefined) return undefined;
    const c = parseIpv4Cidr(text as string);
    if (!c) {
        problems.push(`${field}: ${JSON.stringify(text)} is not allowed; use an IPv4 network in CIDR notation such as "10.20.1.0/24" (address bits past the prefix must be zero)`);
        return undefined;
    }
    if (c.prefix > 28) {
        problems.push(`${field}: ${JSON.stringify(text)} is too small; AWS subnets are /16 to /28`);
        return undefined;
    }
    if (vpc && !contains(vpc, c)) {
        problems.push(`${field}: ${JSON.stringify(text)} is not inside network.vpcCidr ${vpc.text}`);
        return undefined;
    }
    return c;
}

/** Validates the arguments and applies every default. Throws SecuredWebStackArgsError naming each bad field. */
export function buildModel(args: SecuredWebStackArgs, name = "sws"): Model {
    const p: string[] = [];
    if (args === undefined || args === null || typeof args !== "object") {
        throw new SecuredWebStackArgsError(["args: missing; pass at least { domain }"]);
    }
    const domain = matching(p, "domain", args.domain, HOSTNAME, `a lower-case fully qualified host name such as "www.foobar.com"`) ?? "invalid.example";
    if (args.domain === undefined) p.push(`domain: missing; use a lower-case fully qualified host name such as "www.foobar.com"`);
    const environment = matching(p, "environment", args.environment, ENV_NAME, `1-16 lower-case letters, digits or "-", starting with a letter`, "dev")!;
    const prod = environment === "prod";
    const layout = oneOf(p, "layout", args.layout, Layout, Layout.Split);
    const os = oneOf(p, "os", args.os, OsFamily, OsFamily.Ubuntu2404);

    const it = args.instanceTypes ?? {};
    const itDesc = `an EC2 instance type such as "t3.small" or "m7g.large"`;
    const types = {
        balancer: matching(p, "instanceTypes.balancer", it.balancer, INSTANCE_TYPE, itDesc, "t3.small")!,
        web: matching(p, "instanceTypes.web", it.web, INSTANCE_TYPE, itDesc, "t3.small")!,
        app: matching(p, "instanceTypes.app", it.app, INSTANCE_TYPE, itDesc, "t3.medium")!,
    };
    // The AMIs and the collector's pinned build are x86_64: a Graviton type would boot the wrong image.
    for (const [role, t] of Object.entries(types)) {
        if (/^[a-z]+\d+g[a-z]*\./.test(t)) p.push(`instanceTypes.${role}: ${JSON.stringify(t)} is an arm64 (Graviton) type; the stack's images and collector build are x86_64 — use a type such as "t3.small" or "m7i.large"`);
    }
    const webServers = intIn(p, "webServers", args.webServers, 1, 10, 1);
    const appServers = intIn(p, "appServers", args.appServers, 1, 10, 1);
    const h = args.hardening ?? {};
    const endToEndTls = bool(p, "hardening.endToEndTls", h.endToEndTls, false);
    const databaseReplica = bool(p, "hardening.databaseReplica", h.databaseReplica, false);
    if (layout === Layout.AllInOne && (endToEndTls || databaseReplica || appServers > 1)) {
        p.push(`layout: "all-in-one" is for comparison only and takes no hardening switches or appServers; use layout "split"`);
    }

    // Network
    const n = args.network ?? {};
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
    if (n.existingVpcId !== undefined) {
        matching(p, "network.existingVpcId", n.existingVpcId, /^vpc-[0-9a-f]{8,17}$/, `a VPC id such as "vpc-0123456789abcdef0"`);
        matching(p, "network.existingPublicSubnetId", n.existingPublicSubnetId ?? "", /^subnet-[0-9a-f]{8,17}$/, `a subnet id such as "subnet-0123456789abcdef0" (required with existingVpcId)`);
        matching(p, "network.existingPrivateSubnetId", n.existingPrivateSubnetId ?? "", /^subnet-[0-9a-f]{8,17}$/, `a subnet id such as "subnet-0123456789abcdef0" (required with existingVpcId)`);
    } else if (n.existingPublicSubnetId !== undefined || n.existingPrivateSubnetId !== undefined) {
        p.push(`network.existingVpcId: missing; existing subnet ids need the VPC they belong to`);
    }
    if (n.availabilityZone !== undefined) matching(p, "network.availabilityZone", n.availabilityZone, /^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$/, `a zone name such as "eu-west-1a"`);

    // Admin access
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

    // TLS
    const t = args.tls ?? {};
    const tlsMode = oneOf(p, "tls.mode", t.mode, TlsMode, TlsMode.SelfSigned);
    const email = matching(p, "tls.email", t.email, EMAIL, `an e-mail address such as "ops@foobar.com"`);
    if (tlsMode === TlsMode.LetsEncrypt && t.email === undefined) p.push(`tls.email: missing; mode "lets-encrypt" needs an ACME account e-mail such as "ops@foobar.com"`);
    let acmeDirectoryUrl = ACME_DIRECTORIES.production;
    if (t.acmeDirectory !== undefined) {
        if (ACME_DIRECTORIES[t.acmeDirectory]) acmeDirectoryUrl = ACME_DIRECTORIES[t.acmeDirectory];
        else if (typeof t.acmeDirectory === "string" && /^https:\/\/[^\s/]+(\/\S*)?$/.test(t.acmeDirectory)) acmeDirectoryUrl = t.acmeDirectory;
        else p.push(`tls.acmeDirectory: ${JSON.stringify(t.acmeDirectory)} is not allowed; use "production", "staging" or an https:// ACME directory URL`);
    }
    if (t.acmeCaPem !== undefined && (typeof t.acmeCaPem !== "string" || !t.acmeCaPem.includes("-----BEGIN CERTIFICATE-----"))) {
        p.push(`tls.acmeCaPem: not a PEM certificate; use the CA certificate of your private ACME server`);
    }
    const keyAlgorithm = oneOf(p, "tls.keyAlgorithm", t.keyAlgorithm, { ECDSA: "ECDSA", RSA: "RSA" } as const, "ECDSA");
    const redirectApex = bool(p, "tls.redirectApex", t.redirectApex, false);
    if (tlsMode === TlsMode.Imported && (t.certificatePem === undefined || t.privateKeyPem === undefined)) {
        p.push(`tls.certificatePem/tls.privateKeyPem: missing; mode "imported" needs both (set them with \`pulumi config set --secret\`)`);
    }
    if (tlsMode !== TlsMode.Imported && (t.certificatePem !== undefined || t.privateKeyPem !== undefined)) {
        p.push(`tls.certificatePem: given, but tls.mode is "${tlsMode}"; set tls.mode to "imported" to use your own certificate`);
    }

    // DNS
    const hostedZoneId = matching(p, "dns.hostedZoneId", args.dns?.hostedZoneId, /^Z[0-9A-Z]{4,32}$/, `a Route53 hosted zone id such as "Z0123456789ABCDEFGHIJ"`);
    if (tlsMode === TlsMode.Acm && !hostedZoneId) p.push(`dns.hostedZoneId: missing; tls.mode "acm" validates the certificate by DNS and needs the Route53 zone of the domain`);
    const apexDomain = domain.split(".").slice(1).join(".");
    if (redirectApex && apexDomain.split(".").length < 2) p.push(`tls.redirectApex: ${domain} has no apex above it to redirect; use a domain such as "www.foobar.com"`);

    // Monitoring
    const m = args.monitoring ?? {};
    const sink = oneOf(p, "monitoring.sink", m.sink, MonitoringSink, MonitoringSink.CloudWatch);
    let remoteWriteUrl: string | undefined;
    if (m.remoteWriteUrl !== undefined) {
        let u: URL | undefined;
        try { u = new URL(m.remoteWriteUrl); } catch { /* reported below */ }
        if (!u || !/^https?:$/.test(u.protocol)) p.push(`monitoring.remoteWriteUrl: ${JSON.stringify(m.remoteWriteUrl)} is not allowed; use an http(s) URL such as "https://prometheus.example.com/api/v1/write"`);
        else if (u.username || u.password) p.push(`monitoring.remoteWriteUrl: embeds credentials; they would land in plain text in user data — use SigV4 (remoteWriteSigV4) or a credential-free URL`);
        else remoteWriteUrl = m.remoteWriteUrl;
    }
    if (sink === MonitoringSink.PrometheusRemoteWrite && m.remoteWriteUrl === undefined) p.push(`monitoring.remoteWriteUrl: missing; sink "prometheus-remote-write" needs the remote-write URL`);
    if (sink === MonitoringSink.SumoLogic && m.sumoLogicUrl === undefined) p.push(`monitoring.sumoLogicUrl: missing; sink "sumologic" needs the OTLP/HTTP source URL (set it with \`pulumi config set --secret\`)`);
    const remoteWriteSigV4 = bool(p, "monitoring.remoteWriteSigV4", m.remoteWriteSigV4, false);
    const alarmEmail = matching(p, "monitoring.alarmEmail", m.alarmEmail, EMAIL, `an e-mail address such as "ops@foobar.com"`);

    // Database
    const d = args.database ?? {};
    const database = {
        name: matching(p, "database.name", d.name, IDENT, "1-32 letters, digits or _ starting with a letter", "app")!,
        user: matching(p, "database.user", d.user, IDENT, "1-32 letters, digits or _ starting with a letter", "app")!,
        volumeGiB: intIn(p, "database.volumeGiB", d.volumeGiB, 8, 16384, 20),
        exporterUser: "sws_exporter",
    };
    if (["root", "mysql", "mariadb.sys", database.exporterUser].includes(database.user)) p.push(`database.user: "${database.user}" is reserved; use another name such as "app"`);

    // Application
    const a = args.app ?? {};
    const custom = a.artifactUrl !== undefined;
    const artifactUrl = matching(p, "app.artifactUrl", a.artifactUrl, /^(https:\/\/\S+|s3:\/\/[a-z0-9.-]{3,63}\/\S+)$/, `an https:// URL or an s3://bucket/key of your application artifact (.tar.gz)`);
    const artifactSha256 = matching(p, "app.artifactSha256", a.artifactSha256, SHA256, "the artifact's SHA-256 as 64 lower-case hex digits");
    if (custom && a.artifactSha256 === undefined) p.push(`app.artifactSha256: missing; app.artifactUrl needs the artifact's SHA-256 so the server can verify the download`);
    if (custom && (typeof a.startCommand !== "string" || a.startCommand.trim() === "")) p.push(`app.startCommand: missing; app.artifactUrl needs the command that starts your application`);
    if (!custom && (a.artifactSha256 !== undefined || a.startCommand !== undefined)) p.push(`app.artifactUrl: missing; app.artifactSha256/app.startCommand apply to a custom artifact only`);
    const appPort = intIn(p, "app.port", a.port, 1024, 65535, 3000);
    const reserved = new Map<number, string>([
        [Ports.mysql, "MySQL"], ...Object.entries(Ports.local).map(([k, v]) => [v, k] as [number, string]),
    ]);
    reserved.set(Ports.webTls, "Nginx over TLS").set(Ports.appTls, "the application over TLS").set(Ports.web, "Nginx");
    if (reserved.has(appPort)) p.push(`app.port: ${appPort} clashes with ${reserved.get(appPort)} on the same server; use another port from 1024 to 65535`);
    const healthPath = matching(p, "app.healthPath", a.healthPath, /^\/[A-Za-z0-9._~\/-]*$/, `an absolute URL path such as "/healthz"`, "/healthz")!;
    const environmentVars: { [k: string]: string } = {};
    for (const [k, v] of Object.entries(a.environment ?? {})) {
        if (!ENV_VAR.test(k)) p.push(`app.environment.${k}: not allowed as a variable name; use upper-case letters, digits and _`);
        else if (RESERVED_ENV.has(k)) p.push(`app.environment.${k}: reserved (set by the stack); use another name`);
        else if (typeof v !== "string" || /[\n\r]/.test(v)) p.push(`app.environment.${k}: must be a one-line string`);
        else environmentVars[k] = v;
    }
    const workers = intIn(p, "app.workers", a.workers, 1, 64, 1);

    const g = args.deployGate ?? {};
    const deployGate = {
        enabled: bool(p, "deployGate.enabled", g.enabled, true),
        timeoutSeconds: intIn(p, "deployGate.timeoutSeconds", g.timeoutSeconds, 30, 3600, 900),
    };
    const terminationProtection = bool(p, "terminationProtection", args.terminationProtection, prod);
    const tags: { [k: string]: string } = {};
    for (const [k, v] of Object.entries(args.tags ?? {})) {
        if (typeof v !== "string" || k.length > 128 || v.length > 256 || k.startsWith("aws:")) p.push(`tags.${k}: not allowed; tag keys are ≤ 128 characters not starting with "aws:", values ≤ 256 characters`);
        else tags[k] = v;
    }

    // Servers and their fixed addresses
    const servers: ServerModel[] = [];
    const publicOnly = mode === NetworkMode.PublicSubnets;
    const add = (sname: string, roles: Role[], instanceType: string, subnetKind: "public" | "private", host: number) => {
        const block = subnetKind === "public" ? pub : priv;
        if (!block) return;
        if (host >= size(block) - 1) {
            p.push(`network.${subnetKind}SubnetCidr: ${block.text} is too small for ${servers.length + 1} servers; use a /27 or larger`);
            return;
        }
        servers.push({
            name: sname, roles, instanceType, subnet: subnetKind, privateIp: nthAddress(block, host),
            publicIp: subnetKind === "public" && !roles.includes(Role.Balancer),
        });
    };
    const inner: "public" | "private" = publicOnly ? "public" : "private";
    if (layout === Layout.Split) {
        add("lb", [Role.Balancer], types.balancer, "public", 10);
        for (let i = 1; i <= webServers; i++) add(webServers === 1 ? "web" : `web-${i}`, [Role.Web], types.web, inner, 19 + i);
        // The seed's server 3 runs the application and the database; further app servers only the app.
        for (let i = 1; i <= appServers; i++) add(appServers === 1 ? "app" : `app-${i}`, i === 1 ? [Role.App, Role.Database] : [Role.App], types.app, inner, 29 + i);
        if (databaseReplica) add("db-replica", [Role.Replica], types.app, inner, 40);
    } else {
        const all = [Role.Balancer, Role.Web, Role.App, Role.Database];
        add("lb", all, types.balancer, "public", 10);
        for (let i = 1; i <= Math.max(2, webServers); i++) add(`node-${i}`, all, types.web, inner, 19 + i);
    }

    const backup = validateBackupArgs(args.backup, p, environment);
    const patching = validatePatchingArgs(args.patching, p);

    if (p.length) throw new SecuredWebStackArgsError(p);

    const dbEngine = os === OsFamily.Debian12 ? "mariadb" : "mysql";
    const prefix = `/${name}/${environment}`;
    const holders = (role: Role) => servers.filter((s) => s.roles.includes(role)).map((s) => s.name);
    const secrets: SecretRef[] = [
        { name: "db-app-password", parameter: `${prefix}/db-app-password`, path: "/run/sws/secrets/db-app-password", group: "sws-app", servers: [...new Set([...holders(Role.App), ...holders(Role.Database)])] },
        { name: "db-exporter-password", parameter: `${prefix}/db-exporter-password`, path: "/run/sws/secrets/db-exporter-password", group: "root", servers: [...holders(Role.Database), ...holders(Role.Replica)] },
    ];
    if (databaseReplica) {
        secrets.push({ name: "db-repl-password", parameter: `${prefix}/db-repl-password`, path: "/run/sws/secrets/db-repl-password", group: "root", servers: [...holders(Role.Database), ...holders(Role.Replica)] });
    }
    // Internal TLS: one key + certificate per server from the stack's internal CA, one file per
    // consuming service (each reads it as its own group): Nginx (root), the app, MySQL.
    const dbOverNetwork = databaseReplica || appServers > 1;
    if (endToEndTls) {
        for (const s of servers) {
            const consumers: [string, string][] = [];
            if (s.roles.includes(Role.Web)) consumers.push(["nginx", "root"]);
            if (s.roles.includes(Role.App)) consumers.push(["app", "sws-app"]);
            if ((s.roles.includes(Role.Database) && dbOverNetwork) || s.roles.includes(Role.Replica)) consumers.push(["mysql", "mysql"]);
            for (const [who, group] of consumers) {
                secrets.push({ name: `internal-tls-${who}`, parameter: `${prefix}/internal-tls/${s.name}`, path: `/run/sws/secrets/internal-tls-${who}.pem`, group, servers: [s.name] });
            }
        }
    }
    if (tlsMode === TlsMode.SelfSigned || tlsMode === TlsMode.Imported) {
        secrets.push({ name: "tls-pem", parameter: `${prefix}/tls-pem`, path: "/run/sws/secrets/tls-pem", group: "root", servers: holders(Role.Balancer) });
    }
    if (tlsMode === TlsMode.Acm) {
        secrets.push({ name: "acm-passphrase", parameter: `${prefix}/acm-passphrase`, path: "/run/sws/secrets/acm-passphrase", group: "root", servers: holders(Role.Balancer) });
    }
    if (sink === MonitoringSink.SumoLogic) {
        secrets.push({ name: "sumologic-url", parameter: `${prefix}/sumologic-url`, path: "/run/sws/secrets/sumologic-url", group: "sws-collector", servers: servers.map((s) => s.name) });
    }

    const model: Omit<Model, "flows"> = {
        name, domain, apexDomain, environment, layout, os, dbEngine, servers, parameterPrefix: prefix,
        network: {
            mode, vpcCidr: vpcOk!.text, publicSubnetCidr: pub!.text, privateSubnetCidr: publicOnly ? pub!.text : priv!.text,
            availabilityZone: n.availabilityZone, existingVpcId: n.existingVpcId,
            existingPublicSubnetId: n.existingPublicSubnetId, existingPrivateSubnetId: n.existingPrivateSubnetId,
            resolver: nthAddress(vpcOk!, 2),
        },
        adminCidrs, sshKeyName,
        tls: { mode: tlsMode, email, acmeDirectoryUrl, acmeCaPem: t.acmeCaPem, keyAlgorithm, redirectApex },
        dns: { hostedZoneId },
        monitoring: { sink, remoteWriteUrl, remoteWriteSigV4, alarmEmail },
        database,
        app: {
            custom, artifactUrl, artifactSha256, startCommand: a.startCommand, port: appPort, healthPath,
            environment: environmentVars, workers,
        },
        deployGate, backup, patching, terminationProtection, tags, secrets,
        hardening: {
            endToEndTls, databaseReplica,
            webPort: endToEndTls ? Ports.webTls : Ports.web,
            appPort: endToEndTls ? Ports.appTls : appPort,
        },
    };
    return { ...model, flows: buildFlows(model) };
}

export function serversWith(model: Pick<Model, "servers">, role: Role): ServerModel[] {
    return model.servers.filter((s) => s.roles.includes(role));
}
