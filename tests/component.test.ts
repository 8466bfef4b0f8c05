// The component under Pulumi's mock runtime: what `pulumi up` would create, and what it must not.
import * as assert from "assert";
import type * as pulumiType from "@pulumi/pulumi";
import { Captured, MOCK_PRIVATE_KEY, MOCK_SECRET_PREFIX, installMocks, ofType, settle, valueOf } from "./helpers/pulumiMocks";
import { unpackUserData } from "../components/payloads/cloudConfig";
import type { SecuredWebStackArgs } from "../components/types";

let resources: Captured[];
let SecuredWebStack: typeof import("../components/securedWebStack").SecuredWebStack;

async function build(args: SecuredWebStackArgs, name = "sws-dev") {
    resources.length = 0;
    const stack = new SecuredWebStack(name, args);
    const outputs = {
        url: await valueOf(stack.url), ip: await valueOf(stack.balancerPublicIp), ids: await valueOf(stack.instanceIds),
        ips: await valueOf(stack.privateIps), cost: await valueOf(stack.estimatedMonthlyCostUsd),
        dns: await valueOf(stack.dnsRecordToCreate), dashboard: await valueOf(stack.dashboardUrl), ca: await valueOf(stack.caCertificatePem),
    };
    await settle(resources);
    return { stack, outputs, resources: [...resources] };
}

const userData = (rs: Captured[], server: string) =>
    unpackUserData(rs.find((r) => r.type === "aws:ec2/instance:Instance" && r.name === `sws-dev-${server}`)!.inputs.userDataBase64);

