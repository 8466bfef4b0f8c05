import * as assert from "node:assert";
import { unknown, urnOf } from "../helpers/policyHarness";
import { databaseTier } from "./cases";
import { T, egressRule, ingressRule, instance, legacyRule, replace, resource, secureStack, securityGroup } from "./fixtures";
import { findings, outcome } from "./run";

const ssh = { protocol: "tcp", fromPort: 22, toPort: 22, description: "ssh" };

describe("network policies", () => {
    describe("no-admin-ports-from-anywhere", () => {
        it("checks inline IPv6 rules, legacy rules and port ranges, ingress only", async () => {
            assert.match((await findings("no-admin-ports-from-anywhere", securityGroup("web", { ingress: [{ ...ssh, ipv6CidrBlocks: ["::/0"] }] })))[0], /from ::\/0 on web-sg \(SecurityGroup\) ingress\[0\]/);
            const rdp = legacyRule("rdp", "web", { type: "ingress", protocol: "tcp", fromPort: 3389, toPort: 3389, cidrBlocks: ["0.0.0.0/0"], description: "rdp" });
            assert.match((await findings("no-admin-ports-from-anywhere", rdp))[0], /port\(s\) 3389/);
            const everything = ingressRule("all", "web", { ipProtocol: "-1", cidrIpv4: "0.0.0.0/0", description: "all" });
            assert.match((await findings("no-admin-ports-from-anywhere", everything))[0], /port\(s\) 22, 3389/);
            const range = ingressRule("high", "web", { ipProtocol: "tcp", fromPort: 0, toPort: 1024, cidrIpv4: "0.0.0.0/0", description: "r" });
            assert.match((await findings("no-admin-ports-from-anywhere", range))[0], /ingress tcp\/0-1024/);
            const out = legacyRule("out", "web", { type: "egress", protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] });
            assert.deepStrictEqual(await findings("no-admin-ports-from-anywhere", out), []);
        });

        it("takes the admin ports from config", async () => {
            const alt = ingressRule("alt", "web", { ipProtocol: "tcp", fromPort: 2222, toPort: 2222, cidrIpv4: "0.0.0.0/0", description: "ssh" });
            assert.deepStrictEqual(await findings("no-admin-ports-from-anywhere", alt), []);
            assert.strictEqual((await findings("no-admin-ports-from-anywhere", alt, { adminPorts: [2222] })).length, 1);
        });

        it("is not applicable to a rule whose CIDR is not known yet", async () => {
            const preview = ingressRule("ssh", "web", { ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: unknown.string, description: "ssh" });
            const out = await outcome("no-admin-ports-from-anywhere", preview);
            assert.deepStrictEqual(out.violations, []);
            assert.match(out.notApplicable[0].reason ?? "", /not known yet/);
        });
    });

    describe("public-ingress-limited-to-web-ports", () => {
        it("allows ICMP and the configured ports, flags anything else from anywhere", async () => {
            const ping = ingressRule("ping", "lb", { ipProtocol: "icmp", fromPort: 8, toPort: 0, cidrIpv4: "0.0.0.0/0", description: "ping" });
            assert.deepStrictEqual(await findings("public-ingress-limited-to-web-ports", ping), []);
            const dns = ingressRule("dns", "lb", { ipProtocol: "udp", fromPort: 53, toPort: 53, cidrIpv6: "::/0", description: "dns" });
            assert.match((await findings("public-ingress-limited-to-web-ports", dns))[0], /ingress udp\/53 from ::\/0/);
            assert.deepStrictEqual(await findings("public-ingress-limited-to-web-ports", dns, { publicPorts: [53, 80, 443] }), []);
            const both = ingressRule("web", "lb", { ipProtocol: "tcp", fromPort: 80, toPort: 443, cidrIpv4: "0.0.0.0/0", description: "80-443" });
            assert.strictEqual((await findings("public-ingress-limited-to-web-ports", both)).length, 1);
        });

        it("ignores sources that are not the whole internet", async () => {
            const office = ingressRule("office", "lb", { ipProtocol: "tcp", fromPort: 9100, toPort: 9100, cidrIpv4: "203.0.113.0/24", description: "office" });
            assert.deepStrictEqual(await findings("public-ingress-limited-to-web-ports", office), []);
        });
    });

    describe("security-group-rule-descriptions", () => {
        it("flags per-rule resources without or with a blank description, one violation per resource", async () => {
            assert.strictEqual((await findings("security-group-rule-descriptions", egressRule("e", "web", { ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0" }))).length, 1);
            const blank = securityGroup("web", { ingress: [{ ...ssh, cidrBlocks: ["10.0.0.0/8"], description: "  " }], egress: [{ ...ssh, cidrBlocks: ["10.0.0.0/8"], description: "" }] });
            const [detail] = await findings("security-group-rule-descriptions", blank);
            assert.match(detail, /2 rule\(s\) without a description/);
        });

        it("passes a group without inline rules (the component's style)", async () => {
            assert.deepStrictEqual(await findings("security-group-rule-descriptions", securityGroup("web")), []);
        });
    });

    describe("egress-not-wide-open", () => {
        it("flags wide ranges to anywhere, not to private networks, and honours maxPortSpan", async () => {
            const ephemeral = egressRule("eph", "web", { ipProtocol: "tcp", fromPort: 1024, toPort: 65535, cidrIpv4: "0.0.0.0/0", description: "x" });
            assert.match((await findings("egress-not-wide-open", ephemeral))[0], /64512 ports, limit 1/);
            assert.deepStrictEqual(await findings("egress-not-wide-open", ephemeral, { maxPortSpan: 65536 }), []);
            const inside = egressRule("vpc", "web", { ipProtocol: "-1", cidrIpv4: "10.20.0.0/16", description: "vpc" });
            assert.deepStrictEqual(await findings("egress-not-wide-open", inside), []);
            const inline = securityGroup("web", { egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], description: "default" }] });
            assert.match((await findings("egress-not-wide-open", inline))[0], /egress all traffic to 0\.0\.0\.0\/0 on web-sg \(SecurityGroup\) egress\[0\]/);
        });
    });

    describe("database-port-restricted-to-app-tier", () => {
        const mysql = (source: Record<string, unknown>) =>
            ingressRule("db-mysql", "db", { ipProtocol: "tcp", fromPort: 3306, toPort: 3306, description: "mysql", ...source });

        it("flags the internet and private CIDRs that hold other tiers, on the rule's URN", async () => {
            const out = await outcome("database-port-restricted-to-app-tier", databaseTier(mysql({ cidrIpv4: "0.0.0.0/0" })));
            assert.strictEqual(out.violations[0].urn, urnOf(T.ingressRule, "db-mysql"));
            assert.match(out.violations[0].detail, /from 0\.0\.0\.0\/0 \(outside the private network\)/);
            const [subnet] = await findings("database-port-restricted-to-app-tier", databaseTier(mysql({ cidrIpv4: "10.20.1.0/24" })));
            assert.match(subnet, /10\.20\.1\.0\/24 \(holds web \[web\]\)/);
            assert.deepStrictEqual(await findings("database-port-restricted-to-app-tier", databaseTier(mysql({ cidrIpv4: "10.20.1.30/32" }))), []);
        });

        it("follows inline and legacy group references, and `self`", async () => {
            const inline = securityGroup("db", { ingress: [{ protocol: "tcp", fromPort: 3306, toPort: 3306, securityGroups: ["sg-web"], description: "mysql" }] });
            const tier = replace(databaseTier(mysql({ referencedSecurityGroupId: "sg-app" })), "db-sg", inline);
            assert.match((await findings("database-port-restricted-to-app-tier", tier))[0], /security group web-sg \(attached to web \[web\]\)/);
            const legacy = legacyRule("db-mysql", "db", { type: "ingress", protocol: "tcp", fromPort: 3306, toPort: 3306, sourceSecurityGroupId: "sg-web" });
            assert.strictEqual((await findings("database-port-restricted-to-app-tier", databaseTier(legacy))).length, 1);
            const self = legacyRule("db-mysql", "db", { type: "ingress", protocol: "tcp", fromPort: 3306, toPort: 3306, self: true });
            assert.deepStrictEqual(await findings("database-port-restricted-to-app-tier", databaseTier(self)), []);
        });

        it("links rules and groups through property dependencies when ids are unknown (preview)", async () => {
            const group = urnOf(T.securityGroup, "web-sg");
            const tier = databaseTier({
                ...mysql({ securityGroupId: unknown.string, referencedSecurityGroupId: unknown.string }),
                propertyDependencies: { referencedSecurityGroupId: [group], securityGroupId: [urnOf(T.securityGroup, "db-sg")] },
            }).map((r) =>
                r.type === T.instance ? { ...r, props: { ...r.props, vpcSecurityGroupIds: unknown.array }, propertyDependencies: { vpcSecurityGroupIds: [urnOf(T.securityGroup, `${r.name}-sg`)] } } : r,
            );
            assert.match((await findings("database-port-restricted-to-app-tier", tier))[0], /security group web-sg \(attached to web \[web\]\)/);
        });

        it("takes the ports and the allowed roles from config", async () => {
            const fromWeb = databaseTier(mysql({ referencedSecurityGroupId: "sg-web" }));
            assert.deepStrictEqual(await findings("database-port-restricted-to-app-tier", fromWeb, { allowedSourceRoles: ["web", "app"] }), []);
            assert.deepStrictEqual(await findings("database-port-restricted-to-app-tier", fromWeb, { databasePorts: [5432] }), []);
        });
    });

    describe("no-public-ip-on-private-tiers", () => {
        it("finds Elastic IPs and public-by-default subnets on web, app and database servers", async () => {
            const eip = [...secureStack(), resource(T.eip, "web-eip", "eipalloc-web", { domain: "vpc", instance: "i-web" })];
            const out = await outcome("no-public-ip-on-private-tiers", eip);
            assert.strictEqual(out.violations[0].urn, urnOf(T.instance, "web"));
            assert.match(out.violations[0].detail, /web \[web\] has a public address: Elastic IP web-eip \(Eip\)/);
            const subnet = replace(secureStack(), "app", instance("app", { roles: ["app", "database"], props: { subnetId: "subnet-public", associatePublicIpAddress: undefined } }));
            assert.match((await findings("no-public-ip-on-private-tiers", subnet))[0], /subnet public maps public IPs on launch/);
            const eipAssociation = [...secureStack(), resource(T.eipAssociation, "app-eip", "eipassoc-1", { instanceId: "i-app", allocationId: "eipalloc-x" })];
            assert.strictEqual((await findings("no-public-ip-on-private-tiers", eipAssociation)).length, 1);
        });

        it("lets the configured public roles have one", async () => {
            const web = replace(secureStack(), "web", instance("web", { roles: ["web"], props: { associatePublicIpAddress: true } }));
            assert.deepStrictEqual(await findings("no-public-ip-on-private-tiers", web, { publicRoles: ["balancer", "web"] }), []);
        });
    });
});
