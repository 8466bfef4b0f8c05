// Enablement kept as systemd keeps it (lab/supervisor/enablement.ts): `systemctl enable` makes the
// [Install] links in the server's root, disable removes them, is-enabled reads them. Runs on a
// plain temporary directory standing for the root: no root privileges, no supervisor.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { disableUnit, enabledLinks, enableUnit, linkedDependencies, unitFileState } from "../../lab/supervisor/enablement";
import { dirRoot } from "../../lab/supervisor/unitFiles";

function tempRoot(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sws-enable-"));
  for (const [p, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    fs.writeFileSync(path.join(dir, p), text);
  }
  return dir;
}

describe("lab supervisor: enablement links in the server's root", () => {
  let dir: string;
  beforeEach(() => {
    dir = tempRoot({
      // A distribution unit (as a Debian package ships it) and a payload unit with two targets.
      "/lib/systemd/system/haproxy.service": "[Service]\nExecStart=/usr/sbin/haproxy\n[Install]\nWantedBy=multi-user.target\n",
      "/etc/systemd/system/sws-fetch.service": "[Service]\nType=oneshot\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\nRequiredBy=sws-db-init.service\nAlso=sws-extra.timer\n",
      "/etc/systemd/system/sws-extra.timer": "[Timer]\nOnCalendar=daily\n[Install]\nWantedBy=timers.target\n",
      "/etc/systemd/system/sws-static.service": "[Service]\nExecStart=/bin/true\n",
      // A drop-in may not add an [Install] section's target on its own file name: the unit's is read merged.
      "/etc/systemd/system/haproxy.service.d/sws.conf": "[Unit]\nAfter=sws-fetch.service\n",
    });
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("enable links WantedBy= into <target>.wants and RequiredBy= into <target>.requires, pointing at the unit file; Also= units too", () => {
    const root = dirRoot(dir);
    const lines = enableUnit(root, "sws-fetch.service");
    assert.strictEqual(fs.readlinkSync(`${dir}/etc/systemd/system/multi-user.target.wants/sws-fetch.service`), "/etc/systemd/system/sws-fetch.service");
    assert.strictEqual(fs.readlinkSync(`${dir}/etc/systemd/system/sws-db-init.service.requires/sws-fetch.service`), "/etc/systemd/system/sws-fetch.service");
    assert.strictEqual(fs.readlinkSync(`${dir}/etc/systemd/system/timers.target.wants/sws-extra.timer`), "/etc/systemd/system/sws-extra.timer");
    assert.strictEqual(lines.filter((l) => l.startsWith("Created symlink")).length, 3, lines.join("\n"));
    enableUnit(root, "haproxy.service");
    assert.strictEqual(fs.readlinkSync(`${dir}/etc/systemd/system/multi-user.target.wants/haproxy.service`), "/lib/systemd/system/haproxy.service");
    assert.deepStrictEqual(linkedDependencies(root, "multi-user.target"), { wants: ["haproxy.service", "sws-fetch.service"], requires: [] });
    assert.deepStrictEqual(linkedDependencies(root, "sws-db-init.service"), { wants: [], requires: ["sws-fetch.service"] });
  });

  it("is-enabled answers from the links: enabled, disabled, static, not-found", () => {
    const root = dirRoot(dir);
    assert.strictEqual(unitFileState(root, "haproxy.service"), "disabled");
    enableUnit(root, "haproxy.service");
    assert.strictEqual(unitFileState(root, "haproxy.service"), "enabled");
    assert.strictEqual(unitFileState(root, "sws-static.service"), "static");
    assert.strictEqual(unitFileState(root, "nope.service"), "not-found");
    // A link made by something else (a package's postinst) counts the same.
    fs.mkdirSync(`${dir}/etc/systemd/system/sysinit.target.wants`, { recursive: true });
    fs.symlinkSync("/etc/systemd/system/sws-static.service", `${dir}/etc/systemd/system/sysinit.target.wants/sws-static.service`);
    assert.strictEqual(unitFileState(root, "sws-static.service"), "enabled");
  });

  it("disable removes every link of the unit (and of its Also= units), whoever made it; enabling twice makes no second link", () => {
    const root = dirRoot(dir);
    enableUnit(root, "sws-fetch.service");
    assert.deepStrictEqual(enableUnit(root, "sws-fetch.service").filter((l) => l.startsWith("Created")), []);
    fs.mkdirSync(`${dir}/etc/systemd/system/graphical.target.wants`, { recursive: true });
    fs.symlinkSync("/etc/systemd/system/sws-fetch.service", `${dir}/etc/systemd/system/graphical.target.wants/sws-fetch.service`);
    assert.strictEqual(enabledLinks(root, "sws-fetch.service").length, 3);
    const removed = disableUnit(root, "sws-fetch.service");
    assert.strictEqual(removed.length, 4, removed.join("\n"));
    assert.deepStrictEqual(enabledLinks(root, "sws-fetch.service"), []);
    assert.deepStrictEqual(enabledLinks(root, "sws-extra.timer"), []);
    assert.strictEqual(unitFileState(root, "sws-fetch.service"), "disabled");
  });

  it("a unit without [Install] gets systemd's note and no link; an unknown unit is an error", () => {
    const root = dirRoot(dir);
    const lines = enableUnit(root, "sws-static.service");
    assert.ok(/no installation config/.test(lines.join("\n")), lines.join("\n"));
    assert.deepStrictEqual(enabledLinks(root, "sws-static.service"), []);
    assert.throws(() => enableUnit(root, "nope.service"), /Unit nope.service not found/);
  });
});
