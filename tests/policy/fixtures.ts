// Realistic resources for the policy tests: EC2 instances whose user data is a real
// `#cloud-config` (built with the yaml library, gzip + base64 like the component ships it),
// security groups in every shape, volumes, backups, IAM and SSM. `secureStack()` is a stack that
// passes the whole baseline; tests break one thing at a time.

import * as zlib from "zlib";
import { stringify } from "yaml";
import { TYPES } from "../../policy/lib/resources";
import { PackResource } from "../helpers/policyHarness";

export type Role = "balancer" | "web" | "app" | "database";

/** Resource type tokens (the pack's own list). */
export const T = TYPES;

// ---- user data ---------------------------------------------------------------------------

export interface WriteFile {
    path: string;
    permissions: string;
    owner: string;
    content: string;
    encoding?: string;
    defer?: boolean;
}

export interface CloudConfig {
    hostname: string;
    fqdn: string;
    preserve_hostname: boolean;
    packages: string[];
    write_files: WriteFile[];
    runcmd: string[][];
}

export function renderCloudConfig(doc: object): string {
    return `#cloud-config\n${stringify(doc)}`;
}

/** gzip + base64, as the component ships `userDataBase64`. */
export function gzipBase64(text: string): string {
    return zlib.gzipSync(Buffer.from(text, "utf8")).toString("base64");
}

export interface HaproxyOptions {
    /** How the balancer talks to the web tier. */
    backendTls: "none" | "verified" | "unverified";
    /** Strict-Transport-Security max-age, or false for no header. */
    hsts: number | false;
    redirect: boolean;
    /** `ssl-min-ver` in global, or false for none. */
    minTls: string | false;
    webServers: { name: string; ip: string }[];
}

export function haproxyCfg(options: Partial<HaproxyOptions> = {}): string {
    const o: HaproxyOptions = {
        backendTls: "none",
        hsts: 63072000,
        redirect: true,
        minTls: "TLSv1.2",
        webServers: [{ name: "web", ip: "10.20.1.20" }],
        ...options,
    };
    const tls = { none: "", verified: " ssl verify required ca-file /etc/haproxy/internal-ca.pem", unverified: " ssl verify none" }[
        o.backendTls
    ];
    const port = o.backendTls === "none" ? 8080 : 8443;
    return [
        "# HAProxy for www.foobar.com (rendered by secured-web-stack; edits are overwritten)",
        "global",
        "    log stdout format raw local0 info",
        "    maxconn 20000",
        "    ssl-default-bind-ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256",
        `    ssl-default-bind-options prefer-client-ciphers no-tls-tickets${o.minTls ? ` ssl-min-ver ${o.minTls}` : ""}`,
        "",
        "defaults",
        "    mode http",
        "    option httplog",
        "    timeout connect 2s",
        "    timeout client 30s",
        "    timeout server 30s",
        "",
        "frontend metrics",
        "    bind 127.0.0.1:8405",
        "    http-request use-service prometheus-exporter if { path /metrics }",
        "",
        "frontend http-in",
        "    bind :80",
        ...(o.redirect ? ["    http-request redirect scheme https code 301 unless { ssl_fc }"] : ["    default_backend web"]),
        "",
        "frontend https-in",
        "    bind :443 ssl crt /etc/haproxy/certs/ alpn h2,http/1.1",
        "    http-request set-header X-Forwarded-Proto https",
        ...(o.hsts !== false ? [`    http-response set-header Strict-Transport-Security "max-age=${o.hsts}"`] : []),
        "    default_backend web",
        "",
        "backend web",
        "    balance roundrobin",
        "    option httpchk GET /lb-health",
        "    default-server inter 1s fall 2 rise 2",
        ...o.webServers.map((w) => `    server ${w.name} ${w.ip}:${port} check${tls}`),
        "",
    ].join("\n");
}

