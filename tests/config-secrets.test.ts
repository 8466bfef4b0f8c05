// The program (index.ts) reads secrets in both forms `pulumi config set` offers: their own keys
// (`--secret tlsCertificatePem`) and inside their object (`--path tls.certificatePem --secret`,
// which makes the engine pass the whole `tls` key as secret). Either way they are secret outputs.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, ofType, settle, valueOf } from "./helpers/pulumiMocks";

const ROOT = path.join(__dirname, "..");

function makeCert(dir: string): { cert: string; key: string } {
    const key = path.join(dir, "k.pem");
    const crt = path.join(dir, "c.pem");
    execFileSync("openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key], { stdio: "pipe" });
    execFileSync("openssl", ["req", "-x509", "-new", "-key", key, "-days", "30", "-subj", "/CN=www.foobar.com", "-addext", "subjectAltName=DNS:www.foobar.com", "-out", crt], { stdio: "pipe" });
    return { cert: fs.readFileSync(crt, "utf8"), key: fs.readFileSync(key, "utf8") };
}

/** index.ts under mocks with `config` (project key → string) and the engine's list of secret keys. */
async function runProgram(config: Record<string, string>, secretKeys: string[]) {
    const resources = installMocks("secured-web-stack", "cfg", config);
    pulumi.runtime.setAllConfig(config, secretKeys);
    for (const k of Object.keys(require.cache)) if (k.startsWith(path.join(ROOT, "index."))) delete require.cache[k];
    const program = require(path.join(ROOT, "index"));
    await valueOf(program.instanceIds);
    await settle(resources, 150);
    return { program, resources };
}

describe("program config: secrets in both `pulumi config set` forms", function () {
    this.timeout(90000);
    let pem: { cert: string; key: string };
    let dir: string;
    before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), "sws-cfg-")); pem = makeCert(dir); });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const base = { "secured-web-stack:domain": "www.foobar.com", "secured-web-stack:deployGate": JSON.stringify({ enabled: false }) };

    it("--path tls.certificatePem --secret: the nested certificate and key are used, as secrets", async () => {
        const { program, resources } = await runProgram({
            ...base, "secured-web-stack:tls": JSON.stringify({ mode: "imported", certificatePem: pem.cert, privateKeyPem: pem.key }),
        }, ["secured-web-stack:tls"]);
        assert.strictEqual(await pulumi.isSecret(program.args.tls.certificatePem), true);
        assert.strictEqual(await pulumi.isSecret(program.args.tls.privateKeyPem), true);
        assert.strictEqual(await valueOf(program.args.tls.certificatePem), pem.cert);
        const keyLine = pem.key.split("\n")[1];
        const stored = ofType(resources, "aws:ssm/parameter:Parameter").filter((p) => JSON.stringify(p.inputs.value ?? "").includes(keyLine));
        assert.strictEqual(stored.length, 1, "the key lands in exactly one SSM parameter");
        assert.strictEqual(stored[0].inputs.type, "SecureString");
    });

    it("--secret tlsCertificatePem (the top-level keys) still works", async () => {
        const { program } = await runProgram({
            ...base, "secured-web-stack:tls": JSON.stringify({ mode: "imported" }),
            "secured-web-stack:tlsCertificatePem": pem.cert, "secured-web-stack:tlsPrivateKeyPem": pem.key,
        }, ["secured-web-stack:tlsCertificatePem", "secured-web-stack:tlsPrivateKeyPem"]);
        assert.strictEqual(await pulumi.isSecret(program.args.tls.certificatePem), true);
        assert.strictEqual(await valueOf(program.args.tls.privateKeyPem), pem.key);
    });

    it("refuses the same secret in both forms, naming both keys", () => {
        installMocks("secured-web-stack", "cfg", {});
        const cfg = {
            ...base, "secured-web-stack:tls": JSON.stringify({ mode: "imported", certificatePem: pem.cert, privateKeyPem: pem.key }),
            "secured-web-stack:tlsCertificatePem": pem.cert,
        };
        pulumi.runtime.setAllConfig(cfg, ["secured-web-stack:tls", "secured-web-stack:tlsCertificatePem"]);
        for (const k of Object.keys(require.cache)) if (k.startsWith(path.join(ROOT, "index."))) delete require.cache[k];
        assert.throws(() => require(path.join(ROOT, "index")), /both secured-web-stack:tlsCertificatePem and secured-web-stack:tls\.certificatePem are set/);
    });
});
