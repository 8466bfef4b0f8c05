import * as assert from "assert";
import { buildModel, SecuredWebStackArgsError, Ports } from "../components/model";
import type { SecuredWebStackArgs } from "../components/types";
import { argumentFields } from "./helpers/argumentFields";

const ok: SecuredWebStackArgs = { domain: "www.foobar.com" };

// Each bad input: the field the error must name, and a word of the allowed values it must give.
const BAD: [string, any, string, string][] = [
    ["not a hostname", { domain: "not a host" }, "domain", "fully qualified"],
    ["upper-case hostname", { domain: "WWW.FOOBAR.COM" }, "domain", "lower-case"],
    ["missing domain", {}, "domain", "missing"],
    ["bad environment", { environment: "Prod!" }, "environment", "lower-case"],
    ["unknown layout", { layout: "mesh" }, "layout", `"split"`],
    ["unknown os", { os: "centos-7" }, "os", `"ubuntu-24.04"`],
    ["malformed instance type", { instanceTypes: { web: "large" } }, "instanceTypes.web", "t3.small"],
    ["arm64 instance type", { instanceTypes: { app: "t4g.medium" } }, "instanceTypes.app", "x86_64"],
    ["web servers zero", { webServers: 0 }, "webServers", "1 to 10"],
    ["web servers fractional", { webServers: 1.5 }, "webServers", "whole number"],
    ["bad VPC CIDR", { network: { vpcCidr: "10.20.0.0/33" } }, "network.vpcCidr", "CIDR"],
    ["VPC CIDR with host bits", { network: { vpcCidr: "10.20.0.1/16" } }, "network.vpcCidr", "CIDR"],
    ["VPC too large", { network: { vpcCidr: "10.0.0.0/8" } }, "network.vpcCidr", "/16 to /24"],
    ["subnet outside VPC", { network: { vpcCidr: "10.20.0.0/16", publicSubnetCidr: "10.99.0.0/24" } }, "network.publicSubnetCidr", "not inside"],
    ["overlapping subnets", { network: { publicSubnetCidr: "10.20.0.0/23", privateSubnetCidr: "10.20.1.0/24" } }, "network.privateSubnetCidr", "overlaps"],
    ["empty subnet", { network: { publicSubnetCidr: "10.20.0.0/30" } }, "network.publicSubnetCidr", "too small"],
    ["subnet too small for its servers", { network: { publicSubnetCidr: "10.20.0.0/28" } }, "network.publicSubnetCidr", "too small"],
    ["unknown network mode", { network: { mode: "vpn" } }, "network.mode", `"nat-gateway"`],
    ["subnet ids without VPC", { network: { existingPublicSubnetId: "subnet-0123456789abcdef0" } }, "network.existingVpcId", "missing"],
    ["existing VPC without subnets", { network: { existingVpcId: "vpc-0123456789abcdef0" } }, "network.existingPublicSubnetId", "subnet id"],
    ["SSH open to the world", { adminCidrs: ["0.0.0.0/0"] }, "adminCidrs[0]", "allowSshFromAnywhere"],
    ["admin CIDR not a CIDR", { adminCidrs: ["203.0.113.7"] }, "adminCidrs[0]", "CIDR"],
    ["admin CIDRs not a list", { adminCidrs: "203.0.113.7/32" }, "adminCidrs", "list"],
    ["ssh key without admin CIDRs", { sshKeyName: "mykey" }, "sshKeyName", "adminCidrs"],
    ["unknown TLS mode", { tls: { mode: "tls-magic" } }, "tls.mode", `"lets-encrypt"`],
    ["Let's Encrypt without e-mail", { tls: { mode: "lets-encrypt" } }, "tls.email", "missing"],
    ["bad e-mail", { tls: { mode: "lets-encrypt", email: "ops-at-foobar" } }, "tls.email", "e-mail"],
    ["bad ACME directory", { tls: { mode: "lets-encrypt", email: "a@b.co", acmeDirectory: "http://acme.local/dir" } }, "tls.acmeDirectory", "https://"],
    ["unknown key algorithm", { tls: { keyAlgorithm: "DSA" } }, "tls.keyAlgorithm", `"ECDSA"`],
    ["imported without key", { tls: { mode: "imported", certificatePem: "x" } }, "tls.certificatePem/tls.privateKeyPem", "missing"],
    ["certificate given in another mode", { tls: { mode: "self-signed", certificatePem: "x", privateKeyPem: "y" } }, "tls.certificatePem", `"imported"`],
    ["ACM without hosted zone", { tls: { mode: "acm" } }, "dns.hostedZoneId", "missing"],
    ["bad hosted zone id", { dns: { hostedZoneId: "zone-1" } }, "dns.hostedZoneId", "Route53"],
    ["unknown monitoring sink", { monitoring: { sink: "datadog" } }, "monitoring.sink", `"sumologic"`],
    ["remote write without URL", { monitoring: { sink: "prometheus-remote-write" } }, "monitoring.remoteWriteUrl", "missing"],
    ["remote write URL with credentials", { monitoring: { sink: "prometheus-remote-write", remoteWriteUrl: "https://u:p@prom.example.com/api/v1/write" } }, "monitoring.remoteWriteUrl", "credentials"],
    ["sumologic without URL", { monitoring: { sink: "sumologic" } }, "monitoring.sumoLogicUrl", "missing"],
    ["database name with quote", { database: { name: "app'; DROP" } }, "database.name", "letters"],
    ["reserved database user", { database: { user: "root" } }, "database.user", "reserved"],
    ["data volume too small", { database: { volumeGiB: 2 } }, "database.volumeGiB", "8 to 16384"],
    ["unknown database topology", { database: { topology: "galera" } }, "database.topology", `"single", "replica", "cluster"`],
    ["app port clashes with MySQL", { app: { port: Ports.mysql } }, "app.port", "clashes"],
    ["app port privileged", { app: { port: 80 } }, "app.port", "1024 to 65535"],
    ["artifact without checksum", { app: { artifactUrl: "https://example.com/app.tgz", startCommand: "node ." } }, "app.artifactSha256", "missing"],
    ["artifact over plain http", { app: { artifactUrl: "http://example.com/app.tgz", artifactSha256: "a".repeat(64), startCommand: "x" } }, "app.artifactUrl", "https://"],
    ["artifact without start command", { app: { artifactUrl: "https://example.com/app.tgz", artifactSha256: "a".repeat(64) } }, "app.startCommand", "missing"],
    ["app package not a Debian package name", { app: { artifactUrl: "https://example.com/app.tgz", artifactSha256: "a".repeat(64), startCommand: "node .", packages: ["Node JS"] } }, "app.packages[0]", "Debian policy"],
    ["artifact KMS key not a key ARN", { app: { artifactUrl: "s3://releases/app.tgz", artifactSha256: "a".repeat(64), startCommand: "node .", artifactKmsKeyArn: "my-key" } }, "app.artifactKmsKeyArn", "key ARN"],
    ["bad health path", { app: { healthPath: "healthz" } }, "app.healthPath", "absolute"],
    ["reserved app environment variable", { app: { environment: { DB_PASSWORD_FILE: "/tmp/x" } } }, "app.environment.DB_PASSWORD_FILE", "reserved"],
    ["deploy gate timeout too short", { deployGate: { timeoutSeconds: 5 } }, "deployGate.timeoutSeconds", "30 to 3600"],
    ["termination protection not boolean", { terminationProtection: "yes" }, "terminationProtection", "true or false"],
    ["aws: tag", { tags: { "aws:owner": "me" } }, "tags.aws:owner", "aws:"],
    ["SSH override not boolean", { allowSshFromAnywhere: "yes" }, "allowSshFromAnywhere", "true or false"],
    ["app workers too many", { app: { workers: 65 } }, "app.workers", "1 to 64"],
    ["app servers zero", { appServers: 0 }, "appServers", "1 to 10"],
    ["deploy gate switch not boolean", { deployGate: { enabled: "no" } }, "deployGate.enabled", "true or false"],
    ["replica switch not boolean", { hardening: { databaseReplica: "yes" } }, "hardening.databaseReplica", "true or false"],
    ["end-to-end TLS switch not boolean", { hardening: { endToEndTls: 1 } }, "hardening.endToEndTls", "true or false"],
    ["malformed balancer instance type", { instanceTypes: { balancer: "big" } }, "instanceTypes.balancer", "t3.small"],
    ["bad alarm e-mail", { monitoring: { alarmEmail: "ops" } }, "monitoring.alarmEmail", "e-mail"],
    ["SigV4 switch not boolean", { monitoring: { sink: "prometheus-remote-write", remoteWriteUrl: "https://aps.example.com/api/v1/write", remoteWriteSigV4: "on" } }, "monitoring.remoteWriteSigV4", "true or false"],
    ["bad availability zone", { network: { availabilityZone: "zone a" } }, "network.availabilityZone", "eu-west-1a"],
    ["bad existing private subnet id", { network: { existingVpcId: "vpc-0123456789abcdef0", existingPublicSubnetId: "subnet-0123456789abcdef0", existingPrivateSubnetId: "sn-1" } }, "network.existingPrivateSubnetId", "subnet id"],
    ["reboot switch not boolean", { patching: { autoReboot: "yes" } }, "patching.autoReboot", "true or false"],
    ["reboot time without leading zero", { patching: { rebootTime: "4:30" } }, "patching.rebootTime", "HH:MM"],
    ["ACME CA not a certificate", { tls: { mode: "lets-encrypt", email: "ops@foobar.com", acmeCaPem: "not a pem" } }, "tls.acmeCaPem", "PEM"],
    ["apex redirect not boolean", { tls: { redirectApex: "yes" } }, "tls.redirectApex", "true or false"],
    ["daily snapshots zero", { backup: { dailySnapshots: 0 } }, "backup.dailySnapshots", "1 to 365"],
    ["weekly snapshots negative", { backup: { weeklySnapshots: -1 } }, "backup.weeklySnapshots", "0 to 260"],
    ["logical retention too long", { backup: { logicalRetentionDays: 3651 } }, "backup.logicalRetentionDays", "1 to 3650"],
    ["binlog interval too long", { backup: { binlogIntervalMinutes: 61 } }, "backup.binlogIntervalMinutes", "1 to 60"],
];

