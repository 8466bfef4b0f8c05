// Property-based tests of the model (fast-check): for random valid argument sets, buildModel
// succeeds and the three firewalls agree port for port — the flows, each server's security group
// (rendered under the mocks) and its nftables ruleset open exactly the same (peer, protocol, port)
// and nothing else; for random invalid ones, buildModel fails with a problem naming the broken field.
// Runs are few (the security groups go through Pulumi's mock runtime); a failure prints the seed
// and the shrunk counterexample to replay.
import * as assert from "assert";
import * as fc from "fast-check";
import { buildModel, Model, Ports, SecuredWebStackArgsError } from "../components/model";
import type { Flow } from "../components/flows";
import { inbound, outbound } from "../components/flows";
import { renderNftables } from "../components/payloads/firewall";
import type { SecuredWebStackArgs } from "../components/types";
import { Captured, installMocks, ofType, settle } from "./helpers/pulumiMocks";
import { nftChains } from "./helpers/nftables";
import { IMPORTED_CERT, IMPORTED_KEY } from "./helpers/combinations";

const RESERVED_PORTS = new Set<number>([Ports.mysql, Ports.web, Ports.webTls, Ports.appTls, ...Object.values(Ports.local)]);

const cidr24 = fc.tuple(fc.integer({ min: 1, max: 223 }), fc.nat(255), fc.nat(255)).map(([a, b, c]) => `${a}.${b}.${c}.0/24`);
const host32 = fc.tuple(fc.integer({ min: 1, max: 223 }), fc.nat(255), fc.nat(255), fc.integer({ min: 1, max: 254 })).map(([a, b, c, d]) => `${a}.${b}.${c}.${d}/32`);

/** A VPC of /16 to /24 inside 10.0.0.0/8, aligned to its prefix. */
const vpc = fc.tuple(fc.integer({ min: 16, max: 24 }), fc.nat(255), fc.nat(255)).map(([prefix, b, c]) => {
    const n = ((10 << 24) | (b << 16) | (c << 8)) >>> 0;
    const net = (n & ((0xffffffff << (32 - prefix)) >>> 0)) >>> 0;
    return `${[24, 16, 8, 0].map((s) => (net >>> s) & 255).join(".")}/${prefix}`;
});

const tls = fc.oneof(
    fc.constant({ mode: "self-signed" as const }),
    fc.record({ mode: fc.constant("lets-encrypt" as const), email: fc.constant("ops@foobar.com"), acmeDirectory: fc.option(fc.integer({ min: 1, max: 65535 }).map((p) => `https://acme.example.com:${p}/dir`), { nil: undefined }) }),
    fc.constant({ mode: "acm" as const }),
    // A real pair: the model checks an imported certificate given as strings.
    fc.constant({ mode: "imported" as const, certificatePem: IMPORTED_CERT, privateKeyPem: IMPORTED_KEY }),
);

const monitoring = fc.oneof(
    fc.constant({ sink: "cloudwatch" as const }),
    fc.constant({ sink: "none" as const }),
    fc.constant({ sink: "sumologic" as const, sumoLogicUrl: "s" }),
    fc.integer({ min: 1, max: 65535 }).map((p) => ({ sink: "prometheus-remote-write" as const, remoteWriteUrl: `https://aps.example.com:${p}/api/v1/write` })),
);

/** Valid arguments with up to `maxServers` web and app servers each. */
const validArgsWith = (maxServers: number): fc.Arbitrary<SecuredWebStackArgs> => fc.record({
    layout: fc.constantFrom("split" as const, "all-in-one" as const),
    os: fc.constantFrom("ubuntu-24.04" as const, "debian-12" as const),
    environment: fc.constantFrom("dev", "prod", "staging"),
    webServers: fc.integer({ min: 1, max: maxServers }),
    appServers: fc.integer({ min: 1, max: maxServers }),
    endToEndTls: fc.boolean(),
    databaseReplica: fc.boolean(),
    networkMode: fc.constantFrom("nat-gateway" as const, "public-subnets" as const),
    vpcCidr: vpc,
    adminCidrs: fc.array(fc.oneof(cidr24, host32), { maxLength: 3 }),
    appPort: fc.integer({ min: 1024, max: 65535 }).filter((p) => !RESERVED_PORTS.has(p)),
    tls,
    monitoring,
}).map((r) => ({
    domain: "www.foobar.com",
    layout: r.layout, os: r.os, environment: r.environment, webServers: r.webServers,
    // all-in-one takes no hardening switches and one app server (validated: see model.test.ts).
    // A database on the network (more than one app server, a replica) requires endToEndTls (model/servers.ts).
    ...(r.layout === "split" ? { appServers: r.appServers, hardening: { endToEndTls: r.endToEndTls || r.appServers > 1 || r.databaseReplica, databaseReplica: r.databaseReplica } } : {}),
    network: { mode: r.networkMode, vpcCidr: r.vpcCidr },
    adminCidrs: r.adminCidrs,
    app: { port: r.appPort },
    tls: r.tls,
    dns: { hostedZoneId: "Z04481532TESTZONE0001" },
    monitoring: r.monitoring,
}));
const validArgs = validArgsWith(10);

