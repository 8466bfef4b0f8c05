// The lab supervisor's boot (lab/supervisor/boot.ts): multi-user.target's transaction from the
// unit files and enablement links of a root (a temporary directory here), ordered by After=/Before=
// and systemd's default dependencies, run with fake starts whose timing and results the test sets.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { bootTransaction, JobRecord, runBoot, topologicalOrder } from "../../lab/supervisor/boot";
import { enableUnit } from "../../lab/supervisor/enablement";
import { dirRoot } from "../../lab/supervisor/unitFiles";

const TARGETS: Record<string, string> = {
  // As Debian 12 ships them (the keys the transaction reads).
  "/lib/systemd/system/multi-user.target": "[Unit]\nRequires=basic.target\nAfter=basic.target rescue.service rescue.target\n",
  "/lib/systemd/system/basic.target": "[Unit]\nRequires=sysinit.target\nWants=sockets.target timers.target paths.target slices.target\nAfter=sysinit.target sockets.target paths.target slices.target tmp.mount\n",
  "/lib/systemd/system/sysinit.target": "[Unit]\nWants=local-fs.target swap.target\nAfter=local-fs.target swap.target\n",
  "/lib/systemd/system/timers.target": "[Unit]\nDefaultDependencies=no\n",
  "/lib/systemd/system/sockets.target": "[Unit]\n",
  "/lib/systemd/system/network.target": "[Unit]\nAfter=network-pre.target\n",
  "/lib/systemd/system/network-pre.target": "[Unit]\n",
  "/lib/systemd/system/network-online.target": "[Unit]\nAfter=network.target\n",
  // The distribution's own wants of multi-user.target: the machine's units, not the lab's.
  "/lib/systemd/system/multi-user.target.wants/systemd-logind.service": "[Service]\nExecStart=/bin/false\n",
};

function tempRoot(files: Record<string, string>): { dir: string; root: ReturnType<typeof dirRoot> } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sws-boot-"));
  for (const [p, text] of Object.entries({ ...TARGETS, ...files })) {
    fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    fs.writeFileSync(path.join(dir, p), text);
  }
  return { dir, root: dirRoot(dir) };
}

const svc = (unit: string, install = "WantedBy=multi-user.target") => `[Unit]\n${unit}\n[Service]\nExecStart=/bin/true\n[Install]\n${install}\n`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("lab supervisor: boot transaction and its order", () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  const make = (files: Record<string, string>) => {
    const t = tempRoot(files);
    dirs.push(t.dir);
    return t.root;
  };

  it("pulls in what the enablement links name (through wanted targets), not disabled units nor the distribution's static wants", () => {
    const root = make({
      "/etc/systemd/system/sws-fetch.service": svc("Wants=network-online.target\nAfter=network-online.target"),
      "/lib/systemd/system/nftables.service": "[Unit]\nDefaultDependencies=no\nWants=network-pre.target\nBefore=network-pre.target\n[Service]\nType=oneshot\nExecStart=/bin/true\n[Install]\nWantedBy=sysinit.target\n",
      "/etc/systemd/system/sws-renew.timer": "[Timer]\nOnCalendar=daily\n[Install]\nWantedBy=timers.target\n",
      "/etc/systemd/system/disabled.service": svc(""),
    });
    for (const u of ["sws-fetch.service", "nftables.service", "sws-renew.timer"]) enableUnit(root, u);
    const tx = bootTransaction(root);
    for (const u of ["sws-fetch.service", "nftables.service", "sws-renew.timer", "network-online.target", "network.target", "basic.target"]) assert.ok(tx.jobs.has(u), `${u} in ${tx.order.join(" ")}`);
    assert.ok(!tx.jobs.has("disabled.service"), "a unit without links is not started at boot");
    assert.ok(!tx.jobs.has("systemd-logind.service"), "the distribution's /lib .wants are not the lab's");
    assert.ok(tx.missing.has("paths.target") && tx.missing.has("swap.target"), `Wants= of units with no file are recorded: ${[...tx.missing.keys()].join(" ")}`);
  });

  it("orders by After=, Before= and the default dependencies: the firewall (sysinit.target) and the network before sws-fetch, timers before basic.target", () => {
    const root = make({
      "/etc/systemd/system/sws-fetch.service": svc("Wants=network-online.target\nAfter=network-online.target"),
      "/etc/systemd/system/app.service": svc("After=sws-fetch.service"),
      "/etc/systemd/system/early.service": svc("Before=app.service"),
      "/lib/systemd/system/nftables.service": "[Unit]\nDefaultDependencies=no\nWants=network-pre.target\nBefore=network-pre.target\n[Service]\nType=oneshot\nExecStart=/bin/true\n[Install]\nWantedBy=sysinit.target\n",
      "/etc/systemd/system/sws-renew.timer": "[Timer]\nOnCalendar=daily\n[Install]\nWantedBy=timers.target\n",
    });
    for (const u of ["sws-fetch.service", "app.service", "early.service", "nftables.service", "sws-renew.timer"]) enableUnit(root, u);
    const tx = bootTransaction(root);
    const at = (u: string) => tx.order.indexOf(u);
    const before = (a: string, b: string) => assert.ok(at(a) >= 0 && at(a) < at(b), `${a} before ${b} in ${tx.order.join(" ")}`);
    before("nftables.service", "network-pre.target");
    before("network-pre.target", "network.target");
    before("network-online.target", "sws-fetch.service");
    before("sws-fetch.service", "app.service");
    before("early.service", "app.service");
    before("nftables.service", "sysinit.target");
    before("sws-renew.timer", "timers.target");
    before("timers.target", "basic.target");
    before("basic.target", "sws-fetch.service");
    before("app.service", "multi-user.target");
    assert.deepStrictEqual(tx.jobs.get("app.service")!.after, ["basic.target", "early.service", "sws-fetch.service", "sysinit.target"]);
  });

  it("an ordering cycle is an error naming its units", () => {
    const root = make({
      "/etc/systemd/system/a.service": svc("After=b.service"),
      "/etc/systemd/system/b.service": svc("After=c.service"),
      "/etc/systemd/system/c.service": svc("After=a.service"),
      "/etc/systemd/system/d.service": svc("After=a.service"),
    });
    for (const u of ["a.service", "b.service", "c.service", "d.service"]) enableUnit(root, u);
    assert.throws(() => bootTransaction(root), /ordering cycle: a\.service → b\.service → c\.service → a\.service \(each starts after the next/);
    // The sort itself, without unit files: a two-unit cycle through Before= is named the same way.
    assert.throws(() => topologicalOrder(new Map([["x", { after: ["y"] }], ["y", { after: ["x"] }], ["z", { after: [] }]])), /ordering cycle: x → y → x/);
    assert.deepStrictEqual(topologicalOrder(new Map([["x", { after: ["y"] }], ["y", { after: [] }]])), ["y", "x"]);
  });
});