export function nginxConf(options: { tls?: boolean; protocols?: string } = {}): string {
    return [
        "user www-data;",
        "worker_processes auto;",
        "daemon off;",
        "events { worker_connections 1024; }",
        "http {",
        "    server_tokens off;",
        ...(options.protocols ? [`    ssl_protocols ${options.protocols};`] : []),
        "    server {",
        options.tls ? "        listen 8443 ssl;" : "        listen 8080;",
        ...(options.tls ? ["        ssl_certificate /etc/nginx/tls/web.pem;", "        ssl_certificate_key /run/sws/secrets/web-key;"] : []),
        "        root /srv/www;",
        "        location /lb-health { return 200 'ok'; }",
        "        location / { proxy_pass http://10.20.1.30:3000; }",
        "    }",
        "}",
        "",
    ].join("\n");
}

export function mysqlCnf(options: { replica?: boolean } = {}): string {
    return [
        "# rendered by secured-web-stack",
        "[mysqld]",
        "bind-address = 10.20.1.30",
        "datadir = /var/lib/mysql-data/mysql",
        "require_secure_transport = ON",
        "server_id = " + (options.replica ? "2" : "1"),
        "log_bin = mysql-bin",
        ...(options.replica ? ["read_only = ON", "super_read_only = ON", "relay_log = relay-bin"] : []),
        "",
    ].join("\n");
}

/** A MariaDB Galera node's option file (database.topology "cluster"), members at `peers`. */
export function galeraCnf(self: string, peers: string[]): string {
    return [
        "# rendered by secured-web-stack",
        "[mysqld]",
        "bind-address = 0.0.0.0",
        "wsrep_on = ON",
        "wsrep_provider = /usr/lib/galera/libgalera_smm.so",
        `wsrep_cluster_address = gcomm://${peers.join(",")}`,
        `wsrep_node_address = ${self}`,
        "",
    ].join("\n");
}

/** Galera nodes db-1… at 10.20.1.41…, every one a writer (and the app server without a database). */
export function galeraNodes(count: number): PackResource[] {
    const ips = Array.from({ length: count }, (_, i) => `10.20.1.${41 + i}`);
    return ips.map((ip, i) => instance(`db-${i + 1}`, {
        roles: ["database"], privateIp: ip,
        payload: { files: { "/etc/mysql/mariadb.conf.d/90-sws.cnf": galeraCnf(ip, ips) } },
    }));
}

/** secureStack with the database moved to a Galera cluster of `count` nodes. */
export function clusterStack(count = 3): PackResource[] {
    return [...replace(secureStack(), "app", instance("app", { roles: ["app"] })), ...galeraNodes(count)];
}

const unitFile = (description: string, exec: string) =>
    `[Unit]\nDescription=${description}\nAfter=network-online.target\n\n[Service]\nType=simple\nExecStart=${exec}\nRestart=always\n\n[Install]\nWantedBy=multi-user.target\n`;

const dropIn = (exec: string) => `[Service]\nExecStart=\nExecStart=${exec}\nRestart=always\n`;

export interface PayloadOptions {
    haproxy?: Partial<HaproxyOptions>;
    nginx?: { tls?: boolean; protocols?: string };
    replica?: boolean;
    /** Packages and file paths to leave out; runcmd steps that contain any of these strings go too. */
    without?: string[];
    /** Extra files, path → content. */
    files?: Record<string, string>;
    packages?: string[];
    runcmd?: string[][];
}

function f(path: string, content: string, permissions = "0644"): WriteFile {
    return { path, permissions, owner: "root:root", content };
}

