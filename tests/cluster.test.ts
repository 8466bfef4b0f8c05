// database.topology: single | replica (hardening.databaseReplica) | cluster (three MariaDB Galera
// servers, every one a writer, reached through a local HAProxy on each app server).
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { buildModel, Ports } from "../components/model";
import { renderServerPart, renderServerUserData, renderStack } from "../components/render";
import { packUserData } from "../components/payloads/cloudConfig";
import { cloudWatchSeries, emfDeclarations } from "../components/payloads/collector";
import { customMetricCount } from "../components/aws/monitoring";
import type { SecuredWebStackArgs } from "../components/types";
import { matchSnapshot } from "./helpers/snapshot";

const CA = "-----BEGIN CERTIFICATE-----\nINTERNALCA\n-----END CERTIFICATE-----\n";
const deploy = { region: "us-east-1", dataVolumeId: "vol-0123456789abcdef0", internalCaPem: CA };
const CLUSTER: SecuredWebStackArgs = { domain: "www.foobar.com", os: "debian-12", appServers: 2, database: { topology: "cluster" } };
const SCRIPTS = path.join(__dirname, "..", "components", "payloads", "scripts");

type Stack = ReturnType<typeof renderStack>;
const filesOf = (stack: Stack, server: string): Map<string, string> => {
    const s = stack.servers.find((x) => x.name === server)!;
    const m = new Map<string, string>();
    for (const f of YAML.parse(s.userData).write_files) m.set(f.path, f.content);
    for (const f of s.fetched) if (f.content !== undefined) m.set(f.path, f.content);
    return m;
};
const fileOf = (stack: Stack, server: string, p: string): string => {
    const c = filesOf(stack, server).get(p);
    assert.ok(c !== undefined, `${server}: no ${p}`);
    return c!;
};

describe("database.topology", () => {
    it("defaults to single; hardening.databaseReplica is the same as \"replica\"", () => {
        assert.strictEqual(buildModel({ domain: "www.foobar.com" }).database.topology, "single");
        const alias = buildModel({ domain: "www.foobar.com", hardening: { databaseReplica: true, endToEndTls: true } });
        const named = buildModel({ domain: "www.foobar.com", database: { topology: "replica" }, hardening: { endToEndTls: true } });
        assert.strictEqual(alias.database.topology, "replica");
        assert.deepStrictEqual(named.servers, alias.servers);
        assert.deepStrictEqual(named.flows, alias.flows);
        assert.strictEqual(named.hardening.databaseReplica, true);
    });

    it("refuses unknown values, a contradicting alias, and a cluster in the all-in-one layout, naming the field", () => {
        assert.throws(() => buildModel({ domain: "www.foobar.com", database: { topology: "galera" as never } }),
            /database\.topology: "galera" is not allowed; use one of "single", "replica", "cluster"/);
        assert.throws(() => buildModel({ domain: "www.foobar.com", database: { topology: "cluster" }, hardening: { databaseReplica: true } }),
            /hardening\.databaseReplica: true means database\.topology "replica", but database\.topology is "cluster"/);
        assert.throws(() => buildModel({ domain: "www.foobar.com", layout: "all-in-one", database: { topology: "cluster" } }),
            /layout: "all-in-one" is for comparison only/);
    });

    it("cluster: three database servers of their own (.41–.43), the app servers hold no database, MariaDB on either OS", () => {
        for (const osName of ["debian-12", "ubuntu-24.04"] as const) {
            const m = buildModel({ ...CLUSTER, os: osName });
            assert.deepStrictEqual(m.servers.map((s) => `${s.name}:${s.roles.join("+")}@${s.privateIp}`), [
                "lb:balancer@10.20.0.10", "web-1:web@10.20.0.20", "app-1:app@10.20.0.30", "app-2:app@10.20.0.31",
                "db-1:database@10.20.0.41", "db-2:database@10.20.0.42", "db-3:database@10.20.0.43",
            ]);
            assert.strictEqual(m.dbEngine, "mariadb", osName);
        }
    });
});

