// sws-fetch, the one script carried in every user data, run for real (python3) against a stand-in
// for boto3's SSM client: it installs secrets and toolkit files with the right modes, and refuses
// toolkit files that do not match the digest the user data carries — before installing anything.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildModel } from "../components/model";
import { fetchedFiles, renderFetchList, renderServerPart } from "../components/render";

const SCRIPT = path.join(__dirname, "..", "components", "payloads", "scripts", "sws-fetch");
const FAKE_BOTO3 = `import json, os
class _SSM:
    def get_parameter(self, Name, WithDecryption):
        return {"Parameter": {"Value": json.load(open(os.environ["FAKE_SSM"]))[Name]}}
def client(service, region_name=None):
    assert service == "ssm" and region_name == "eu-west-1"
    return _SSM()
`;

describe("sws-fetch (run for real)", () => {
    let dir: string;
    let fetched: ReturnType<typeof fetchedFiles>;
    let ssm: { [name: string]: string };
    const mode = (p: string) => (fs.statSync(p).mode & 0o777).toString(8);

    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "sws-fetch-"));
        fs.mkdirSync(path.join(dir, "etc"));
        fs.mkdirSync(path.join(dir, "py"));
        fs.writeFileSync(path.join(dir, "py", "boto3.py"), FAKE_BOTO3);
        const model = buildModel({ domain: "www.foobar.com", os: "debian-12" });
        const app = model.servers.find((s) => s.name === "app-1")!;
        // The app server's real list, with every path moved under the temporary directory.
        fetched = fetchedFiles(model, app, renderServerPart(model, app, { region: "eu-west-1" }))
            .map((f) => ({ ...f, path: path.join(dir, "root", f.path) }));
        ssm = Object.fromEntries(fetched.map((f) => [f.parameter, f.content ?? `value-of-${f.parameter}`]));
        fs.writeFileSync(path.join(dir, "etc", "fetch.list"), renderFetchList(fetched));
        fs.writeFileSync(path.join(dir, "etc", "sws.env"), "AWS_REGION='eu-west-1'\n");
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const run = () => {
        fs.writeFileSync(path.join(dir, "ssm.json"), JSON.stringify(ssm));
        return spawnSync("/usr/bin/python3", [SCRIPT], {
            encoding: "utf8",
            env: { PATH: process.env.PATH, PYTHONPATH: path.join(dir, "py"), FAKE_SSM: path.join(dir, "ssm.json"), SWS_ETC: path.join(dir, "etc"), SWS_ATTEMPTS: "2", SWS_MAX_DELAY: "0" },
        });
    };

    it("installs the secrets (0600, or 0640 to an existing group) and the toolkit files", () => {
        // The app's password goes to group sws-app, which exists on a real server once the payload
        // created it; here a group this machine has stands in for it (sws-fetch looks it up by name).
        const standIn = fs.readFileSync("/etc/group", "utf8").split("\n").map((l) => l.split(":")).find((g) => g[0] && g[0] !== "root" && Number(g[2]) > 0)!;
        const appPassword = fetched.find((f) => f.path.endsWith("/run/sws/secrets/db-app-password"))!;
        assert.deepStrictEqual([appPassword.group, appPassword.permissions], ["sws-app", "0640"], "the renderer asks for 0640 to sws-app");
        const lines = fs.readFileSync(path.join(dir, "etc", "fetch.list"), "utf8").replace(` ${appPassword.path} sws-app 0640 -`, ` ${appPassword.path} ${standIn[0]} 0640 -`);
        fs.writeFileSync(path.join(dir, "etc", "fetch.list"), lines);
        const r = run();
        assert.strictEqual(r.status, 0, r.stderr);
        const owner = (p: string) => { const st = fs.statSync(p); return `${st.uid}:${st.gid}`; };
        const secret = fetched.find((f) => f.path.endsWith("/run/sws/secrets/db-exporter-password"))!;
        assert.strictEqual(fs.readFileSync(secret.path, "utf8"), `value-of-${secret.parameter}`);
        assert.strictEqual(mode(secret.path), "600");
        assert.strictEqual(owner(secret.path), "0:0", "a root-only secret is root:root");
        assert.strictEqual(mode(appPassword.path), "640", "a secret of an existing group is 0640");
        assert.strictEqual(owner(appPassword.path), `0:${standIn[2]}`, "owned by root, readable by that group");
        // Where the group does not exist (yet), the secret falls back to root-only.
        for (const f of fetched.filter((x) => x.sha256 === undefined && x !== appPassword)) {
            assert.strictEqual(mode(f.path), "600", f.path);
            assert.strictEqual(owner(f.path), "0:0", f.path);
        }
        assert.strictEqual(mode(path.dirname(secret.path)), "711", "the secrets directory cannot be listed");
        const tool = fetched.find((f) => f.path.endsWith("/usr/local/sbin/sws-db-init"))!;
        assert.strictEqual(fs.readFileSync(tool.path, "utf8"), tool.content);
        assert.strictEqual(mode(tool.path), "755");
        assert.strictEqual(mode(fetched.find((f) => f.path.endsWith("/opt/sws-app/server.js"))!.path), "644");
    });

    it("refuses a toolkit file that SSM holds in another version, and installs nothing", () => {
        const tool = fetched.find((f) => f.path.endsWith("/usr/local/sbin/sws-db-init"))!;
        ssm[tool.parameter] = tool.content + "\necho tampered\n";
        const r = run();
        assert.strictEqual(r.status, 1);
        assert.match(r.stderr, /toolkit SHA-256 mismatch/);
        assert.ok(!fs.existsSync(path.join(dir, "root")), "nothing was written");
        assert.ok(!r.stderr.includes("value-of-"), "no secret value in its messages");
    });
});
