// "Reuse as an npm component": pack the package, unpack the tarball into a temporary folder whose
// dependencies resolve from this project's node_modules (no network), import the package entry
// from there and construct the component under mocks, in a separate Node process.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.join(__dirname, "..");

describe("npm package", function () {
    this.timeout(120000);
    let dir: string;
    let files: string[];
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "sws-pack-"));
        const out = execFileSync("npm", ["pack", "--json", "--pack-destination", dir], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
        const info = JSON.parse(out.slice(out.indexOf("[")))[0];
        files = info.files.map((f: { path: string }) => f.path);
        fs.mkdirSync(path.join(dir, "pkg"));
        execFileSync("tar", ["-xzf", path.join(dir, info.filename), "-C", path.join(dir, "pkg"), "--strip-components=1"]);
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("ships the compiled entry, its TypeScript source, scripts and the app, nothing else", () => {
        for (const f of ["components/index.js", "components/index.d.ts", "components/index.ts", "components/payloads/scripts/sws-db-init", "app/server.js", "PulumiPlugin.yaml", "package.json"]) {
            assert.ok(files.includes(f), `${f} missing from the package`);
        }
        assert.ok(!files.some((f) => /^(tests|lab|policy|node_modules)\//.test(f)), files.filter((f) => /^(tests|lab|policy)\//.test(f)).join(", "));
        assert.ok(!fs.existsSync(path.join(ROOT, "components", "index.js")), "postpack left compiled files beside the sources");
    });

    it("imports from the unpacked tarball and constructs the component under mocks", () => {
        // The provider-shaped mocks every test uses (tests/helpers/pulumiMocks.ts), loaded through
        // ts-node in the child; they resolve @pulumi/pulumi from this project, as the package does.
        const script = `
            require(${JSON.stringify(path.join(ROOT, "node_modules", "ts-node"))}).register({ transpileOnly: true, compilerOptions: { module: "commonjs", target: "es2020", esModuleInterop: true } });
            const { installMocks, settle } = require(${JSON.stringify(path.join(ROOT, "tests", "helpers", "pulumiMocks.ts"))});
            const resources = installMocks("p", "s");
            const pkg = require(${JSON.stringify(path.join(dir, "pkg"))});
            const stack = new pkg.SecuredWebStack("npm", { domain: "www.foobar.com" });
            stack.url.apply((u) => settle(resources, 300).then(() => { console.log(JSON.stringify({ url: u, types: resources.map((r) => r.type) })); process.exit(0); },
                (e) => { console.error(e.message); process.exit(1); }));
        `;
        const out = execFileSync(process.execPath, ["-e", script], {
            cwd: dir, encoding: "utf8", env: { ...process.env, NODE_PATH: path.join(ROOT, "node_modules") },
        });
        const res = JSON.parse(out.trim().split("\n").pop()!);
        assert.strictEqual(res.url, "https://www.foobar.com/");
        assert.strictEqual(res.types.filter((t: string) => t === "aws:ec2/instance:Instance").length, 3);
        assert.ok(res.types.includes("secured-web-stack:index:SecuredWebStack"));
    });
});