describe("model: validation", () => {
    for (const [what, extra, field, allowed] of BAD) {
        it(`rejects ${what}, naming ${field}`, () => {
            const args = { ...ok, ...extra };
            if (!("domain" in extra) && what === "missing domain") delete (args as any).domain;
            assert.throws(() => buildModel(args as SecuredWebStackArgs), (e: unknown) => {
                assert.ok(e instanceof SecuredWebStackArgsError, `expected SecuredWebStackArgsError, got ${e}`);
                const line = e.problems.find((p) => p.startsWith(`${field}:`));
                assert.ok(line, `no problem names ${field}: ${e.problems.join(" | ")}`);
                assert.ok(line!.includes(allowed), `"${line}" does not say ${allowed}`);
                return true;
            });
        });
    }
    it("has a bad-input case naming every argument of SecuredWebStackArgs (read from components/types.ts)", () => {
        // A case's field, as the argument it belongs to: "adminCidrs[0]" → adminCidrs, "tags.aws:owner" → tags,
        // "tls.certificatePem/tls.privateKeyPem" → both.
        const covered = new Set(BAD.flatMap((b) => b[2].split("/")).map((f) => f.replace(/\[\d+\]$/, "").replace(/^(app\.environment|tags)\..*$/, "$1")));
        const missing = argumentFields().map((a) => a.field).filter((f) => !covered.has(f));
        assert.deepStrictEqual(missing, []);
    });
    it("reports every problem at once", () => {
        assert.throws(() => buildModel({ domain: "x", os: "nope" as any, tls: { mode: "lets-encrypt" } }), (e: any) => e.problems.length === 3);
    });
    it("accepts SSH from anywhere only with the explicit override", () => {
        const m = buildModel({ ...ok, adminCidrs: ["0.0.0.0/0"], allowSshFromAnywhere: true });
        assert.deepStrictEqual(m.flows.filter((f) => f.port === 22).map((f) => f.id), ["admin-1-to-lb-ssh", "admin-1-to-web-1-ssh", "admin-1-to-app-1-ssh"]);
    });
});

