// Arguments of the SecuredWebStack component. Kept usable from other Pulumi languages
// (`pulumi package add`): interfaces only, enums as `as const` objects, no unions inline,
// no tuples, functions or Maps. Plain values for everything that shapes the topology (validated
// before any resource is registered); pulumi.Input for secrets that may come from secret config and
// for ids/names of existing things that may come from other resources (VPC and subnet ids, hosted
// zone, key pair, alarm e-mail: checked once known, components/model/references.ts).
import * as pulumi from "@pulumi/pulumi";

/** How HTTPS is provided at the balancer. */
export const TlsMode = {
    /** certbot on the balancer gets and renews a Let's Encrypt certificate (HTTP-01 through HAProxy); needs tls.email. */
    LetsEncrypt: "lets-encrypt",
    /** An exportable ACM certificate validated in Route53 (needs dns.hostedZoneId), exported by the balancer at boot and daily. */
    Acm: "acm",
    /** A CA and certificate from @pulumi/tls; clients must trust the caCertificatePem output. */
    SelfSigned: "self-signed",
    /** Your chain and key (tls.certificatePem, tls.privateKeyPem as secrets), checked at preview. */
    Imported: "imported",
} as const;
export type TlsMode = typeof TlsMode[keyof typeof TlsMode];

/** Operating system of every server. */
export const OsFamily = {
    /** Ubuntu 24.04 LTS: its archive has the real MySQL 8.0 server. */
    Ubuntu2404: "ubuntu-24.04",
    /** Debian 12: the database is MariaDB (Debian ships no MySQL server). */
    Debian12: "debian-12",
} as const;
export type OsFamily = typeof OsFamily[keyof typeof OsFamily];

/** Which components each server runs. */
export const Layout = {
    /** The seed's design: balancer | web | app + database on separate servers. */
    Split: "split",
    /** Every server runs balancer, web, app and database (comparison only: trips identical-server-roles). */
    AllInOne: "all-in-one",
} as const;
export type Layout = typeof Layout[keyof typeof Layout];

/** Where web and app servers live. */
export const NetworkMode = {
    /** Web/app servers in private subnets without public IPs, egress through a NAT gateway (~32 USD/month). */
    NatGateway: "nat-gateway",
    /** Every server in the public subnet with a public IPv4 (no NAT cost); security groups still admit nothing from the internet but to the balancer. */
    PublicSubnets: "public-subnets",
} as const;
export type NetworkMode = typeof NetworkMode[keyof typeof NetworkMode];

/** Where the monitoring collectors ship metrics and logs. */
export const MonitoringSink = {
    /** Sumo Logic over OTLP/HTTP (monitoring.sumoLogicUrl, a secret). */
    SumoLogic: "sumologic",
    /** CloudWatch: metrics as embedded-metric-format logs, log groups, dashboard and alarms created by the component. */
    CloudWatch: "cloudwatch",
    /** Any Prometheus remote-write endpoint (monitoring.remoteWriteUrl), optionally SigV4-signed for Amazon Managed Prometheus. */
    PrometheusRemoteWrite: "prometheus-remote-write",
    /** No collector shipping: the exporters still run on every server. */
    None: "none",
} as const;
export type MonitoringSink = typeof MonitoringSink[keyof typeof MonitoringSink];

export interface InstanceTypesArgs {
    /** Balancer instance type. Default "t3.small". */
    balancer?: string;
    /** Web server instance type. Default "t3.small". */
    web?: string;
    /** Application + database server instance type. Default "t3.medium". */
    app?: string;
}

export interface NetworkArgs {
    /** NAT gateway (private web/app) or public subnets (cheaper). Default "nat-gateway" when environment is "prod", else "public-subnets". */
    mode?: NetworkMode;
    /** CIDR of the VPC created by the component. Default "10.20.0.0/16". */
    vpcCidr?: string;
    /** CIDR of the public subnet (balancer, NAT). Default: the first /24 of vpcCidr. */
    publicSubnetCidr?: string;
    /** CIDR of the private subnet (web, app). Default: the second /24 of vpcCidr. */
    privateSubnetCidr?: string;
    /** Availability zone for the subnets. Default: the region's first zone. */
    availabilityZone?: string;
    /** Use this existing VPC instead of creating one (then both subnet ids are required); may be another resource's output (e.g. an awsx Vpc's vpcId). Default: none. */
    existingVpcId?: pulumi.Input<string>;
    /** Existing public subnet id (with existingVpcId); may be another resource's output. Default: none. */
    existingPublicSubnetId?: pulumi.Input<string>;
    /** Existing private subnet id (with existingVpcId); may be another resource's output. Default: none. */
    existingPrivateSubnetId?: pulumi.Input<string>;
}

