// No shell from configuration: hostile values through every file that interprets them, checked
// by the real interpreters — bash sources every rendered env file (nothing runs, every value comes
// back byte for byte), systemd-analyze verifies the rendered units, and systemd's own
// EnvironmentFile= grammar (lab/units.ts, a port of src/basic/env-file.c) reads the same values.
import * as assert from "assert";
import * as cp from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { buildModel } from "../components/model";
import { renderServerPart } from "../components/render";
import { collectorLiteral, envFile, shellQuote, systemdExecArg } from "../components/payloads/escape";
import { parseEnvironmentFile, parseExec } from "../lab/units";
import type { SecuredWebStackArgs } from "../components/types";
import { requireTool } from "./helpers/tools";

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "sws-escape-"));
const CANARY = path.join(TMP, "pwned");

/** Values an attacker (or a careless copy-paste) could put into configuration. */
export const HOSTILE: string[] = [
    `$(touch ${CANARY})`, "`touch " + CANARY + "`", "${IFS}", `$(touch\${IFS}${CANARY})`, `a;touch ${CANARY}`,
    `a' ; touch ${CANARY} ; '`, `a" ; touch ${CANARY} ; "`, `a'"'"'b`, `it's`, `'`, `''`, `"`, `\\`, `\\'`, `'\\''`,
    `$HOME`, "${HOME}", "${HOME:-x}", "$((1+1))", "%h %% %n %Z", "$$", "*", "~root", "!!", " leading and trailing ",
    "#not a comment", ";semi", "a=b", "é ünïcode ✓", `&& touch ${CANARY}`, `| touch ${CANARY}`, `> ${CANARY}`,
    `<(touch ${CANARY})`, "", " ", "\\$(x)", "'$(touch " + CANARY + ")'", "${file:/etc/shadow}", "${env:AWS_SECRET_ACCESS_KEY}",
];

function bashRead(file: string, keys: string[]): string[] {
    // Source the file as the boot scripts do (set -eu, as root), then print each value NUL-separated.
    const script = `set -eu; . "$1"; shift; for k in "$@"; do printf '%s\\0' "\${!k}"; done`;
    const r = cp.spawnSync("bash", ["-c", script, "bash", file, ...keys], { encoding: "utf8", cwd: TMP });
    assert.strictEqual(r.status, 0, `bash could not source ${file}: ${r.stderr}`);
    return r.stdout.split("\0").slice(0, -1);
}

function keysOf(text: string): string[] {
    return text.split("\n").filter((l) => l).map((l) => /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(l)![1]);
}

describe("escaping: env files (bash and systemd)", () => {
    afterEach(() => assert.ok(!fs.existsSync(CANARY), "a hostile value ran a command"));

    it("every hostile value round-trips through envFile in bash, exactly, and nothing runs", () => {
        const vars = Object.fromEntries(HOSTILE.map((v, i) => [`V${i}`, v]));
        const f = path.join(TMP, "hostile.env");
        fs.writeFileSync(f, envFile(vars));
        assert.deepStrictEqual(bashRead(f, Object.keys(vars)), HOSTILE);
    });

    it("systemd's EnvironmentFile= grammar reads the same values (and would not read the '\\'' idiom back)", () => {
        const vars = Object.fromEntries(HOSTILE.map((v, i) => [`V${i}`, v]));
        assert.deepStrictEqual(parseEnvironmentFile(envFile(vars)), vars);
        // Why shellQuote writes '"'"' rather than '\'': bash and systemd disagree on the latter.
        assert.strictEqual(parseEnvironmentFile(`X='it'\\''s'\n`).X, "it''s'");
    });

    it("refuses control characters instead of writing them (the model rejects them earlier, naming the field)", () => {
        for (const v of ["a\nB=1", "a\rb", "a\u0000b", "a\u001bb", "a\tb", "a\u007fb"]) {
            assert.throws(() => shellQuote(v), /control character/);
            assert.throws(() => envFile({ A: v }), /control character/);
        }
        assert.throws(() => envFile({ "A B": "x" }), /not a variable name/);
    });

    it("every env file the stack renders, with hostile values in every field that reaches one, sources in bash with nothing run and every value exact", () => {
        const args: SecuredWebStackArgs = {
            domain: "www.foobar.com", environment: "dev", appServers: 2, hardening: { endToEndTls: true },
            tls: { mode: "lets-encrypt", email: "`touch${IFS}" + CANARY + "`$(id)'@foobar.com", acmeDirectory: `https://acme.example.com/dir?a=$(touch\${IFS}${CANARY})&b='x'` },
            app: {
                artifactUrl: `https://artifacts.example.com/app$(touch\${IFS}${CANARY})'.tgz`, artifactSha256: "a".repeat(64),
                startCommand: "node server.js", environment: Object.fromEntries(HOSTILE.map((v, i) => [`H${i}`, v])),
            },
        };
        const model = buildModel(args, "shop");
        const expected: { [file: string]: { [k: string]: string } } = {
            "/etc/sws/tls.env": { ACME_EMAIL: args.tls!.email!, ACME_DIRECTORY: model.tls.acmeDirectoryUrl },
            // The app's release (its settings and artifact) is a live file: sws-app-update parses it, systemd reads it.
            "/etc/sws/app-release.env": { ...args.app!.environment!, ARTIFACT_URL: model.app.artifactUrl! },
        };
        assert.ok(model.tls.acmeDirectoryUrl.includes("$(touch"), "the hostile directory URL passed validation");
        assert.ok(model.app.artifactUrl!.includes("$(touch"), "the hostile artifact URL passed validation");
        let files = 0;
        const seen = new Set<string>();
        for (const server of model.servers) {
            const part = renderServerPart(model, server, { region: "us-east-1", backupTarget: "s3://b/app", internalCaPem: "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n" });
            for (const pf of part.files.filter((x) => /^\/etc\/(sws\/.*\.env|default\/[^/]+)$/.test(x.path))) {
                const local = path.join(TMP, `${server.name}${pf.path.replace(/\//g, "_")}`);
                fs.writeFileSync(local, pf.content);
                const keys = keysOf(pf.content);
                const viaBash = Object.fromEntries(bashRead(local, keys).map((v, i) => [keys[i], v]));
                // systemd reads the same file the same way (sws-app.service and Debian's exporter units use them).
                assert.deepStrictEqual(parseEnvironmentFile(pf.content), viaBash, `${server.name}:${pf.path}: bash and systemd disagree`);
                for (const [k, v] of Object.entries(expected[pf.path] ?? {})) assert.strictEqual(viaBash[k], v, `${server.name}:${pf.path} ${k}`);
                seen.add(pf.path);
                files++;
            }
        }
        for (const p of Object.keys(expected)) assert.ok(seen.has(p), `${p} was rendered`);
        assert.ok(files >= 12, `${files} env files checked`);
    });
});