const ROLE_PARTS: Record<Role, (o: PayloadOptions) => { packages: string[]; files: WriteFile[]; runcmd: string[][] }> = {
    balancer: (o) => ({
        packages: ["haproxy", "openssl"],
        files: [
            f("/etc/haproxy/haproxy.cfg", haproxyCfg(o.haproxy)),
            f("/etc/systemd/system/haproxy.service.d/sws.conf", dropIn("/usr/sbin/haproxy -Ws -f /etc/haproxy/haproxy.cfg")),
        ],
        runcmd: [["/usr/local/sbin/sws-tls", "install"], ["systemctl", "enable", "--now", "haproxy.service"]],
    }),
    web: (o) => ({
        packages: ["nginx", "prometheus-nginx-exporter"],
        files: [
            f("/etc/nginx/nginx.conf", nginxConf(o.nginx)),
            f("/srv/www/index.html", "<!doctype html><title>www.foobar.com</title>\n"),
            f("/etc/systemd/system/nginx.service.d/sws.conf", dropIn("/usr/sbin/nginx -g 'daemon off;'")),
        ],
        runcmd: [["systemctl", "enable", "--now", "nginx.service"]],
    }),
    app: () => ({
        packages: ["nodejs", "node-mysql"],
        files: [
            f("/opt/sws-app/server.js", "const http = require('http');\nhttp.createServer((q, r) => r.end('ok')).listen(3000);\n"),
            f("/etc/sws/app.env", "PORT=3000\nDB_HOST=10.20.1.30\nDB_PASSWORD_FILE=/run/sws/secrets/db-app-password\n"),
            f("/etc/systemd/system/sws-app.service", unitFile("foobar application", "/usr/bin/node /opt/sws-app/server.js")),
        ],
        runcmd: [["systemctl", "enable", "--now", "sws-app.service"]],
    }),
    database: (o) => ({
        packages: ["mysql-server", "prometheus-mysqld-exporter"],
        files: [
            f("/etc/mysql/mysql.conf.d/zz-sws.cnf", mysqlCnf({ replica: o.replica })),
            f("/etc/systemd/system/mysql.service.d/sws.conf", dropIn("/usr/sbin/mysqld")),
        ],
        runcmd: [["/usr/local/sbin/sws-db", "init"], ["systemctl", "enable", "--now", "mysql.service"]],
    }),
};

function basePart(name: string) {
    return {
        packages: ["nftables", "prometheus-node-exporter", "unattended-upgrades", "python3-boto3"],
        files: [
            f(
                "/etc/nftables.conf",
                "#!/usr/sbin/nft -f\nflush ruleset\ntable inet filter {\n  chain input {\n    type filter hook input priority 0; policy drop;\n" +
                    "    ct state established,related accept\n    iif lo accept\n  }\n}\n",
                "0755",
            ),
            f("/etc/sws/sws.env", `SWS_SERVER=${name}\nSWS_ENVIRONMENT=prod\n`),
            f("/etc/sws/secrets.list", "/sws/prod/db-app-password /run/sws/secrets/db-app-password root:root\n"),
            f("/etc/sws/collector.yaml", "receivers: [hostmetrics, prometheus]\nexporters: [awscloudwatch]\n"),
            f("/etc/systemd/system/sws-collector.service", unitFile("monitoring collector", "/usr/local/bin/sws-collector --config /etc/sws/collector.yaml")),
            f(
                "/etc/apt/apt.conf.d/52sws-unattended-upgrades",
                'Unattended-Upgrade::Automatic-Reboot "false";\nAPT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\n',
            ),
        ],
        runcmd: [
            ["systemctl", "enable", "--now", "nftables.service"],
            ["systemctl", "daemon-reload"],
            ["/usr/local/sbin/sws-fetch"],
            ["systemctl", "enable", "--now", "prometheus-node-exporter.service"],
            ["systemctl", "enable", "--now", "sws-collector.service"],
        ],
    };
}

/** The cloud-config a server with `roles` receives (docs/payload-conventions.md). */
export function serverPayload(name: string, roles: Role[], o: PayloadOptions = {}): CloudConfig {
    const parts = [basePart(name), ...roles.map((r) => ROLE_PARTS[r](o))];
    const without = o.without ?? [];
    const keep = (s: string) => !without.includes(s);
    return {
        hostname: name,
        fqdn: `${name}.internal.foobar.com`,
        preserve_hostname: false,
        packages: [...new Set([...parts.flatMap((p) => p.packages), ...(o.packages ?? [])])].filter(keep),
        write_files: [
            ...parts.flatMap((p) => p.files),
            ...Object.entries(o.files ?? {}).map(([path, content]) => f(path, content)),
        ].filter((w) => keep(w.path)),
        runcmd: [...parts.flatMap((p) => p.runcmd), ...(o.runcmd ?? [])].filter((c) => !without.some((w) => c.join(" ").includes(w))),
    };
}

