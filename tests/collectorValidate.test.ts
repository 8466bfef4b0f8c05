// Every collector configuration the payloads render (every sink × every layout × every server
// role set) is loaded by the collector itself: `otelcol validate` of the build from
// monitoring/collector/builder-config.yaml (scripts/build-collector.sh; the components and release
// of the otelcol-contrib the payload installs). A misnamed component or setting fails here with
// the server, the sink and the collector's own error.
//
// The configuration references files (`${file:/run/sws/secrets/...}`, written at boot by
// sws-fetch); each reference is pointed at a temporary file holding a value of the same shape, so
// the collector resolves it as it would on the server. Nothing else in the config is changed.
import * as assert from "assert";
import * as cp from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { renderStack } from "../components/render";
import { requireTool } from "./helpers/tools";
import type { SecuredWebStackArgs } from "../components/types";

const ROOT = path.join(__dirname, "..");

const BUILD = path.join(ROOT, "scripts", "build-collector.sh");
/** The binary of the build for this tree's manifest (scripts/build-collector.sh --path). */
const collectorBinary = (): string => cp.execFileSync(BUILD, ["--path"], { encoding: "utf8" }).trim().split("\n").pop()!;

const SINKS: { [k: string]: SecuredWebStackArgs["monitoring"] } = {
    cloudwatch: { sink: "cloudwatch", alarmEmail: "ops@foobar.com" },
    sumologic: { sink: "sumologic", sumoLogicUrl: "https://endpoint9.collection.sumologic.com/receiver/v1/otlp/TOKEN==" },
    "prometheus-remote-write (AMP, SigV4)": { sink: "prometheus-remote-write", remoteWriteUrl: "https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-0a1b2c3d-4e5f/api/v1/remote_write", remoteWriteSigV4: true },
    "prometheus-remote-write (plain)": { sink: "prometheus-remote-write", remoteWriteUrl: "https://metrics.example.com:8443/api/v1/write" },
};
const LAYOUTS: { [k: string]: Partial<SecuredWebStackArgs> } = {
    split: { layout: "split" },
    "split, hardened (replica, 2 web, 2 app)": { layout: "split", hardening: { endToEndTls: true, databaseReplica: true }, webServers: 2, appServers: 2 },
    "all-in-one": { layout: "all-in-one" },
};

/** What the component passes the renderer once AWS resources exist (placeholders of the same shape). */
const DEPLOY = { region: "eu-west-1", dataVolumeId: "vol-0123456789abcdef0", internalCaPem: "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n" };

/**
 * What each `${file:...}` reference holds on a server (same shape, not the real value). A new
 * reference without an entry here fails the test, so it cannot go unvalidated.
 */
const FILE_SAMPLES: { [path: string]: string } = {
    "/run/sws/secrets/sumologic-url": "https://endpoint9.collection.sumologic.com/receiver/v1/otlp/SAMPLETOKEN==",
};

/** The config with each `${file:X}` pointed at a temporary file holding FILE_SAMPLES[X]. */
function withSampleFiles(config: string, dir: string): string {
    return config.replace(/\$\{file:([^}]+)\}/g, (_m, p: string) => {
        const sample = FILE_SAMPLES[p];
        assert.ok(sample !== undefined, `the config references \${file:${p}}: add a sample value for it to FILE_SAMPLES`);
        const local = path.join(dir, p.replace(/[^A-Za-z0-9._-]/g, "_"));
        fs.writeFileSync(local, sample, { mode: 0o600 });
        return `\${file:${local}}`;
    });
}

/**
 * Run `validate`, with no instance metadata and no AWS configuration files. `sigv4auth` resolves
 * its credential provider when it is created, which `validate` does (awsemf and
 * awscloudwatchlogs resolve theirs only when they start): it gets placeholder static credentials
 * through the environment, as the SDK's chain reads them. On EC2 the instance role provides them.
 */
