import * as assert from "assert";
import { buildModel } from "../components/model";
import { estimateMonthlyCost } from "../components/aws/cost";
import { customMetricCount } from "../components/aws/monitoring";
import prices = require("../components/aws/prices.json");

describe("estimated monthly cost", () => {
    it("adds instances, volumes, public IPv4s from the dated price table", () => {
        const m = buildModel({ domain: "www.foobar.com", monitoring: { sink: "none" } });
        const e = estimateMonthlyCost(m);
        // dev: public-subnets → lb EIP + web + app public IPv4; t3.small, t3.small, t3.medium; 3×16 GiB root + 20 GiB data.
        const expected = (0.0208 + 0.0208 + 0.0416) * 730 + 3 * 0.005 * 730 + (3 * 16 + 20) * 0.08;
        assert.strictEqual(e.totalUsd, Math.round(expected * 100) / 100);
        assert.match(e.basis, new RegExp(`${prices.region}, ${prices.date}`));
        assert.deepStrictEqual(e.unpriced, []);
    });
    it("prod with NAT: no public IPv4 on web/app, a NAT gateway instead", () => {
        const e = estimateMonthlyCost(buildModel({ domain: "www.foobar.com", environment: "prod", monitoring: { sink: "none" } }));
        assert.ok(e.lines.some((l) => l.item === "NAT gateway (hours only)" && Math.abs(l.usd - 32.85) < 0.01));
        assert.strictEqual(e.lines.filter((l) => l.item.endsWith("public IPv4")).length, 2, "lb + NAT");
    });
    it("counts CloudWatch alarms and metrics, an ACM exportable certificate, and says what it cannot price", () => {
        const m = buildModel({ domain: "www.foobar.com", instanceTypes: { web: "z1d.large" }, tls: { mode: "acm" }, dns: { hostedZoneId: "Z04481532TESTZONE0001" } });
        const e = estimateMonthlyCost(m, 14, customMetricCount(m));
        assert.deepStrictEqual(e.unpriced, ["z1d.large"]);
        assert.ok(e.lines.some((l) => l.item === "CloudWatch alarms ×14" && Math.abs(l.usd - 1.4) < 1e-9));
        assert.ok(e.lines.some((l) => /custom metrics ×\d+/.test(l.item)));
        assert.ok(e.lines.some((l) => l.item === "ACM exportable certificate" && l.usd === 1.25));
    });
});

describe("cost: database topologies", () => {
    it("counts one data volume per server holding a datadir: the writer, a replica, each cluster node", () => {
        const volumes = (topology: "single" | "replica" | "cluster") =>
            estimateMonthlyCost(buildModel({ domain: "www.foobar.com", database: { topology }, hardening: { endToEndTls: topology === "replica" } })).lines.filter((l) => l.item.includes("data volume")).map((l) => l.item.split(" ")[0]);
        assert.deepStrictEqual(volumes("single"), ["app-1"]);
        assert.deepStrictEqual(volumes("replica"), ["app-1", "db-replica"]);
        assert.deepStrictEqual(volumes("cluster"), ["db-1", "db-2", "db-3"]);
    });
});
