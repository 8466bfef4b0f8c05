// Monitoring: the collector configuration per sink (snapshots), no credentials anywhere, each
// server's scrape jobs = its roles' sources, and the CloudWatch dashboard/alarms under Pulumi mocks
// referencing only metrics the collectors really publish (names read from the real exporters:
// monitoring/exporter-metrics/*.txt).
import * as assert from "assert";
import * as cp from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { renderStack } from "../components/render";
import { buildModel, Model, Ports, Role } from "../components/model";
import type { SecuredWebStackArgs } from "../components/types";
import {
    emfDeclarations, logGroupNames, scrapeJobs, CW_NAMESPACE, TEXTFILE_DIR,
} from "../components/payloads/collector";
import { packUserData } from "../components/payloads/cloudConfig";
import { matchSnapshot } from "./helpers/snapshot";
import { requireTool } from "./helpers/tools";
import { Captured, installMocks, ofType, settle, valueOf } from "./helpers/pulumiMocks";

const ROOT = path.join(__dirname, "..");
const SUMO_TOKEN = "SUMOSECRETTOKENzz9Q";
const SUMO_URL = `https://endpoint9.collection.sumologic.com/receiver/v1/otlp/${SUMO_TOKEN}==`;
const AMP_URL = "https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-0a1b2c3d-4e5f/api/v1/remote_write";

const SINKS: { [k: string]: SecuredWebStackArgs["monitoring"] } = {
    cloudwatch: { sink: "cloudwatch", alarmEmail: "ops@foobar.com" },
    sumologic: { sink: "sumologic", sumoLogicUrl: SUMO_URL },
    "prometheus-remote-write": { sink: "prometheus-remote-write", remoteWriteUrl: AMP_URL, remoteWriteSigV4: true },
};
const args = (monitoring: SecuredWebStackArgs["monitoring"], extra: Partial<SecuredWebStackArgs> = {}): SecuredWebStackArgs =>
    ({ domain: "www.foobar.com", environment: "prod", ...extra, monitoring });

