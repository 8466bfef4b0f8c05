// The stack's invariants, each asserted by name and independent of any snapshot:
//   - every host firewall chain drops by default, and the only rules that accept are the fixed
//     baseline (replies, loopback, ICMP) and one rule per flow of that server;
//   - every security group admits nothing but its server's flows (one rule per flow, no inline
//     rules, no port ranges, no all-protocol rule);
//   - secrets are installed root-owned, 0600 (or 0640 to their service's group), never readable by
//     others; toolkit files are never writable by anyone but root.
import * as assert from "assert";
import { buildModel, Model } from "../components/model";
import type { Flow } from "../components/flows";
import { inbound, outbound } from "../components/flows";
import { renderNftables } from "../components/payloads/firewall";
import { fetchedFiles, renderServerPart } from "../components/render";
import type { SecuredWebStackArgs } from "../components/types";
import { combinations } from "./helpers/combinations";
import { Captured, installMocks, ofType, settle } from "./helpers/pulumiMocks";
import { nftChains } from "./helpers/nftables";

const deploy = { region: "us-east-1", dataVolumeId: "vol-0123456789abcdef0", acmCertificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/x", internalCaPem: "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n" };

/** The accept rules every server has whatever its flows: replies, loopback, ICMP. */
const BASELINE: { [chain: string]: string[] } = {
    input: [
        "ct state established,related accept",
        'iif "lo" accept',
        "ip protocol icmp icmp type { echo-request, destination-unreachable, time-exceeded } accept",
    ],
    output: ["ct state established,related accept", 'oif "lo" accept', "ip protocol icmp accept"],
    forward: [],
};

/** Checks one server's ruleset; returns the problems (empty: the invariant holds). */
function firewallProblems(model: Model, server: string, text: string): string[] {
    const problems: string[] = [];
    if (!model.servers.some((s) => s.name === server)) return [`${server}: no such server in the model`];
    const chains = nftChains(text);
    if ((text.match(/\bchain \S+ \{/g) ?? []).length !== chains.size) problems.push(`${server}: a chain the checker could not read`);
    if (/policy accept/.test(text)) problems.push(`${server}: "policy accept" in the ruleset`);
    assert.deepStrictEqual([...chains.keys()].sort(), ["forward", "input", "output"], `${server}: the three base chains`);
    const ip = (name: string) => model.servers.find((s) => s.name === name)!.privateIp;
    const expected = (f: Flow, dir: "in" | "out") => {
        const peer = dir === "in" ? f.from : f.to;
        const addr = peer.kind === "cidr" ? peer.cidr : `${ip(peer.name)}`;
        const match = addr === "0.0.0.0/0" ? "" : `ip ${dir === "in" ? "saddr" : "daddr"} ${addr} `;
        return `${match}${f.protocol} dport ${f.port} accept comment ${JSON.stringify(f.id)}`;
    };
    const flowRules = {
        input: inbound(model.flows, server).map((f) => expected(f, "in")),
        output: outbound(model.flows, server).map((f) => expected(f, "out")),
        forward: [] as string[],
    };
    for (const [name, c] of chains) {
        if (c.hook !== name) problems.push(`${server}: chain ${name} hooks ${c.hook}`);
        if (c.policy !== "drop") problems.push(`${server}: chain ${name} has policy ${c.policy}, not drop`);
        const allowed = new Set([...BASELINE[name], ...flowRules[name as keyof typeof flowRules]]);
        for (const r of c.rules) {
            if (/\baccept\b/.test(r) && !allowed.has(r)) problems.push(`${server}: chain ${name} accepts what no flow allows: ${r}`);
        }
        for (const r of flowRules[name as keyof typeof flowRules]) if (!c.rules.includes(r)) problems.push(`${server}: chain ${name} misses the flow rule ${r}`);
    }
    return problems;
}

describe("invariant: every host firewall chain drops by default", () => {
    it("every chain of every server, every option combination: policy drop; accepts only the baseline and the server's flows", () => {
        let servers = 0;
        const problems: string[] = [];
        for (const [what, args] of combinations()) {
            const model = buildModel(args);
            for (const s of model.servers) {
                servers++;
                problems.push(...firewallProblems(model, s.name, renderNftables(model, s.name)).map((p) => `${what} ${p}`));
            }
        }
        console.log(`      ${servers} server rulesets checked`);
        assert.deepStrictEqual(problems.slice(0, 10), []);
    });
    it("the checker itself catches an open chain and a rule no flow asks for", () => {
        const model = buildModel({ domain: "www.foobar.com" });
        const web = model.servers.find((s) => s.roles.includes("web"))!.name;
        const text = renderNftables(model, web);
        assert.ok(/dport \d+ accept comment/.test(text), "the web server has flow rules");
        assert.deepStrictEqual(firewallProblems(model, web, text), []);
        assert.ok(firewallProblems(model, web, text.replace("hook input priority filter; policy drop;", "hook input priority filter; policy accept;")).length > 0);
        assert.ok(firewallProblems(model, web, text.replace('iif "lo" accept', 'iif "lo" accept\n    tcp dport 22 accept')).length > 0);
        assert.ok(firewallProblems(model, web, text.replace(/\n[^\n]*dport \d+ accept comment[^\n]*/, "")).length > 0, "a missing flow rule");
    });
});

/** Stacks whose security groups are checked: the seed, the hardened stack, SSH from admin networks, all-in-one, a remote-write sink on its own port. */
const SG_CASES: [string, SecuredWebStackArgs][] = [
    ["seed", { domain: "www.foobar.com" }],
    ["hardened", { domain: "www.foobar.com", hardening: { endToEndTls: true, databaseReplica: true }, webServers: 2, appServers: 3 }],
    ["admin SSH", { domain: "www.foobar.com", adminCidrs: ["203.0.113.0/24", "198.51.100.7/32"], sshKeyName: "ops" }],
    ["all-in-one", { domain: "www.foobar.com", layout: "all-in-one", webServers: 3 }],
    ["remote-write :8443", { domain: "www.foobar.com", monitoring: { sink: "prometheus-remote-write", remoteWriteUrl: "https://aps.example.com:8443/api/v1/write" }, tls: { mode: "lets-encrypt", email: "ops@foobar.com", acmeDirectory: "https://acme.example.com:14000/dir" } }],
];

/** Security-group rules (resolved inputs under the mocks) against the model's flows; returns the problems. */
function securityGroupProblems(model: Model, resources: Captured[]): string[] {
    const problems: string[] = [];
    const sgs = ofType(resources, "aws:ec2/securityGroup:SecurityGroup");
    const serverOf = new Map(sgs.map((g) => [g.id, g.name.replace(/^t-/, "").replace(/-sg$/, "")]));
    for (const g of sgs) {
        if (g.inputs.ingress?.length || g.inputs.egress?.length) problems.push(`${g.name}: inline rules`);
    }
    const describe = (r: Captured) => {
        const peer = r.inputs.referencedSecurityGroupId ? `sg:${serverOf.get(r.inputs.referencedSecurityGroupId)}` : `cidr:${r.inputs.cidrIpv4}`;
        return `${serverOf.get(r.inputs.securityGroupId)} ${peer} ${r.inputs.ipProtocol} ${r.inputs.fromPort}-${r.inputs.toPort}`;
    };
    const flowKey = (f: Flow, dir: "in" | "out") => {
        const [self, peer] = dir === "in" ? [f.to, f.from] : [f.from, f.to];
        const p = peer.kind === "server" ? `sg:${peer.name}` : `cidr:${peer.cidr}`;
        return `${(self as { name: string }).name} ${p} ${f.protocol} ${f.port}-${f.port}`;
    };
    for (const [type, dir] of [["aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "in"], ["aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "out"]] as const) {
        const rules = ofType(resources, type).map(describe).sort();
        const flows = model.flows.filter((f) => !f.hostOnly && (dir === "in" ? f.to.kind === "server" : f.from.kind === "server")).map((f) => flowKey(f, dir)).sort();
        for (const r of rules) if (!flows.includes(r)) problems.push(`${dir}: a rule no flow asks for: ${r}`);
        for (const f of flows) if (!rules.includes(f)) problems.push(`${dir}: a flow without its rule: ${f}`);
        if (rules.length !== flows.length) problems.push(`${dir}: ${rules.length} rules for ${flows.length} flows`);
    }
    for (const r of ofType(resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")) {
        if (r.inputs.ipProtocol === "-1" || r.inputs.fromPort !== r.inputs.toPort) problems.push(`${r.name}: a port range or every protocol`);
    }
    return problems;
}

describe("invariant: every security group admits only its server's flows (under the mocks)", function () {
    this.timeout(60000);
    let resources: Captured[];
    let createSecurityGroups: typeof import("../components/aws/firewall").createSecurityGroups;
    before(() => {
        resources = installMocks();
        createSecurityGroups = require("../components/aws/firewall").createSecurityGroups;
    });
    for (const [what, args] of SG_CASES) {
        it(`${what}: one rule per flow and direction, nothing else, no inline rules or ranges`, async () => {
            resources.length = 0;
            const model = buildModel(args);
            createSecurityGroups("t", model, "vpc-0123456789abcdef0", {}, {});
            await settle(resources);
            assert.deepStrictEqual(securityGroupProblems(model, resources), []);
            assert.ok(ofType(resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").length > 0);
        });
    }
    it("the checker itself catches an ingress rule no flow asks for", async () => {
        resources.length = 0;
        const model = buildModel({ domain: "www.foobar.com" });
        const sgs = createSecurityGroups("t", model, "vpc-0123456789abcdef0", {}, {});
        const aws = require("@pulumi/aws");
        const db = model.servers.find((s) => s.roles.includes("database"))!.name;
        new aws.vpc.SecurityGroupIngressRule("t-extra", { securityGroupId: sgs[db].id, cidrIpv4: "0.0.0.0/0", ipProtocol: "tcp", fromPort: 3306, toPort: 3306 });
        await settle(resources);
        assert.deepStrictEqual(securityGroupProblems(model, resources), [`in: a rule no flow asks for: ${db} cidr:0.0.0.0/0 tcp 3306-3306`, "in: 5 rules for 4 flows"]);
    });
});

describe("invariant: secret and toolkit file modes (what sws-fetch is told to install)", () => {
    it("every secret: 0600 root, or 0640 to its service's group; nothing world-readable; toolkit files root-writable only", () => {
        let secrets = 0;
        const problems: string[] = [];
        for (const [what, args] of combinations()) {
            const model = buildModel(args);
            for (const s of model.servers) {
                for (const f of fetchedFiles(model, s, renderServerPart(model, s, deploy))) {
                    const mode = parseInt(f.permissions, 8);
                    if (f.sha256 === undefined) {
                        secrets++;
                        const want = f.group === "root" ? "0600" : "0640";
                        if (f.permissions !== want) problems.push(`${what} ${s.name} ${f.path}: ${f.permissions} (group ${f.group}), want ${want}`);
                        if (!f.path.startsWith("/run/sws/secrets/")) problems.push(`${what} ${s.name} ${f.path}: a secret outside the tmpfs directory`);
                    } else if (mode & 0o022) problems.push(`${what} ${s.name} ${f.path}: toolkit file writable by group or others (${f.permissions})`);
                    if (f.sha256 === undefined && mode & 0o007) problems.push(`${what} ${s.name} ${f.path}: readable by others (${f.permissions})`);
                }
            }
        }
        console.log(`      ${secrets} secret files checked`);
        assert.ok(secrets > 100);
        assert.deepStrictEqual(problems.slice(0, 10), []);
    });
});