describe("cluster: flows and firewalls", () => {
    const stack = renderStack(CLUSTER, deploy);
    const m = stack.model;
    const dbs = ["db-1", "db-2", "db-3"];

    it("carries Galera's ports (4567 replication, 4568 IST, 4444 SST) between the database servers only, every pair both ways", () => {
        for (const port of [Ports.galera, Ports.galeraIst, Ports.galeraSst]) {
            const pairs = m.flows.filter((f) => f.port === port).map((f) => `${(f.from as { name: string }).name}>${(f.to as { name: string }).name}`).sort();
            assert.deepStrictEqual(pairs, dbs.flatMap((a) => dbs.filter((b) => b !== a).map((b) => `${a}>${b}`)).sort(), String(port));
            for (const f of m.flows.filter((x) => x.port === port)) assert.match(f.why, /TLS, internal CA verified/);
        }
    });

    it("lets every app server reach every node's MySQL and health port, and nothing else reach them", () => {
        const toDb = m.flows.filter((f) => f.to.kind === "server" && dbs.includes(f.to.name) && !(f.from.kind === "server" && dbs.includes(f.from.name)));
        assert.deepStrictEqual(toDb.map((f) => f.id).sort(), ["app-1", "app-2"].flatMap((a) => dbs.flatMap((d) => [`${a}-to-${d}-mysql`, `${a}-to-${d}-galera-check`])).sort());
    });

    it("each node's nftables opens the Galera ports to its two peers' addresses only; no other server opens them", () => {
        for (const s of stack.servers) {
            for (const port of [4567, 4568, 4444]) {
                const lines = s.nftables.split("\n").filter((l) => l.includes(`dport ${port} `) && /saddr/.test(l));
                if (!dbs.includes(s.name)) { assert.deepStrictEqual(lines, [], `${s.name} ${port}`); continue; }
                const peers = stack.servers.filter((x) => dbs.includes(x.name) && x.name !== s.name).map((x) => x.privateIp);
                assert.strictEqual(lines.length, 2, `${s.name} ${port}: ${lines.join(" | ")}`);
                for (const ip of peers) assert.ok(lines.some((l) => l.includes(`saddr ${ip} `)), `${s.name} ${port} from ${ip}`);
            }
        }
    });
});