/** What a server's firewall opens, one "dir peer proto port" line each (peer: a server's name or a CIDR). */
type Openings = { in: string[]; out: string[] };

function fromFlows(model: Model, server: string, withHostOnly: boolean): Openings {
    const line = (f: Flow, peer: Flow["from"]) => `${peer.kind === "server" ? peer.name : peer.cidr} ${f.protocol} ${f.port}`;
    return {
        in: inbound(model.flows, server).filter((f) => withHostOnly || !f.hostOnly).map((f) => line(f, f.from)).sort(),
        out: outbound(model.flows, server).filter((f) => withHostOnly || !f.hostOnly).map((f) => line(f, f.to)).sort(),
    };
}

function fromNftables(model: Model, server: string): Openings {
    const byIp = new Map(model.servers.map((s) => [s.privateIp, s.name]));
    const chains = nftChains(renderNftables(model, server));
    const read = (chain: string, dir: "saddr" | "daddr") => {
        const c = chains.get(chain)!;
        assert.strictEqual(c.policy, "drop", `${server}: ${chain} policy`);
        return c.rules.filter((r) => / dport \d+ accept/.test(r)).map((r) => {
            const m = new RegExp(`^(?:ip ${dir} (\\S+) )?(tcp|udp) dport (\\d+) accept`).exec(r);
            assert.ok(m, `${server}: unexpected rule ${r}`);
            const peer = m[1] === undefined ? "0.0.0.0/0" : byIp.get(m[1]) ?? m[1];
            return `${peer} ${m[2]} ${m[3]}`;
        }).sort();
    };
    return { in: read("input", "saddr"), out: read("output", "daddr") };
}

function fromSecurityGroups(resources: Captured[], server: string): Openings {
    const sgs = ofType(resources, "aws:ec2/securityGroup:SecurityGroup");
    const nameOf = new Map(sgs.map((g) => [g.id, g.name.replace(/^p-/, "").replace(/-sg$/, "")]));
    const own = sgs.find((g) => nameOf.get(g.id) === server)!;
    const read = (type: string) => ofType(resources, type).filter((r) => r.inputs.securityGroupId === own.id).map((r) => {
        assert.strictEqual(r.inputs.fromPort, r.inputs.toPort, `${r.name}: a port range`);
        const peer = r.inputs.referencedSecurityGroupId ? nameOf.get(r.inputs.referencedSecurityGroupId) : r.inputs.cidrIpv4;
        return `${peer} ${r.inputs.ipProtocol} ${r.inputs.fromPort}`;
    }).sort();
    return { in: read("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"), out: read("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule") };
}

