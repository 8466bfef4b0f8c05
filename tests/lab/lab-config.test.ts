import * as assert from "assert";
import * as fs from "fs";
import { allowed } from "../../lab/checks/firewall";
import { spliceNftIncludes } from "../../components/payloads/firewall";
import { labHosts, loadConfig, render } from "../../lab/config";
import { FETCH_STEP, parseCloudConfig } from "../../lab/payload";
import { mergeUnit, parseExec, serviceSpec } from "../../lab/units";
import { macFor } from "../../lab/namespaces";
import { requireTool } from "../helpers/tools";
import { sumoSource } from "../../lab/sink";

// Pure tests of the lab's reading of its own stack configuration and of the rendered payloads:
// no root, no namespaces, no daemons (those are exercised by `npm run lab -- check`).

describe("lab: stack configuration and payload reading", () => {
  const cfg = loadConfig();
  const rendered = render(cfg, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
  const host = (name: string) => {
    const h = labHosts(cfg, rendered).find((x) => x.name === name)!;
    return { name: h.name, ip: h.ip, server: h.kind === "server" };
  };

  it("renders the Debian 12, lets-encrypt variant for www.foobar.com with the lab's ACME server and sink", () => {
    assert.strictEqual(rendered.model.domain, "www.foobar.com");
    assert.strictEqual(rendered.model.os, "debian-12");
    assert.strictEqual(rendered.model.tls.mode, "lets-encrypt");
    assert.ok(rendered.model.tls.acmeDirectoryUrl.startsWith(`https://${cfg.lab.acme.ip}:${cfg.lab.acme.port}/`));
    assert.ok(rendered.model.monitoring.remoteWriteUrl!.startsWith(`http://${cfg.lab.sink.ip}:${cfg.lab.sink.port}/`));
    assert.deepStrictEqual(rendered.servers.map((s) => s.name).sort(), ["app-1", "lb", "web-1"]);
  });

  it("every payload is a #cloud-config with packages, write_files and runcmd; one step fetches from SSM", () => {
    for (const s of rendered.servers) {
      const cc = parseCloudConfig(s.userData);
      assert.ok((cc.packages ?? []).includes("nftables"), s.name);
      // /etc/nftables.conf includes the server's peer lists (fetched from SSM); with them in place it is the rendered ruleset.
      const conf = (cc.write_files ?? []).find((f) => f.path === "/etc/nftables.conf");
      assert.ok(conf, s.name);
      assert.strictEqual(spliceNftIncludes(conf.content ?? "", (p) => s.fetched.find((f) => f.path === p)?.content), s.nftables, s.name);
      const steps = (cc.runcmd ?? []).filter((r) => Array.isArray(r) && FETCH_STEP.test(String(r[0])));
      assert.strictEqual(steps.length, 1, `${s.name}: exactly one sws-fetch step`);
    }
  });

  it("derives the expected firewall matrix from the flows (both host firewalls)", () => {
    const flows = rendered.model.flows;
    const [internet, lb, web, app] = ["internet", "lb", "web-1", "app-1"].map(host);
    const sink = host("sink");
    const acme = host("acme");
    assert.ok(allowed(flows, internet, lb, 443).ok);
    assert.ok(allowed(flows, internet, lb, 80).ok);
    assert.ok(!allowed(flows, internet, lb, 22).ok);
    assert.ok(!allowed(flows, internet, web, 8080).ok);
    assert.ok(allowed(flows, lb, web, 8080).ok);
    assert.ok(!allowed(flows, lb, app, rendered.model.app.port).ok);
    assert.ok(allowed(flows, web, app, rendered.model.app.port).ok);
    assert.ok(!allowed(flows, web, app, 3306).ok, "the database is local to the app server");
    assert.ok(!allowed(flows, lb, web, 80).ok, "egress to the internet is not admission into a server");
    assert.ok(allowed(flows, lb, acme, cfg.lab.acme.port).ok);
    assert.ok(!allowed(flows, web, acme, cfg.lab.acme.port).ok, "only the balancer talks ACME");
    for (const s of [lb, web, app]) assert.ok(allowed(flows, s, sink, cfg.lab.sink.port).ok, `${s.name} → sink`);
  });

  it("reads the payload's nginx drop-in over Debian's unit as a foreground service", function () {
    const base = "/lib/systemd/system/nginx.service";
    requireTool(this, "Debian's nginx unit", ["test", "-e", base], "apt-get install nginx");
    const web = rendered.servers.find((s) => s.roles.includes("web"))!;
    // A static unit: one of the toolkit files sws-fetch installs (not carried in the user data).
    const fetched = web.fetched.find((f) => f.path === "/etc/systemd/system/nginx.service.d/sws.conf");
    assert.ok(fetched?.content, "nginx drop-in in the payload");
    const dropIn = { path: fetched.path, content: fetched.content };
    const spec = serviceSpec(mergeUnit("nginx.service", [
      { path: base, text: fs.readFileSync(base, "utf8") },
      { path: dropIn.path, text: dropIn.content },
    ]));
    assert.notStrictEqual(spec.type, "forking");
    assert.strictEqual(spec.execStart.length, 1);
    assert.ok(parseExec(spec.execStart[0], {}).argv.join(" ").includes("daemon off;"));
    assert.strictEqual(spec.restart, "always");
  });

  it("derives stable MACs from addresses", () => {
    assert.strictEqual(macFor("10.20.0.10"), "02:5a:0a:14:00:0a");
  });
});

describe("lab: the hardened profile (lab-stack.hardened.yaml)", () => {
  const CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  const base = loadConfig();
  const cfg = loadConfig("hardened");
  const rendered = render(cfg, CA, CA);
  const host = (name: string) => {
    const h = labHosts(cfg, rendered).find((x) => x.name === name)!;
    return { name: h.name, ip: h.ip, server: h.kind === "server" };
  };

  it("is the default profile's configuration plus the switches and scale-out, with the bundled app", () => {
    const { webServers, appServers, hardening, ...rest } = cfg.stack;
    // The default profile runs the app as a user's artifact from S3; this one keeps the bundled app,
    // so both ways an app server gets its application boot in the lab.
    const { app, ...baseRest } = base.stack;
    assert.ok(app?.artifactUrl?.startsWith("s3://"));
    assert.deepStrictEqual(rest, baseRest);
    const { appArtifact, ...baseLab } = base.lab;
    assert.ok(appArtifact);
    assert.deepStrictEqual(cfg.lab, baseLab);
    assert.deepStrictEqual({ webServers, appServers, hardening }, { webServers: 2, appServers: 2, hardening: { endToEndTls: true, databaseReplica: true } });
  });

  it("boots six servers and the three helpers, every server on the lab bridge with its own address and MAC", () => {
    const hosts = labHosts(cfg, rendered);
    assert.deepStrictEqual(hosts.filter((h) => h.kind === "server").map((h) => h.name), ["lb", "web-1", "web-2", "app-1", "app-2", "db-replica"]);
    assert.strictEqual(new Set(hosts.map((h) => h.ip)).size, hosts.length);
    assert.strictEqual(new Set(hosts.map((h) => macFor(h.ip))).size, hosts.length);
    for (const h of hosts) assert.ok(`v-${h.name}`.length <= 15, `${h.name}: veth name fits IFNAMSIZ`);
  });

  it("passes the lab's internal CA to the renderer; unknown profiles are refused", () => {
    for (const s of rendered.servers) {
      assert.ok((parseCloudConfig(s.userData).write_files ?? []).some((f) => f.path === "/etc/sws/internal-ca.pem" && f.content === CA), s.name);
    }
    assert.throws(() => loadConfig("nope"), /unknown lab profile "nope"/);
  });

  it("derives the TLS-port matrix from the flows", () => {
    const flows = rendered.model.flows;
    const [lb, web1, web2, app1, app2, replica] = ["lb", "web-1", "web-2", "app-1", "app-2", "db-replica"].map(host);
    for (const w of [web1, web2]) {
      assert.ok(allowed(flows, lb, w, 8443).ok);
      assert.ok(!allowed(flows, lb, w, 8080).ok);
      for (const a of [app1, app2]) {
        assert.ok(allowed(flows, w, a, 3443).ok);
        assert.ok(!allowed(flows, w, a, 3000).ok);
      }
    }
    assert.ok(allowed(flows, app2, app1, 3306).ok);
    assert.ok(allowed(flows, replica, app1, 3306).ok);
    for (const a of [app1, app2]) assert.ok(allowed(flows, a, replica, 3306).ok, `${a.name} → the replica (its database after a promotion)`);
    assert.ok(!allowed(flows, web1, app1, 3306).ok);
  });
});

describe("lab: the cluster profile (lab-stack.cluster.yaml)", () => {
  it("is the default profile with database.topology cluster and nothing else changed: lb, web-1, app-1 (app only), db-1..3", () => {
    const CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    const base = loadConfig();
    const cfg = loadConfig("cluster");
    const { database, ...rest } = cfg.stack as typeof cfg.stack & { database?: unknown };
    const { database: _baseDatabase, ...baseRest } = base.stack as typeof base.stack & { database?: unknown };
    assert.deepStrictEqual(rest, baseRest);
    assert.deepStrictEqual(database, { topology: "cluster" });
    assert.deepStrictEqual(cfg.lab, base.lab);
    const rendered = render(cfg, CA, CA);
    assert.strictEqual(rendered.model.database.topology, "cluster");
    const roles = Object.fromEntries(rendered.model.servers.map((s) => [s.name, [...s.roles].sort().join("+")]));
    assert.deepStrictEqual(roles, { lb: "balancer", "web-1": "web", "app-1": "app", "db-1": "database", "db-2": "database", "db-3": "database" });
  });
});

describe("lab: the monitoring-sink profiles (lab-stack.sumologic.yaml, lab-stack.cloudwatch.yaml)", () => {
  const CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  const base = loadConfig();
  for (const [profile, monitoring] of [["sumologic", { sink: "sumologic", sumoLogicUrl: "https://203.0.113.30/receiver/v1/otlp/sws-lab-receiver-token" }], ["cloudwatch", { sink: "cloudwatch", alarmEmail: "ops@foobar.com" }]] as const) {
    it(`${profile}: the default profile with monitoring.sink ${monitoring.sink} and nothing else changed`, () => {
      const cfg = loadConfig(profile);
      const { monitoring: m, ...rest } = cfg.stack;
      const { monitoring: _baseMonitoring, ...baseRest } = base.stack;
      assert.deepStrictEqual(rest, baseRest);
      assert.deepStrictEqual(m, monitoring);
      const { sink, ...labRest } = cfg.lab;
      const { sink: baseSink, ...baseLabRest } = base.lab;
      assert.deepStrictEqual(labRest, baseLabRest);
      assert.deepStrictEqual({ ...sink, port: baseSink.port }, baseSink, "the sink host is the same; only its port may differ");
      const rendered = render(cfg, CA);
      assert.strictEqual(rendered.model.monitoring.sink, monitoring.sink);
      assert.deepStrictEqual(rendered.servers.map((s) => s.name).sort(), ["app-1", "lb", "web-1"]);
    });
  }

  it("sumologic: the receiver's URL is the sink host over HTTPS, a Sumo Logic source path, and the flows let every server reach it", () => {
    const cfg = loadConfig("sumologic");
    const url = String(cfg.stack.monitoring!.sumoLogicUrl);
    assert.deepStrictEqual(sumoSource(url, cfg.lab.sink), { path: "/receiver/v1/otlp/sws-lab-receiver-token" });
    assert.throws(() => sumoSource(url.replace("https:", "http:"), cfg.lab.sink), /must be https:\/\/203\.0\.113\.30\//);
    assert.throws(() => sumoSource("https://203.0.113.30/v1/otlp/x", cfg.lab.sink), /Sumo Logic OTLP\/HTTP source/);
    const rendered = render(cfg, CA);
    const sinkHost = labHosts(cfg, rendered).find((h) => h.name === "sink")!;
    for (const s of rendered.model.servers) {
      assert.ok(allowed(rendered.model.flows, { name: s.name, ip: s.privateIp, server: true }, { name: "sink", ip: sinkHost.ip, server: false }, cfg.lab.sink.port).ok, `${s.name} → the receiver`);
    }
  });
});