export interface TlsArgs {
    /** Certificate source. Default "self-signed". */
    mode?: TlsMode;
    /** ACME account e-mail (required for lets-encrypt). Default: none. */
    email?: string;
    /** ACME directory: "production", "staging" or an https URL. Default "production". */
    acmeDirectory?: string;
    /** CA certificate (PEM) of a private ACME server such as step-ca, trusted by certbot only. Default: none (public Let's Encrypt). */
    acmeCaPem?: string;
    /** PEM certificate chain for mode "imported" (use secret config). Default: none. */
    certificatePem?: pulumi.Input<string>;
    /** PEM private key for mode "imported" (use secret config). Default: none. */
    privateKeyPem?: pulumi.Input<string>;
    /** Key algorithm for self-signed/internal certificates: "ECDSA" (P-256) or "RSA" (2048). Default "ECDSA". */
    keyAlgorithm?: string;
    /** Redirect the apex (foobar.com) to the domain (www.foobar.com) in HAProxy. Default false. */
    redirectApex?: boolean;
}

export interface DnsArgs {
    /** Route53 hosted zone id holding the domain; creates the A record (and is required for ACM); may be another resource's output. Default: none (the record to create is output). */
    hostedZoneId?: pulumi.Input<string>;
}

export interface MonitoringArgs {
    /** Sink for metrics and logs. Default "cloudwatch". */
    sink?: MonitoringSink;
    /** Sumo Logic OTLP/HTTP source URL (a secret: it embeds the token). Required for sink "sumologic". */
    sumoLogicUrl?: pulumi.Input<string>;
    /** Prometheus remote-write URL (http or https). Required for sink "prometheus-remote-write". */
    remoteWriteUrl?: string;
    /** Sign remote-write requests with SigV4 (Amazon Managed Prometheus). Default false. */
    remoteWriteSigV4?: boolean;
    /** E-mail that receives alarm notifications (CloudWatch sink); may come from another resource or secret config. Default: none. */
    alarmEmail?: pulumi.Input<string>;
}

/** How many database servers hold the data and which of them accept writes. */
export const DatabaseTopology = {
    /** One MySQL/MariaDB server on the first application server (the seed's server 3). */
    Single: "single",
    /** The same plus a read-only replica server with a scripted, manual promotion (was hardening.databaseReplica). */
    Replica: "replica",
    /** Three MariaDB Galera servers, every one accepting writes; applications reach the live ones through a local HAProxy. */
    Cluster: "cluster",
} as const;
export type DatabaseTopology = typeof DatabaseTopology[keyof typeof DatabaseTopology];

export interface DatabaseArgs {
    /** "single", "replica" (a read-only replica, manual promotion) or "cluster" (three MariaDB Galera servers, synchronous, multi-writer; MariaDB on either OS). Default "single" ("replica" when hardening.databaseReplica is true). */
    topology?: DatabaseTopology;
    /** Schema used by the application. Default "app". */
    name?: string;
    /** Application database user. Default "app". */
    user?: string;
    /** Size of the encrypted gp3 data volume holding the datadir, GiB. Default 20. */
    volumeGiB?: number;
}

export interface AppArgs {
    /** Artifact (https URL or s3://bucket/key) of your application; default: the bundled app (app/server.js). */
    artifactUrl?: string;
    /** SHA-256 (hex) of the artifact; required with artifactUrl. */
    artifactSha256?: string;
    /** Command that starts your application, run in the unpacked artifact directory. Required with artifactUrl. */
    startCommand?: string;
    /** Debian/Ubuntu packages your artifact needs to run (its runtime and libraries, e.g. ["nodejs", "node-mysql"]), installed from the distribution's archive at the app servers' first boot. Custom artifacts only. Default: none (a stock AMI has no Node, Python or Java: list them, or ship a self-contained artifact). */
    packages?: string[];
    /** Key ARN of your customer-managed KMS key when the s3:// artifact is encrypted with it (SSE-KMS): the app servers may then kms:Decrypt with that key only through S3, only for that object (or its bucket's S3 Bucket Key). Default: none (SSE-S3 and the AWS managed aws/s3 key need nothing). */
    artifactKmsKeyArn?: string;
    /** TCP port the application listens on. Default 3000. */
    port?: number;
    /** Health check path (must answer 200 when the app and its database are fine). Default "/healthz". */
    healthPath?: string;
    /** Extra environment variables for the application (not secrets). Default: none. */
    environment?: { [key: string]: string };
    /** Node.js worker processes of the bundled app. Default 1. */
    workers?: number;
}

