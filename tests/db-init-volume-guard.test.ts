// sws-db-init on a primary whose data volume is empty: a new datadir only when the server never had
// one (no backups of it). A replaced instance that got an empty volume instead of its own must not
// start an empty database and serve it as the stack's (lab: `npm run lab -- drill replacement --empty-volume`).
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const script = fs.readFileSync(path.join(__dirname, "..", "components", "payloads", "scripts", "sws-db-init"), "utf8");

/** The guard function as the script defines it (up to its closing brace at column 0). */
function guardFunction(): string {
    const m = /^new_datadir_ok\(\) \{\n[\s\S]*?\n\}\n/m.exec(script);
    assert.ok(m, "sws-db-init defines new_datadir_ok()");
    return m[0];
}

/** Run the guard in bash with a stub sws-backup whose `store ls` prints `listing` (or fails). */
function runGuard(opts: { role: string; listing?: string; lsFails?: boolean; noBackupTool?: boolean; override?: boolean }) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sws-guard-"));
    const bin = path.join(dir, "bin");
    const mount = path.join(dir, "data");
    fs.mkdirSync(bin);
    fs.mkdirSync(mount);
    if (!opts.noBackupTool) {
        const body = opts.lsFails ? "echo 'AccessDenied' >&2; exit 2" : `printf '%s' ${JSON.stringify(opts.listing ?? "")}`;
        fs.writeFileSync(path.join(bin, "sws-backup"), `#!/bin/sh\n[ "$1 $2" = "store ls" ] || exit 9\n${body}\n`, { mode: 0o755 });
    }
    if (opts.override) fs.writeFileSync(path.join(mount, "sws-new-datadir-ok"), "");
    const r = spawnSync("bash", ["-c", `set -euo pipefail\n${guardFunction()}\nnew_datadir_ok\necho GUARD-PASSED`], {
        encoding: "utf8",
        // Only the stub directory and the basic tools: no sws-backup of the machine's.
        env: { PATH: `${bin}:/usr/bin:/bin`, DB_ROLE: opts.role, DATA_MOUNT: mount },
    });
    fs.rmSync(dir, { recursive: true, force: true });
    return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("sws-db-init: no new datadir on a primary that has backups (replacement onto an empty volume)", () => {
    it("a primary with backups refuses, naming the way out", () => {
        const r = runGuard({ role: "primary", listing: "1732960000/full-20261130T120000Z.sql.gz 15321\n" });
        assert.strictEqual(r.code, 1, r.out + r.err);
        assert.ok(!r.out.includes("GUARD-PASSED"));
        assert.match(r.err, /backups exist/);
        assert.match(r.err, /attach the data volume or sws-restore/);
        assert.match(r.err, /sws-new-datadir-ok/);
    });
    it("a primary without backups (its first boot) initialises", () => {
        const r = runGuard({ role: "primary", listing: "" });
        assert.strictEqual(r.code, 0, r.err);
        assert.match(r.out, /GUARD-PASSED/);
    });
    it("a primary that cannot list its backups does not initialise", () => {
        const r = runGuard({ role: "primary", lsFails: true });
        assert.strictEqual(r.code, 1, r.out + r.err);
        assert.match(r.err, /cannot list backups/);
    });
    it("the operator's marker on the volume lets a primary with backups start empty on purpose", () => {
        const r = runGuard({ role: "primary", listing: "x 1\n", override: true });
        assert.strictEqual(r.code, 0, r.err);
        assert.match(r.out, /GUARD-PASSED/);
    });
    it("replicas and cluster nodes are seeded by their peers: not guarded", () => {
        for (const role of ["replica", "cluster"]) {
            const r = runGuard({ role, listing: "x 1\n" });
            assert.strictEqual(r.code, 0, `${role}: ${r.err}`);
        }
    });
    it("without the backup tool (no backups configured) a primary initialises", () => {
        const r = runGuard({ role: "primary", noBackupTool: true });
        assert.strictEqual(r.code, 0, r.err);
    });
    it("init_datadir asks the guard after finding no datadir and before initialising one", () => {
        const body = /^init_datadir\(\) \{\n([\s\S]*?)\n\}\n/m.exec(script)?.[1] ?? "";
        const existing = body.indexOf('[ -d "$DATADIR/mysql" ] && return 0');
        const guard = body.indexOf("new_datadir_ok");
        const install = body.search(/mariadb-install-db|mysqld --initialize/);
        assert.ok(existing >= 0 && guard > existing && install > guard, body);
    });
});