describe("lab supervisor: running the boot transaction", () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  const make = (files: Record<string, string>, enable: string[]) => {
    const t = tempRoot(files);
    dirs.push(t.dir);
    for (const u of enable) enableUnit(t.root, u);
    return bootTransaction(t.root);
  };
  const byName = (r: JobRecord[]) => new Map(r.map((j) => [j.name, j]));

  it("a oneshot's successor starts only after the oneshot finished; unordered units do not wait for it", async () => {
    const tx = make({
      "/etc/systemd/system/sws-fetch.service": svc("After=network-online.target"),
      "/etc/systemd/system/app.service": svc("After=sws-fetch.service"),
      "/etc/systemd/system/exporter.service": svc(""),
    }, ["sws-fetch.service", "app.service", "exporter.service"]);
    const started: string[] = [];
    const rec = byName(await runBoot(tx, async (n) => {
      started.push(n);
      if (n === "sws-fetch.service") await sleep(150); // the fetch takes a while
      return true;
    }));
    const fetch = rec.get("sws-fetch.service")!;
    assert.strictEqual(fetch.result, "done");
    assert.ok(rec.get("app.service")!.startedAt >= fetch.finishedAt, JSON.stringify([...rec.values()]));
    assert.ok(rec.get("exporter.service")!.startedAt < fetch.finishedAt, "a unit not ordered after the fetch starts beside it");
    assert.ok(rec.get("multi-user.target")!.startedAt >= rec.get("app.service")!.finishedAt);
    assert.strictEqual(started.length, tx.order.length);
  });

  it("a failed Requires= dependency (ordered before) fails the dependent without starting it; Wants= does not; Requires= without After= does not wait", async () => {
    const tx = make({
      "/etc/systemd/system/sws-fetch.service": svc(""),
      "/etc/systemd/system/db-init.service": svc("Requires=sws-fetch.service\nAfter=sws-fetch.service"),
      "/etc/systemd/system/backup.service": svc("Requires=db-init.service\nAfter=db-init.service"),
      "/etc/systemd/system/app.service": svc("Wants=sws-fetch.service\nAfter=sws-fetch.service"),
      "/etc/systemd/system/loose.service": svc("Requires=sws-fetch.service"),
      "/etc/systemd/system/ghost-user.service": svc("Requires=ghost.service\nAfter=ghost.service"),
    }, ["sws-fetch.service", "db-init.service", "backup.service", "app.service", "loose.service", "ghost-user.service"]);
    const started = new Set<string>();
    const rec = byName(await runBoot(tx, async (n) => {
      started.add(n);
      return n !== "sws-fetch.service";
    }));
    assert.strictEqual(rec.get("sws-fetch.service")!.result, "failed");
    assert.strictEqual(rec.get("db-init.service")!.result, "dependency");
    assert.strictEqual(rec.get("backup.service")!.result, "dependency", "the failure propagates along Requires=+After=");
    assert.ok(!started.has("db-init.service") && !started.has("backup.service"));
    assert.strictEqual(rec.get("app.service")!.result, "done");
    assert.strictEqual(rec.get("loose.service")!.result, "done");
    assert.strictEqual(rec.get("ghost-user.service")!.result, "dependency");
    assert.ok(/ghost\.service/.test(rec.get("ghost-user.service")!.note ?? ""));
    // A start that throws counts as failed, like one that reports failure.
    const tx2 = make({ "/etc/systemd/system/x.service": svc(""), "/etc/systemd/system/y.service": svc("Requires=x.service\nAfter=x.service") }, ["x.service", "y.service"]);
    const rec2 = byName(await runBoot(tx2, async (n) => {
      if (n === "x.service") throw new Error("boom");
      return true;
    }));
    assert.strictEqual(rec2.get("x.service")!.result, "failed");
    assert.strictEqual(rec2.get("x.service")!.note, "boom");
    assert.strictEqual(rec2.get("y.service")!.result, "dependency");
  });
});
