// The lab's edits to the payload's collector config and unit: only the scrape interval (capped)
// and the config path; everything else is the payload's, byte for byte after YAML parsing.
import * as assert from "assert";
import * as YAML from "yaml";
import { renderStack } from "../../components/render";
import { labCollectorConfig, labExecStart, LAB_COLLECTOR_CONFIG, LAB_MAX_SCRAPE_INTERVAL_S, memoryMaxBytes, payloadCollectorVersion } from "../../lab/collector";
import pinned from "../../components/payloads/collector.json";

function payloadFile(sink: "prometheus-remote-write" | "sumologic" | "cloudwatch", p: string): string {
    const monitoring = sink === "prometheus-remote-write" ? { sink, remoteWriteUrl: "http://203.0.113.30:9090/api/v1/write" }
        : sink === "sumologic" ? { sink, sumoLogicUrl: "http://203.0.113.31:8080/receiver/v1/otlp/x" } : { sink };
    const s = renderStack({ domain: "www.foobar.com", monitoring }, { region: "eu-west-1" }).servers[0];
    const doc = YAML.parse(s.userData.replace(/^#cloud-config\n/, "")) as { write_files: { path: string; content: string }[] };
    const f = doc.write_files.find((x) => x.path === p)?.content ?? s.fetched.find((x) => x.path === p)?.content;
    assert.ok(f !== undefined, `${p} rendered`);
    return f!;
}

describe("lab: the collector", () => {
    for (const sink of ["prometheus-remote-write", "sumologic", "cloudwatch"] as const) {
        it(`${sink}: the lab copy differs from the payload's config only in the capped scrape intervals`, () => {
            const text = payloadFile(sink, "/etc/sws/collector.yaml");
            const { text: lab, edits } = labCollectorConfig(text);
            const a = YAML.parse(text);
            const b = YAML.parse(lab);
            const jobs = b.receivers.prometheus.config.scrape_configs;
            assert.ok(jobs.length >= 2);
            assert.strictEqual(edits.length, jobs.length, edits.join("\n"));
            for (const j of jobs) assert.strictEqual(j.scrape_interval, `${LAB_MAX_SCRAPE_INTERVAL_S}s`);
            for (const j of a.receivers.prometheus.config.scrape_configs) j.scrape_interval = `${LAB_MAX_SCRAPE_INTERVAL_S}s`;
            assert.deepStrictEqual(b, a);
        });
    }

    it("runs the payload's ExecStart with the lab copy's path, and refuses one that does not name the payload config", () => {
        assert.strictEqual(labExecStart("/usr/local/bin/otelcol-contrib --config=/etc/sws/collector.yaml"), `/usr/local/bin/otelcol-contrib --config=${LAB_COLLECTOR_CONFIG}`);
        assert.throws(() => labExecStart("/usr/local/bin/otelcol-contrib --config=/etc/other.yaml"), /does not name --config=\/etc\/sws\/collector.yaml/);
    });

    it("reads the pinned version from the payload's collector.env", () => {
        assert.strictEqual(payloadCollectorVersion(payloadFile("prometheus-remote-write", "/etc/sws/collector.env")), pinned.version);
        assert.throws(() => payloadCollectorVersion("COLLECTOR_ARCH=amd64\n"), /no COLLECTOR_VERSION/);
    });

    it("parses MemoryMax= as systemd does", () => {
        assert.strictEqual(memoryMaxBytes("256M"), 256 * 1024 * 1024);
        assert.strictEqual(memoryMaxBytes("1G"), 1024 ** 3);
        assert.strictEqual(memoryMaxBytes("4096"), 4096);
        assert.strictEqual(memoryMaxBytes("infinity"), undefined);
    });
});