describe("properties: random valid arguments (fast-check)", function () {
    this.timeout(120000);
    let resources: Captured[];
    let createSecurityGroups: typeof import("../components/aws/firewall").createSecurityGroups;
    before(() => {
        resources = installMocks();
        createSecurityGroups = require("../components/aws/firewall").createSecurityGroups;
    });

    it("buildModel succeeds; the flows and every server's nftables open the same ports, everything else dropped (300 runs)", () => {
        fc.assert(fc.property(validArgs, (args) => {
            const model = buildModel(args);
            for (const s of model.servers) assert.deepStrictEqual(fromNftables(model, s.name), fromFlows(model, s.name, true), s.name);
        }), { numRuns: 300 });
    });

    it("…and every server's security group opens the same ports as its flows (host-only flows aside: AWS never filters them), under the mocks (10 runs, ≤ 3 web and app servers)", async () => {
        // Few and small: every rule resource goes through Pulumi's mock runtime.
        await fc.assert(fc.asyncProperty(validArgsWith(3), async (args) => {
            resources.length = 0;
            const model = buildModel(args);
            createSecurityGroups("p", model, "vpc-0123456789abcdef0", {}, {});
            await settle(resources, 20);
            for (const s of model.servers) {
                const flows = fromFlows(model, s.name, false);
                assert.deepStrictEqual(fromSecurityGroups(resources, s.name), flows, `${s.name}: security group vs flows`);
                // The three agree: what the group opens, the host firewall opens too.
                const nft = fromNftables(model, s.name);
                for (const dir of ["in", "out"] as const) for (const o of flows[dir]) assert.ok(nft[dir].includes(o), `${s.name} ${dir} ${o}: in the group, not in nftables`);
            }
        }), { numRuns: 10 });
    });
});

/** One broken field: its dotted name and the arguments with it broken. */
const corruptions: fc.Arbitrary<[string, (a: any) => void]>[] = [
    fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 11 }), fc.double({ min: 1.01, max: 9.99, noInteger: true })).map((v) => ["webServers", (a) => { a.webServers = v; }]),
    fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 11 })).map((v) => ["appServers", (a) => { a.appServers = v; a.layout = "split"; }]),
    fc.oneof(fc.integer({ max: 7 }), fc.integer({ min: 16385 })).map((v) => ["database.volumeGiB", (a) => { a.database = { volumeGiB: v }; }]),
    fc.oneof(fc.integer({ max: 1023 }), fc.integer({ min: 65536 }), fc.constantFrom(...RESERVED_PORTS)).map((v) => ["app.port", (a) => { a.app = { port: v }; }]),
    fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 65 })).map((v) => ["app.workers", (a) => { a.app = { ...a.app, workers: v }; }]),
    fc.oneof(fc.integer({ max: 29 }), fc.integer({ min: 3601 })).map((v) => ["deployGate.timeoutSeconds", (a) => { a.deployGate = { timeoutSeconds: v }; }]),
    fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 366 })).map((v) => ["backup.dailySnapshots", (a) => { a.backup = { dailySnapshots: v }; }]),
    fc.string().filter((v) => !["self-signed", "lets-encrypt", "acm", "imported"].includes(v)).map((v) => ["tls.mode", (a) => { a.tls = { mode: v }; }]),
    fc.string().filter((v) => !["cloudwatch", "sumologic", "prometheus-remote-write", "none"].includes(v)).map((v) => ["monitoring.sink", (a) => { a.monitoring = { sink: v }; }]),
    fc.string().filter((v) => !/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(v)).map((v) => ["domain", (a) => { a.domain = v; }]),
    fc.string().filter((v) => !/^[a-z][a-z0-9-]{0,15}$/.test(v)).map((v) => ["environment", (a) => { a.environment = v; }]),
    fc.string().filter((v) => !["split", "all-in-one"].includes(v)).map((v) => ["layout", (a) => { a.layout = v; }]),
    fc.string({ maxLength: 20 }).filter((v) => !/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(v)).map((v) => ["adminCidrs[0]", (a) => { a.adminCidrs = [v]; }]),
];

describe("properties: random invalid arguments (fast-check)", () => {
    it("one broken field in an otherwise valid argument set: buildModel fails naming that field (300 runs)", () => {
        fc.assert(fc.property(validArgs, fc.oneof(...corruptions), (args, [field, corrupt]) => {
            const bad: any = JSON.parse(JSON.stringify(args));
            corrupt(bad);
            let problems: string[] | undefined;
            try {
                buildModel(bad);
            } catch (e) {
                assert.ok(e instanceof SecuredWebStackArgsError, `not a SecuredWebStackArgsError: ${e}`);
                problems = e.problems;
            }
            assert.ok(problems, `${field}: accepted ${JSON.stringify(bad)}`);
            assert.ok(problems.some((p) => p.startsWith(`${field}:`)), `${field} not named: ${problems.join(" | ")}`);
        }), { numRuns: 300 });
    });
});