describe("model: defaults", () => {
    const m = buildModel(ok);
    it("applies the seed's split layout: lb | web | app + database", () => {
        assert.deepStrictEqual(m.servers.map((s) => [s.name, s.roles]), [["lb", ["balancer"]], ["web-1", ["web"]], ["app-1", ["app", "database"]]]);
    });
    it("gives fixed private addresses inside their subnets", () => {
        assert.deepStrictEqual(m.servers.map((s) => s.privateIp), ["10.20.0.10", "10.20.0.20", "10.20.0.30"]);
    });
    it("puts web and app in the private subnet behind NAT in prod", () => {
        const prod = buildModel({ ...ok, environment: "prod" });
        assert.strictEqual(prod.network.mode, "nat-gateway");
        assert.deepStrictEqual(prod.servers.map((s) => [s.subnet, s.privateIp, s.publicIp]), [["public", "10.20.0.10", false], ["private", "10.20.1.20", false], ["private", "10.20.1.30", false]]);
        assert.strictEqual(prod.terminationProtection, true);
    });
    it("defaults to self-signed TLS, CloudWatch, Ubuntu/MySQL", () => {
        assert.strictEqual(m.tls.mode, "self-signed");
        assert.strictEqual(m.monitoring.sink, "cloudwatch");
        assert.strictEqual(m.dbEngine, "mysql");
        assert.strictEqual(buildModel({ ...ok, os: "debian-12" }).dbEngine, "mariadb");
    });
    it("names secrets by SSM parameter, never by value", () => {
        assert.deepStrictEqual(m.secrets.map((s) => s.parameter), ["/sws/dev/db-app-password", "/sws/dev/db-exporter-password", "/sws/dev/tls-pem"]);
    });
});

