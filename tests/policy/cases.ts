// One failing and one passing fixture for every policy of the pack (policies.test.ts runs them
// all and checks that no policy lacks a pair). Edge cases live in the area test files.

import { randomBytes } from "crypto";
import { PackConfig, PackResource } from "../helpers/policyHarness";
import {
    ADMIN,
    LEAST_PRIVILEGE,
    Role,
    T,
    clusterStack,
    dataVolume,
    egressRule,
    ingressRule,
    instance,
    resource,
    secureStack,
    securityGroup,
    replace,
    without,
    bucket,
    networkAndStorage,
} from "./fixtures";

export interface PolicyCase {
    fail: () => PackResource[];
    /** What the failing fixture's message must say. */
    finding: RegExp;
    pass: () => PackResource[];
    config?: PackConfig;
}

const ALL: Role[] = ["balancer", "web", "app", "database"];

/** web | app | database on three servers, with one extra rule admitting 3306 to the database. */
export function databaseTier(rule: PackResource): PackResource[] {
    return [
        instance("web", { roles: ["web"] }),
        instance("app", { roles: ["app"] }),
        instance("db", { roles: ["database"] }),
        securityGroup("web"),
        securityGroup("app"),
        securityGroup("db"),
        rule,
    ];
}

const mysqlFrom = (source: Record<string, string>) =>
    ingressRule("db-mysql", "db", { ipProtocol: "tcp", fromPort: 3306, toPort: 3306, description: "app -> database :3306", ...source });

const web = (o: Parameters<typeof instance>[1] = { roles: ["web"] }) => [instance("web", o)];
const webWith = (props: Record<string, unknown>) => web({ roles: ["web"], props });
const webWithout = (...paths: string[]) => web({ roles: ["web"], payload: { without: paths } });
const lbWith = (haproxy: Record<string, unknown>) => [instance("lb", { roles: ["balancer"], payload: { haproxy } })];

