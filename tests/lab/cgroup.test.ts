import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { cgroupPids, killCgroup, removeServerCgroups, unitCgroup } from "../../lab/supervisor/cgroup";
import { alive, sleep } from "../../lab/processes";

// The lab supervisor keeps each unit's processes in a cgroup of their own (lab/supervisor/cgroup.ts),
// since a server's daemons share the server's PID namespace: what a main process leaves behind
// (nginx's workers after kill -9 of the master, an SST script) must still die with the unit.
// Needs root and a cgroup v2 hierarchy, as the lab itself (CI runs as root: there it must run).
describe("lab supervisor: one cgroup per unit", () => {
    it("holds every process a command starts, orphans included, and kills them all", async function () {
        if (process.getuid?.() !== 0) {
            if (process.env.CI === "true") assert.fail("needs root (CI runs as root, as the lab does)");
            this.skip();
        }
        const server = `test-${process.pid}`;
        const dir = unitCgroup(server, "orphans.service");
        try {
            // A "master" joins the cgroup as the supervisor's wrapper does, starts a "worker" and exits:
            // the worker is orphaned (re-parented away from the master), still in the cgroup.
            const r = spawnSync("/bin/sh", ["-c", 'echo $$ > "$0" && exec /bin/sh -c "sleep 60 >/dev/null 2>&1 & echo \\$!"', path.join(dir, "cgroup.procs")], { encoding: "utf8" });
            assert.strictEqual(r.status, 0, r.stderr);
            const worker = Number(r.stdout.trim());
            assert.ok(worker > 0 && alive(worker), `worker ${r.stdout}`);
            assert.deepStrictEqual(cgroupPids(dir), [worker]);
            assert.deepStrictEqual(await killCgroup(dir), [worker]);
            for (let i = 0; i < 50 && alive(worker); i++) await sleep(20);
            assert.ok(!alive(worker), "the orphaned worker was killed with its unit");
            assert.deepStrictEqual(cgroupPids(dir), []);
        } finally {
            removeServerCgroups(server);
        }
        assert.ok(!fs.existsSync(path.dirname(dir)), "the server's cgroups are removed");
    });
});