function validate(bin: string, config: string): { ok: boolean; out: string; ms: number } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sws-otelcol-"));
    try {
        const file = path.join(dir, "collector.yaml");
        fs.writeFileSync(file, withSampleFiles(config, dir));
        const t0 = Date.now();
        const r = cp.spawnSync(bin, ["validate", `--config=${file}`], {
            encoding: "utf8", timeout: 60000,
            env: {
                PATH: "/usr/bin:/bin", HOME: dir, AWS_EC2_METADATA_DISABLED: "true", AWS_CONFIG_FILE: "/dev/null", AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
                AWS_ACCESS_KEY_ID: "AKIAVALIDATEONLY0000", AWS_SECRET_ACCESS_KEY: "placeholder-for-validate-only",
            },
        });
        return { ok: r.status === 0, out: `${r.stdout}${r.stderr}`.trim() || `exit ${r.status ?? r.signal}`, ms: Date.now() - t0 };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe("collector: `otelcol validate` of every rendered configuration", function () {
    this.timeout(180000);
    let bin = "";
    const validated: number[] = [];
    after(() => {
        if (validated.length) console.log(`      ${validated.length} rendered configs validated by ${path.basename(bin)} in ${(validated.reduce((a, b) => a + b, 0) / 1000).toFixed(1)} s`);
    });
    before(function () {
        // Under CI=true a missing build fails (.ci/run builds it first); elsewhere the suite is skipped, visibly.
        requireTool(this, "the collector build for monitoring/collector/builder-config.yaml", [BUILD, "--path"], "scripts/build-collector.sh");
        bin = collectorBinary();
    });

    for (const [layout, extra] of Object.entries(LAYOUTS)) for (const [sink, monitoring] of Object.entries(SINKS)) {
        it(`${sink} × ${layout}: every server's config is valid`, () => {
            const st = renderStack({ domain: "www.foobar.com", environment: "prod", ...extra, monitoring }, DEPLOY);
            const failures: string[] = [];
            let checked = 0;
            for (const s of st.servers) {
                const config = configText(s);
                assert.ok(config, `${s.name} (${s.roles.join("+")}): no /etc/sws/collector.yaml rendered for sink ${sink}`);
                const r = validate(bin, config!);
                validated.push(r.ms);
                checked++;
                if (!r.ok) failures.push(`server ${s.name} (${s.roles.join("+")}), sink ${sink}, layout ${layout}:\n${r.out}`);
            }
            assert.ok(checked === st.servers.length && checked > 0);
            assert.deepStrictEqual(failures, [], failures.join("\n\n"));
        });
    }

    it("fails on a misnamed setting, naming it (the check is live)", () => {
        const st = renderStack({ domain: "www.foobar.com", monitoring: SINKS.cloudwatch }, DEPLOY);
        const good = configText(st.servers[0])!;
        const bad = good.replace("limit_mib:", "limit_mb:");
        assert.notStrictEqual(bad, good);
        const r = validate(bin, bad);
        assert.ok(!r.ok, "a config with memory_limiter.limit_mb must not validate");
        assert.match(r.out, /limit_mb/);
    });

    it("fails on an OTTL condition of the CloudWatch filter that does not parse", () => {
        const st = renderStack({ domain: "www.foobar.com", monitoring: SINKS.cloudwatch }, DEPLOY);
        const good = configText(st.servers[1])!;
        const bad = good.replace('- name != "', '- nam != "');
        assert.notStrictEqual(bad, good);
        const r = validate(bin, bad);
        assert.ok(!r.ok, "a filter condition on `nam` must not validate");
        assert.match(r.out, /filter\/cloudwatch: unable to parse OTTL condition/);
    });

    it("fails on a component the build does not contain", () => {
        const st = renderStack({ domain: "www.foobar.com", monitoring: SINKS.cloudwatch }, DEPLOY);
        const bad = configText(st.servers[0])!.replace(/^  batch:/m, "  groupbyattrs:").replace(/, batch \]/g, ", groupbyattrs ]");
        const r = validate(bin, bad);
        assert.ok(!r.ok, "groupbyattrs is not in the build");
        assert.match(r.out, /groupbyattrs/);
    });
});

/** /etc/sws/collector.yaml of a server: written by cloud-init or fetched at boot by sws-fetch. */
function configText(s: ReturnType<typeof renderStack>["servers"][number]): string | undefined {
    const doc = YAML.parse(s.userData.replace(/^#cloud-config\n/, "")) as { write_files?: { path: string; content: string }[] };
    const written = doc.write_files?.find((f) => f.path === "/etc/sws/collector.yaml");
    if (written) return written.content;
    return s.fetched.find((f) => f.path === "/etc/sws/collector.yaml")?.content;
}
