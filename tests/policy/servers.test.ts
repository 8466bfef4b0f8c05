import * as assert from "node:assert";
import { unknown } from "../helpers/policyHarness";
import { InstanceOptions, PayloadOptions, instance, renderCloudConfig } from "./fixtures";
import { findings, outcome } from "./run";

const web = (props: Record<string, unknown> = {}, o: Partial<InstanceOptions> = {}) => instance("web", { roles: ["web"], props, ...o });
const withPayload = (payload: PayloadOptions) => instance("web", { roles: ["web"], payload });
const lb = (haproxy: Record<string, unknown>) => instance("lb", { roles: ["balancer"], payload: { haproxy } });
const shell = (...lines: string[]) => instance("web", { roles: ["web"], plain: true, userDataText: ["#!/bin/bash", ...lines].join("\n") });

const PAYLOAD_POLICIES = [
    "no-secrets-in-user-data",
    "user-data-size-limit",
    "monitoring-collector-on-every-server",
    "host-firewall-on-every-server",
    "unattended-upgrades-enabled",
    "http-redirects-to-https",
    "tls-minimum-version",
    "hsts-enabled",
];

describe("server policies", () => {
    it("skip (not applicable, no preview error) while the user data is unknown", async () => {
        for (const name of PAYLOAD_POLICIES) {
            const out = await outcome(name, web({ userDataBase64: unknown.string }));
            assert.deepStrictEqual(out.violations, [], name);
            assert.strictEqual(out.notApplicable.length, 1, name);
        }
    });

    it("treat an instance without user data as installing nothing", async () => {
        const bare = web({ userDataBase64: undefined });
        for (const name of ["monitoring-collector-on-every-server", "host-firewall-on-every-server", "unattended-upgrades-enabled"]) {
            assert.strictEqual((await findings(name, bare)).length, 1, name);
        }
        assert.deepStrictEqual(await findings("no-secrets-in-user-data", bare), []);
    });

    describe("instance settings", () => {
        it("instance-imdsv2-required: passes a disabled endpoint, skips unknown options", async () => {
            assert.deepStrictEqual(await findings("instance-imdsv2-required", web({ metadataOptions: { httpEndpoint: "disabled" } })), []);
            assert.match((await findings("instance-imdsv2-required", web({ metadataOptions: undefined })))[0], /"optional \(default\)"/);
            assert.strictEqual((await outcome("instance-imdsv2-required", web({ metadataOptions: unknown.object }))).notApplicable.length, 1);
        });

        it("instance-imds-hop-limit: flags an unset limit, honours maxHopLimit", async () => {
            assert.match((await findings("instance-imds-hop-limit", web({ metadataOptions: { httpTokens: "required" } })))[0], /is not set/);
            const two = web({ metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 2 } });
            assert.deepStrictEqual(await findings("instance-imds-hop-limit", two, { maxHopLimit: 2 }), []);
        });

        it("volumes-encrypted: names the unencrypted ebsBlockDevices, skips unknown flags", async () => {
            const devices = web({ ebsBlockDevices: [{ deviceName: "/dev/sdf", encrypted: true }, { deviceName: "/dev/sdg", volumeSize: 50 }] });
            assert.match((await findings("volumes-encrypted", devices))[0], /unencrypted: ebsBlockDevices\[1\] \(\/dev\/sdg\)$/m);
            assert.match((await findings("volumes-encrypted", web({ rootBlockDevice: undefined })))[0], /unencrypted: rootBlockDevice/);
            const preview = web({ rootBlockDevice: { encrypted: unknown.boolean } });
            assert.strictEqual((await outcome("volumes-encrypted", preview)).notApplicable.length, 1);
        });

        it("instance-role-attached and instance-has-security-group accept values computed at deploy time", async () => {
            assert.deepStrictEqual(await findings("instance-role-attached", web({ iamInstanceProfile: unknown.string })), []);
            assert.strictEqual((await findings("instance-role-attached", web({ iamInstanceProfile: "" }))).length, 1);
            assert.strictEqual((await outcome("instance-has-security-group", web({ vpcSecurityGroupIds: unknown.array }))).notApplicable.length, 1);
            assert.deepStrictEqual(await findings("instance-has-security-group", web({ vpcSecurityGroupIds: undefined, securityGroups: ["web"] })), []);
        });

        it("database-termination-protection applies to database servers only", async () => {
            const out = await outcome("database-termination-protection", web({ disableApiTermination: false }));
            assert.deepStrictEqual(out.violations, []);
            assert.match(out.notApplicable[0].reason ?? "", /applies to database servers/);
            const tagged = instance("db", { roles: [], tags: { role: "db" }, userDataText: "#!/bin/sh\necho hi\n", props: { disableApiTermination: false } });
            assert.strictEqual((await findings("database-termination-protection", tagged)).length, 1);
        });

        it("instance-detailed-monitoring skips an unknown flag", async () => {
            assert.strictEqual((await outcome("instance-detailed-monitoring", web({ monitoring: unknown.boolean }))).notApplicable.length, 1);
        });
    });

    describe("no-secrets-in-user-data", () => {
        const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----\n";

        it("names kind and place, never the secret", async () => {
            const [detail] = await findings(
                "no-secrets-in-user-data",
                withPayload({ files: { "/root/.ssh/id_ed25519": KEY }, runcmd: [["aws", "configure", "set", "aws_access_key_id", "AKIAIOSFODNN7EXAMPLE"]] }),
            );
            assert.match(detail, /private key in \/root\/\.ssh\/id_ed25519 line 1/);
            assert.match(detail, /AWS access key id in user data line \d+/);
            assert.doesNotMatch(detail, /AKIAIOSFODNN7EXAMPLE|b3BlbnNzaC1rZXkt/);
        });

        it("finds SQL passwords, URL credentials and password assignments in shell scripts", async () => {
            const [detail] = await findings(
                "no-secrets-in-user-data",
                shell(
                    "export DB_PASSWORD=hunter2hunter2",
                    "mysql -e \"CREATE USER 'app'@'%' IDENTIFIED BY 'Tr0ub4dor'\"",
                    "curl -fsS https://deploy:s3cr3t@artifacts.example.com/app.tgz -o /tmp/app.tgz",
                ),
            );
            assert.match(detail, /password or token assignment in user data line 2/);
            assert.match(detail, /database password in SQL in user data line 3/);
            assert.match(detail, /credentials in a URL in user data line 4/);
        });

        it("accepts references to secrets fetched at boot", async () => {
            const refs = withPayload({
                files: {
                    "/etc/sws/app.env": "DB_PASSWORD_FILE=/run/sws/secrets/db-app-password\nTOKEN=${SUMO_TOKEN}\n",
                    "/etc/mysql/debian.cnf": "[client]\npassword = /run/sws/secrets/db-root\n",
                },
            });
            assert.deepStrictEqual(await findings("no-secrets-in-user-data", refs), []);
        });
    });

    describe("user data contents", () => {
        it("user-data-size-limit honours maxBytes", async () => {
            assert.match((await findings("user-data-size-limit", web(), { maxBytes: 500 }))[0], /bytes \(limit 500\)/);
        });

        it("monitoring-collector-on-every-server takes the collector names from config", async () => {
            const custom = withPayload({ without: ["/etc/sws/collector.yaml", "/etc/systemd/system/sws-collector.service", "sws-collector"], packages: ["acme-agent"] });
            assert.strictEqual((await findings("monitoring-collector-on-every-server", custom)).length, 1);
            assert.deepStrictEqual(await findings("monitoring-collector-on-every-server", custom, { collectors: ["acme-agent"] }), []);
            assert.deepStrictEqual(await findings("monitoring-collector-on-every-server", withPayload({ packages: ["amazon-cloudwatch-agent"] })), []);
        });

        it("host-firewall-on-every-server accepts ufw, iptables or nftables from a shell script", async () => {
            assert.deepStrictEqual(await findings("host-firewall-on-every-server", shell("apt-get install -y ufw", "ufw --force enable")), []);
            assert.deepStrictEqual(await findings("host-firewall-on-every-server", shell("nft -f /etc/nftables.conf")), []);
            assert.strictEqual((await findings("host-firewall-on-every-server", shell("apt-get install -y nginx"))).length, 1);
        });

        it("unattended-upgrades-enabled tells not installed, disabled and never enabled apart", async () => {
            const disabled = withPayload({ files: { "/etc/apt/apt.conf.d/99local": 'APT::Periodic::Unattended-Upgrade "0";\n' } });
            assert.match((await findings("unattended-upgrades-enabled", disabled))[0], /installs unattended-upgrades but disables it/);
            const never = withPayload({ without: ["/etc/apt/apt.conf.d/52sws-unattended-upgrades"] });
            assert.match((await findings("unattended-upgrades-enabled", never))[0], /but never enables it/);
            const script = shell("apt-get install -y unattended-upgrades", "dpkg-reconfigure -f noninteractive unattended-upgrades");
            assert.deepStrictEqual(await findings("unattended-upgrades-enabled", script), []);
        });
    });

    describe("HTTPS at the balancer", () => {
        it("http-redirects-to-https: not applicable without HAProxy, fine without a port-80 frontend", async () => {
            assert.match((await outcome("http-redirects-to-https", web())).notApplicable[0].reason ?? "", /runs no HAProxy/);
            const only443 = renderCloudConfig({ packages: ["haproxy"], write_files: [{ path: "/etc/haproxy/haproxy.cfg", content: "frontend https-in\n    bind :443 ssl crt /c\n" }] });
            assert.deepStrictEqual(await findings("http-redirects-to-https", instance("lb", { roles: ["balancer"], userDataText: only443 })), []);
        });

        it("tls-minimum-version: flags a missing minimum and old Nginx protocols, honours minimumVersion", async () => {
            assert.match((await findings("tls-minimum-version", lb({ minTls: false })))[0], /sets no minimum version/);
            assert.match((await findings("tls-minimum-version", lb({}), { minimumVersion: "TLSv1.3" }))[0], /accepts TLSv1\.2/);
            const nginx = (protocols?: string) => withPayload({ nginx: { tls: true, protocols } });
            assert.match((await findings("tls-minimum-version", nginx()))[0], /Nginx \/etc\/nginx\/nginx\.conf offers TLSv1, TLSv1\.1 \(nginx default\)/);
            assert.match((await findings("tls-minimum-version", nginx("TLSv1.1 TLSv1.2")))[0], /offers TLSv1\.1$/m);
            assert.deepStrictEqual(await findings("tls-minimum-version", nginx("TLSv1.2 TLSv1.3")), []);
        });

        it("hsts-enabled: flags a short max-age, honours minMaxAgeSeconds", async () => {
            assert.match((await findings("hsts-enabled", lb({ hsts: 300 })))[0], /frontend https-in sets max-age=300 \(< 31536000\)/);
            assert.deepStrictEqual(await findings("hsts-enabled", lb({ hsts: 300 }), { minMaxAgeSeconds: 300 }), []);
        });
    });
});
