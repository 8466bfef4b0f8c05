// The switches that remove the seed's documented weaknesses (hardening.*) and scale-out.
import * as assert from "assert";
import * as YAML from "yaml";
import { buildModel } from "../components/model";
import { renderServerPart, renderStack } from "../components/render";
import type { SecuredWebStackArgs } from "../components/types";
import { matchSnapshot } from "./helpers/snapshot";

const CA = "-----BEGIN CERTIFICATE-----\nINTERNALCA\n-----END CERTIFICATE-----\n";
const deploy = { region: "us-east-1", dataVolumeId: "vol-0123456789abcdef0", internalCaPem: CA };
const HARDENED: SecuredWebStackArgs = {
    domain: "www.foobar.com", os: "debian-12", webServers: 2, appServers: 2,
    tls: { mode: "lets-encrypt", email: "ops@foobar.com" },
    hardening: { endToEndTls: true, databaseReplica: true },
};
/** A file of a server: written from its user data, or (peer lists) fetched from SSM at boot. */
const fileOf = (stack: ReturnType<typeof renderStack>, server: string, p: string): string => {
    const s = stack.servers.find((x) => x.name === server)!;
    return YAML.parse(s.userData).write_files.find((f: any) => f.path === p)?.content ?? s.fetched.find((f) => f.path === p && f.peers)?.content;
};

describe("hardening: switches and scale-out", () => {
    const stack = renderStack(HARDENED, deploy);
    const m = stack.model;

    it("adds servers: two web, two app (the first with the primary), a replica", () => {
        assert.deepStrictEqual(m.servers.map((s) => `${s.name}:${s.roles.join("+")}@${s.privateIp}`), [
            "lb:balancer@10.20.0.10", "web-1:web@10.20.0.20", "web-2:web@10.20.0.21",
            "app-1:app+database@10.20.0.30", "app-2:app@10.20.0.31", "db-replica:replica@10.20.0.40",
        ]);
    });

    it("moves the flows to the TLS ports and closes the plain ones", () => {
        const ids = m.flows.filter((f) => f.to.kind === "server" && f.from.kind === "server").map((f) => `${f.id}:${f.port}`);
        assert.deepStrictEqual(ids, [
            "lb-to-web-1-web:8443", "lb-to-web-2-web:8443",
            "web-1-to-app-1-app:3443", "web-1-to-app-2-app:3443", "web-2-to-app-1-app:3443", "web-2-to-app-2-app:3443",
            "app-2-to-app-1-mysql:3306", "db-replica-to-app-1-mysql:3306",
            // Standing flows to the replica: after sws-db-promote + sws-app-use-db the apps reach it with no firewall change.
            "app-1-to-db-replica-mysql:3306", "app-2-to-db-replica-mysql:3306",
        ]);
        assert.ok(!m.flows.some((f) => f.port === 8080 || f.port === 3000));
        for (const s of stack.servers) assert.doesNotMatch(s.nftables, /dport (8080|3000) /, s.name);
    });

    it("HAProxy re-encrypts to every web server and verifies it against the internal CA", () => {
        const cfg = fileOf(stack, "lb", "/etc/sws/peers/haproxy-web.cfg");
        const servers = cfg.split("\n").filter((l) => /^\s+server web-/.test(l));
        assert.strictEqual(servers.length, 2);
        for (const l of servers) assert.match(l, /:8443 check ssl verify required ca-file \/etc\/sws\/internal-ca\.pem verifyhost web\.sws\.internal/);
    });

    it("Nginx serves TLS only and verifies the app's certificate", () => {
        const conf = fileOf(stack, "web-1", "/etc/nginx/nginx.conf");
        assert.match(conf, /listen 10\.20\.0\.20:8443 ssl default_server;/);
        assert.doesNotMatch(conf, /listen 10\.20\.0\.20:8080/);
        assert.match(conf, /proxy_pass https:\/\/app;/);
        assert.match(conf, /proxy_ssl_verify on;/);
        assert.match(conf, /upstream app \{\n\s+include \/etc\/sws\/peers\/nginx-app-upstream\.conf;/);
        assert.match(fileOf(stack, "web-1", "/etc/sws/peers/nginx-app-upstream.conf"), /^server 10\.20\.0\.30:3443 max_fails=0;\nserver 10\.20\.0\.31:3443 max_fails=0;\n$/m);
    });

    it("the app serves TLS; the local app uses the socket, the remote one TLS to the primary", () => {
        assert.match(fileOf(stack, "app-1", "/etc/sws/app.env"), /PORT='3443'[\s\S]*DB_SOCKET='\/run\/mysqld\/mysqld\.sock'[\s\S]*TLS_CERT_FILE=/);
        assert.match(fileOf(stack, "app-2", "/etc/sws/app.env"), /DB_HOST='10\.20\.0\.30'\nDB_PORT='3306'\nDB_SSL_CA='\/etc\/sws\/internal-ca\.pem'/);
    });

    it("the primary requires TLS over the network; the replica is read-only with its own server id", () => {
        const primary = fileOf(stack, "app-1", "/etc/mysql/mariadb.conf.d/90-sws.cnf");
        assert.match(primary, /require_secure_transport = ON/);
        assert.match(primary, /bind-address = 0\.0\.0\.0/);
        assert.doesNotMatch(primary, /read_only/);
        const replica = fileOf(stack, "db-replica", "/etc/mysql/mariadb.conf.d/90-sws.cnf");
        assert.match(replica, /server_id = 40/);
        assert.match(replica, /read_only = ON/);
        assert.match(fileOf(stack, "db-replica", "/etc/sws/database.env"), /DB_ROLE='replica'\nPRIMARY_HOST='10\.20\.0\.30'/);
    });

    it("each server fetches its own internal certificate once per consuming service", () => {
        const by = (server: string) => stack.servers.find((s) => s.name === server)!.fetched.filter((f) => f.path.includes("internal-tls")).map((f) => `${f.parameter} ${f.path} ${f.group}`);
        assert.deepStrictEqual(by("app-1"), [
            "/sws/dev/internal-tls/app-1 /run/sws/secrets/internal-tls-app.pem sws-app",
            "/sws/dev/internal-tls/app-1 /run/sws/secrets/internal-tls-mysql.pem mysql",
        ]);
        assert.deepStrictEqual(by("lb"), [], "the balancer only verifies");
    });

    it("renders the hardened payloads (snapshots)", () => {
        const model = buildModel(HARDENED);
        for (const s of model.servers) {
            const part = renderServerPart(model, s, deploy);
            for (const f of part.files.filter((x) => !x.path.startsWith("/usr/local/sbin/") && !x.path.startsWith("/opt/sws-app/"))) matchSnapshot(`hardened/${s.name}${f.path}`, f.content);
        }
    });

    it("keeps the all-in-one layout free of switches", () => {
        assert.throws(() => buildModel({ domain: "www.foobar.com", layout: "all-in-one", hardening: { endToEndTls: true } }), /layout: "all-in-one" is for comparison only/);
    });
});