describe("escaping: systemd unit lines", () => {
    const START = `node server.js --title='100% of $HOME' "q\\"x" \\\\ %h %Z $$ \${X} \`id\` ; echo done`;
    const render = (startCommand: string) => {
        const model = buildModel({
            domain: "www.foobar.com", environment: "dev",
            app: { artifactUrl: "https://artifacts.example.com/app.tgz", artifactSha256: "a".repeat(64), startCommand },
        }, "shop");
        const app = model.servers.find((s) => s.roles.includes("app"))!;
        return renderServerPart(model, app, { region: "us-east-1" }).files.find((f) => f.path === "/etc/systemd/system/sws-app.service")!.content;
    };
    const execLine = (unit: string) => /^ExecStart=(.*)$/m.exec(unit)![1];

    it("app.startCommand reaches sh -c exactly as written (% and $ doubled, quotes and backslashes escaped)", () => {
        const cmd = parseExec(execLine(render(START)), { X: "expanded", HOME: "/root" }, { h: "/root", Z: "?" });
        assert.deepStrictEqual(cmd.argv, ["/bin/sh", "-c", `exec ${START}`]);
        assert.strictEqual(systemdExecArg("a%b$c\"d\\e"), `"a%%b$$c\\"d\\\\e"`);
    });

    it("systemd-analyze verify accepts the rendered unit (no specifier, quoting or escape error) and rejects the old rendering", function () {
        requireTool(this, "systemd-analyze", ["systemd-analyze", "--version"], "apt-get install systemd");
        const verify = (text: string) => {
            const f = path.join(TMP, "sws-app.service");
            fs.writeFileSync(f, text.replace(/^User=.*$/m, "User=root").replace(/^Group=.*$/m, "Group=root"));
            const r = cp.spawnSync("systemd-analyze", ["verify", "--man=no", f], { encoding: "utf8" });
            return (r.stdout + r.stderr).split("\n").filter((l) => l.includes("sws-app.service")).join("\n");
        };
        assert.strictEqual(verify(render(START)), "");
        // The rendering before this change (JSON.stringify, nothing doubled): systemd reads %Z as a specifier.
        const old = render("true").replace(/^ExecStart=.*$/m, `ExecStart=/bin/sh -c ${JSON.stringify(`exec ${START}`)}`);
        assert.match(verify(old), /Failed to resolve unit specifiers/);
    });
});

describe("escaping: collector placeholders", () => {
    it("a ${…} in the remote-write URL reaches the collector config as $${…} (taken literally)", () => {
        const url = "https://prom.example.com/api/v1/write?tenant=${env:AWS_SECRET_ACCESS_KEY}&x=$$";
        const model = buildModel({ domain: "www.foobar.com", monitoring: { sink: "prometheus-remote-write", remoteWriteUrl: url } }, "shop");
        const file = renderServerPart(model, model.servers[0], { region: "us-east-1" }).files.find((f) => f.path === "/etc/sws/collector.yaml")!;
        const endpoint = YAML.parse(file.content).exporters.prometheusremotewrite.endpoint as string;
        assert.strictEqual(endpoint, collectorLiteral(model.monitoring.remoteWriteUrl!));
        assert.ok(!/(^|[^$])\$\{/.test(endpoint.replace(/\$\$/g, "")), endpoint);
        // The collector's confmap turns each $$ back into $: the URL it uses is the configured one.
        assert.strictEqual(endpoint.replace(/\$\$/g, "$"), model.monitoring.remoteWriteUrl);
    });
});