describe("model: flows", () => {
    it("opens exactly the seed's connections between servers, and SSH only when asked", () => {
        const m = buildModel(ok);
        const between = m.flows.filter((f) => !(f.to.kind === "cidr")).map((f) => `${f.id} ${f.protocol}/${f.port}`);
        assert.deepStrictEqual(between, [
            "internet-to-lb-http tcp/80", "internet-to-lb-https tcp/443",
            "lb-to-web-1-web tcp/8080", "web-1-to-app-1-app tcp/3000",
        ]);
        assert.ok(!m.flows.some((f) => f.port === 22));
        assert.ok(!m.flows.some((f) => f.port === Ports.mysql), "MySQL is local to the app server in the seed layout");
    });
    it("lets every server out only on the ports it needs", () => {
        const m = buildModel(ok);
        const out = m.flows.filter((f) => f.from.kind === "server" && f.from.name === "web-1" && f.to.kind === "cidr").map((f) => `${f.protocol}/${f.port}${f.hostOnly ? " host-only" : ""}`);
        assert.deepStrictEqual(out, ["tcp/443", "tcp/80", "udp/53 host-only", "tcp/53 host-only", "udp/123 host-only"]);
    });
    it("adds egress for a sink or ACME server on a non-standard port", () => {
        const m = buildModel({ ...ok, tls: { mode: "lets-encrypt", email: "a@b.co", acmeDirectory: "https://acme.lab:14000/dir" }, monitoring: { sink: "prometheus-remote-write", remoteWriteUrl: "http://sink.lab:9090/api/v1/write" } });
        assert.ok(m.flows.some((f) => f.id === "lb-to-internet-tcp-14000"));
        assert.ok(!m.flows.some((f) => f.id === "web-to-internet-tcp-14000"), "only the balancer talks ACME");
        assert.deepStrictEqual(m.flows.filter((f) => f.port === 9090).map((f) => f.id), ["lb-to-internet-tcp-9090", "web-1-to-internet-tcp-9090", "app-1-to-internet-tcp-9090"]);
    });
    it("spreads the balancer over every web server", () => {
        const m = buildModel({ ...ok, webServers: 3 });
        assert.deepStrictEqual(m.flows.filter((f) => f.port === 8080).map((f) => f.id), ["lb-to-web-1-web", "lb-to-web-2-web", "lb-to-web-3-web"]);
    });
});
