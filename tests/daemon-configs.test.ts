// The rendered HAProxy and Nginx configurations pass the daemons' own checks (`haproxy -c`,
// `nginx -t`), for every TLS mode, plain and hardened (end-to-end TLS), one and several web
// servers. The checks need the files a server has at run time: a throwaway certificate and CA
// (openssl) stand in for the balancer's certificate directory, the internal CA and the per-server
// PEMs; the logs go to a temporary directory. Needs haproxy, nginx and openssl: skipped with a note
// on a workstation without them, failed under CI=true (.ci/run and the workflow install them).
import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildModel, Role } from "../components/model";
import { renderServerPart } from "../components/render";
import type { SecuredWebStackArgs } from "../components/types";
import { requireTool } from "./helpers/tools";
import { IMPORTED_CERT, IMPORTED_KEY } from "./helpers/combinations";

const deploy = { region: "us-east-1", acmCertificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/x", internalCaPem: "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n" };

const STACKS: [string, SecuredWebStackArgs][] = [];
for (const tls of [{ mode: "self-signed" }, { mode: "lets-encrypt", email: "ops@foobar.com", redirectApex: true }, { mode: "acm" }, { mode: "imported", certificatePem: IMPORTED_CERT, privateKeyPem: IMPORTED_KEY }] as SecuredWebStackArgs["tls"][]) {
    STACKS.push([`${tls!.mode}`, { domain: "www.foobar.com", tls, dns: { hostedZoneId: "Z04481532TESTZONE0001" } }]);
}
STACKS.push(["hardened, 2 web, 2 app", { domain: "www.foobar.com", hardening: { endToEndTls: true, databaseReplica: true }, webServers: 2, appServers: 2 }]);
STACKS.push(["3 web servers", { domain: "www.foobar.com", webServers: 3, app: { port: 4000 } }]);

/** The rendered file at `file` on the first server with `role`, and that server's address. */
function rendered(args: SecuredWebStackArgs, role: Role, file: string): { text: string; ip: string } {
    const model = buildModel(args);
    const server = model.servers.find((s) => s.roles.includes(role))!;
    const f = renderServerPart(model, server, deploy).files.find((x) => x.path === file);
    assert.ok(f, `${server.name} renders ${file}`);
    return { text: f.content, ip: server.privateIp };
}

/**
 * `nginx -t` binds the listen addresses: it runs in a network namespace of its own that holds the
 * web server's address (unshare; as root, or in a user namespace otherwise).
 */
function nginxTest(file: string, ip: string, errorLog: string) {
    const script = `ip link set lo up && ip addr add ${ip}/32 dev lo && exec nginx -t -q -c "$0" -e "$1"`;
    const userns = process.getuid?.() === 0 ? [] : ["--map-root-user"];
    return spawnSync("unshare", [...userns, "--net", "sh", "-c", script, file, errorLog], { encoding: "utf8" });
}

describe("daemon configurations pass the daemons' own checks", function () {
    this.timeout(60000);
    let dir: string;
    before(function () {
        requireTool(this, "openssl", ["openssl", "version"], "apt-get install openssl");
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "sws-daemon-cfg-"));
        // A throwaway CA and a certificate it signed, in the shapes the configurations read.
        const o = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
        o("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=sws test CA");
        o("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "site.key", "-out", "site.csr", "-subj", "/CN=www.foobar.com");
        o("x509", "-req", "-in", "site.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "site.crt", "-days", "2");
        fs.mkdirSync(path.join(dir, "certs"));
        fs.writeFileSync(path.join(dir, "certs", "www.foobar.com.pem"), fs.readFileSync(path.join(dir, "site.crt"), "utf8") + fs.readFileSync(path.join(dir, "site.key"), "utf8"));
        fs.mkdirSync(path.join(dir, "logs"));
    });
    after(() => { if (dir) fs.rmSync(dir, { recursive: true, force: true }); });

    /** The configuration with the server's run-time files replaced by the test's own. */
    const localise = (text: string) => text
        .replace(/\/etc\/haproxy\/certs\//g, `${dir}/certs/`)
        .replace(/\/etc\/sws\/internal-ca\.pem/g, `${dir}/ca.pem`)
        .replace(/\/run\/sws\/secrets\/[A-Za-z0-9._-]+\.pem/g, `${dir}/certs/www.foobar.com.pem`)
        .replace(/\/run\/haproxy\/admin\.sock/g, `${dir}/admin.sock`)
        .replace(/\/var\/log\/nginx\//g, `${dir}/logs/`)
        .replace(/^pid \/run\/nginx\.pid;/m, `pid ${dir}/nginx.pid;`)
        .replace(/\/etc\/sws\/peers\//g, `${dir}/peers/`);
    /** The server's peer lists (fetched from SSM at boot) where the localised configuration includes them. */
    const placePeers = (args: SecuredWebStackArgs, role: Role) => {
        fs.mkdirSync(path.join(dir, "peers"), { recursive: true });
        for (const f of ["haproxy-web.cfg", "nginx-app-upstream.conf"]) {
            const p = `/etc/sws/peers/${f}`;
            const model = buildModel(args);
            const server = model.servers.find((x) => x.roles.includes(role))!;
            const file = renderServerPart(model, server, deploy).files.find((x) => x.path === p);
            if (file) fs.writeFileSync(path.join(dir, "peers", f), localise(file.content));
        }
        return path.join(dir, "peers", "haproxy-web.cfg");
    };

    for (const [what, args] of STACKS) {
        it(`haproxy -c accepts the balancer's configuration (${what})`, function () {
            requireTool(this, "haproxy", ["haproxy", "-v"], "apt-get install haproxy");
            const file = path.join(dir, `haproxy-${what.replace(/\W+/g, "-")}.cfg`);
            fs.writeFileSync(file, localise(rendered(args, Role.Balancer, "/etc/haproxy/haproxy.cfg").text));
            // As the unit runs it: haproxy.cfg, then the web backend (the balancer's peer list).
            const r = spawnSync("haproxy", ["-c", "-f", file, "-f", placePeers(args, Role.Balancer)], { encoding: "utf8" });
            assert.strictEqual(r.status, 0, r.stdout + r.stderr);
            assert.match(r.stdout + r.stderr, /Configuration file is valid/);
        });
        it(`nginx -t accepts the web server's configuration (${what})`, function () {
            requireTool(this, "nginx", ["nginx", "-v"], "apt-get install nginx");
            const file = path.join(dir, `nginx-${what.replace(/\W+/g, "-")}.conf`);
            const web = rendered(args, Role.Web, "/etc/nginx/nginx.conf");
            fs.writeFileSync(file, localise(web.text));
            placePeers(args, Role.Web);
            const r = nginxTest(file, web.ip, path.join(dir, "logs", "startup.log"));
            assert.strictEqual(r.status, 0, r.stdout + r.stderr);
        });
    }
    it("the checks can fail: haproxy -c and nginx -t refuse a broken directive", function () {
        requireTool(this, "haproxy", ["haproxy", "-v"], "apt-get install haproxy");
        requireTool(this, "nginx", ["nginx", "-v"], "apt-get install nginx");
        const h = path.join(dir, "broken.cfg");
        fs.writeFileSync(h, localise(rendered(STACKS[0][1], Role.Balancer, "/etc/haproxy/haproxy.cfg").text));
        const peers = placePeers(STACKS[0][1], Role.Balancer);
        fs.writeFileSync(peers, fs.readFileSync(peers, "utf8").replace("balance roundrobin", "balance sideways"));
        const hr = spawnSync("haproxy", ["-c", "-f", h, "-f", peers], { encoding: "utf8" });
        assert.notStrictEqual(hr.status, 0);
        assert.match(hr.stdout + hr.stderr, /balance only supports/);
        const n = path.join(dir, "broken.conf");
        const web = rendered(STACKS[0][1], Role.Web, "/etc/nginx/nginx.conf");
        fs.writeFileSync(n, localise(web.text).replace("sendfile on;", "sendfile sideways;"));
        const nr = nginxTest(n, web.ip, path.join(dir, "logs", "startup.log"));
        assert.notStrictEqual(nr.status, 0);
        assert.match(nr.stdout + nr.stderr, /sendfile/);
    });
});