// ---- resources ---------------------------------------------------------------------------

const ADDRESSES: Record<string, string> = { lb: "10.20.0.10", web: "10.20.1.20", app: "10.20.1.30", db: "10.20.1.40" };

export interface InstanceOptions {
    roles: Role[];
    payload?: PayloadOptions;
    /** Raw user data text instead of the rendered cloud-config. */
    userDataText?: string;
    /** Plain `userData` instead of gzip+base64 `userDataBase64`. */
    plain?: boolean;
    privateIp?: string;
    props?: Record<string, unknown>;
    tags?: Record<string, string>;
}

/** An EC2 instance that passes every instance check unless `props` breaks one. */
export function instance(name: string, o: InstanceOptions): ReturnType<typeof resource> {
    const text = o.userDataText ?? renderCloudConfig(serverPayload(name, o.roles, o.payload));
    const userData = o.plain ? { userData: text } : { userDataBase64: gzipBase64(text) };
    const isBalancer = o.roles.includes("balancer");
    return resource(T.instance, name, `i-${name}`, {
        ami: "ami-0a1b2c3d4e5f60789",
        instanceType: "t3.small",
        ...userData,
        metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
        rootBlockDevice: { encrypted: true, volumeType: "gp3", volumeSize: 20 },
        associatePublicIpAddress: false,
        disableApiTermination: true,
        monitoring: true,
        iamInstanceProfile: `sws-prod-${name}`,
        vpcSecurityGroupIds: [`sg-${name}`],
        subnetId: isBalancer ? "subnet-public" : "subnet-private",
        privateIp: o.privateIp ?? ADDRESSES[name] ?? "10.20.1.99",
        tags: { Name: `sws-prod-${name}`, role: o.roles.join("+"), environment: "prod", ...o.tags },
        ...o.props,
    });
}

/** A resource with a provider id (copied into props.id by the harness, as bridged outputs have it). */
export function resource(type: string, name: string, id: string, props: Record<string, unknown>): PackResource & { id: string } {
    return { type, name, id, props };
}

export interface InlineRule {
    fromPort: number;
    toPort: number;
    protocol: string;
    cidrBlocks?: string[];
    ipv6CidrBlocks?: string[];
    securityGroups?: string[];
    self?: boolean;
    description?: string;
}

export function securityGroup(name: string, rules: { ingress?: InlineRule[]; egress?: InlineRule[] } = {}) {
    return resource(T.securityGroup, `${name}-sg`, `sg-${name}`, {
        name: `sws-prod-${name}`,
        description: `${name} server`,
        vpcId: "vpc-0sws",
        ...rules,
        tags: { Name: `sws-prod-${name}`, environment: "prod" },
    });
}

export interface VpcRule {
    ipProtocol: string;
    fromPort?: number;
    toPort?: number;
    cidrIpv4?: string;
    cidrIpv6?: string;
    referencedSecurityGroupId?: string;
    description?: string;
}

export function ingressRule(name: string, group: string, rule: VpcRule) {
    return resource(T.ingressRule, name, `sgr-${name}`, { securityGroupId: `sg-${group}`, ...rule });
}

export function egressRule(name: string, group: string, rule: VpcRule) {
    return resource(T.egressRule, name, `sgr-${name}`, { securityGroupId: `sg-${group}`, ...rule });
}

export function legacyRule(name: string, group: string, rule: Record<string, unknown>) {
    return resource(T.securityGroupRule, name, `sgrule-${name}`, { securityGroupId: `sg-${group}`, ...rule });
}

