// The bundled application (app/server.js) under odd request targets, with its database unreachable:
// no 5xx for a request that never reaches the database, and never an internal error text.
import * as assert from "assert";
import * as cp from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { requireTool } from "./helpers/tools";

function freePort(): Promise<number> {
    return new Promise((resolve) => { const s = net.createServer().listen(0, "127.0.0.1", () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); }); });
}

/** One raw HTTP/1.1 request (the target exactly as given), its status line and body. */
function raw(port: number, target: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
        // write, not end: a half-closed client makes Node drop a response that is still on its way.
        const sock = net.connect(port, "127.0.0.1", () => sock.write(`GET ${target} HTTP/1.1\r\nHost: app\r\nConnection: close\r\n\r\n`));
        let data = "";
        sock.on("data", (d) => (data += d)).on("end", () => {
            const m = /^HTTP\/1\.1 (\d{3})/.exec(data);
            if (!m) return reject(new Error(`no status line: ${JSON.stringify(data.slice(0, 80))}`));
            resolve({ status: Number(m[1]), body: data.split("\r\n\r\n").slice(1).join("\r\n\r\n") });
        }).on("error", reject);
    });
}

describe("bundled app: odd request targets", function () {
    this.timeout(30000);
    let child: cp.ChildProcess | undefined;
    let port = 0;
    before(async function () {
        requireTool(this, "Debian's node-mysql (the app's driver)", ["test", "-e", "/usr/share/nodejs/mysql/index.js"], "apt-get install node-mysql");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sws-app-"));
        fs.writeFileSync(path.join(dir, "pw"), "x\n");
        port = await freePort();
        const closed = await freePort(); // nothing listens: the database is down
        child = cp.spawn("node", [path.join(__dirname, "..", "app", "server.js")], {
            env: { PATH: process.env.PATH, NODE_PATH: "/usr/share/nodejs", PORT: String(port), BIND_ADDR: "127.0.0.1", DB_HOST: "127.0.0.1", DB_PORT: String(closed), DB_PASSWORD_FILE: path.join(dir, "pw") },
            stdio: ["ignore", "pipe", "pipe"],
        });
        await new Promise<void>((resolve, reject) => {
            child!.stdout!.on("data", (d) => String(d).includes("listening") && resolve());
            child!.on("exit", (c) => reject(new Error(`app exited ${c}`)));
        });
    });
    after(() => child?.kill());

    for (const target of ["//", "//evil.example/x", "///healthz/..", "/%", "/%zz", "http://evil.example/x", "*", "/..%2f..%2fetc/passwd"]) {
        it(`GET ${target} → 404, no internal error text`, async () => {
            const r = await raw(port, target);
            assert.strictEqual(r.status, 404, `${target}: ${r.status} ${r.body}`);
            assert.ok(!/Invalid URL|TypeError|ERR_|at .*\.js/.test(r.body), r.body);
        });
    }
    it("a database error answers 503 with no internal detail (the cause goes to the log only)", async () => {
        const r = await raw(port, "/healthz");
        assert.strictEqual(r.status, 503);
        assert.strictEqual(r.body, "database unavailable\n");
    });
});