describe("component under mocks", function () {
    this.timeout(60000); // a loaded 2-core machine builds the hardened stack in 9–25 s
    before(() => {
        resources = installMocks();
        // Only now: anything that registers resources must load after setMocks.
        SecuredWebStack = require("../components/securedWebStack").SecuredWebStack;
    });

    describe("the seed's dev stack", () => {
        let r: Awaited<ReturnType<typeof build>>;
        before(async () => { r = await build({ domain: "www.foobar.com", environment: "dev" }); });

        it("creates three servers with fixed addresses and the outputs", () => {
            const inst = ofType(r.resources, "aws:ec2/instance:Instance");
            assert.deepStrictEqual(Object.fromEntries(inst.map((i) => [i.name, i.inputs.privateIp])), { "sws-dev-lb": "10.20.0.10", "sws-dev-web-1": "10.20.0.20", "sws-dev-app-1": "10.20.0.30" });
            assert.strictEqual(r.outputs.url, "https://www.foobar.com/");
            assert.strictEqual(r.outputs.ip, "203.0.113.10");
            assert.deepStrictEqual(Object.keys(r.outputs.ids), ["lb", "web-1", "app-1"]);
            assert.deepStrictEqual(r.outputs.ips, { lb: "10.20.0.10", "web-1": "10.20.0.20", "app-1": "10.20.0.30" });
            assert.strictEqual(r.outputs.dns, "www.foobar.com. 300 IN A 203.0.113.10");
            assert.ok(r.outputs.cost > 20 && r.outputs.cost < 200, String(r.outputs.cost));
        });

        it("hardens every instance: IMDSv2 hop 1, encrypted gp3 root, role, no key, monitoring", () => {
            for (const i of ofType(r.resources, "aws:ec2/instance:Instance")) {
                assert.deepStrictEqual([i.inputs.metadataOptions.httpTokens, i.inputs.metadataOptions.httpPutResponseHopLimit], ["required", 1], i.name);
                assert.deepStrictEqual([i.inputs.rootBlockDevice.encrypted, i.inputs.rootBlockDevice.volumeType], [true, "gp3"], i.name);
                assert.ok(i.inputs.iamInstanceProfile, i.name);
                assert.strictEqual(i.inputs.keyName, undefined, i.name);
                assert.strictEqual(i.inputs.monitoring, true, i.name);
                assert.strictEqual(i.inputs.userDataReplaceOnChange, true, i.name);
                assert.ok(i.inputs.tags.Name && i.inputs.tags.role && i.inputs.tags.environment === "dev", i.name);
            }
        });

        it("one security group per server, one described rule per flow and direction, explicit egress", () => {
            const sgs = ofType(r.resources, "aws:ec2/securityGroup:SecurityGroup");
            assert.strictEqual(sgs.length, 3);
            const ins = ofType(r.resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
            const outs = ofType(r.resources, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule");
            for (const rule of [...ins, ...outs]) assert.ok(rule.inputs.description?.length > 10, rule.name);
            assert.deepStrictEqual(ins.map((x) => `${x.name} ${x.inputs.fromPort}`).sort(), [
                "sws-dev-internet-to-lb-http-in 80", "sws-dev-internet-to-lb-https-in 443",
                "sws-dev-lb-to-web-1-web-in 8080", "sws-dev-web-1-to-app-1-app-in 3000",
            ]);
            assert.ok(!ins.some((x) => x.inputs.fromPort === 22 || x.inputs.fromPort === 3306));
            for (const sg of ["lb", "web-1", "app-1"]) assert.ok(outs.some((o) => o.name === `sws-dev-${sg}-to-internet-tcp-443-out`), sg);
            assert.ok(!outs.some((o) => o.inputs.ipProtocol === "-1"), "no all-protocol egress");
        });

        it("web reaches app only from the web server's security group", () => {
            const rule = ofType(r.resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").find((x) => x.name === "sws-dev-web-1-to-app-1-app-in")!;
            const webSg = ofType(r.resources, "aws:ec2/securityGroup:SecurityGroup").find((x) => x.name === "sws-dev-web-1-sg")!;
            assert.match(webSg.id, /^sg-[0-9a-f]{17}$/, "the provider's id of a security group");
            assert.strictEqual(rule.inputs.referencedSecurityGroupId, webSg.id);
            assert.strictEqual(rule.inputs.cidrIpv4, undefined);
        });

        it("stores secrets as SecureString and never puts a secret value in user data or outputs", async () => {
            const params = ofType(r.resources, "aws:ssm/parameter:Parameter").filter((p) => p.inputs.type === "SecureString");
            assert.deepStrictEqual(params.map((p) => p.inputs.name).sort(), ["/sws-dev/dev/db-app-password", "/sws-dev/dev/db-exporter-password", "/sws-dev/dev/tls-pem"]);
            const all = ["lb", "web-1", "app-1"].map((s) => userData(r.resources, s)).join("\n") + JSON.stringify(r.outputs);
            assert.ok(!all.includes(MOCK_SECRET_PREFIX), "a generated password leaked");
            assert.ok(!all.includes("MOCKPRIVATEKEYMATERIAL"), "key material leaked");
            const tlsPem = params.find((p) => p.inputs.name.endsWith("tls-pem"))!;
            assert.ok(JSON.stringify(tlsPem.inputs.value).includes(MOCK_PRIVATE_KEY.trim().split("\n")[1]), "the key goes to SSM");
        });

        it("lets each server read only its own parameters", () => {
            const policies = ofType(r.resources, "aws:iam/rolePolicy:RolePolicy");
            const doc = (s: string) => JSON.parse(policies.find((p) => p.name === `sws-dev-${s}-policy`)!.inputs.policy);
            const ssm = (s: string) => doc(s).Statement.filter((x: any) => x.Action.includes("ssm:GetParameter")).flatMap((x: any) => x.Resource).join(" ");
            assert.ok(ssm("lb").includes("tls-pem") && !ssm("lb").includes("db-app-password"));
            assert.ok(ssm("app-1").includes("db-app-password") && !ssm("app-1").includes("tls-pem"));
            assert.ok(!ssm("web-1").includes("password") && !ssm("web-1").includes("tls-pem"));
            for (const s of ["lb", "web-1", "app-1"]) for (const st of doc(s).Statement) assert.ok(!(st.Action.includes("*") && st.Resource === "*"), s);
        });

        it("keeps the database on its own encrypted volume attached to the app server", () => {
            const vols = ofType(r.resources, "aws:ebs/volume:Volume");
            assert.deepStrictEqual(vols.map((v) => [v.name, v.inputs.encrypted, v.inputs.type]), [["sws-dev-app-1-data", true, "gp3"]]);
            const att = ofType(r.resources, "aws:ec2/volumeAttachment:VolumeAttachment")[0];
            assert.match(vols[0].id, /^vol-[0-9a-f]{17}$/, "the provider's id of a volume");
            assert.strictEqual(att.inputs.volumeId, vols[0].id);
            assert.ok(userData(r.resources, "app-1").includes(`DATA_VOLUME_ID='${vols[0].id}'`), "the app server's user data names its data volume");
        });

        it("stores toolkit files once in SSM and carries only their digest in user data", () => {
            const tk = ofType(r.resources, "aws:ssm/parameter:Parameter").filter((p) => p.inputs.name.includes("/toolkit/"));
            assert.ok(tk.some((p) => p.inputs.name === "/sws-dev/dev/toolkit/usr/local/sbin/sws-db-init"));
            assert.ok(tk.every((p) => p.inputs.type === "String"));
            const app = userData(r.resources, "app-1");
            assert.match(app, /\/sws-dev\/dev\/toolkit\/opt\/sws-app\/server\.js \/opt\/sws-app\/server\.js root 0644 \+/);
            assert.match(app, /#toolkit-sha256 [0-9a-f]{64}/);
            assert.ok(!app.includes("createPool"), "the app source is not in the user data");
        });

        it("adds a deploy gate against the balancer's address with the stack CA", () => {
            const gate = ofType(r.resources, "command:local:Command")[0];
            assert.strictEqual(gate.inputs.environment.IP, "203.0.113.10");
            assert.strictEqual(gate.inputs.environment.HEALTH_PATH, "/healthz");
            assert.match(gate.inputs.environment.CA_PEM, /BEGIN CERTIFICATE/);
        });
    });

    describe("prod stack", () => {
        it("private web/app behind NAT, Let's Encrypt, DNS record, termination protection", async () => {
            const r = await build({ domain: "www.foobar.com", environment: "prod", tls: { mode: "lets-encrypt", email: "ops@foobar.com" }, dns: { hostedZoneId: "Z04481532TESTZONE0001" } });
            assert.strictEqual(ofType(r.resources, "aws:ec2/natGateway:NatGateway").length, 1);
            const inst = ofType(r.resources, "aws:ec2/instance:Instance");
            assert.strictEqual(inst.length, 3);
            for (const i of inst) assert.deepStrictEqual([i.inputs.associatePublicIpAddress, i.inputs.disableApiTermination], [false, true], i.name);
            const rec = ofType(r.resources, "aws:route53/record:Record").find((x) => x.inputs.type === "A")!;
            assert.deepStrictEqual([rec.inputs.name, rec.inputs.records], ["www.foobar.com", ["203.0.113.10"]]);
            assert.strictEqual(r.outputs.dns, "");
            assert.ok(!ofType(r.resources, "aws:ssm/parameter:Parameter").some((p) => p.inputs.name.endsWith("tls-pem")), "certbot makes the key on the server");
        });
    });

    describe("bad input", () => {
        it("throws naming the field before any resource is registered", () => {
            resources.length = 0;
            assert.throws(() => new SecuredWebStack("bad", { domain: "www.foobar.com", tls: { mode: "acm" } }), /dns\.hostedZoneId: missing/);
            return settle(resources).then(() => assert.strictEqual(resources.length, 0, resources.map((x) => x.type).join(", ")));
        });
    });
});

describe("component under mocks: hardened", function () {
    this.timeout(60000); // as above: the loaded shared machine
    let captured: Captured[];
    let Stack: typeof import("../components/securedWebStack").SecuredWebStack;
    before(() => {
        // The program's prod stack: component "sws-prod" in stack "prod" (physical names "/sws-prod/prod/…").
        captured = installMocks("secured-web-stack", "prod");
        Stack = require("../components/securedWebStack").SecuredWebStack;
    });
    it("creates the internal CA, a certificate per TLS server, the replica with its own volume", async () => {
        captured.length = 0;
        const s = new Stack("sws-prod", {
            domain: "www.foobar.com", environment: "prod", webServers: 2, appServers: 2,
            hardening: { endToEndTls: true, databaseReplica: true },
        });
        await valueOf(s.instanceIds);
        await settle(captured);
        assert.deepStrictEqual(ofType(captured, "aws:ec2/instance:Instance").map((i) => i.name).sort(),
            ["sws-prod-app-1", "sws-prod-app-2", "sws-prod-db-replica", "sws-prod-lb", "sws-prod-web-1", "sws-prod-web-2"]);
        assert.deepStrictEqual(ofType(captured, "tls:index/locallySignedCert:LocallySignedCert").map((c) => c.name).sort(),
            ["sws-prod-app-1-internal-cert", "sws-prod-app-2-internal-cert", "sws-prod-db-replica-internal-cert", "sws-prod-tls-cert", "sws-prod-web-1-internal-cert", "sws-prod-web-2-internal-cert"]);
        const csr = ofType(captured, "tls:index/certRequest:CertRequest").find((c) => c.name === "sws-prod-web-1-internal-csr")!;
        assert.deepStrictEqual([csr.inputs.dnsNames, csr.inputs.ipAddresses], [["web-1.sws.internal", "web.sws.internal"], ["10.20.1.20"]]);
        assert.deepStrictEqual(ofType(captured, "aws:ebs/volume:Volume").map((v) => v.name).sort(), ["sws-prod-app-1-data", "sws-prod-db-replica-data"]);
        const internal = ofType(captured, "aws:ssm/parameter:Parameter").filter((p) => p.inputs.name.includes("/internal-tls/"));
        assert.deepStrictEqual(internal.map((p) => p.inputs.name).sort(), ["app-1", "app-2", "db-replica", "web-1", "web-2"].map((n) => `/sws-prod/prod/internal-tls/${n}`));
        const lb = unpackUserData(ofType(captured, "aws:ec2/instance:Instance").find((i) => i.name === "sws-prod-lb")!.inputs.userDataBase64);
        assert.match(lb, /MOCKCERTsws-prod-internal-ca/, "the internal CA (public) rides in the user data");
        assert.ok(!lb.includes("MOCKPRIVATEKEYMATERIAL"));
    });
});

describe("component under mocks: database.topology cluster", function () {
    this.timeout(60000); // seven servers under mocks on a loaded 2-core machine
    let captured: Captured[];
    let Stack: typeof import("../components/securedWebStack").SecuredWebStack;
    before(() => {
        // Component "sws-prod" in stack "prod", as the program's prod stack (physical names "sws-prod-prod-…").
        captured = installMocks("secured-web-stack", "prod");
        Stack = require("../components/securedWebStack").SecuredWebStack;
    });
    it("three database servers, each with its own security group, data volume, backups, certificate and Galera alarms; Galera ports between their groups only", async () => {
        captured.length = 0;
        const s = new Stack("sws-prod", { domain: "www.foobar.com", environment: "prod", os: "debian-12", appServers: 2, database: { topology: "cluster" }, monitoring: { alarmEmail: "ops@foobar.com" } });
        await valueOf(s.instanceIds);
        await settle(captured);
        const dbs = ["db-1", "db-2", "db-3"];
        assert.deepStrictEqual(ofType(captured, "aws:ec2/instance:Instance").map((i) => i.name).sort(),
            ["sws-prod-app-1", "sws-prod-app-2", ...dbs.map((d) => `sws-prod-${d}`), "sws-prod-lb", "sws-prod-web-1"].sort());
        const sgNames = ofType(captured, "aws:ec2/securityGroup:SecurityGroup").map((g) => g.name);
        for (const d of dbs) assert.ok(sgNames.some((n) => n.includes(d)), `security group of ${d}: ${sgNames.join(", ")}`);
        assert.deepStrictEqual(ofType(captured, "aws:ebs/volume:Volume").map((v) => v.name).sort(), dbs.map((d) => `sws-prod-${d}-data`));
        const ins = ofType(captured, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
        for (const port of [4567, 4568, 4444]) {
            const rules = ins.filter((r) => r.inputs.fromPort === port);
            assert.strictEqual(rules.length, 6, `${port}: every ordered pair of the three nodes`);
            for (const r of rules) assert.match(r.name, /^sws-prod-db-\d-to-db-\d-galera/, r.name);
        }
        const certs = ofType(captured, "tls:index/locallySignedCert:LocallySignedCert").map((c) => c.name).sort();
        assert.deepStrictEqual(certs.filter((c) => c.includes("internal")), dbs.map((d) => `sws-prod-${d}-internal-cert`), "Galera's TLS without endToEndTls");
        const alarms = ofType(captured, "aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.inputs.name as string);
        for (const d of dbs) for (const what of ["galera-size", "galera-flow-control", "galera-recv-queue"]) assert.ok(alarms.includes(`sws-prod-prod-${what}-${d}`), `${what} ${d}`);
        for (const d of dbs) assert.ok(alarms.some((a) => a.includes("backup") && a.includes(d)), `backup alarm of ${d}: ${alarms.filter((a) => a.includes("backup")).join(", ")}`);
    });
});