export function dataVolume(name = "app-data", props: Record<string, unknown> = {}) {
    return resource(T.volume, name, `vol-${name}`, {
        availabilityZone: "eu-west-1a",
        size: 20,
        type: "gp3",
        encrypted: true,
        tags: { Name: `sws-prod-${name}`, role: "database", environment: "prod", Snapshot: "daily" },
        ...props,
    });
}

export function attachment(server: string, volume = "app-data") {
    return resource(T.volumeAttachment, `${volume}-attachment`, `vai-${volume}`, {
        deviceName: "/dev/sdf",
        instanceId: `i-${server}`,
        volumeId: `vol-${volume}`,
    });
}

export function lifecyclePolicy(name = "db-snapshots", o: { targetTags?: Record<string, string>; retain?: number; state?: string; resourceTypes?: string[] } = {}) {
    return resource(T.lifecyclePolicy, name, `policy-${name}`, {
        description: "daily snapshots of the database volume",
        executionRoleArn: "arn:aws:iam::123456789012:role/sws-prod-dlm",
        state: o.state ?? "ENABLED",
        policyDetails: {
            resourceTypes: o.resourceTypes ?? ["VOLUME"],
            targetTags: o.targetTags ?? { Snapshot: "daily" },
            schedules: [
                {
                    name: "daily",
                    createRule: { interval: 24, intervalUnit: "HOURS", times: "03:00" },
                    retainRule: { count: o.retain ?? 14 },
                    copyTags: true,
                },
            ],
        },
    });
}

export function policyDocument(statements: Record<string, unknown>[]): string {
    return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

export const LEAST_PRIVILEGE = policyDocument([
    {
        Sid: "ReadOwnSecrets",
        Effect: "Allow",
        Action: ["ssm:GetParameter"],
        Resource: "arn:aws:ssm:eu-west-1:123456789012:parameter/sws/prod/db-app-password",
    },
]);

export const ADMIN = policyDocument([{ Effect: "Allow", Action: "*", Resource: "*" }]);

const anywhere = { cidrIpv4: "0.0.0.0/0" };

/** The component's split layout (lb | web | app+database), secured: passes the whole baseline. */
export function secureStack(): PackResource[] {
    return [
        resource(T.subnet, "public", "subnet-public", { vpcId: "vpc-0sws", cidrBlock: "10.20.0.0/24", mapPublicIpOnLaunch: true }),
        resource(T.subnet, "private", "subnet-private", { vpcId: "vpc-0sws", cidrBlock: "10.20.1.0/24", mapPublicIpOnLaunch: false }),
        instance("lb", { roles: ["balancer"] }),
        instance("web", { roles: ["web"] }),
        instance("app", { roles: ["app", "database"] }),
        resource(T.eip, "lb-eip", "eipalloc-lb", { domain: "vpc", instance: "i-lb" }),
        securityGroup("lb"),
        securityGroup("web"),
        securityGroup("app"),
        ingressRule("lb-https", "lb", { ipProtocol: "tcp", fromPort: 443, toPort: 443, ...anywhere, description: "internet -> balancer :443 (HTTPS)" }),
        ingressRule("lb-http", "lb", { ipProtocol: "tcp", fromPort: 80, toPort: 80, ...anywhere, description: "internet -> balancer :80 (redirect to HTTPS)" }),
        egressRule("lb-to-web", "lb", { ipProtocol: "tcp", fromPort: 8080, toPort: 8080, referencedSecurityGroupId: "sg-web", description: "balancer -> web :8080 (HTTP)" }),
        ingressRule("web-from-lb", "web", { ipProtocol: "tcp", fromPort: 8080, toPort: 8080, referencedSecurityGroupId: "sg-lb", description: "balancer -> web :8080 (HTTP)" }),
        egressRule("web-to-app", "web", { ipProtocol: "tcp", fromPort: 3000, toPort: 3000, referencedSecurityGroupId: "sg-app", description: "web -> app :3000" }),
        ingressRule("app-from-web", "app", { ipProtocol: "tcp", fromPort: 3000, toPort: 3000, referencedSecurityGroupId: "sg-web", description: "web -> app :3000" }),
        ...["lb", "web", "app"].map((s) =>
            egressRule(`${s}-https-out`, s, { ipProtocol: "tcp", fromPort: 443, toPort: 443, ...anywhere, description: `${s} -> AWS APIs and package mirrors :443` }),
        ),
        dataVolume(),
        attachment("app"),
        lifecyclePolicy(),
        resource(T.role, "app-role", "sws-prod-app", {
            assumeRolePolicy: policyDocument([{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }]),
            managedPolicyArns: ["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"],
        }),
        resource(T.rolePolicy, "app-secrets", "sws-prod-app:secrets", { role: "sws-prod-app", policy: LEAST_PRIVILEGE }),
        resource(T.ssmParameter, "db-app-password", "/sws/prod/db-app-password", {
            name: "/sws/prod/db-app-password",
            type: "SecureString",
            value: "generated-by-random-password",
        }),
        ...networkAndStorage(),
    ];
}

/** A bucket with every S3 setting the pack asks for (public access block, SSE, access logging to `logTo`). */
export function bucket(name: string, o: { logTo?: string; sse?: string | false; publicAccessBlock?: boolean; tags?: Record<string, string> } = {}): PackResource[] {
    const { logTo, sse = "aws:kms", publicAccessBlock = true } = o;
    return [
        resource(T.bucket, name, `${name}-bucket`, { bucket: `${name}-bucket`, arn: `arn:aws:s3:::${name}-bucket`, tags: { Name: name, ...o.tags } }),
        ...(publicAccessBlock
            ? [resource(T.bucketPublicAccessBlock, `${name}-pab`, `${name}-bucket`, { bucket: `${name}-bucket`, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true })]
            : []),
        ...(sse ? [resource(T.bucketSse, `${name}-sse`, `${name}-bucket`, { bucket: `${name}-bucket`, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: sse }, bucketKeyEnabled: true }] })] : []),
        ...(logTo ? [resource(T.bucketLogging, `${name}-logging`, `${name}-bucket`, { bucket: `${name}-bucket`, targetBucket: `${logTo}-bucket`, targetPrefix: `s3/${name}/` })] : []),
    ];
}

