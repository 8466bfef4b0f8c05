// HTTPS per tls.mode: which resources appear, that no key material reaches user data or plain
// outputs, HAProxy's configuration per mode, and the checks on imported certificates.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Captured, MOCK_PRIVATE_KEY, installMocks, ofType, settle, valueOf } from "./helpers/pulumiMocks";
import { buildModel } from "../components/model";
import { renderHaproxyCfg } from "../components/payloads/balancer";
import { unpackUserData } from "../components/payloads/cloudConfig";
import { checkImported } from "../components/aws/tls";
import type { SecuredWebStackArgs } from "../components/types";
import { matchSnapshot } from "./helpers/snapshot";

const ZONE = "Z04481532TESTZONE0001";
const MODES: { [mode: string]: SecuredWebStackArgs["tls"] } = {
    "self-signed": { mode: "self-signed" },
    "lets-encrypt": { mode: "lets-encrypt", email: "ops@foobar.com", redirectApex: true },
    acm: { mode: "acm" },
    imported: { mode: "imported" },
};

/** A certificate + key made by openssl (the real thing, not a mock). */
function makeCert(dir: string, name: string, opts: { cn: string; san: string; days: number; keyOf?: string }) {
    const key = opts.keyOf ?? path.join(dir, `${name}.key`);
    if (!opts.keyOf) execFileSync("openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key], { stdio: "pipe" });
    const crt = path.join(dir, `${name}.crt`);
    execFileSync("openssl", ["req", "-x509", "-new", "-key", key, "-days", String(opts.days), "-subj", `/CN=${opts.cn}`, "-addext", `subjectAltName=${opts.san}`, "-out", crt], { stdio: "pipe" });
    return { cert: fs.readFileSync(crt, "utf8"), key: fs.readFileSync(key, "utf8") };
}

describe("TLS: imported certificates are checked at preview", () => {
    let dir: string;
    let good: { cert: string; key: string }, other: { cert: string; key: string }, wrongName: { cert: string; key: string }, wildcard: { cert: string; key: string };
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "sws-tls-"));
        good = makeCert(dir, "good", { cn: "www.foobar.com", san: "DNS:www.foobar.com,DNS:foobar.com", days: 90 });
        other = makeCert(dir, "other", { cn: "www.foobar.com", san: "DNS:www.foobar.com", days: 90 });
        wrongName = makeCert(dir, "wrong", { cn: "shop.example.org", san: "DNS:shop.example.org", days: 90 });
        wildcard = makeCert(dir, "wild", { cn: "*.foobar.com", san: "DNS:*.foobar.com", days: 90 });
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("accepts a matching certificate and key that cover the domain", () => checkImported("www.foobar.com", good.cert, good.key));
    it("accepts a wildcard that covers the domain", () => checkImported("www.foobar.com", wildcard.cert, wildcard.key));
    it("rejects a key that does not match the certificate", () => {
        assert.throws(() => checkImported("www.foobar.com", good.cert, other.key), /tls\.privateKeyPem: does not match/);
    });
    it("rejects a certificate for another name", () => {
        assert.throws(() => checkImported("www.foobar.com", wrongName.cert, wrongName.key), /tls\.certificatePem: does not cover www\.foobar\.com; its names are shop\.example\.org/);
    });
    it("rejects an expired certificate", () => {
        const later = new Date(Date.now() + 200 * 86400e3);
        assert.throws(() => checkImported("www.foobar.com", good.cert, good.key, later), /tls\.certificatePem: expired on/);
    });
    it("rejects something that is not PEM", () => {
        assert.throws(() => checkImported("www.foobar.com", "hello", good.key), /tls\.certificatePem: not a PEM certificate/);
        assert.throws(() => checkImported("www.foobar.com", good.cert, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), /tls\.privateKeyPem: not a PEM private key/);
    });
});

