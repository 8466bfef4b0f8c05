import * as assert from "node:assert";
import { unknown, urnOf } from "../helpers/policyHarness";
import { Role, T, clusterStack, galeraNodes, instance, replace, resource, secureStack, serverPayload, renderCloudConfig } from "./fixtures";
import { findings, outcome } from "./run";

const lb = (haproxy: Record<string, unknown>) => instance("lb", { roles: ["balancer"], payload: { haproxy } });

describe("design policies", () => {
    describe("tls-terminated-at-balancer", () => {
        it("names the balancer and the web servers it forwards plain HTTP to, reported on the balancer", async () => {
            const stack = replace(secureStack(), "lb", lb({ webServers: [{ name: "web-1", ip: "10.20.1.20" }, { name: "web-2", ip: "10.20.1.21" }] }));
            const out = await outcome("tls-terminated-at-balancer", stack);
            assert.strictEqual(out.violations.length, 1);
            assert.strictEqual(out.violations[0].urn, urnOf(T.instance, "lb"));
            assert.match(out.violations[0].detail, /forwards plain HTTP to web-1 10\.20\.1\.20:8080, web-2 10\.20\.1\.21:8080\nOn: lb \(Instance\), web \(Instance\)/);
            assert.match(out.violations[0].detail, /Fix: Re-encrypt .*ssl verify required ca-file/);
        });

        it("flags re-encryption without certificate verification", async () => {
            const [detail] = await findings("tls-terminated-at-balancer", [lb({ backendTls: "unverified" })]);
            assert.match(detail, /re-encrypts to web 10\.20\.1\.20:8443 without verifying the certificate/);
        });

        it("passes TLS passthrough (no `bind ... ssl`) and loopback backends", async () => {
            const passthrough = renderCloudConfig({
                packages: ["haproxy"],
                write_files: [{ path: "/etc/haproxy/haproxy.cfg", content: "frontend tls\n    mode tcp\n    bind :443\n    default_backend web\nbackend web\n    mode tcp\n    server web 10.20.1.20:443 check\n" }],
            });
            assert.deepStrictEqual(await findings("tls-terminated-at-balancer", [instance("lb", { roles: ["balancer"], userDataText: passthrough })]), []);
            assert.deepStrictEqual(await findings("tls-terminated-at-balancer", [lb({ webServers: [{ name: "local", ip: "127.0.0.1" }] })]), []);
        });
    });

    describe("single-database-writer", () => {
        const replica = instance("db-2", { roles: ["database"], payload: { replica: true }, privateIp: "10.20.1.41" });

        it("stays advisory on a replica (manual failover) and says so", async () => {
            const [detail] = await findings("single-database-writer", [...secureStack(), replica]);
            assert.match(detail, /exactly one server accepts MySQL writes \(app \[app\+database\]\); its 1 read-only replica\(s\) take over only when a person promotes one \(manual failover\)/);
        });

        it("is silent for a Galera cluster of three writers, flags two (no quorum after one failure) or a minimum raised above it", async () => {
            assert.deepStrictEqual(await findings("single-database-writer", clusterStack(3)), []);
            const [two] = await findings("single-database-writer", clusterStack(2));
            assert.match(two, /the multi-writer cluster has 2 node\(s\) \(db-1 \[database\], db-2 \[database\]\); with fewer than 3 the survivors of one failure hold no majority/);
            const [five] = await findings("single-database-writer", clusterStack(3), { minClusterNodes: 5 });
            assert.match(five, /has 3 node\(s\).*fewer than 5/);
        });

        it("flags writers that form no cluster, and a writer beside a cluster", async () => {
            const lone = (name: string, ip: string) => instance(name, { roles: ["database"], privateIp: ip });
            const [detail] = await findings("single-database-writer", [lone("db-1", "10.20.1.40"), lone("db-2", "10.20.1.41")]);
            assert.match(detail, /2 servers accept MySQL writes \(db-1 \[database\], db-2 \[database\]\) but they form no cluster/);
            const [beside] = await findings("single-database-writer", [...secureStack(), ...galeraNodes(3)]);
            assert.match(beside, /exactly one server accepts MySQL writes \(app \[app\+database\]\)/);
        });

        it("judges RDS too: a single-AZ instance is a single writer (its read replica is promoted by hand), Multi-AZ fails over by itself", async () => {
            const rds = (multiAz: boolean) => resource(T.rdsInstance, "db", "sws-db", { engine: "mysql", instanceClass: "db.t4g.micro", multiAz });
            const [detail] = await findings("single-database-writer", [instance("web", { roles: ["web"] }), rds(false)]);
            assert.match(detail, /exactly one server accepts MySQL writes \(db \(Instance\)\) and no replica/);
            const readReplica = resource(T.rdsInstance, "db-ro", "sws-db-ro", { engine: "mysql", instanceClass: "db.t4g.micro", replicateSourceDb: "sws-db" });
            const [manual] = await findings("single-database-writer", [rds(false), readReplica]);
            assert.match(manual, /its 1 read-only replica\(s\) take over only when a person promotes one/);
            assert.deepStrictEqual(await findings("single-database-writer", [rds(true)]), []);
        });

        it("finds the database by its role tag when the user data is not known yet", async () => {
            const preview = instance("app", { roles: ["app", "database"], props: { userDataBase64: unknown.string } });
            assert.strictEqual((await findings("single-database-writer", [preview])).length, 1);
        });
    });

    describe("identical-server-roles", () => {
        const all: Role[] = ["balancer", "web", "app", "database"];

        it("reports once for the stack, naming every server", async () => {
            const out = await outcome("identical-server-roles", [instance("lb", { roles: all }), instance("node-1", { roles: all })]);
            assert.strictEqual(out.violations.length, 1);
            assert.strictEqual(out.violations[0].urn, undefined);
            assert.match(out.violations[0].detail, /On: lb \(Instance\), node-1 \(Instance\)\n/);
            assert.match(out.violations[0].detail, /layout: "split"/);
        });

        it("honours minServers and reads roles from payloads, not only tags", async () => {
            const two = [instance("a", { roles: ["web"] }), instance("b", { roles: ["web"] })];
            assert.strictEqual((await findings("identical-server-roles", two)).length, 1);
            assert.deepStrictEqual(await findings("identical-server-roles", two, { minServers: 3 }), []);
            const untagged = (name: string, roles: Role[]) =>
                instance(name, { roles, tags: { role: "" }, userDataText: renderCloudConfig(serverPayload(name, roles)) });
            assert.deepStrictEqual(await findings("identical-server-roles", [untagged("a", ["web"]), untagged("b", ["app"])]), []);
        });

        it("is not applicable while a server's user data is unknown", async () => {
            const out = await outcome("identical-server-roles", [
                instance("a", { roles: ["web"] }),
                instance("b", { roles: ["web"], tags: { role: "" }, props: { userDataBase64: unknown.string } }),
            ]);
            assert.deepStrictEqual(out.violations, []);
            assert.match(out.notApplicable[0].reason ?? "", /not known yet/);
        });
    });
});
