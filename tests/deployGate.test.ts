// The deploy gate's script, run for real (node -e, as the Command runs it) against a local HTTPS server whose
// certificate is signed by a throw-away CA: it waits through 503s, verifies the chain, and gives
// up after its timeout with the last error it saw.
import * as assert from "assert";
import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as https from "https";
import * as os from "os";
import * as path from "path";
import { AddressInfo } from "net";
import { GATE_SCRIPT } from "../components/aws/deployGate";

function runGate(env: { [k: string]: string }): Promise<{ code: number; out: string; seconds: number }> {
    const started = Date.now();
    return new Promise((resolve) => {
        const p = spawn(process.execPath, ["-e", GATE_SCRIPT], { env: { PATH: process.env.PATH!, ...env } });
        let out = "";
        p.stdout.on("data", (d) => (out += d));
        p.stderr.on("data", (d) => (out += d));
        p.on("close", (code) => resolve({ code: code ?? -1, out, seconds: (Date.now() - started) / 1000 }));
    });
}

describe("deploy gate (run for real)", function () {
    this.timeout(30000);
    let dir: string;
    let server: https.Server;
    let port: number;
    let ca: string;
    let healthyAfter = 0;
    let hits = 0;

    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "sws-gate-"));
        const o = (...a: string[]) => execFileSync("openssl", a, { cwd: dir, stdio: "pipe" });
        o("req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "1", "-subj", "/CN=gate test CA");
        o("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "srv.key", "-out", "srv.csr", "-subj", "/CN=www.foobar.com");
        fs.writeFileSync(path.join(dir, "ext"), "subjectAltName=DNS:www.foobar.com\n");
        o("x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "srv.pem", "-days", "1", "-extfile", "ext");
        ca = fs.readFileSync(path.join(dir, "ca.pem"), "utf8");
        server = https.createServer({ key: fs.readFileSync(path.join(dir, "srv.key")), cert: fs.readFileSync(path.join(dir, "srv.pem")) }, (req, res) => {
            hits++;
            res.writeHead(req.url === "/healthz" && hits > healthyAfter ? 200 : 503);
            res.end();
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        port = (server.address() as AddressInfo).port;
    });
    after(() => { server.close(); fs.rmSync(dir, { recursive: true, force: true }); });
    beforeEach(() => { hits = 0; });

    const env = (extra: { [k: string]: string } = {}) => ({
        DOMAIN: "www.foobar.com", IP: "127.0.0.1", PORT: String(port), HEALTH_PATH: "/healthz",
        CA_PEM: ca, TIMEOUT: "20", FIRST_DELAY: "1", ...extra,
    });

    it("waits through 503s and passes when /healthz answers 200, verifying the stack's CA", async () => {
        healthyAfter = 1;
        const r = await runGate(env());
        assert.strictEqual(r.code, 0, r.out);
        assert.match(r.out, /answered 200/);
        assert.strictEqual(hits, 2);
    });

    it("gives up after its timeout with the last error", async () => {
        healthyAfter = 1e9;
        const r = await runGate(env({ TIMEOUT: "1" }));
        assert.strictEqual(r.code, 1);
        assert.match(r.out, /gave up after 1s; last error: HTTP 503/);
        assert.ok(r.seconds < 8, `${r.seconds} s`);
    });

    it("refuses a certificate for another name, even from the trusted CA", async () => {
        healthyAfter = 0;
        const r = await runGate(env({ DOMAIN: "shop.foobar.com", TIMEOUT: "1" }));
        assert.strictEqual(r.code, 1);
        assert.match(r.out, /last error: ERR_TLS_CERT_ALTNAME_INVALID: /, r.out);
    });

    it("runs with no shell and no curl: the Command's interpreter is node -e, the script uses Node built-ins only", () => {
        const code = GATE_SCRIPT.split("\n").filter((l) => !l.trim().startsWith("//")).join("\n");
        assert.deepStrictEqual([...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]), ["https", "tls"]);
        assert.doesNotMatch(code, /child_process|\bcurl\b|\/bin\/sh|spawn|exec/);
        const source = fs.readFileSync(path.join(__dirname, "..", "components", "aws", "deployGate.ts"), "utf8");
        assert.match(source, /interpreter: \["node", "-e"\]/);
    });

    it("does not trust a certificate it cannot verify", async () => {
        healthyAfter = 0;
        const r = await runGate(env({ CA_PEM: "", TIMEOUT: "1" }));
        assert.strictEqual(r.code, 1);
        assert.match(r.out, /last error: (UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY): /, r.out);
    });
});