interface Doc { write_files: { path: string; content: string }[]; runcmd: string[][]; packages: string[] }
const docOf = (userData: string): Doc => YAML.parse(userData.replace(/^#cloud-config\n/, ""));

/** Every file a server ends up with: user data write_files plus what sws-fetch installs. */
function filesOf(server: ReturnType<typeof renderStack>["servers"][number]): Map<string, string> {
    const m = new Map<string, string>();
    for (const f of docOf(server.userData).write_files) m.set(f.path, f.content);
    for (const f of (server as any).fetched ?? []) if (f.content !== undefined) m.set(f.path, f.content);
    return m;
}
const collectorOf = (server: ReturnType<typeof renderStack>["servers"][number]): any => {
    const text = filesOf(server).get("/etc/sws/collector.yaml");
    return text === undefined ? undefined : YAML.parse(text);
};

/** Metric names read from the running exporters (monitoring/exporter-metrics). */
function verifiedMetrics(): Map<string, string> {
    const names = new Map<string, string>();
    const dir = path.join(ROOT, "monitoring", "exporter-metrics");
    for (const f of fs.readdirSync(dir)) {
        const job = f.replace(/\.txt$/, "");
        for (const line of fs.readFileSync(path.join(dir, f), "utf8").split("\n")) {
            if (line.trim() && !line.startsWith("#")) names.set(line.split(" ")[0], job);
        }
    }
    return names;
}
const VERIFIED = verifiedMetrics();
/** The scrape job whose exporter publishes a metric (sws_* come from the node exporter's textfile collector). */
const jobOf = (metric: string) => VERIFIED.get(metric);

/** Go regexp of awsemf (`\z` = end of text) as a JS RegExp. */
const goRe = (re: string) => new RegExp(re.replace(/\\z/g, "$"));

/**
 * Whether the collector of `host` publishes `metric` to CloudWatch with exactly these dimensions:
 * some awsemf declaration of that server selects the name, has that dimension set, and its
 * label matchers accept the dimension values.
 */
function published(model: Model, metric: string, dims: { [k: string]: string }): string | undefined {
    const server = model.servers.find((s) => s.name === dims.host);
    if (!server) return `host ${dims.host} is not a server`;
    if (dims.stack !== model.name || dims.environment !== model.environment) return `stack/environment dimensions ${dims.stack}/${dims.environment}`;
    if (!VERIFIED.has(metric)) return `${metric} is not a metric any exporter exposes (monitoring/exporter-metrics)`;
    if (!scrapeJobs(server.roles).some((j) => j.job === jobOf(metric))) return `${metric} comes from ${jobOf(metric)}, which ${server.name} does not scrape`;
    const keys = Object.keys(dims).sort().join(",");
    const ok = emfDeclarations(server.roles, model.database.topology === "cluster").some((d) =>
        d.metric_name_selectors.some((s) => goRe(s).test(metric)) &&
        d.dimensions.some((set) => [...set].sort().join(",") === keys) &&
        // A matcher on labels that are dimensions must accept their values (one on other labels,
        // such as haproxy_server_status's state="UP", only narrows the series).
        (d.label_matchers ?? []).every((lm) => !lm.label_names.every((l) => l in dims) || goRe(lm.regex).test(lm.label_names.map((l) => dims[l]).join(lm.separator ?? ";"))));
    return ok ? undefined : `${metric} {${keys}} = ${JSON.stringify(dims)} is not published by ${server.name}'s awsemf declarations`;
}

describe("monitoring: collector configuration", () => {
    for (const [sink, monitoring] of Object.entries(SINKS)) {
        it(`matches the snapshot for sink ${sink} (split layout, every server)`, () => {
            const st = renderStack(args(monitoring), { region: "eu-west-1" });
            const text = st.servers.map((s) => `# ${s.name} (${s.roles.join(", ")})\n${filesOf(s).get("/etc/sws/collector.yaml")}`).join("---\n");
            matchSnapshot(`collector-${sink}.yaml`, text);
        });

        it(`is a consistent OpenTelemetry configuration for sink ${sink}`, () => {
            for (const s of renderStack(args(monitoring), { region: "eu-west-1" }).servers) {
                const c = collectorOf(s);
                const used = { receivers: new Set<string>(), processors: new Set<string>(), exporters: new Set<string>() };
                for (const [name, p] of Object.entries<any>(c.service.pipelines)) {
                    assert.strictEqual(p.processors[0], "memory_limiter", `${s.name} ${name}: memory_limiter comes first`);
                    assert.strictEqual(p.processors[p.processors.length - 1], "batch", `${s.name} ${name}: batch comes last`);
                    assert.ok(p.exporters.length > 0, `${s.name} ${name} exports somewhere`);
                    for (const k of ["receivers", "processors", "exporters"] as const) {
                        for (const id of p[k]) { assert.ok(c[k][id] !== undefined, `${s.name}: ${k} ${id} is defined`); used[k].add(id); }
                    }
                }
                for (const k of ["receivers", "processors", "exporters"] as const) {
                    assert.deepStrictEqual(Object.keys(c[k]).sort(), [...used[k]].sort(), `${s.name}: every ${k.slice(0, -1)} is used`);
                }
                assert.deepStrictEqual(c.service.extensions.sort(), Object.keys(c.extensions).sort());
                assert.ok(c.processors.memory_limiter.limit_mib <= 200);
                // Bounded queues everywhere.
                for (const [id, e] of Object.entries<any>(c.exporters)) {
                    if (e.sending_queue) assert.ok(e.sending_queue.queue_size > 0 && e.sending_queue.queue_size <= 1000, `${id} queue bounded`);
                    if (e.remote_write_queue) assert.ok(e.remote_write_queue.queue_size <= 10000, `${id} queue bounded`);
                    if (e.retry_on_failure) assert.ok(/^\d+s$/.test(e.retry_on_failure.max_elapsed_time), `${id} retries end`);
                }
                // `$` belongs to the collector's config expansion: only ${file:...} may use it.
                const text = filesOf(s).get("/etc/sws/collector.yaml")!;
                assert.deepStrictEqual(text.match(/\$[^{]|\$\{(?!file:\/run\/sws\/secrets\/)/g), null, `${s.name}: stray $ in the collector config`);
                // Logs are tailed where there are logs and a sink that takes them.
                const logsSink = sink !== "prometheus-remote-write";
                const hasLogs = s.roles.includes(Role.Balancer) || s.roles.includes(Role.Web);
                assert.strictEqual(c.receivers.filelog !== undefined, logsSink && hasLogs, `${s.name}: filelog`);
            }
        });
    }

    it("the CloudWatch sink names its log groups and publishes only declared series", () => {
        const st = renderStack(args(SINKS.cloudwatch), { region: "eu-west-1" });
        for (const s of st.servers) {
            const c = collectorOf(s);
            assert.strictEqual(c.exporters.awsemf.namespace, CW_NAMESPACE);
            assert.strictEqual(c.exporters.awsemf.log_group_name, logGroupNames(st.model).metrics);
            assert.strictEqual(c.exporters.awsemf.region, "eu-west-1");
            assert.ok(c.exporters.awsemf.metric_declarations.length > 0);
            for (const d of c.exporters.awsemf.metric_declarations) {
                for (const sel of d.metric_name_selectors) {
                    const name = sel.replace(/^\^/, "").replace(/\\z$/, "");
                    assert.ok(VERIFIED.has(name), `${s.name}: ${name} is exposed by an exporter`);
                    assert.ok(scrapeJobs(s.roles).some((j) => j.job === jobOf(name)), `${s.name}: ${name} comes from a job it scrapes`);
                }
            }
            if (c.exporters.awscloudwatchlogs) {
                assert.strictEqual(c.exporters.awscloudwatchlogs.log_group_name, logGroupNames(st.model).logs);
                assert.strictEqual(c.exporters.awscloudwatchlogs.raw_log, true);
            }
        }
    });

    it("the CloudWatch filter keeps exactly the series awsemf publishes (the rest would be logged as JSON)", () => {
        // The OTTL conditions use ==, !=, and, or, parentheses: evaluate them as JavaScript.
        const js = (cond: string) => new Function("m", "a", `return ${cond
            .replace(/\bmetric\.name\b|\bname\b/g, "m").replace(/attributes\[/g, "a[").replace(/ and /g, " && ").replace(/ or /g, " || ")};`);
        const c = collectorOf(renderStack(args(SINKS.cloudwatch)).servers.find((s) => s.name === "lb")!);
        assert.deepStrictEqual(c.service.pipelines.metrics.processors, ["memory_limiter", "filter/cloudwatch", "batch"]);
        const f = c.processors["filter/cloudwatch"];
        assert.strictEqual(f.error_mode, "ignore");
        const dropMetric = f.metrics.metric.map(js);
        const dropPoint = f.metrics.datapoint.map(js);
        const kept = (name: string, labels: { [k: string]: string }) =>
            !dropMetric.some((d: Function) => d(name, labels)) && !dropPoint.some((d: Function) => d(name, labels));
        const samples: [string, { [k: string]: string }, boolean][] = [
            ["haproxy_frontend_http_requests_total", { proxy: "https-in" }, true],
            ["haproxy_frontend_http_requests_total", { proxy: "metrics" }, false],
            ["haproxy_frontend_http_requests_total", { proxy: "http-in" }, false],
            ["haproxy_frontend_http_responses_total", { proxy: "https-in", code: "5xx" }, true],
            ["haproxy_frontend_http_responses_total", { proxy: "https-in", code: "2xx" }, false],
            ["haproxy_server_status", { proxy: "web", server: "web", state: "UP" }, true],
            ["haproxy_server_status", { proxy: "web", server: "web", state: "DOWN" }, false],
            ["haproxy_backend_active_servers", { proxy: "web" }, true],
            ["haproxy_backend_http_requests_total", { proxy: "web" }, false],
            ["node_cpu_seconds_total", { cpu: "0", mode: "user" }, true],
            ["node_filesystem_avail_bytes", { mountpoint: "/" }, true],
            ["node_filesystem_avail_bytes", { mountpoint: "/run" }, false],
            ["node_network_receive_bytes_total", { device: "eth0" }, false],
            ["sws_tls_certificate_expires_in_seconds", { domain: "www.foobar.com" }, true],
            ["up", {}, false],
        ];
        for (const [name, labels, want] of samples) assert.strictEqual(kept(name, labels), want, `${name} ${JSON.stringify(labels)}`);
        // Every declared series passes the filter.
        for (const d of c.exporters.awsemf.metric_declarations) for (const sel of d.metric_name_selectors) {
            const name = sel.replace(/^\^/, "").replace(/\\z$/, "");
            const lm = d.label_matchers?.[0];
            const labels: { [k: string]: string } = {};
            if (lm) {
                const values = lm.regex.replace(/^\^/, "").replace(/\\z$/, "").split(";").map((g: string) => g.replace(/^\(|\)$/g, "").split("|")[0]);
                lm.label_names.forEach((l: string, i: number) => { labels[l] = values[i]; });
            }
            assert.ok(kept(name, labels), `${name} ${JSON.stringify(labels)} survives the filter`);
        }
    });

    it("AMP remote write is signed for the workspace's region", () => {
        const c = collectorOf(renderStack(args(SINKS["prometheus-remote-write"]), { region: "us-east-1" }).servers[0]);
        assert.deepStrictEqual(c.extensions.sigv4auth, { region: "eu-west-1", service: "aps" });
        assert.deepStrictEqual(c.exporters.prometheusremotewrite.auth, { authenticator: "sigv4auth" });
        const plain = collectorOf(renderStack(args({ sink: "prometheus-remote-write", remoteWriteUrl: "https://prom.example.com/api/v1/write" })).servers[0]);
        assert.strictEqual(plain.extensions.sigv4auth, undefined);
        assert.strictEqual(plain.exporters.prometheusremotewrite.auth, undefined);
    });

    it("puts no token or credential URL in plain text anywhere", () => {
        const st = renderStack(args(SINKS.sumologic));
        for (const s of st.servers) {
            const everything = [s.userData, ...[...filesOf(s).values()]].join("\n");
            assert.ok(!everything.includes(SUMO_TOKEN), `${s.name}: Sumo Logic token in the payload`);
            assert.ok(!everything.includes("receiver/v1/otlp"), `${s.name}: Sumo Logic URL in the payload`);
            assert.strictEqual(everything.match(/[a-z]+:\/\/[^\/\s:@]+:[^\/\s@]+@/g), null, `${s.name}: URL with credentials`);
            assert.strictEqual(collectorOf(s).exporters["otlphttp/sumologic"].endpoint, "${file:/run/sws/secrets/sumologic-url}");
        }
        const secret = st.model.secrets.find((x) => x.name === "sumologic-url")!;
        assert.strictEqual(secret.path, "/run/sws/secrets/sumologic-url");
        assert.strictEqual(secret.group, "sws-collector", "readable by the collector's group only");
        assert.deepStrictEqual(secret.servers, st.model.servers.map((s) => s.name));
        assert.throws(() => buildModel(args({ sink: "prometheus-remote-write", remoteWriteUrl: "https://u:p@prom.example.com/api/v1/write" })), /embeds credentials/);
    });

    it("sink none installs no collector", () => {
        for (const s of renderStack(args({ sink: "none" })).servers) {
            assert.strictEqual(collectorOf(s), undefined);
            assert.ok(!filesOf(s).has("/etc/systemd/system/sws-collector.service"));
        }
    });

    it("keeps every server's gzipped user data ≤ 8 KiB for every sink and layout", () => {
        for (const monitoring of Object.values(SINKS)) for (const layout of ["split", "all-in-one"] as const) {
            for (const s of renderStack(args(monitoring, { layout, os: "ubuntu-24.04", tls: { mode: "lets-encrypt", email: "a@foobar.com" } })).servers) {
                const bytes = Buffer.from(packUserData(s.userData), "base64").length;
                assert.ok(bytes <= 8192, `${layout} ${s.name} ${monitoring!.sink}: ${bytes} bytes`);
            }
        }
    });
});

describe("monitoring: each server carries a collector with exactly its role's sources", () => {
    const EXPECTED: { [server: string]: string[] } = { lb: ["node", "haproxy"], "web-1": ["node", "nginx"], "app-1": ["node", "mysqld"] };

    it("split layout: lb → node + haproxy, web → node + nginx, app → node + mysqld", () => {
        for (const sink of Object.values(SINKS)) {
            const st = renderStack(args(sink));
            assert.deepStrictEqual(st.servers.map((s) => s.name).sort(), Object.keys(EXPECTED).sort());
            for (const s of st.servers) {
                const c = collectorOf(s);
                assert.ok(c, `${s.name} carries /etc/sws/collector.yaml`);
                const jobs = c.receivers.prometheus.config.scrape_configs;
                assert.deepStrictEqual(jobs.map((j: any) => j.job_name).sort(), EXPECTED[s.name].sort(), `${s.name} (${sink!.sink})`);
                for (const j of jobs) {
                    assert.strictEqual(j.static_configs.length, 1);
                    for (const t of j.static_configs[0].targets) assert.match(t, /^127\.0\.0\.1:\d+$/, "loopback only");
                    assert.deepStrictEqual(j.static_configs[0].labels, { host: s.name, roles: s.roles.join("+"), environment: "prod", stack: "sws" });
                }
                const units = filesOf(s);
                assert.ok(units.has("/etc/systemd/system/sws-collector.service"));
                assert.match(units.get("/etc/systemd/system/sws-collector.service")!, /^User=sws-collector$/m);
                assert.match(units.get("/etc/systemd/system/sws-collector.service")!, /^MemoryMax=/m);
            }
        }
    });

    it("all-in-one layout: every node scrapes all four sources", () => {
        for (const s of renderStack(args(SINKS.cloudwatch, { layout: "all-in-one" })).servers) {
            assert.deepStrictEqual(collectorOf(s).receivers.prometheus.config.scrape_configs.map((j: any) => j.job_name).sort(), ["haproxy", "mysqld", "nginx", "node"]);
        }
    });

    it("each scrape target is where that server's exporter listens (loopback, never in a flow)", () => {
        const st = renderStack(args(SINKS.cloudwatch));
        const listens: { [job: string]: (files: Map<string, string>) => boolean } = {
            node: (f) => (f.get("/etc/default/prometheus-node-exporter") ?? "").includes(`--web.listen-address=127.0.0.1:${Ports.local.nodeExporter}`),
            haproxy: (f) => /bind 127\.0\.0\.1:(\d+)\n(?:\s+http-request set-log-level silent\n)?\s+http-request use-service prometheus-exporter if \{ path \/metrics \}/.exec(f.get("/etc/haproxy/haproxy.cfg") ?? "")?.[1] === String(Ports.local.haproxyMetrics),
            nginx: (f) => (f.get("/etc/default/prometheus-nginx-exporter") ?? "").includes(`-web.listen-address 127.0.0.1:${Ports.local.nginxExporter}`)
                && (f.get("/etc/nginx/nginx.conf") ?? "").includes(`listen 127.0.0.1:${Ports.local.nginxStatus};`),
            mysqld: (f) => (f.get("/etc/default/prometheus-mysqld-exporter") ?? "").includes(`--web.listen-address=127.0.0.1:${Ports.local.mysqldExporter}`),
        };
        for (const s of st.servers) {
            const files = filesOf(s);
            for (const j of collectorOf(s).receivers.prometheus.config.scrape_configs) {
                assert.ok(listens[j.job_name](files), `${s.name}: ${j.job_name} exporter listens on ${j.static_configs[0].targets[0]}`);
                const port = Number(j.static_configs[0].targets[0].split(":")[1]);
                assert.ok(!st.model.flows.some((f) => f.port === port), `port ${port} is in no flow`);
            }
        }
    });

    it("the balancer publishes its certificate's expiry through the node exporter's textfile directory", () => {
        const st = renderStack(args(SINKS.cloudwatch));
        for (const s of st.servers) {
            const files = filesOf(s);
            assert.ok(files.get("/etc/default/prometheus-node-exporter")!.includes(`--collector.textfile.directory=${TEXTFILE_DIR}`), `${s.name}: textfile collector`);
            const lb = s.roles.includes(Role.Balancer);
            assert.strictEqual(files.has("/etc/systemd/system/sws-cert-expiry.timer"), lb, s.name);
            assert.strictEqual(files.has("/usr/local/sbin/sws-cert-expiry"), lb, s.name);
            assert.strictEqual(docOf(s.userData).runcmd.some((c) => c.join(" ") === "systemctl enable --now sws-cert-expiry.timer"), lb, s.name);
        }
        const script = fs.readFileSync(path.join(ROOT, "components/payloads/scripts/sws-cert-expiry"), "utf8");
        for (const m of ["sws_tls_certificate_not_after_seconds", "sws_tls_certificate_expires_in_seconds"]) {
            assert.ok(script.includes(m));
            assert.strictEqual(jobOf(m), "node", `${m} listed with the node exporter's metrics`);
        }
    });
});

describe("monitoring: AWS resources (Pulumi mocks)", function () {
    this.timeout(60000);
    let resources: Captured[];
    let aws: typeof import("@pulumi/aws");
    let mon: typeof import("../components/aws/monitoring");

    before(() => {
        resources = installMocks("secured-web-stack", "dev");
        // Imported only now: nothing may create a resource before the mocks are in place.
        aws = require("@pulumi/aws");
        mon = require("../components/aws/monitoring");
    });

    async function run(monitoring: SecuredWebStackArgs["monitoring"], name: string, extra: Partial<SecuredWebStackArgs> = {}) {
        const model = buildModel(args(monitoring, extra), name);
        const servers = model.servers.map((server) => ({
            server, instance: new aws.ec2.Instance(`${name}-${server.name}`, { ami: "ami-0123456789abcdef0", instanceType: "t3.small" }),
        }));
        const before = resources.length;
        const out = mon.createMonitoring(name, model, servers, "eu-west-1", {});
        await settle(resources);
        const created = resources.slice(before).filter((r) => r.type !== "aws:ec2/instance:Instance");
        return { model, out, created };
    }

    it("CloudWatch: dashboard, alarms, log groups, SNS e-mail; URL output; metrics the collectors publish", async () => {
        const { model, out, created } = await run(SINKS.cloudwatch, "cw");
        const dash = ofType(created, "aws:cloudwatch/dashboard:Dashboard");
        assert.deepStrictEqual(dash.map((d) => d.name), ["cw-dashboard"]);
        const alarms = ofType(created, "aws:cloudwatch/metricAlarm:MetricAlarm");
        const names = alarms.map((a) => a.name).sort();
        for (const what of ["qps-zero", "qps-spike", "backend-down", "5xx-ratio", "disk-lb", "disk-web-1", "disk-app-1", "disk-app-1-data", "cert-expiry",
            "status-lb", "status-web-1", "status-app-1", "backup-full-age-app-1", "backup-binlog-age-app-1", "access-log-dropped"]) {
            assert.ok(names.includes(`cw-alarm-${what}`), `alarm ${what} in ${names.join(", ")}`);
        }
        assert.strictEqual(alarms.length, 15);
        // Any access-log line HAProxy dropped alarms (it drops rather than wait for its log file).
        const dropped = alarms.find((a) => a.name === "cw-alarm-access-log-dropped")!;
        assert.deepStrictEqual([dropped.inputs.metricName, dropped.inputs.dimensions.host, dropped.inputs.statistic, dropped.inputs.comparisonOperator, dropped.inputs.threshold],
            ["haproxy_process_dropped_logs_total", "lb", "Sum", "GreaterThanThreshold", 0]);
        assert.deepStrictEqual(ofType(created, "aws:cloudwatch/logGroup:LogGroup").map((g) => g.inputs.name).sort(), Object.values(logGroupNames(model)).sort());
        const topic = ofType(created, "aws:sns/topic:Topic");
        assert.strictEqual(topic.length, 1);
        const sub = ofType(created, "aws:sns/topicSubscription:TopicSubscription");
        assert.deepStrictEqual(sub.map((s) => [s.inputs.protocol, s.inputs.endpoint]), [["email", "ops@foobar.com"]]);
        for (const a of alarms) {
            assert.strictEqual(a.inputs.alarmActions.length, 1, `${a.name} notifies`);
            assert.ok(a.inputs.alarmDescription, `${a.name} explains itself`);
        }

        const url = await valueOf(out.dashboardUrl!);
        assert.strictEqual(url, "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards/dashboard/cw-prod");
        assert.strictEqual(await valueOf(out.dashboardName!), "cw-prod");

        // Every metric the dashboard shows is one the collectors publish, with those dimensions.
        const body = JSON.parse(dash[0].inputs.dashboardBody);
        const seen = new Set<string>();
        let metricWidgets = 0;
        for (const w of body.widgets) {
            assert.ok(Number.isInteger(w.x) && Number.isInteger(w.y) && w.x + w.width <= 24, "grid");
            if (w.type !== "metric") continue;
            metricWidgets++;
            for (const row of w.properties.metrics) {
                if (typeof row[0] !== "string") { assert.ok(row[0].expression, "expression row"); continue; }
                const [ns, metric, ...rest] = row;
                assert.strictEqual(ns, CW_NAMESPACE);
                const pairs = rest.filter((x: unknown) => typeof x === "string");
                const dims: { [k: string]: string } = {};
                for (let i = 0; i < pairs.length; i += 2) dims[pairs[i]] = pairs[i + 1];
                const problem = published(model, metric, dims);
                assert.strictEqual(problem, undefined, `dashboard "${w.properties.title}": ${problem}`);
                seen.add(metric);
            }
            // Expression ids refer to metrics of the same widget.
            const ids = new Set(w.properties.metrics.map((r: any[]) => r[r.length - 1]?.id ?? r[0]?.id).filter(Boolean));
            for (const row of w.properties.metrics) {
                if (typeof row[0] === "string") continue;
                for (const ref of row[0].expression.match(/\b[a-z][a-z0-9_]*\b/g) ?? []) {
                    if (/^(sum|period|if|and|or)$/i.test(ref)) continue;
                    assert.ok(ids.has(ref), `"${w.properties.title}": ${row[0].expression} refers to ${ref}`);
                }
            }
        }
        assert.ok(metricWidgets >= 8);
        for (const m of ["nginx_http_requests_total", "haproxy_frontend_http_requests_total", "haproxy_frontend_http_responses_total",
            "haproxy_backend_active_servers", "haproxy_server_status", "node_cpu_seconds_total", "node_memory_MemAvailable_bytes",
            "node_filesystem_avail_bytes", "sws_tls_certificate_expires_in_seconds"]) assert.ok(seen.has(m), `dashboard shows ${m}`);
        const logWidget = body.widgets.find((w: any) => w.type === "log");
        assert.ok(logWidget.properties.query.startsWith(`SOURCE '${logGroupNames(model).logs}'`));

        // …and so does every alarm.
        for (const a of alarms) {
            const metrics = a.inputs.metricName
                ? [{ namespace: a.inputs.namespace, metricName: a.inputs.metricName, dimensions: a.inputs.dimensions }]
                : a.inputs.metricQueries.filter((q: any) => q.metric).map((q: any) => q.metric);
            assert.ok(metrics.length > 0);
            for (const m of metrics) {
                if (m.namespace === "AWS/EC2") { assert.deepStrictEqual(Object.keys(m.dimensions), ["InstanceId"]); continue; }
                const problem = published(model, m.metricName, m.dimensions);
                assert.strictEqual(problem, undefined, `${a.name}: ${problem}`);
            }
        }
    });

    it("Galera (database.topology cluster): each node's alarms use names mysqld_exporter publishes on a Galera node, with that node's dimensions; the Prometheus rules alarm on the same thresholds", async () => {
        const { model, created } = await run(SINKS.cloudwatch, "cwg", { database: { topology: "cluster" } } as Partial<SecuredWebStackArgs>);
        const nodes = model.servers.filter((s) => s.roles.includes(Role.Database)).map((s) => s.name);
        assert.deepStrictEqual(nodes, ["db-1", "db-2", "db-3"]);
        const galera = ofType(created, "aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) => /-alarm-galera-/.test(a.name));
        assert.deepStrictEqual(galera.map((a) => a.name).sort(), nodes.flatMap((n) => ["flow-control", "recv-queue", "size"].map((w) => `cwg-alarm-galera-${w}-${n}`)).sort());
        for (const a of galera) {
            const metrics = a.inputs.metricName ? [{ metricName: a.inputs.metricName, dimensions: a.inputs.dimensions }] : a.inputs.metricQueries.filter((q: any) => q.metric).map((q: any) => q.metric);
            for (const m of metrics) {
                // A misspelt name (say wsrep_flow_control_paused_seconds) fails here: the list is what the exporter published in the lab's cluster.
                assert.strictEqual(jobOf(m.metricName), "mysqld", `${a.name}: ${m.metricName} is not in monitoring/exporter-metrics/mysqld.txt`);
                assert.strictEqual(published(model, m.metricName, m.dimensions), undefined, a.name);
            }
        }
        // The Prometheus sink's rules (monitoring/prometheus-alerts.yaml): the same three conditions, same thresholds.
        const rules = YAML.parse(fs.readFileSync(path.join(ROOT, "monitoring/prometheus-alerts.yaml"), "utf8")).groups.flatMap((g: any) => g.rules);
        const expr = (name: string) => {
            const r = rules.find((x: any) => x.alert === name || x.record === name);
            assert.ok(r, `rule ${name}`);
            return String(r.expr);
        };
        assert.match(expr("SwsGaleraClusterShrunk"), /mysql_global_status_wsrep_cluster_size\s+< on \(stack, environment\) group_left\s+count by \(stack, environment\) \(up\{job="mysqld"/);
        assert.match(expr("sws:galera_flow_control_paused:ratio5m"), /rate\(mysql_global_status_wsrep_flow_control_paused_ns\[5m\]\) \/ 1e9/);
        assert.strictEqual(Number(/> ([\d.]+)$/.exec(expr("SwsGaleraFlowControl").trim())![1]), mon.THRESHOLDS.galeraFlowControlPausedRatio);
        assert.match(expr("SwsGaleraReplicationLag"), /mysql_global_status_wsrep_local_recv_queue/);
        assert.strictEqual(Number(/> ([\d.]+)$/.exec(expr("SwsGaleraReplicationLag").trim())![1]), mon.THRESHOLDS.galeraRecvQueue);
        assert.match(expr("SwsGaleraNodeNotPrimary"), /mysql_global_status_wsrep_cluster_status != 1 or mysql_global_status_wsrep_ready == 0/);
        assert.match(expr("SwsGaleraReplicationSlow"), /mysql_galera_evs_repl_latency_avg_seconds > /);
        for (const r of rules) for (const m of String(r.expr).match(/mysql_(?:global_status_wsrep|galera)_[a-z0-9_]+/g) ?? []) assert.strictEqual(jobOf(m), "mysqld", `${r.alert ?? r.record}: ${m}`);
    });

    it("HAProxy p95 panel: the Logs Insights parse matches HAProxy 2.6's httplog lines", () => {
        const parse = mon.HAPROXY_LOG_PARSE.replace(/^parse @message \//, "").replace(/\/$/, "");
        const re = new RegExp(parse);
        // Real lines from HAProxy 2.6.12 (`option httplog`, `log stdout format raw`); "~" marks a TLS front end.
        const ok = re.exec(`127.0.0.1:39572 [25/Nov/2026:18:04:00.510] https-in~ web/web 0/0/1/23/24 200 125 - - ---- 1/1/0/0/0 0/0 "GET / HTTP/1.1"`);
        assert.ok(ok);
        assert.deepStrictEqual([ok!.groups!.be, ok!.groups!.srv, ok!.groups!.tr, ok!.groups!.status], ["web", "web", "23", "200"]);
        const noServer = re.exec(`127.0.0.1:39578 [25/Nov/2026:18:04:00.517] https-in~ web/<NOSRV> 0/-1/-1/-1/0 503 217 - - SC-- 1/1/0/0/0 0/0 "GET / HTTP/1.1"`);
        assert.strictEqual(noServer!.groups!.tr, "-1", "no response time when no server answered (filtered by tr >= 0)");
    });

    it("creates nothing for the other sinks", async () => {
        for (const [i, sink] of ["sumologic", "prometheus-remote-write", "none"].entries()) {
            const { out, created } = await run(sink === "none" ? { sink: "none" } : SINKS[sink], `other${i}`);
            assert.deepStrictEqual(created.map((r) => r.type), [], sink);
            assert.strictEqual(out.dashboardUrl, undefined);
        }
    });

    it("no SNS topic without alarmEmail; one backend-down threshold per web server count", async () => {
        const { created } = await run({ sink: "cloudwatch" }, "cw2", { webServers: 3 });
        assert.strictEqual(ofType(created, "aws:sns/topic:Topic").length, 0);
        const down = created.find((r) => r.name === "cw2-alarm-backend-down")!;
        assert.strictEqual(down.inputs.threshold, 3);
        assert.deepStrictEqual(down.inputs.alarmActions, []);
    });

    it("collector IAM statements: CloudWatch its own log stream (named after the host) only, AMP its workspace, nothing else", () => {
        const model = buildModel(args(SINKS.cloudwatch));
        for (const server of model.servers) {
            const cw = mon.collectorPolicyStatements(model, server, "eu-west-1", "123456789012") as any[];
            assert.strictEqual(cw.length, 2);
            assert.deepStrictEqual(cw[0].Action, ["logs:CreateLogStream", "logs:PutLogEvents"]);
            assert.deepStrictEqual(cw[0].Resource, ["metrics", "logs"].map((g) => `arn:aws:logs:eu-west-1:123456789012:log-group:/sws/sws/prod/${g}:log-stream:${server.name}`));
            assert.deepStrictEqual(cw[1].Action, ["logs:DescribeLogStreams"]);
            for (const r of cw[1].Resource) assert.match(r, /^arn:aws:logs:eu-west-1:123456789012:log-group:\/sws\/sws\/prod\/(metrics|logs)$/);
        }
        const ampModel = buildModel(args(SINKS["prometheus-remote-write"]));
        const amp = mon.collectorPolicyStatements(ampModel, ampModel.servers[0], "us-east-1", "123456789012");
        assert.deepStrictEqual(amp, [{ Sid: "RemoteWriteOwnWorkspace", Effect: "Allow", Action: ["aps:RemoteWrite"], Resource: ["arn:aws:aps:eu-west-1:123456789012:workspace/ws-0a1b2c3d-4e5f"] }]);
        for (const m of [{ sink: "prometheus-remote-write", remoteWriteUrl: "https://p.example.com/api/v1/write" }, SINKS.sumologic, { sink: "none" }] as SecuredWebStackArgs["monitoring"][]) {
            const other = buildModel(args(m));
            assert.deepStrictEqual(mon.collectorPolicyStatements(other, other.servers[0], "us-east-1", "1"), []);
        }
    });
});

describe("monitoring: files for the other sinks (monitoring/)", () => {
    const used = (text: string) => new Set(text.match(/(?<![:\w])(?:nginx|haproxy|node|sws|mysql)_[A-Za-z0-9_]+/g) ?? []);

    it("the Grafana dashboard queries only metrics the exporters expose, QPS first", () => {
        const d = JSON.parse(fs.readFileSync(path.join(ROOT, "monitoring/grafana-dashboard.json"), "utf8"));
        const exprs: string[] = d.panels.flatMap((p: any) => p.targets.map((t: any) => t.expr));
        assert.strictEqual(exprs[0], `sum(rate(nginx_http_requests_total{stack=~"$stack", environment=~"$environment"}[1m]))`);
        for (const m of used(exprs.join("\n"))) assert.ok(VERIFIED.has(m), `grafana: ${m}`);
        const titles = d.panels.map((p: any) => p.title).join("|");
        for (const t of ["Web QPS", "5xx", "response time", "Web servers up", "CPU", "Memory", "Disk", "certificate"]) assert.ok(titles.includes(t), t);
    });

    it("the Prometheus rules use only exposed metrics, name web QPS and pass promtool", function () {
        const file = path.join(ROOT, "monitoring/prometheus-alerts.yaml");
        const rules = YAML.parse(fs.readFileSync(file, "utf8"));
        const all = rules.groups.flatMap((g: any) => g.rules);
        for (const m of used(all.map((r: any) => r.expr).join("\n"))) assert.ok(VERIFIED.has(m), `rules: ${m}`);
        assert.ok(all.some((r: any) => r.record === "sws:web_qps:rate1m" && r.expr.includes("rate(nginx_http_requests_total[1m])")));
        const alerts = all.filter((r: any) => r.alert).map((r: any) => r.alert);
        for (const a of ["SwsWebQpsZero", "SwsWebQpsSpike", "SwsWebServerDown", "SwsHigh5xxRatio", "SwsDiskAlmostFull", "SwsCertificateExpiresSoon", "SwsAccessLogLinesDropped"]) assert.ok(alerts.includes(a), a);
        // The same condition as the CloudWatch alarm access-log-dropped: any line HAProxy dropped.
        assert.strictEqual(all.find((r: any) => r.alert === "SwsAccessLogLinesDropped").expr.trim(), "increase(haproxy_process_dropped_logs_total[5m]) > 0");
        requireTool(this, "promtool", ["promtool", "--version"], "apt-get install prometheus");
        const promtool = cp.spawnSync("promtool", ["check", "rules", file], { encoding: "utf8" });
        assert.strictEqual(promtool.status, 0, promtool.stdout + promtool.stderr);
    });

    it("the README documents every metric the dashboards and alarms use", () => {
        const readme = fs.readFileSync(path.join(ROOT, "monitoring/README.md"), "utf8");
        for (const d of emfDeclarations()) for (const sel of d.metric_name_selectors) {
            const name = sel.replace(/^\^/, "").replace(/\\z$/, "");
            assert.ok(readme.includes(name) || (name.startsWith("sws_tls_certificate_") && readme.includes("sws_tls_certificate_*")), name);
        }
        for (const f of ["grafana-dashboard.json", "prometheus-alerts.yaml"]) assert.ok(readme.includes(f));
    });
});