/** VPC (flow logs, default group closed), backup + log buckets, KMS key, log group, SNS topic: all as the pack wants them. */
export function networkAndStorage(): PackResource[] {
    return [
        resource(T.vpc, "vpc", "vpc-0sws", { cidrBlock: "10.20.0.0/16" }),
        resource(T.flowLog, "vpc-flow-log", "fl-0sws", { vpcId: "vpc-0sws", trafficType: "ALL", logDestinationType: "s3", logDestination: "arn:aws:s3:::logs-bucket/flow/" }),
        resource(T.defaultSecurityGroup, "vpc-default-sg", "sg-default", { vpcId: "vpc-0sws" }),
        ...bucket("backups", { logTo: "logs" }),
        ...bucket("logs", { sse: "AES256" }),
        resource(T.kmsKey, "telemetry-key", "key-0sws", { enableKeyRotation: true, description: "telemetry" }),
        resource(T.logGroup, "log-access", "/sws/prod/logs", { name: "/sws/prod/logs", retentionInDays: 30, kmsKeyId: "arn:aws:kms:us-east-1:123456789012:key/key-0sws" }),
        resource(T.snsTopic, "alarms", "arn:aws:sns:us-east-1:123456789012:alarms", { name: "alarms", kmsMasterKeyId: "arn:aws:kms:us-east-1:123456789012:key/key-0sws" }),
    ];
}

/** `resources` with the one named `name` replaced by `replacement`. */
export function replace(resources: PackResource[], name: string, replacement: PackResource): PackResource[] {
    if (!resources.some((r) => r.name === name)) {
        throw new Error(`no resource named ${name}`);
    }
    return resources.map((r) => (r.name === name ? replacement : r));
}

export function without(resources: PackResource[], ...names: string[]): PackResource[] {
    return resources.filter((r) => !names.includes(r.name));
}