describe("TLS: HAProxy configuration per mode", () => {
    // The model checks an imported pair given as plain strings: a real one.
    let pair: { cert: string; key: string };
    before(() => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sws-tls-"));
        pair = makeCert(dir, "cfg", { cn: "www.foobar.com", san: "DNS:www.foobar.com", days: 90 });
        fs.rmSync(dir, { recursive: true, force: true });
    });
    for (const [mode, tls] of Object.entries(MODES)) {
        it(mode, () => {
            const model = buildModel({ domain: "www.foobar.com", tls: { ...tls, ...(mode === "imported" ? { certificatePem: pair.cert, privateKeyPem: pair.key } : {}) }, dns: { hostedZoneId: ZONE } });
            const cfg = renderHaproxyCfg({ model, server: model.servers[0], deploy: { region: "us-east-1" } });
            matchSnapshot(`haproxy/${mode}.cfg`, cfg);
            assert.match(cfg, /ssl-min-ver TLSv1\.2/);
            assert.match(cfg, /Strict-Transport-Security "max-age=63072000"/);
            assert.match(cfg, /alpn h2,http\/1\.1/);
            assert.strictEqual(/acme-challenge/.test(cfg), mode === "lets-encrypt", "only lets-encrypt routes ACME challenges");
        });
    }
});