describe("cluster: payloads", () => {
    const stack = renderStack({ ...CLUSTER, hardening: { endToEndTls: true } }, deploy);
    const cnf = (n: string) => fileOf(stack, n, "/etc/mysql/mariadb.conf.d/90-sws.cnf");

    it("each node is a Galera member of the same three addresses, with its own identity", () => {
        const ids = new Set<string>();
        for (const [i, n] of ["db-1", "db-2", "db-3"].entries()) {
            const c = cnf(n);
            assert.match(c, /^wsrep_on = ON$/m);
            assert.match(c, /^wsrep_provider = \/usr\/lib\/galera\/libgalera_smm\.so$/m);
            assert.match(c, /^wsrep_cluster_address = gcomm:\/\/10\.20\.0\.41,10\.20\.0\.42,10\.20\.0\.43$/m);
            assert.match(c, new RegExp(`^wsrep_node_address = 10\\.20\\.0\\.4${i + 1}$`, "m"));
            assert.match(c, /^binlog_format = ROW$/m);
            assert.match(c, /^innodb_autoinc_lock_mode = 2$/m);
            assert.match(c, /^log_slave_updates = ON$/m);
            ids.add(/^server_id = (\d+)$/m.exec(c)![1]);
            assert.doesNotMatch(c, /read_only|gtid_strict_mode/, "every node accepts writes");
        }
        assert.strictEqual(ids.size, 3, "distinct server ids");
    });

    it("encrypts replication and IST with the node's own certificate and the internal CA, and SST with CA verification", () => {
        for (const n of ["db-1", "db-2", "db-3"]) {
            const c = cnf(n);
            const opts = /^wsrep_provider_options = "(.*)"$/m.exec(c)![1].split(";");
            for (const o of ["socket.ssl_cert=/run/sws/secrets/internal-tls-mysql.pem", "socket.ssl_key=/run/sws/secrets/internal-tls-mysql.pem", "socket.ssl_ca=/etc/sws/internal-ca.pem"]) {
                assert.ok(opts.includes(o), `${n}: ${o}`);
            }
            assert.match(c, /^wsrep_sst_method = mariabackup$/m);
            assert.match(c, /\n\[sst\]\nssl-mode = VERIFY_CA\n/);
            assert.match(c, /^ssl_cert = \/run\/sws\/secrets\/internal-tls-mysql\.pem$/m, "mariabackup SST reads the server's ssl_* options");
            assert.match(c, /^wsrep_sst_auth = mysql:$/m, "SST authenticates by unix_socket: no password in any file");
        }
    });

    it("gives each node (and no other server) its MySQL certificate even without endToEndTls", () => {
        const plain = buildModel(CLUSTER);
        const certs = plain.secrets.filter((s) => s.name.startsWith("internal-tls-"));
        assert.deepStrictEqual(certs.map((s) => `${s.name}@${s.servers.join(",")}`), ["internal-tls-mysql@db-1", "internal-tls-mysql@db-2", "internal-tls-mysql@db-3"]);
        assert.throws(() => renderStack(CLUSTER, { region: "us-east-1" }), /internal CA certificate was not provided/);
    });

    it("requires TLS from every MySQL client of a node, and the app verifies the node against the internal CA, without endToEndTls too", () => {
        const plain = renderStack(CLUSTER, deploy);
        for (const n of ["db-1", "db-2", "db-3"]) assert.match(fileOf(plain, n, "/etc/mysql/mariadb.conf.d/90-sws.cnf"), /^require_secure_transport = ON$/m, n);
        assert.match(fileOf(plain, "app-1", "/etc/sws/app.env"), /^DB_SSL_CA=['"]\/etc\/sws\/internal-ca\.pem['"]$/m);
        assert.doesNotThrow(() => buildModel({ ...CLUSTER, appServers: 3 }), "a cluster needs no endToEndTls for its database link");
    });

    it("only the first node may found the cluster; every node knows its peers", () => {
        const env = (n: string) => fileOf(stack, n, "/etc/sws/database.env");
        assert.match(env("db-1"), /^CLUSTER_FIRST=['"]1['"]$/m);
        assert.match(env("db-2"), /^CLUSTER_FIRST=(['"]['"])?$/m);
        assert.match(env("db-3"), /^CLUSTER_PEERS=['"]10\.20\.0\.41 10\.20\.0\.42['"]$/m);
        for (const n of ["db-1", "db-2", "db-3"]) {
            assert.match(fileOf(stack, n, "/etc/systemd/system/mariadb.service.d/sws.conf"), /^ExecStart=\/usr\/local\/sbin\/sws-galera-start$/m);
            assert.match(fileOf(stack, n, "/etc/systemd/system/sws-galera-check.service"), /^User=sws-check$/m);
        }
    });

    it("each app server talks to its own HAProxy, which checks every node's health agent and cuts a failed node's sessions", () => {
        for (const a of ["app-1", "app-2"]) {
            assert.match(fileOf(stack, a, "/etc/sws/app.env"), /^DB_HOST=['"]127\.0\.0\.1['"]$/m);
            assert.match(fileOf(stack, a, "/etc/sws/app.env"), /^DB_SSL_CA=['"]\/etc\/sws\/internal-ca\.pem['"]$/m, "endToEndTls: TLS to the node through the proxy");
            const cfg = fileOf(stack, a, "/etc/haproxy/sws-db-proxy.cfg");
            assert.match(cfg, /bind 127\.0\.0\.1:3306\n/);
            assert.match(cfg, /option httpchk GET \/\n\s+http-check expect status 200\n/);
            assert.match(cfg, /default-server check port 9200 inter 1s fastinter 500ms downinter 1s fall 2 rise 2 on-marked-down shutdown-sessions/);
            const servers = cfg.split("\n").filter((l) => /^\s+server /.test(l)).map((l) => l.trim());
            assert.deepStrictEqual(servers, ["server db-1 10.20.0.41:3306", "server db-2 10.20.0.42:3306", "server db-3 10.20.0.43:3306"]);
            assert.ok(!filesOf(stack, a).has("/etc/mysql/mariadb.conf.d/90-sws.cnf"), `${a} runs no database`);
        }
    });

    it("HAProxy accepts the rendered proxy configuration (haproxy -c)", function () {
        const haproxy = ["/usr/sbin/haproxy", "/usr/bin/haproxy"].find((p) => fs.existsSync(p));
        if (!haproxy) {
            if (process.env.CI) assert.fail("haproxy is not installed (CI must install it: apt-get install haproxy)");
            this.skip();
        }
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sws-dbproxy-"));
        const cfg = path.join(dir, "db-proxy.cfg");
        fs.writeFileSync(cfg, fileOf(stack, "app-1", "/etc/haproxy/sws-db-proxy.cfg"));
        const r = spawnSync(haproxy!, ["-c", "-f", cfg], { encoding: "utf8" });
        fs.rmSync(dir, { recursive: true, force: true });
        assert.strictEqual(r.status, 0, r.stdout + r.stderr);
    });

    it("renders the cluster payloads (snapshots)", () => {
        const model = buildModel({ ...CLUSTER, hardening: { endToEndTls: true } });
        for (const s of model.servers.filter((x) => ["app-1", "db-1", "db-2"].includes(x.name))) {
            const part = renderServerPart(model, s, deploy);
            for (const f of part.files.filter((x) => !x.path.startsWith("/usr/local/sbin/") && !x.path.startsWith("/opt/sws-app/"))) matchSnapshot(`cluster/${s.name}${f.path}`, f.content);
        }
    });
});

describe("cluster: user data size", function () {
    this.timeout(60000);
    it("every server's gzipped user data stays ≤ 8 KiB, both OS × TLS modes × every sink × endToEndTls", () => {
        let worst = { bytes: 0, what: "" };
        const tlsModes: SecuredWebStackArgs["tls"][] = [{ mode: "self-signed" }, { mode: "lets-encrypt", email: "ops@foobar.com", redirectApex: true }, { mode: "acm", keyAlgorithm: "RSA" }]; // "imported" renders the balancer like self-signed
        const sinks: SecuredWebStackArgs["monitoring"][] = [{ sink: "cloudwatch" }, { sink: "sumologic", sumoLogicUrl: "s" }, { sink: "prometheus-remote-write", remoteWriteUrl: "https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-0123456789abcdef/api/v1/remote_write", remoteWriteSigV4: true }, { sink: "none" }];
        let n = 0;
        for (const osName of ["debian-12", "ubuntu-24.04"] as const) for (const tls of tlsModes) for (const monitoring of sinks) for (const endToEndTls of [false, true]) {
            const model = buildModel({ ...CLUSTER, os: osName, tls, monitoring, hardening: { endToEndTls }, dns: { hostedZoneId: "Z04481532TESTZONE0001" }, adminCidrs: ["203.0.113.0/24"] });
            n++;
            for (const s of model.servers) {
                const bytes = Buffer.from(packUserData(renderServerUserData(model, s, deploy)), "base64").length;
                if (bytes > worst.bytes) worst = { bytes, what: `${osName}/${tls!.mode}/${monitoring!.sink}/${endToEndTls ? "e2e" : "plain"} ${s.name}` };
            }
        }
        console.log(`      largest gzipped user data: ${worst.bytes} bytes (${worst.what}) over ${n} cluster combinations`);
        assert.ok(worst.bytes <= 8192, `${worst.what}: ${worst.bytes} bytes > 8192`);
    });
});

describe("cluster: the health agent (sws-galera-check)", () => {
    // The real script under bash, with a stand-in `mariadb` that prints what a node would answer.
    function ask(answer: string | null): { status: string; body: string } {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sws-check-"));
        fs.writeFileSync(path.join(dir, "mariadb"), answer === null ? "#!/bin/sh\necho 'ERROR 2002: no socket' >&2\nexit 1\n" : `#!/bin/sh\nprintf '%s\\n' '${answer}'\n`, { mode: 0o755 });
        const r = spawnSync("bash", [path.join(SCRIPTS, "sws-galera-check")], {
            input: "GET / HTTP/1.0\r\nHost: db\r\n\r\n", encoding: "utf8", env: { PATH: `${dir}:/usr/bin:/bin` }, timeout: 10000,
        });
        fs.rmSync(dir, { recursive: true, force: true });
        assert.strictEqual(r.status, 0, r.stderr);
        const [head, body] = r.stdout.split("\r\n\r\n");
        const length = Number(/Content-Length: (\d+)/.exec(head)![1]);
        assert.strictEqual(Buffer.byteLength(body), length, "Content-Length matches the body");
        return { status: head.split("\r\n")[0], body };
    }

    it("answers 200 only for a node synced (or donating by mariabackup, which keeps serving) in the primary component and ready", () => {
        assert.strictEqual(ask("Primary,4,ON").status, "HTTP/1.1 200 OK");
        assert.strictEqual(ask("Primary,2,ON").status, "HTTP/1.1 200 OK");
    });

    it("answers 503 for a partitioned node, a joiner, a node not ready, or no database", () => {
        for (const a of ["non-Primary,4,OFF", "non-Primary,1,OFF", "Primary,1,ON", "Primary,3,ON", "Primary,4,OFF", "Primary,2,OFF", null]) {
            const r = ask(a);
            assert.strictEqual(r.status, "HTTP/1.1 503 Service Unavailable", String(a));
            assert.match(r.body, /not synced/);
        }
    });
});

describe("cluster: monitoring", () => {
    it("publishes cluster size, flow control, receive queue and readiness from the database servers of a cluster only", () => {
        const wsrep = ["mysql_global_status_wsrep_cluster_size", "mysql_global_status_wsrep_flow_control_paused_ns",
            "mysql_global_status_wsrep_local_recv_queue", "mysql_global_status_wsrep_ready"];
        const names = (cluster: boolean) => emfDeclarations(["database"], cluster).flatMap((d) => d.metric_name_selectors);
        for (const n of wsrep) assert.ok(names(true).includes(`^${n}\\z`), n);
        assert.ok(!names(false).some((s) => s.includes("wsrep")), "not on a single server");
        assert.ok(!cloudWatchSeries(["app"], true).some((c) => c.names.some((n) => n.includes("wsrep"))), "not on app servers");
        const single = customMetricCount(buildModel({ domain: "www.foobar.com" }));
        const cluster = customMetricCount(buildModel(CLUSTER));
        assert.ok(cluster > single, `${cluster} > ${single}`);
    });

    it("ships the Galera series in each node's collector config", () => {
        const stack = renderStack(CLUSTER, deploy);
        for (const n of ["db-1", "db-2", "db-3"]) assert.match(fileOf(stack, n, "/etc/sws/collector.yaml"), /mysql_global_status_wsrep_cluster_size/);
        assert.doesNotMatch(fileOf(stack, "app-1", "/etc/sws/collector.yaml"), /wsrep/);
    });
});
