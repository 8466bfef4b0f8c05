import * as assert from "node:assert";
import { unknown, urnOf } from "../helpers/policyHarness";
import { Role, T, instance, replace, resource, secureStack, serverPayload, renderCloudConfig } from "./fixtures";
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

        it("counts replicas against minReplicas", async () => {
            assert.deepStrictEqual(await findings("single-database-writer", [...secureStack(), replica]), []);
            const [detail] = await findings("single-database-writer", [...secureStack(), replica], { minReplicas: 2 });
            assert.match(detail, /and 1 replica\(s\) can take over \(at least 2 wanted\)/);
        });

        it("flags writers that form no cluster, and passes a Galera cluster", async () => {
            const node = (name: string, ip: string, galera: boolean) =>
                instance(name, {
                    roles: ["database"],
                    privateIp: ip,
                    payload: galera ? { files: { "/etc/mysql/mariadb.conf.d/60-galera.cnf": "[galera]\nwsrep_on = ON\n[mariadb]\nwsrep_cluster_address = gcomm://10.20.1.40,10.20.1.41\n" } } : {},
                });
            const [detail] = await findings("single-database-writer", [node("db-1", "10.20.1.40", false), node("db-2", "10.20.1.41", false)]);
            assert.match(detail, /2 servers accept MySQL writes \(db-1 \[database\], db-2 \[database\]\) but they form no cluster/);
            assert.deepStrictEqual(await findings("single-database-writer", [node("db-1", "10.20.1.40", true), node("db-2", "10.20.1.41", true)]), []);
        });

        it("judges RDS too: a single-AZ instance is a single writer, Multi-AZ has a standby", async () => {
            const rds = (multiAz: boolean) => resource(T.rdsInstance, "db", "sws-db", { engine: "mysql", instanceClass: "db.t4g.micro", multiAz });
            const [detail] = await findings("single-database-writer", [instance("web", { roles: ["web"] }), rds(false)]);
            assert.match(detail, /exactly one server accepts MySQL writes \(db \(Instance\)\)/);
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
