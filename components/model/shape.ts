// The topology model's shape: roles, ports, servers, secrets, flows and the Model every renderer
// reads. Plain data, no Pulumi types and no logic beyond lookups: it is the bottom of the import
// order (types → model → flows → payload renderers → AWS renderer / lab → component), so that
// flows.ts and the section validators can import it without a cycle.
import { DatabaseTopology } from "../types";
import type { Layout, MonitoringSink, NetworkMode, OsFamily, TlsMode } from "../types";

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
    /** MariaDB Galera group communication between the database servers (database.topology "cluster"), TLS. */
    galera: 4567,
    /** Galera incremental state transfer (IST: a rejoining node catches up from a peer's cache), TLS. */
    galeraIst: 4568,
    /** Galera full state transfer (SST: mariabackup streamed through socat), TLS. */
    galeraSst: 4444,
    /** A cluster node's health for the app servers' HAProxy and its booting peers: HTTP 200 only when synced in the primary component. */
    galeraCheck: 9200,
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
    /** Where sws-fetch writes it at boot (tmpfs). */
    path: string;
    /** Group that may read the file where that group exists on the server (mode 0640); otherwise root only (0600). */
    group: string;
    /** Servers that read it (each server's role may read only its own parameters). */
    servers: string[];
}

export interface Model {
    /**
     * The stack's physical name (model/names.ts physicalName): the component name, plus the Pulumi
     * stack name unless the component name ends with it. Every name AWS keeps unique per account and
     * region starts with it (SSM prefix, log groups, alarms, dashboard, SNS topic, KMS alias, DLM
     * target tag, bucket prefix), as do the metrics' `stack` dimension and the `stack` tag.
     */
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
    database: {
        name: string; user: string; volumeGiB: number; exporterUser: string;
        /** single | replica (hardening.databaseReplica) | cluster (three MariaDB Galera servers, every one a writer). */
        topology: DatabaseTopology;
    };
    app: {
        custom: boolean;
        artifactUrl?: string;
        artifactSha256?: string;
        startCommand?: string;
        /** Distribution packages the custom artifact needs (app.packages), validated names; [] for the bundled app. */
        packages: string[];
        /** The s3:// artifact's customer-managed KMS key (app.artifactKmsKeyArn), validated against awsConstraints' kmsKeyArn row. */
        artifactKmsKeyArn?: string;
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
    /** SSM Parameter Store prefix of the stack's secrets and toolkit files: "/<physical name>/<environment>". */
    parameterPrefix: string;
    secrets: SecretRef[];
    flows: Flow[];
}

/** Backup settings after validation (model/backup.ts), every default applied. */
export interface BackupModel {
    dailySnapshots: number;
    weeklySnapshots: number;
    logicalRetentionDays: number;
    binlogIntervalMinutes: number;
}

/** Patching settings after validation (model/patching.ts), every default applied. */
export interface PatchingModel {
    autoReboot: boolean;
    rebootTime: string;
}

export type Endpoint =
    | { kind: "server"; name: string }
    | { kind: "cidr"; cidr: string; label: string };

export interface Flow {
    /** Stable id, used in resource names: "internet-to-lb-https". */
    id: string;
    from: Endpoint;
    to: Endpoint;
    protocol: "tcp" | "udp";
    port: number;
    /** Why the flow exists; also the security-group rule's description, so EC2's alphabet only (no apostrophes: components/model/awsConstraints.ts). */
    why: string;
    /**
     * Enforced by the host firewall only: AWS security groups never filter traffic to the VPC
     * resolver or the Amazon Time Sync Service, so a security-group rule for it would be noise.
     */
    hostOnly?: boolean;
}

export function serversWith(model: Pick<Model, "servers">, role: Role): ServerModel[] {
    return model.servers.filter((s) => s.roles.includes(role));
}

/** database.topology "cluster": every Role.Database server is a MariaDB Galera node that accepts writes. */
export function isCluster(model: Pick<Model, "database">): boolean {
    return model.database.topology === DatabaseTopology.Cluster;
}

/** The stack's internal CA is made and installed: hardening.endToEndTls, or a cluster (Galera always runs over TLS). */
export function needsInternalCa(model: Pick<Model, "database" | "hardening">): boolean {
    return model.hardening.endToEndTls || isCluster(model);
}
