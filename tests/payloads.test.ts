import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { buildModel, Role } from "../components/model";
import { renderServerPart, renderServerUserData, renderStack } from "../components/render";
import { packUserData, unpackUserData } from "../components/payloads/cloudConfig";
import type { SecuredWebStackArgs } from "../components/types";
import { matchSnapshot } from "./helpers/snapshot";
import { requireTool } from "./helpers/tools";
import { combinations } from "./helpers/combinations";

const INTERNAL_CA_PEM = "-----BEGIN CERTIFICATE-----\n" + "B".repeat(560) + "\n-----END CERTIFICATE-----\n";
const deploy = { region: "us-east-1", dataVolumeId: "vol-0123456789abcdef0", acmCertificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/x", internalCaPem: INTERNAL_CA_PEM };
const VERBATIM = [path.join(__dirname, "..", "app", "server.js"),
    ...fs.readdirSync(path.join(__dirname, "..", "components", "payloads", "scripts")).map((f) => path.join(__dirname, "..", "components", "payloads", "scripts", f))]
    .map((f) => fs.readFileSync(f, "utf8"));
const isVerbatimCopy = (content: string) => VERBATIM.includes(content);
const SEED: SecuredWebStackArgs = { domain: "www.foobar.com", tls: { mode: "lets-encrypt", email: "ops@foobar.com" } };

function cloudConfig(text: string): any {
    assert.ok(text.startsWith("#cloud-config\n"));
    return YAML.parse(text);
}

describe("payloads: snapshots of every rendered file", () => {
    for (const osName of ["ubuntu-24.04", "debian-12"] as const) {
        const model = buildModel({ ...SEED, os: osName });
        for (const server of model.servers) {
            it(`${osName} ${server.name}`, () => {
                const part = renderServerPart(model, server, deploy);
                // Toolkit files copied verbatim from the repo (scripts, the bundled app) are their own
                // source; snapshots cover what the renderers produce.
                for (const f of part.files.filter((x) => !isVerbatimCopy(x.content))) matchSnapshot(`payloads/${osName}/${server.name}${f.path}`, f.content);
                matchSnapshot(`payloads/${osName}/${server.name}.manifest`, YAML.stringify({
                    packages: part.packages, users: part.users, runcmd: part.runcmd,
                    files: part.files.map((f) => `${f.permissions} ${f.owner}${f.defer ? " (deferred)" : ""} ${f.path}`),
                }));
            });
        }
    }
});

describe("payloads: each server holds only its own roles", () => {
    const stack = renderStack(SEED, deploy);
    const doc = (name: string) => cloudConfig(stack.servers.find((s) => s.name === name)!.userData);
    const paths = (name: string) => doc(name).write_files.map((f: any) => f.path) as string[];
    it("balancer: HAProxy and certbot, no Nginx, app or database", () => {
        assert.ok(doc("lb").packages.includes("haproxy"));
        assert.ok(doc("lb").packages.includes("certbot"));
        for (const p of ["nginx", "mysql-server", "nodejs"]) assert.ok(!doc("lb").packages.includes(p), p);
        assert.ok(!paths("lb").some((p) => /nginx|mysql|sws-app/.test(p)));
    });
    it("web: Nginx only", () => {
        assert.ok(doc("web-1").packages.includes("nginx"));
        for (const p of ["haproxy", "mysql-server", "nodejs", "certbot"]) assert.ok(!doc("web-1").packages.includes(p), p);
    });
    it("app: application and MySQL, no HAProxy or Nginx", () => {
        for (const p of ["mysql-server", "nodejs", "node-mysql"]) assert.ok(doc("app-1").packages.includes(p), p);
        for (const p of ["haproxy", "nginx"]) assert.ok(!doc("app-1").packages.includes(p), p);
    });
    it("every server has its host firewall, node exporter and a collector", () => {
        for (const s of stack.servers) {
            const d = cloudConfig(s.userData);
            assert.ok(d.write_files.some((f: any) => f.path === "/etc/nftables.conf"), s.name);
            assert.ok(d.packages.includes("prometheus-node-exporter"), s.name);
            assert.ok(d.write_files.some((f: any) => f.path === "/etc/sws/collector.yaml"), s.name);
            assert.ok(s.fetched.some((f) => f.path === "/etc/systemd/system/sws-collector.service"), s.name);
            assert.ok(d.runcmd.some((c: string[]) => c.join(" ").includes("sws-collector.service")), s.name);
        }
    });
    it("the firewall admits exactly the inbound flows of each server", () => {
        const lb = stack.servers.find((s) => s.name === "lb")!.nftables;
        assert.match(lb, /tcp dport 80 accept comment "internet-to-lb-http"/);
        assert.match(lb, /tcp dport 443 accept comment "internet-to-lb-https"/);
        const web = stack.servers.find((s) => s.name === "web-1")!.nftables;
        const input = web.slice(web.indexOf("chain input"), web.indexOf("chain forward"));
        assert.deepStrictEqual(input.match(/dport \d+/g), ["dport 8080"]);
        assert.match(input, /ip saddr 10\.20\.0\.10 tcp dport 8080/);
    });
    it("a server's payload never names another server's secrets", () => {
        const lb = doc("lb").write_files.find((f: any) => f.path === "/etc/sws/fetch.list").content;
        assert.ok(!lb.includes("db-app-password"));
        const app = doc("app-1").write_files.find((f: any) => f.path === "/etc/sws/fetch.list").content;
        assert.ok(app.includes("/sws/dev/db-app-password") && !app.includes("tls"));
    });
});


describe("payloads: size", () => {
    it("every server's gzipped user data stays ≤ 8 KiB for every option combination", function () {
        // 224 combinations: ~7 s alone, over 20 s on the shared 2-core machine under load.
        this.timeout(90000);
        let worst = { bytes: 0, what: "" };
        const combos = combinations();
        for (const [what, args] of combos) {
            const model = buildModel(args);
            for (const s of model.servers) {
                const bytes = Buffer.from(packUserData(renderServerUserData(model, s, deploy)), "base64").length;
                if (bytes > worst.bytes) worst = { bytes, what: `${what} ${s.name}` };
            }
        }
        console.log(`      largest gzipped user data: ${worst.bytes} bytes (${worst.what}) over ${combos.length} combinations`);
        assert.ok(worst.bytes <= 8192, `${worst.what}: ${worst.bytes} bytes > 8192`);
    });
    it("packs as gzip + base64 and unpacks to the same document", () => {
        const model = buildModel(SEED);
        const text = renderServerUserData(model, model.servers[0], deploy);
        const packed = packUserData(text);
        assert.deepStrictEqual([...Buffer.from(packed, "base64").subarray(0, 2)], [0x1f, 0x8b]);
        assert.strictEqual(unpackUserData(packed), text);
        assert.strictEqual(packUserData(text), packed, "same input, same bytes (no gzip timestamp)");
    });
});

describe("payloads: cloud-init schema", function () {
    this.timeout(120000);
    it("user data of every OS × layout × TLS mode × sink passes cloud-init's schema (as `cloud-init schema --config-file`)", function () {
        requireTool(this, "cloud-init (Python module cloudinit)", ["/usr/bin/python3", "-c", "import cloudinit.config.schema"], "apt-get install cloud-init");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sws-ud-"));
        const jobs: { what: string; file: string }[] = [];
        // Every OS × layout × TLS mode × sink (the extras rotate through them); all-in-one servers
        // differ only in name and address, so one of them stands for the others. ~30 ms a document.
        const covering = combinations().filter((_, i) => i % 3 === Math.floor(i / 3) % 3);
        for (const [what, args] of covering) {
            const model = buildModel(args);
            for (const s of model.layout === "all-in-one" ? model.servers.slice(0, 1) : model.servers) {
                const f = path.join(dir, `${jobs.length}.yaml`);
                fs.writeFileSync(f, renderServerUserData(model, s, deploy));
                jobs.push({ what: `${what} ${s.name}`, file: f });
            }
        }
        let failures: string[] = [];
        try {
            execFileSync("/usr/bin/python3", [path.join(__dirname, "helpers", "cloudinit-schema.py"), ...jobs.map((j) => j.file)], { encoding: "utf8", stdio: "pipe" });
        } catch (e: any) {
            // Exit 1 with one "<file>\t<error>" line per invalid file is a schema verdict; anything
            // else (the module failed to import, a crash) must fail the test, not pass as "no lines".
            const lines = String(e.stdout ?? "").trim().split("\n").filter((l) => l.includes("\t"));
            assert.ok(e.status === 1 && lines.length > 0, `the schema check did not run (exit ${e.status}): ${e.stderr || e.message}`);
            failures = lines.map((l) => {
                const [file, err] = l.split("\t");
                return `${jobs.find((j) => j.file === file)?.what ?? file}: ${err}`;
            });
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
        console.log(`      ${jobs.length} user data documents validated`);
        assert.deepStrictEqual(failures, []);
    });
});

describe("payloads: no secret in user data", () => {
    it("holds SSM parameter names, never values or key material", () => {
        const model = buildModel({ ...SEED, monitoring: { sink: "sumologic", sumoLogicUrl: "https://collectors.sumologic.com/receiver/v1/otlp/SECRETTOKEN" } });
        for (const s of model.servers) {
            const text = renderServerUserData(model, s, deploy);
            assert.ok(!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text), `${s.name} carries a private key`);
            assert.ok(!text.includes("SECRETTOKEN"), `${s.name} carries the Sumo Logic URL`);
            assert.ok(text.includes("/sws/dev/sumologic-url"), `${s.name} names the parameter`);
        }
    });
});

describe("payloads: roles of the all-in-one layout", () => {
    it("puts every component on every server (for comparison only)", () => {
        const m = buildModel({ domain: "www.foobar.com", layout: "all-in-one" });
        assert.ok(m.servers.every((s) => [Role.Balancer, Role.Web, Role.App, Role.Database].every((r) => s.roles.includes(r))));
    });
});