export const cases: Record<string, PolicyCase> = {
    "tls-terminated-at-balancer": {
        fail: secureStack,
        finding: /lb terminates TLS .* forwards plain HTTP to web 10\.20\.1\.20:8080/,
        pass: () => replace(secureStack(), "lb", instance("lb", { roles: ["balancer"], payload: { haproxy: { backendTls: "verified" } } })),
    },
    "single-database-writer": {
        fail: secureStack,
        finding: /exactly one server accepts MySQL writes \(app \[app\+database\]\) and no replica or cluster node can take over/,
        pass: () => clusterStack(3),
    },
    "identical-server-roles": {
        fail: () => [
            instance("lb", { roles: ALL }),
            instance("node-1", { roles: ALL, privateIp: "10.20.1.20" }),
            instance("node-2", { roles: ALL, privateIp: "10.20.1.21" }),
        ],
        finding: /all 3 servers run the same components: app\+balancer\+database\+web/,
        pass: secureStack,
    },
    "instance-imdsv2-required": {
        fail: () => webWith({ metadataOptions: { httpEndpoint: "enabled", httpTokens: "optional", httpPutResponseHopLimit: 1 } }),
        finding: /httpTokens is "optional"/,
        pass: web,
    },
    "instance-imds-hop-limit": {
        fail: () => webWith({ metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 2 } }),
        finding: /httpPutResponseHopLimit is 2 \(limit 1\)/,
        pass: web,
    },
    "volumes-encrypted": {
        fail: () => [
            instance("web", { roles: ["web"], props: { rootBlockDevice: { encrypted: false, volumeType: "gp3", volumeSize: 20 } } }),
            dataVolume("app-data", { encrypted: false }),
        ],
        finding: /unencrypted: (rootBlockDevice|the volume)/,
        pass: () => [instance("web", { roles: ["web"] }), dataVolume()],
    },
    "no-public-ip-on-private-tiers": {
        fail: () => replace(secureStack(), "web", instance("web", { roles: ["web"], props: { associatePublicIpAddress: true } })),
        finding: /web \[web\] has a public address: associatePublicIpAddress: true/,
        pass: secureStack,
    },
    "no-admin-ports-from-anywhere": {
        fail: () => [ingressRule("ssh", "web", { ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "0.0.0.0/0", description: "ssh" })],
        finding: /ingress tcp\/22 from 0\.0\.0\.0\/0 .* opens administration port\(s\) 22/,
        pass: () => [ingressRule("ssh", "web", { ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "203.0.113.0/24", description: "office -> ssh" })],
    },
    "public-ingress-limited-to-web-ports": {
        fail: () => [ingressRule("metrics", "web", { ipProtocol: "tcp", fromPort: 9100, toPort: 9100, cidrIpv4: "0.0.0.0/0", description: "node exporter" })],
        finding: /ingress tcp\/9100 from 0\.0\.0\.0\/0/,
        pass: () => [ingressRule("https", "lb", { ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0", description: "https" })],
    },
    "database-port-restricted-to-app-tier": {
        fail: () => databaseTier(mysqlFrom({ referencedSecurityGroupId: "sg-web" })),
        finding: /admits database port\(s\) 3306 from security group web-sg \(attached to web \[web\]\)/,
        pass: () => databaseTier(mysqlFrom({ referencedSecurityGroupId: "sg-app" })),
    },
    "security-group-rule-descriptions": {
        fail: () => [securityGroup("web", { ingress: [{ protocol: "tcp", fromPort: 8080, toPort: 8080, securityGroups: ["sg-lb"] }] })],
        finding: /1 rule\(s\) without a description: ingress tcp\/8080 from sg-lb on web-sg \(SecurityGroup\) ingress\[0\]/,
        pass: () => [
            securityGroup("web", {
                ingress: [{ protocol: "tcp", fromPort: 8080, toPort: 8080, securityGroups: ["sg-lb"], description: "balancer -> web :8080" }],
            }),
        ],
    },
    "egress-not-wide-open": {
        fail: () => [egressRule("all-out", "web", { ipProtocol: "-1", cidrIpv4: "0.0.0.0/0", description: "everything" })],
        finding: /egress all traffic to 0\.0\.0\.0\/0 .* \(65536 ports, limit 1\)/,
        pass: () => [egressRule("https-out", "web", { ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0", description: "https" })],
    },
    "no-secrets-in-user-data": {
        fail: () => web({ roles: ["web"], payload: { files: { "/root/.my.cnf": "[client]\nuser = root\npassword = S3cr3t-Passw0rd\n" } } }),
        finding: /password or token assignment in \/root\/\.my\.cnf line 3/,
        pass: web,
    },
    "user-data-size-limit": {
        fail: () => web({ roles: ["web"], payload: { files: { "/srv/www/big.bin.b64": randomText(30000) } } }),
        finding: /the user data is \d+ bytes \(limit 16384\)/,
        pass: web,
    },
    "instance-detailed-monitoring": {
        fail: () => webWith({ monitoring: false }),
        finding: /monitoring is not enabled/,
        pass: web,
    },
    "database-termination-protection": {
        fail: () => [instance("app", { roles: ["app", "database"], props: { disableApiTermination: false } })],
        finding: /app \[app\+database\] can be terminated through the API/,
        pass: () => [instance("app", { roles: ["app", "database"] })],
    },
    "instance-role-attached": {
        fail: () => webWith({ iamInstanceProfile: undefined }),
        finding: /no iamInstanceProfile/,
        pass: web,
    },
    "instance-has-security-group": {
        fail: () => webWith({ vpcSecurityGroupIds: [] }),
        finding: /the VPC's default security group applies/,
        pass: web,
    },
    "monitoring-collector-on-every-server": {
        fail: () => webWithout("/etc/sws/collector.yaml", "/etc/systemd/system/sws-collector.service", "sws-collector"),
        finding: /web \[web\]'s user data installs no monitoring collector/,
        pass: web,
    },
    "host-firewall-on-every-server": {
        fail: () => webWithout("nftables", "/etc/nftables.conf"),
        finding: /web \[web\]'s user data configures no host firewall/,
        pass: web,
    },
    "unattended-upgrades-enabled": {
        fail: () => webWithout("unattended-upgrades", "/etc/apt/apt.conf.d/52sws-unattended-upgrades"),
        finding: /does not install unattended-upgrades/,
        pass: web,
    },
    "http-redirects-to-https": {
        fail: () => lbWith({ redirect: false }),
        finding: /frontend\(s\) http-in serve plain HTTP \(`bind :80`\) without redirecting to HTTPS/,
        pass: () => lbWith({}),
    },
    "tls-minimum-version": {
        fail: () => lbWith({ minTls: "TLSv1.0" }),
        finding: /HAProxy `bind :443 ssl crt \/etc\/haproxy\/certs\/ alpn h2,http\/1\.1` accepts TLSv1\.0/,
        pass: () => lbWith({}),
    },
    "hsts-enabled": {
        fail: () => lbWith({ hsts: false }),
        finding: /frontend https-in sets no Strict-Transport-Security header/,
        pass: () => lbWith({}),
    },
    "database-data-on-persistent-volume": {
        fail: () => without(secureStack(), "app-data", "app-data-attachment"),
        finding: /app \[app\+database\] has no aws\.ebs\.Volume attached/,
        pass: secureStack,
    },
    "database-volume-backed-up": {
        fail: () => without(secureStack(), "db-snapshots"),
        finding: /no enabled aws\.dlm\.LifecyclePolicy targets the tags of app \[app\+database\]'s data volume/,
        pass: secureStack,
    },
    "iam-no-wildcard-admin": {
        fail: () => [resource(T.rolePolicy, "app-admin", "sws-prod-app:admin", { role: "sws-prod-app", policy: ADMIN })],
        finding: /policy: statement #1 allows \* on \*/,
        pass: () => [resource(T.rolePolicy, "app-secrets", "sws-prod-app:secrets", { role: "sws-prod-app", policy: LEAST_PRIVILEGE })],
    },
    "ssm-secrets-are-securestring": {
        fail: () => [parameter("String")],
        finding: /parameter \/sws\/prod\/db-app-password looks like a secret .* but is type "String"/,
        pass: () => [parameter("SecureString")],
    },
    "required-tags": {
        fail: () => webWith({ tags: { Name: "sws-prod-web" } }),
        finding: /missing tag\(s\): role, environment/,
        pass: web,
    },
    "s3-bucket-access-logging": {
        fail: () => [...bucket("backups"), ...bucket("other", { logTo: "logs" }), ...bucket("logs")],
        finding: /backups \(Bucket\) has no server access logging/,
        pass: () => [...bucket("backups", { logTo: "logs" }), ...bucket("logs")],
    },
    "s3-bucket-public-access-blocked": {
        fail: () => [...bucket("backups", { publicAccessBlock: false })],
        finding: /backups \(Bucket\): no public access block/,
        pass: () => [...bucket("backups")],
    },
    "s3-bucket-encrypted": {
        fail: () => [...bucket("backups", { sse: false })],
        finding: /backups \(Bucket\) declares no default encryption/,
        pass: () => [...bucket("backups"), ...bucket("logs", { sse: "AES256" })],
    },
    "vpc-flow-logs-enabled": {
        fail: () => without(networkAndStorage(), "vpc-flow-log"),
        finding: /vpc \(Vpc\) has no flow log/,
        pass: networkAndStorage,
    },
    "default-security-group-restricted": {
        fail: () => replace(networkAndStorage(), "vpc-default-sg", resource(T.defaultSecurityGroup, "vpc-default-sg", "sg-default", {
            vpcId: "vpc-0sws", ingress: [{ protocol: "-1", fromPort: 0, toPort: 0, self: true }], egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
        })),
        finding: /vpc-default-sg \(DefaultSecurityGroup\) of vpc keeps 1 ingress and 1 egress rule\(s\)/,
        pass: networkAndStorage,
    },
    "kms-key-rotation-enabled": {
        fail: () => [resource(T.kmsKey, "telemetry-key", "key-1", { description: "telemetry" })],
        finding: /enableKeyRotation is not true/,
        pass: () => [resource(T.kmsKey, "telemetry-key", "key-1", { enableKeyRotation: true }), resource(T.kmsKey, "signing", "key-2", { customerMasterKeySpec: "ECC_NIST_P256", keyUsage: "SIGN_VERIFY" })],
    },
    "log-group-retention": {
        fail: () => [resource(T.logGroup, "log-access", "/sws/dev/logs", { name: "/sws/dev/logs", kmsKeyId: "k" })],
        finding: /no retention: events are kept forever/,
        pass: () => [resource(T.logGroup, "log-access", "/sws/dev/logs", { name: "/sws/dev/logs", retentionInDays: 14, kmsKeyId: "k" })],
    },
    "log-group-encrypted": {
        fail: () => [resource(T.logGroup, "log-access", "/sws/dev/logs", { name: "/sws/dev/logs", retentionInDays: 30 })],
        finding: /no kmsKeyId/,
        pass: () => [resource(T.logGroup, "log-access", "/sws/dev/logs", { name: "/sws/dev/logs", retentionInDays: 30, kmsKeyId: "arn:aws:kms:us-east-1:123456789012:key/k" })],
    },
    "sns-topic-encrypted": {
        fail: () => [resource(T.snsTopic, "alarms", "arn:aws:sns:us-east-1:123456789012:alarms", { name: "alarms" })],
        finding: /no kmsMasterKeyId/,
        pass: () => [resource(T.snsTopic, "alarms", "arn:aws:sns:us-east-1:123456789012:alarms", { name: "alarms", kmsMasterKeyId: "arn:aws:kms:us-east-1:123456789012:key/k" })],
    },
    "policy-exemptions-have-reasons": {
        fail: () => bucket("backups", { tags: { "sws:policy-exempt:s3-bucket-access-logging": " ", "sws:policy-exempt:no-such-policy": "a reason" } }),
        finding: /^(?=[\s\S]*sws:policy-exempt:s3-bucket-access-logging has no reason, so s3-bucket-access-logging still applies)(?=[\s\S]*sws:policy-exempt:no-such-policy names no policy of this pack)/,
        pass: () => bucket("backups", { tags: { "sws:policy-exempt:s3-bucket-access-logging": "logs go to the organisation's CloudTrail data events instead" } }),
    },
};

export function parameter(type: string, name = "/sws/prod/db-app-password") {
    return resource(T.ssmParameter, name.split("/").pop()!, name, { name, type, value: "x" });
}

/** Incompressible text (gzip cannot shrink it much). */
export function randomText(length: number): string {
    return randomBytes(length).toString("base64").slice(0, length);
}