describe("TLS: resources per mode under mocks", function () {
    this.timeout(20000);
    let resources: Captured[];
    let SecuredWebStack: typeof import("../components/securedWebStack").SecuredWebStack;
    let imported: { cert: string; key: string };
    before(() => {
        resources = installMocks();
        SecuredWebStack = require("../components/securedWebStack").SecuredWebStack;
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sws-tls-"));
        imported = makeCert(dir, "imp", { cn: "www.foobar.com", san: "DNS:www.foobar.com", days: 90 });
        fs.rmSync(dir, { recursive: true, force: true });
    });

    async function build(tls: SecuredWebStackArgs["tls"]) {
        resources.length = 0;
        const s = new SecuredWebStack("sws-dev", { domain: "www.foobar.com", tls, dns: { hostedZoneId: ZONE } });
        const outputs = JSON.stringify([await valueOf(s.url), await valueOf(s.caCertificatePem), await valueOf(s.secretParameters), await valueOf(s.dnsRecordToCreate)]);
        await settle(resources);
        const userData = ofType(resources, "aws:ec2/instance:Instance").map((i) => unpackUserData(i.inputs.userDataBase64)).join("\n");
        const types = resources.map((r) => r.type);
        return { resources: [...resources], outputs, userData, types };
    }
    const noKeyMaterial = (r: { outputs: string; userData: string }, key: string) => {
        assert.ok(!r.userData.includes(key), "key material in user data");
        assert.ok(!r.outputs.includes(key), "key material in outputs");
        assert.ok(!/PRIVATE KEY/.test(r.userData), "a private key in user data");
    };

    it("self-signed: CA + certificate from @pulumi/tls, PEM to SSM, CA as output", async () => {
        const r = await build(MODES["self-signed"]);
        assert.strictEqual(r.types.filter((t) => t === "tls:index/privateKey:PrivateKey").length, 2);
        assert.ok(r.types.includes("tls:index/selfSignedCert:SelfSignedCert") && r.types.includes("tls:index/locallySignedCert:LocallySignedCert"));
        assert.ok(ofType(r.resources, "aws:ssm/parameter:Parameter").some((p) => p.inputs.name.endsWith("/tls-pem") && p.inputs.type === "SecureString"));
        assert.match(r.outputs, /BEGIN CERTIFICATE/);
        noKeyMaterial(r, "MOCKPRIVATEKEYMATERIAL");
    });
    it("lets-encrypt: no certificate resources, certbot on the balancer, DNS record before boot", async () => {
        const r = await build(MODES["lets-encrypt"]);
        assert.ok(!r.types.some((t) => t.startsWith("tls:") || t.startsWith("aws:acm/")));
        assert.ok(!ofType(r.resources, "aws:ssm/parameter:Parameter").some((p) => /tls-pem|acm/.test(p.inputs.name)));
        assert.match(r.userData, /- certbot/);
        assert.deepStrictEqual(ofType(r.resources, "aws:route53/record:Record").map((x) => x.inputs.name).sort(), ["foobar.com", "www.foobar.com"]);
        noKeyMaterial(r, MOCK_PRIVATE_KEY);
    });
    it("acm: exportable certificate validated in Route53, export permission on the balancer only", async () => {
        const r = await build(MODES.acm);
        const cert = ofType(r.resources, "aws:acm/certificate:Certificate")[0];
        assert.deepStrictEqual([cert.inputs.domainName, cert.inputs.validationMethod, cert.inputs.options.export], ["www.foobar.com", "DNS", "ENABLED"]);
        assert.strictEqual(ofType(r.resources, "aws:acm/certificateValidation:CertificateValidation").length, 1);
        assert.ok(ofType(r.resources, "aws:route53/record:Record").some((x) => x.inputs.type === "CNAME"));
        const policy = (s: string) => ofType(r.resources, "aws:iam/rolePolicy:RolePolicy").find((p) => p.name === `sws-dev-${s}-policy`)!.inputs.policy;
        assert.match(policy("lb"), /acm:ExportCertificate/);
        assert.doesNotMatch(policy("web-1") + policy("app-1"), /acm:/);
        assert.ok(ofType(r.resources, "aws:ssm/parameter:Parameter").some((p) => p.inputs.name.endsWith("/acm-passphrase")));
        assert.match(cert.state.arn, /^arn:aws:acm:us-east-1:123456789012:certificate\/[0-9a-f-]{36}$/, "the provider's ARN of a certificate");
        assert.ok(r.userData.includes(`ACM_CERTIFICATE_ARN='${cert.state.arn}'`), "the balancer's user data names the validated certificate");
    });
    it("imported: the user's chain and key go to SSM only", async () => {
        const r = await build({ mode: "imported", certificatePem: imported.cert, privateKeyPem: imported.key });
        const p = ofType(r.resources, "aws:ssm/parameter:Parameter").find((x) => x.inputs.name.endsWith("/tls-pem"))!;
        assert.ok(JSON.stringify(p.inputs.value).includes(imported.key.split("\n")[1]));
        assert.ok(!r.types.some((t) => t.startsWith("tls:")));
        noKeyMaterial(r, imported.key.split("\n")[1]);
    });
    it("imported: a key that does not match (plain strings) fails in the model, naming the field, before any resource is registered", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sws-tls-"));
        const other = makeCert(dir, "x", { cn: "www.foobar.com", san: "DNS:www.foobar.com", days: 90 });
        fs.rmSync(dir, { recursive: true, force: true });
        resources.length = 0;
        assert.throws(() => new SecuredWebStack("bad", { domain: "www.foobar.com", tls: { mode: "imported", certificatePem: imported.cert, privateKeyPem: other.key } }),
            /tls\.privateKeyPem: does not match/);
        assert.strictEqual(resources.length, 0, "nothing registered");
    });
    it("imported: a key that does not match (secret Outputs) fails when the values resolve, naming the field", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sws-tls-"));
        const other = makeCert(dir, "x", { cn: "www.foobar.com", san: "DNS:www.foobar.com", days: 90 });
        fs.rmSync(dir, { recursive: true, force: true });
        resources.length = 0;
        const pulumi = require("@pulumi/pulumi");
        const s = new SecuredWebStack("bad", { domain: "www.foobar.com", tls: { mode: "imported", certificatePem: pulumi.secret(imported.cert), privateKeyPem: pulumi.secret(other.key) } });
        const err = await new Promise<string>((resolve) => {
            process.once("unhandledRejection", (e: any) => resolve(String(e?.message ?? e)));
            s.secretParameters.apply(() => undefined);
            setTimeout(() => resolve("no error"), 3000);
        });
        assert.match(err, /tls\.privateKeyPem: does not match/);
    });
});
