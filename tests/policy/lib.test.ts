import * as assert from "node:assert";
import * as zlib from "zlib";
import { binds, backendServers, hstsMaxAge, minimumTlsVersion, parseHaproxy } from "../../policy/lib/haproxy";
import { isClustered, isReadOnly } from "../../policy/lib/mysql";
import { UNKNOWN, snapshot } from "../../policy/lib/props";
import { rulesOf } from "../../policy/lib/securityGroups";
import { Payload, parseDocument, readUserData, rolesOfTag } from "../../policy/lib/userData";
import { engineProps, unknown } from "../helpers/policyHarness";
import { T, gzipBase64, haproxyCfg, legacyRule, mysqlCnf, renderCloudConfig, securityGroup, serverPayload } from "./fixtures";

function decoded(props: Record<string, unknown>): Payload {
    const u = readUserData(props);
    assert.strictEqual(u.state, "decoded");
    return (u as { payload: Payload }).payload;
}

describe("policy lib", () => {
    describe("user data", () => {
        const doc = renderCloudConfig(serverPayload("app", ["app", "database"]));

        it("decodes gzip + base64 cloud-config into packages, files, runcmd and roles", () => {
            const p = decoded({ userDataBase64: gzipBase64(doc) });
            assert.strictEqual(p.format, "cloud-config");
            assert.ok(p.packages.includes("mysql-server"));
            assert.match(p.files.get("/etc/mysql/mysql.conf.d/zz-sws.cnf") ?? "", /\[mysqld\]/);
            assert.ok(p.runcmd.includes("systemctl enable --now sws-app.service"));
            assert.deepStrictEqual([...p.roles].sort(), ["app", "database"]);
            assert.strictEqual(p.size, Buffer.from(gzipBase64(doc), "base64").length);
        });

        it("reads plain userData, also when it is base64 without gzip", () => {
            assert.deepStrictEqual([...decoded({ userData: doc }).roles].sort(), ["app", "database"]);
            assert.deepStrictEqual([...decoded({ userData: Buffer.from(doc).toString("base64") }).roles].sort(), ["app", "database"]);
        });

        it("decodes write_files content encoded b64 or gz+b64", () => {
            const text = renderCloudConfig({
                write_files: [
                    { path: "/etc/haproxy/haproxy.cfg", encoding: "b64", content: Buffer.from("global\n").toString("base64") },
                    { path: "/etc/nginx/nginx.conf", encoding: "gz+b64", content: zlib.gzipSync("events {}\n").toString("base64") },
                ],
            });
            const p = parseDocument(text);
            assert.strictEqual(p.files.get("/etc/haproxy/haproxy.cfg"), "global\n");
            assert.strictEqual(p.files.get("/etc/nginx/nginx.conf"), "events {}\n");
            assert.deepStrictEqual([...p.roles].sort(), ["balancer", "web"]);
        });

        it("tolerates a shell script: packages from apt-get install, files from heredocs", () => {
            const script = [
                "#!/bin/bash",
                "set -euo pipefail",
                "apt-get update",
                "DEBIAN_FRONTEND=noninteractive apt-get install -y \\",
                "  haproxy nftables",
                "cat > /etc/haproxy/haproxy.cfg <<'EOF'",
                "frontend https-in",
                "    bind :443 ssl crt /etc/haproxy/certs/",
                "EOF",
                "systemctl enable --now haproxy",
            ].join("\n");
            const p = parseDocument(script);
            assert.strictEqual(p.format, "shell");
            assert.deepStrictEqual(p.packages, ["haproxy", "nftables"]);
            assert.match(p.files.get("/etc/haproxy/haproxy.cfg") ?? "", /bind :443 ssl/);
            assert.deepStrictEqual([...p.roles], ["balancer"]);
            assert.ok(p.runcmd.includes("systemctl enable --now haproxy"));
        });

        it("never throws on garbage, and tells absent from unknown", () => {
            assert.strictEqual(parseDocument("#cloud-config\n: [unclosed").format, "other");
            assert.strictEqual(decoded({ userDataBase64: Buffer.from([0x1f, 0x8b, 0, 1, 2]).toString("base64") }).text, "");
            assert.strictEqual(readUserData({}).state, "absent");
            assert.strictEqual(readUserData({ userDataBase64: UNKNOWN }).state, "unknown");
        });

        it("reads the roles of a role tag", () => {
            assert.deepStrictEqual(rolesOfTag("app+database"), ["app", "database"]);
            assert.deepStrictEqual(rolesOfTag("LB, web-server"), ["balancer", "web"]);
            assert.deepStrictEqual(rolesOfTag("bastion"), []);
        });

        it("does not take a MySQL client config for a database server", () => {
            const p = parseDocument(renderCloudConfig({ write_files: [{ path: "/etc/mysql/conf.d/client.cnf", content: "[client]\nhost=db\n" }] }));
            assert.deepStrictEqual([...p.roles], []);
        });
    });

    describe("props snapshot", () => {
        it("replaces values unknown during preview, behind the SDK proxy or raw", () => {
            const props = engineProps({ type: T.instance, name: "x", props: { a: unknown.string, b: [1, unknown.number], c: { d: unknown.boolean } } });
            assert.deepStrictEqual(snapshot(props), { a: UNKNOWN, b: [1, UNKNOWN], c: { d: UNKNOWN } });
            assert.deepStrictEqual(snapshot({ a: unknown.array }), { a: UNKNOWN });
        });
    });

    describe("MySQL options", () => {
        const payload = (files: Record<string, string>) => parseDocument(renderCloudConfig({ write_files: Object.entries(files).map(([path, content]) => ({ path, content })) }));

        it("tells a replica (read_only / super-read-only) from a writer, later files winning", () => {
            assert.strictEqual(isReadOnly(payload({ "/etc/mysql/mysql.conf.d/zz-sws.cnf": mysqlCnf() })), false);
            assert.strictEqual(isReadOnly(payload({ "/etc/mysql/mysql.conf.d/zz-sws.cnf": mysqlCnf({ replica: true }) })), true);
            assert.strictEqual(isReadOnly(payload({ "/etc/mysql/mariadb.conf.d/90-sws.cnf": "[mariadb]\nsuper-read-only\n" })), true);
            assert.strictEqual(
                isReadOnly(payload({ "/etc/mysql/conf.d/a.cnf": "[mysqld]\nread_only=1\n", "/etc/mysql/conf.d/b.cnf": "[mysqld]\nread_only=OFF\n" })),
                false,
            );
            assert.strictEqual(isReadOnly(payload({ "/etc/mysql/conf.d/a.cnf": "[client]\nread_only=1\n" })), false);
        });

        it("recognises Galera and Group Replication members", () => {
            assert.strictEqual(isClustered(payload({ "/etc/mysql/mariadb.conf.d/60-galera.cnf": "[galera]\n" })), false);
            assert.strictEqual(isClustered(payload({ "/etc/mysql/mariadb.conf.d/60-galera.cnf": "[mariadb]\nwsrep_cluster_address = gcomm://10.0.0.1,10.0.0.2\n" })), true);
            assert.strictEqual(isClustered(payload({ "/etc/mysql/mysql.conf.d/gr.cnf": "[mysqld]\nloose-group-replication-group-seeds = a:33061\n" })), true);
        });
    });

    describe("HAProxy configuration", () => {
        it("finds TLS binds, backend servers and their TLS options, inherited from default-server", () => {
            const sections = parseHaproxy(haproxyCfg({ backendTls: "verified" }));
            assert.deepStrictEqual(
                binds(sections).map((b) => [b.section.name, b.host, b.port, b.tls]),
                [["metrics", "127.0.0.1", 8405, false], ["http-in", "", 80, false], ["https-in", "", 443, true]],
            );
            const [web] = backendServers(sections);
            assert.deepStrictEqual([web.name, web.host, web.port, web.tls, web.verified], ["web", "10.20.1.20", 8443, true, true]);
            const inherited = backendServers(parseHaproxy("defaults\n    default-server ssl verify required ca-file /ca.pem\nbackend b\n    server s 10.0.0.1:443\n"));
            assert.deepStrictEqual([inherited[0].tls, inherited[0].verified], [true, true]);
        });

        it("reads the minimum TLS version from ssl-min-ver or the no-tlsv1x options, and the HSTS max-age", () => {
            const min = (cfg: string) => {
                const s = parseHaproxy(cfg);
                return minimumTlsVersion(s, binds(s).find((b) => b.tls)!);
            };
            assert.strictEqual(min(haproxyCfg()), "TLSv1.2");
            assert.strictEqual(min(haproxyCfg({ minTls: false })), undefined);
            assert.strictEqual(min("global\n    ssl-default-bind-options no-sslv3 no-tlsv10 no-tlsv11\nfrontend f\n    bind :443 ssl crt /c\n"), "TLSv1.2");
            assert.strictEqual(min("frontend f\n    bind :443 ssl crt /c ssl-min-ver TLSv1.3\n"), "TLSv1.3");
            const s = parseHaproxy("defaults\n    http-response set-header Strict-Transport-Security max-age=600\nfrontend f\n    bind :443 ssl crt /c\n");
            assert.strictEqual(hstsMaxAge(s, s[1]), 600);
        });
    });

    describe("security-group rules", () => {
        it("reads inline, per-rule and legacy shapes into one form", () => {
            const inline = rulesOf({ ...securityGroup("web", { ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["10.0.0.0/8"], ipv6CidrBlocks: ["::/0"] }], egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }] }), urn: "u" });
            assert.deepStrictEqual(inline.map((r) => [r.direction, r.protocol, r.cidrs, r.index]), [
                ["ingress", "tcp", ["10.0.0.0/8", "::/0"], 0],
                ["egress", "-1", ["0.0.0.0/0"], 0],
            ]);
            const legacy = rulesOf({ ...legacyRule("r", "db", { type: "ingress", protocol: "6", fromPort: 3306, toPort: 3306, sourceSecurityGroupId: "sg-app" }), urn: "u" });
            assert.deepStrictEqual([legacy[0].protocol, legacy[0].groups, legacy[0].groupId], ["tcp", ["sg-app"], "sg-db"]);
        });
    });
});