/** Switches that remove the seed design's documented weaknesses (all off by default: the seed's design). */
export interface HardeningArgs {
    /** Re-encrypt balancer → web → app with certificates from an internal CA, verified on every hop; the database requires TLS over the network. Removes tls-terminated-at-balancer. Default false. */
    endToEndTls?: boolean;
    /** Same as database.topology "replica" (kept as an alias): a read-only MySQL replica server (GTID auto-positioning, its own firewall, data volume and monitoring) with a scripted, manual promotion. single-database-writer stays advisory on it (a person must promote); database.topology "cluster" removes it. Default false. */
    databaseReplica?: boolean;
}

export interface DeployGateArgs {
    /** Wait for https://<domain><healthPath> to answer 200 before `pulumi up` succeeds. Default true. */
    enabled?: boolean;
    /** Give up after this many seconds. Default 900. */
    timeoutSeconds?: number;
}

/** Backup settings (SecuredWebStackArgs.backup). Kept free of unions for other Pulumi languages. */
export interface BackupArgs {
    /** Daily EBS snapshots of the database data volume to keep (DLM). Default 7 (14 when environment is "prod"). */
    dailySnapshots?: number;
    /** Weekly EBS snapshots of the database data volume to keep (DLM). Default 4. */
    weeklySnapshots?: number;
    /** Days the logical backups (dumps and binlogs) are kept in the backup bucket. Default 14. */
    logicalRetentionDays?: number;
    /** Minutes between two binlog shipments: the most data a lost server can take with it. Default 5. */
    binlogIntervalMinutes?: number;
}

/** Patching settings (SecuredWebStackArgs.patching). */
export interface PatchingArgs {
    /** Reboot automatically when an upgrade needs it (kernel, libc), at rebootTime. Default false. */
    autoReboot?: boolean;
    /** Server-local time (UTC on EC2) of the automatic reboot, "HH:MM"; upgrades run in the hour before it. Default "04:30". */
    rebootTime?: string;
}

export interface SecuredWebStackArgs {
    /** Fully qualified domain served over HTTPS, e.g. "www.foobar.com". Required. */
    domain: string;
    /**
     * Environment name used in names, tags and metric dimensions, e.g. "dev" or "prod"; "prod" also
     * switches defaults (NAT gateway, termination protection, 14 daily snapshots). Default: the
     * Pulumi stack name (set it when the stack name is not 1-16 lower-case letters, digits or "-").
     * Physical names stay unique per stack whatever the environment (see the README).
     */
    environment?: string;
    /** Server layout. Default "split" (the seed's design). */
    layout?: Layout;
    /** Operating system of every server. Default "ubuntu-24.04". */
    os?: OsFamily;
    /** Instance types per server role. Defaults: balancer t3.small, web t3.small, app t3.medium. */
    instanceTypes?: InstanceTypesArgs;
    /** Number of web servers behind the balancer. Default 1. */
    webServers?: number;
    /** Number of application servers behind the web servers; the first one also runs the database (the seed's server 3). Default 1. */
    appServers?: number;
    /** Switches that remove the design's documented weaknesses. Default: all off. */
    hardening?: HardeningArgs;
    /** Network layout. Defaults: see NetworkArgs. */
    network?: NetworkArgs;
    /** CIDRs allowed to SSH to every server (port 22). Default: none (use SSM Session Manager). */
    adminCidrs?: string[];
    /** Allow adminCidrs to contain 0.0.0.0/0 or ::/0. Default false. */
    allowSshFromAnywhere?: boolean;
    /** EC2 key pair for SSH (needs adminCidrs); may be another resource's output (an aws.ec2.KeyPair's keyName). Default: none. */
    sshKeyName?: pulumi.Input<string>;
    /** HTTPS settings. Default: self-signed. */
    tls?: TlsArgs;
    /** DNS settings. Default: no hosted zone. */
    dns?: DnsArgs;
    /** Monitoring settings. Default: CloudWatch sink. */
    monitoring?: MonitoringArgs;
    /** Database settings. */
    database?: DatabaseArgs;
    /** Application settings. Default: the bundled Node.js app. */
    app?: AppArgs;
    /** Deploy gate settings. Default: enabled, 900 s. */
    deployGate?: DeployGateArgs;
    /** Backups: daily/weekly EBS snapshots (DLM) and logical dumps + binlogs in S3. Defaults: see BackupArgs. */
    backup?: BackupArgs;
    /** Unattended security upgrades: reboot policy and window. Default: no automatic reboot. */
    patching?: PatchingArgs;
    /** Termination protection on every server. Default true when environment is "prod". */
    terminationProtection?: boolean;
    /** Extra tags for every resource. Default: none. */
    tags?: { [key: string]: string };
}
