// The performance settings the lab bench measured (lab/README.md, "npm run bench") stay in what the
// component renders, and stay within what production wants: compression never on proxied pages,
// keep-alive on every hop, no durability or logging given up.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { renderStack } from "../components/render";
import { loadConfig } from "../lab/config";

function files(server: string, profile = "default"): Map<string, string> {
    // The lab's reading of its profile (it fills in what the lab computes: the app artifact's SHA-256).
    const cfg = loadConfig(profile);
    // A placeholder internal CA (the hardened profile's end-to-end TLS needs one to render).
    const s = renderStack(cfg.stack, { region: "us-east-1", internalCaPem: "-----BEGIN CERTIFICATE-----\nTEST\n-----END CERTIFICATE-----\n" }).servers.find((x) => x.name === server)!;
    return new Map((YAML.parse(s.userData).write_files as Array<{ path: string; content: string }>).map((f) => [f.path, f.content]));
}

/** The body of the first `location <name> {…}` block (no nested blocks in these). */
function location(conf: string, name: string): string {
    const i = conf.indexOf(`location ${name} {`);
    assert.ok(i >= 0, `location ${name}`);
    return conf.slice(i, conf.indexOf("}", i));
}

describe("tuning measured by the bench, in the rendered payloads", () => {
    for (const profile of ["default", "hardened"]) {
        it(`${profile}: Nginx keeps hot static files open, compresses static text only, keeps app connections alive`, () => {
            const conf = files("web-1", profile).get("/etc/nginx/nginx.conf")!;
            assert.match(conf, /^\s*open_file_cache max=\d+ inactive=\d+s;$/m);
            assert.match(conf, /^\s*open_file_cache_valid \d+s;$/m);
            // gzip: in /static/ only — never at http level nor for the proxied pages (BREACH).
            assert.match(location(conf, "/static/"), /gzip on;[\s\S]*gzip_types text\/plain text\/css/);
            assert.strictEqual((conf.match(/gzip on;/g) ?? []).length, 1);
            assert.doesNotMatch(location(conf, "/"), /gzip/);
            const upstream = conf.slice(conf.indexOf("upstream app {"), conf.indexOf("}", conf.indexOf("upstream app {")));
            assert.match(upstream, /keepalive \d+;/);
            assert.match(upstream, /keepalive_requests \d{6,};/);
            assert.match(location(conf, "/"), /proxy_http_version 1\.1;\s+proxy_set_header Connection "";/);
            // Nothing given up: the access log stays on.
            assert.match(conf, /^\s*access_log \/var\/log\/nginx\/access\.log sws buffer=64k flush=1s;$/m);
        });
    }

    it("the database keeps durable commits and the balancer its access log and connection reuse", () => {
        const db = files("app-1").get("/etc/mysql/mariadb.conf.d/90-sws.cnf")!;
        assert.match(db, /^innodb_flush_log_at_trx_commit = 1$/m);
        assert.match(db, /^sync_binlog = 1$/m);
        const lb = files("lb").get("/etc/haproxy/haproxy.cfg")!;
        assert.match(lb, /^\s*option httplog$/m);
        assert.match(lb, /^\s*http-reuse safe$/m);
        assert.match(lb, /alpn h2,http\/1\.1/);
    });

    it("the app takes one pooled connection per request, for all its statements, and never one for a request without a statement", () => {
        const app = fs.readFileSync(path.join(__dirname, "..", "app", "server.js"), "utf8");
        assert.match(app, /mysql\.createPool\(/);
        assert.doesNotMatch(app, /pool\.query\(/, "pool.query takes a connection per statement");
        assert.doesNotMatch(app, /createConnection\(/);
        assert.match(app, /conn = conn \|\| new Promise\(\(resolve, reject\) => pool\.getConnection\(/);
        assert.match(app, /failed \? c\.destroy\(\) : c\.release\(\)/);
    });
});
