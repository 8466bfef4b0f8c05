// sws-db-galera-join's wait for a joiner: a node that answers but stays out of a primary component
// (Galera: "Receiving IST failed, node restart required" — CI dry run of 3eda205, two nodes joining
// at once) is restarted, at most 3 times; a node that does not answer (in a state transfer, or
// not started yet) is never restarted.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const script = fs.readFileSync(path.join(__dirname, "..", "components", "payloads", "scripts", "sws-db-galera-join"), "utf8");
const fn = (name: string) => {
    const m = new RegExp(`^${name}\\(\\) \\{\\n[\\s\\S]*?\\n\\}\\n`, "m").exec(script);
    assert.ok(m, `sws-db-galera-join defines ${name}()`);
    return m[0];
};

/** galera_start with stubs: `mysql` answers the given statuses in turn ("" = does not answer), then Primary,4. */
function run(statuses: string[], stuckS = 3) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sws-galera-"));
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(dir, "answers"), statuses.join("\n") + "\n");
    fs.writeFileSync(path.join(bin, "mysql"), `#!/bin/bash
d=${JSON.stringify(dir)}
n=$(cat "$d/count" 2>/dev/null || echo 0); echo $((n + 1)) > "$d/count"
[ "$n" -ge ${statuses.length} ] && { echo "Primary,4"; exit 0; }
line=$(sed -n "$((n + 1))p" "$d/answers")
[ -n "$line" ] || exit 1
echo "$line"
`, { mode: 0o755 });
    fs.writeFileSync(path.join(bin, "systemctl"), `#!/bin/sh\necho "$*" >> ${JSON.stringify(path.join(dir, "systemctl.log"))}\n`, { mode: 0o755 });
    const r = spawnSync("bash", ["--norc", "--noprofile", "-c", `set -euo pipefail
sleep() { :; }
galera_decide_bootstrap() { :; }
${fn("wsrep_status")}${fn("galera_start")}galera_start
echo SYNCED`], { encoding: "utf8", env: { PATH: `${bin}:/usr/bin:/bin`, DB_UNIT: "mariadb.service", GALERA_STUCK_S: String(stuckS) } });
    const calls = fs.existsSync(path.join(dir, "systemctl.log")) ? fs.readFileSync(path.join(dir, "systemctl.log"), "utf8").trim().split("\n") : [];
    fs.rmSync(dir, { recursive: true, force: true });
    return { code: r.status, out: r.stdout, err: r.stderr, calls };
}

describe("sws-db-galera-join: a joiner stuck outside a primary component is restarted", () => {
    it("non-Primary for the whole stuck period: one restart, then synced", () => {
        const r = run(["non-Primary,0", "non-Primary,0", "non-Primary,0", "non-Primary,0"]);
        assert.strictEqual(r.code, 0, r.err);
        assert.match(r.out, /SYNCED/);
        assert.deepStrictEqual(r.calls, ["start mariadb.service", "restart mariadb.service"]);
        assert.match(r.out, /non-Primary,0 \(not in a primary component\) for 3 s: restarting mariadb.service \(1\/3\)/);
    });
    it("a node that does not answer (a state transfer in progress) is never restarted", () => {
        const r = run(Array(20).fill(""));
        assert.strictEqual(r.code, 0, r.err);
        assert.deepStrictEqual(r.calls, ["start mariadb.service"]);
    });
    it("non-Primary for less than the stuck period, or interrupted by a join in progress: no restart", () => {
        const r = run(["non-Primary,0", "non-Primary,0", "Primary,1", "non-Primary,0", "non-Primary,0", "", "Disconnected,0"]);
        assert.strictEqual(r.code, 0, r.err);
        assert.deepStrictEqual(r.calls, ["start mariadb.service"]);
    });
    it("at most three restarts", () => {
        const r = run(Array(40).fill("Disconnected,0"));
        assert.strictEqual(r.code, 0, r.err);
        assert.deepStrictEqual(r.calls, ["start mariadb.service", "restart mariadb.service", "restart mariadb.service", "restart mariadb.service"]);
    });
});
