// Backups (payload part, scripts, AWS resources under mocks, alarms), patching/housekeeping, and
// "changes that stay local": a change to one tier leaves the other servers' user data
// byte-identical (servers find each other by fixed private addresses).
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import * as pulumi from "@pulumi/pulumi";
import { buildModel, Model, Role } from "../components/model";
import { fetchedFiles, renderServerPart, renderStack } from "../components/render";
import type { PayloadPart } from "../components/payloads/part";
import { packUserData, renderCloudConfig } from "../components/payloads/cloudConfig";
import { BACKUP_DEFAULTS, PATCHING_DEFAULTS, validateBackupArgs, validatePatchingArgs } from "../components/model";
import {
    BACKUP_ENV, BACKUP_METRIC, BACKUP_UNITS, LOCAL_BACKUP_TARGET, backupPart, prometheusBackupAlerts,
} from "../components/payloads/backup";
import {
    housekeepingFiles, housekeepingRuncmd, UNATTENDED_UPGRADES_CONF, upgradeWindowStart,
} from "../components/payloads/housekeeping";
import type { SecuredWebStackArgs } from "../components/types";
import { Captured, installMocks, ofType, settle, valueOf } from "./helpers/pulumiMocks";
import { combinations } from "./helpers/combinations";

const SEED: SecuredWebStackArgs = { domain: "www.foobar.com", tls: { mode: "lets-encrypt", email: "ops@foobar.com" } };
const deploy = { region: "us-east-1", dataVolumeId: "vol-0123456789abcdef0", acmCertificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/x", internalCaPem: "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n" };
const S3_TARGET = "s3://sws-dev-backups-20261125/app";

const gzipped = (model: Model, name: string, part: PayloadPart) =>
    Buffer.from(packUserData(renderCloudConfig(model, model.servers.find((s) => s.name === name)!, part)), "base64").length;

describe("backup: arguments", () => {
    it("defaults: 7 daily, 4 weekly, 14 days, every 5 minutes (14 daily in prod)", () => {
        const p: string[] = [];
        assert.deepStrictEqual(validateBackupArgs(undefined, p), { dailySnapshots: 7, weeklySnapshots: 4, logicalRetentionDays: 14, binlogIntervalMinutes: 5 });
        assert.strictEqual(validateBackupArgs({}, p, "prod").dailySnapshots, 14);
        assert.strictEqual(validateBackupArgs({ dailySnapshots: 10 }, p, "prod").dailySnapshots, 10);
        assert.deepStrictEqual(p, []);
    });
    it("names each bad field, its value and what is allowed", () => {
        const p: string[] = [];
        const m = validateBackupArgs({ dailySnapshots: 0, weeklySnapshots: 2.5, binlogIntervalMinutes: "5" as unknown as number, keep: 3 } as never, p);
        assert.deepStrictEqual(p, [
            "backup.keep: unknown setting; use dailySnapshots, weeklySnapshots, logicalRetentionDays, binlogIntervalMinutes",
            "backup.dailySnapshots: 0 is not allowed; use a whole number from 1 to 365 (daily snapshots kept)",
            "backup.weeklySnapshots: 2.5 is not allowed; use a whole number from 0 to 260 (weekly snapshots kept (0: no weekly schedule))",
            "backup.binlogIntervalMinutes: \"5\" is not allowed; use a whole number from 1 to 60 (minutes)",
        ]);
        assert.deepStrictEqual(m, { ...BACKUP_DEFAULTS }, "bad values fall back to the defaults (the caller throws)");
        const q: string[] = [];
        validateBackupArgs([] as never, q);
        assert.match(q[0], /^backup: \[\] is not allowed; use an object/);
    });
});

describe("backup: the database server's payload part", () => {
    const model = buildModel({ ...SEED, os: "debian-12" });
    const app = model.servers.find((s) => s.name === "app-1")!;
    const part = backupPart({ model, server: app, deploy: { ...deploy, backupTarget: S3_TARGET } as typeof deploy });
    const byPath = (p: string) => part.files.find((f) => f.path === p);

    it("scripts and units are toolkit files (fetched from SSM), the env file rides in the user data", () => {
        for (const s of ["sws-backup", "sws-restore"]) {
            const f = byPath(`/usr/local/sbin/${s}`)!;
            assert.ok(f.fetch && f.permissions === "0755", s);
            assert.ok(f.content.length < 8000, `${s}: ${f.content.length} bytes must fit one SSM parameter (8 KB advanced tier)`);
            assert.ok(f.content.startsWith("#!/bin/bash\n"));
        }
        assert.strictEqual(byPath(BACKUP_ENV)!.content, `BACKUP_TARGET='${S3_TARGET}'\nRETENTION_DAYS='14'\n`);
        assert.deepStrictEqual(part.files.filter((f) => !f.fetch).map((f) => f.path), [BACKUP_ENV]);
        for (const u of Object.values(BACKUP_UNITS)) assert.ok(byPath(`/etc/systemd/system/${u}`)?.fetch, u);
    });
    it("without a bucket (the lab) the same scripts write to a local directory", () => {
        const local = backupPart({ model, server: app, deploy });
        assert.match(local.files.find((f) => f.path === BACKUP_ENV)!.content, new RegExp(`^BACKUP_TARGET='${LOCAL_BACKUP_TARGET}'`));
    });
    it("timers: the full dump daily, the binlogs every binlogIntervalMinutes; both run the scripts as root", () => {
        assert.match(byPath(`/etc/systemd/system/${BACKUP_UNITS.fullTimer}`)!.content, /^OnCalendar=\*-\*-\* 02:00:00 UTC$/m);
        assert.match(byPath(`/etc/systemd/system/${BACKUP_UNITS.fullTimer}`)!.content, /^Persistent=true$/m);
        assert.match(byPath(`/etc/systemd/system/${BACKUP_UNITS.binlogTimer}`)!.content, /^OnUnitActiveSec=5min$/m);
        assert.match(byPath(`/etc/systemd/system/${BACKUP_UNITS.fullService}`)!.content, /^ExecStart=\/usr\/local\/sbin\/sws-backup full$/m);
        assert.match(byPath(`/etc/systemd/system/${BACKUP_UNITS.binlogService}`)!.content, /^ExecStart=\/usr\/local\/sbin\/sws-backup binlog$/m);
        assert.ok(!/^User=/m.test(byPath(`/etc/systemd/system/${BACKUP_UNITS.binlogService}`)!.content), "root: the binlogs belong to mysql");
        const m2 = { ...model, backup: { ...BACKUP_DEFAULTS, binlogIntervalMinutes: 2 } } as Model;
        const p2 = backupPart({ model: m2, server: app, deploy });
        assert.match(p2.files.find((f) => f.path.endsWith(BACKUP_UNITS.binlogTimer))!.content, /^OnUnitActiveSec=2min$/m);
        assert.deepStrictEqual(part.runcmd.slice(-2), [
            ["systemctl", "enable", "--now", BACKUP_UNITS.fullTimer, BACKUP_UNITS.binlogTimer],
            ["systemctl", "start", "--no-block", BACKUP_UNITS.fullService],
        ]);
    });
    it("the scripts handle both engines, dump in one transaction with coordinates, restore by dump + binlogs", () => {
        const backup = byPath("/usr/local/sbin/sws-backup")!.content;
        const restore = byPath("/usr/local/sbin/sws-restore")!.content;
        assert.match(backup, /mariadb-dump --master-data=2 --gtid/);
        assert.match(backup, /mysqldump --source-data=2/);
        assert.match(backup, /--single-transaction --routines --events --triggers/);
        assert.match(backup, /FLUSH BINARY LOGS/);
        assert.match(backup, new RegExp(BACKUP_METRIC));
        assert.match(restore, /--start-position="\$pos" --stop-datetime="\$to"/);
        assert.match(restore, /mariadb-install-db/);
        assert.match(restore, /mysqld --initialize-insecure/);
        assert.match(restore, /systemctl stop sws-app\.service/);
    });
    it("sws-restore never deletes or half-fills the live datadir: side datadir, one atomic exchange, old one deleted last", () => {
        const restore = byPath("/usr/local/sbin/sws-restore")!.content;
        // Everything restored goes to the side server's socket, never the live one.
        assert.match(restore, /gzip -dc "\$WORK\/dump\.sql\.gz"; \} \| mysql --protocol=socket --socket="\$SOCK"/);
        assert.match(restore, /--stop-datetime="\$to" "\$\{files\[@\]\}" \| mysql --protocol=socket --socket="\$SOCK"/);
        assert.match(restore, /--skip-networking --skip-log-bin/);
        assert.match(restore, /RENAME_EXCHANGE = -100, 2/);
        assert.ok(!/rm -rf "\$DATADIR"/.test(restore), "the live datadir is never deleted");
        const at = (re: RegExp) => { const m = re.exec(restore); assert.ok(m, String(re)); return m!.index; };
        const exchange = at(/^exchange "\$SIDE" "\$DATADIR"$/m);
        assert.ok(at(/^step "load the dump"$/m) < exchange && at(/^stop_side$/m) < exchange, "restored fully before the exchange");
        assert.ok(at(/^systemctl stop "\$DB_UNIT"$/m) < exchange, "the database is stopped for the exchange");
        assert.ok(at(/^ready \|\| die "the restored database did not come up"$/m) < at(/rm -rf "\$old"/), "--discard-old deletes the old datadir only once the restored one runs");
        assert.strictEqual((restore.match(/^step "/gm) ?? []).length, 13, "13 numbered steps (the drill interrupts each)");
    });
    it("sws-db-promote waits by GTID for every received transaction and refuses to promote otherwise", () => {
        const promote = fs.readFileSync(path.join(__dirname, "..", "components", "payloads", "scripts", "sws-db-promote"), "utf8");
        assert.match(promote, /Gtid_IO_Pos[\s\S]*START SLAVE SQL_THREAD;[\s\S]*MASTER_GTID_WAIT\('\$received', \$timeout\)/);
        // MariaDB discards a GTID replica's relay log when its SQL thread starts with the I/O thread stopped (lab: drill promote).
        assert.doesNotMatch(promote.slice(0, promote.indexOf("else")), /STOP SLAVE IO_THREAD/);
        assert.match(promote, /STOP REPLICA IO_THREAD;[\s\S]*RECEIVED_TRANSACTION_SET[\s\S]*WAIT_FOR_EXECUTED_GTID_SET\('\$received', \$timeout\)/);
        assert.ok(!/^[^#]*Seconds_Behind_Master/m.test(promote), "no Seconds_Behind_Master outside comments");
        assert.ok(promote.indexOf("exit 1\nfi\nq \"$promote\"") > 0, "the promotion runs only after the wait succeeded");
    });
});


describe("backup: user data budget (backup part on database servers only)", function () {
    this.timeout(60000);
    it("split layouts stay ≤ 8 KiB gzipped with the backup part, every option combination; all-in-one is reported", () => {
        const worst = { split: { bytes: 0, what: "" }, aio: { bytes: 0, what: "" } };
        for (const [what, args] of combinations()) {
            const model = buildModel(args);
            for (const s of model.servers.filter((x) => x.roles.includes(Role.Database))) {
                // A real bucket name (bucketPrefix + 26 generated characters) and prefix.
                const d = { ...deploy, backupTarget: `s3://${model.name}-${model.environment}-backups-20261125123456789000000001/${s.name}` };
                const part = renderServerPart(model, s, d);
                // What the renderer produced must carry the backup part (it is measured, not added here).
                assert.ok(part.files.some((f) => f.path === BACKUP_ENV), `${what} ${s.name}: no backup part`);
                const bytes = gzipped(model, s.name, part);
                const w = model.layout === "split" ? worst.split : worst.aio;
                if (bytes > w.bytes) Object.assign(w, { bytes, what: `${what} ${s.name}` });
            }
        }
        const line = (w: typeof worst.split) => `${w.bytes} bytes (${w.bytes > 8192 ? `${w.bytes - 8192} over` : `${8192 - w.bytes} under`} 8192) ${w.what}`;
        console.log(`      largest database server with backups: split ${line(worst.split)}\n      all-in-one ${line(worst.aio)}`);
        assert.ok(worst.split.bytes <= 8192, line(worst.split));
    });
    it("the renderer gives it to database servers only (never a replica, web, balancer or second app server)", () => {
        let seen = 0;
        for (const args of [SEED, { ...SEED, hardening: { databaseReplica: true, endToEndTls: true }, webServers: 2, appServers: 3 }, { ...SEED, layout: "all-in-one" as const }]) {
            const model = buildModel(args);
            for (const s of model.servers) {
                const part = renderServerPart(model, s, deploy);
                const files = part.files.map((f) => f.path);
                const has = [BACKUP_ENV, ...Object.values(BACKUP_UNITS).map((u) => `/etc/systemd/system/${u}`)].map((f) => files.includes(f));
                const want = s.roles.includes(Role.Database);
                assert.deepStrictEqual(has, has.map(() => want), `${s.name} (${s.roles.join(", ")})`);
                assert.strictEqual(fetchedFiles(model, s, part).some((f) => f.path === "/usr/local/sbin/sws-backup"), want, `${s.name}: sws-backup fetched`);
                if (want) seen++;
            }
        }
        assert.strictEqual(seen, 1 + 1 + 3, "one database server in each split stack, every all-in-one server");
    });
});

describe("backup: monitoring", () => {
    it("Prometheus alert rules: full older than 26 h, binlogs older than 3 intervals + 5 min, metric missing", () => {
        const text = prometheusBackupAlerts();
        const doc = YAML.parse(`groups:\n  - name: t\n    rules:\n${text}`);
        const rules = doc.groups[0].rules;
        assert.deepStrictEqual(rules.map((r: { alert: string }) => r.alert), ["SwsBackupTooOld", "SwsBinlogShippingStalled", "SwsBackupMetricMissing"]);
        assert.match(rules[0].expr, /sws_backup_last_success_timestamp_seconds\{kind="full"\}\) > 26 \* 3600/);
        assert.match(rules[1].expr, /> 20 \* 60/);
    });
});

describe("patching and housekeeping", () => {
    it("validates patching.autoReboot / patching.rebootTime", () => {
        const p: string[] = [];
        assert.deepStrictEqual(validatePatchingArgs(undefined, p), PATCHING_DEFAULTS);
        assert.deepStrictEqual(validatePatchingArgs({ autoReboot: true, rebootTime: "03:15" }, p), { autoReboot: true, rebootTime: "03:15" });
        validatePatchingArgs({ autoReboot: "yes" as unknown as boolean, rebootTime: "4:30" }, p);
        assert.deepStrictEqual(p, [
            `patching.autoReboot: "yes" is not allowed; use true or false`,
            `patching.rebootTime: "4:30" is not allowed; use a 24-hour time "HH:MM" such as "04:30" (server time, UTC on EC2)`,
        ]);
        assert.strictEqual(upgradeWindowStart("04:30"), "03:30");
        assert.strictEqual(upgradeWindowStart("00:15"), "23:15");
    });
    it("unattended upgrades on, reboot only when asked, window before the reboot, Amazon Time Sync, journal capped", () => {
        const off = housekeepingFiles(PATCHING_DEFAULTS);
        const on = housekeepingFiles({ autoReboot: true, rebootTime: "05:00" });
        const get = (fs: typeof off, p: string) => fs.find((f) => f.path === p)!.content;
        assert.match(get(off, UNATTENDED_UPGRADES_CONF), /^Unattended-Upgrade::Automatic-Reboot "false";$/m);
        assert.ok(!get(off, UNATTENDED_UPGRADES_CONF).includes("Reboot-Time"));
        assert.match(get(on, UNATTENDED_UPGRADES_CONF), /^Unattended-Upgrade::Automatic-Reboot "true";\nUnattended-Upgrade::Automatic-Reboot-Time "05:00";$/m);
        assert.match(get(on, UNATTENDED_UPGRADES_CONF), /^APT::Periodic::Unattended-Upgrade "1";$/m);
        assert.match(get(on, "/etc/systemd/system/apt-daily-upgrade.timer.d/sws.conf"), /^OnCalendar=\nOnCalendar=\*-\*-\* 04:00\nRandomizedDelaySec=30m$/m);
        assert.match(get(on, "/etc/systemd/timesyncd.conf.d/sws.conf"), /^NTP=169\.254\.169\.123$/m);
        assert.match(get(on, "/etc/chrony/sources.d/sws-aws.sources"), /^server 169\.254\.169\.123 prefer iburst/);
        assert.match(get(on, "/etc/systemd/journald.conf.d/sws.conf"), /^SystemMaxUse=512M$/m);
        assert.ok(housekeepingRuncmd().every((c) => c[0] === "systemctl"));
    });
    it("what base.ts renders with it satisfies the policy unattended-upgrades-enabled", async () => {
        const { instance } = await import("./policy/fixtures");
        const { findings } = await import("./policy/run");
        const model = buildModel(SEED);
        for (const s of model.servers) {
            const part = renderServerPart(model, s, deploy);
            const patched = { ...part, files: [...part.files.filter((f) => f.path !== UNATTENDED_UPGRADES_CONF), ...housekeepingFiles({ autoReboot: true, rebootTime: "04:30" })] };
            const inst = instance(s.name, { roles: s.roles as Parameters<typeof instance>[1]["roles"], userDataText: renderCloudConfig(model, s, patched) });
            assert.deepStrictEqual(await findings("unattended-upgrades-enabled", inst), [], s.name);
        }
    });
});

describe("changes that stay local (fixed private addresses)", () => {
    const userData = (args: SecuredWebStackArgs) => Object.fromEntries(renderStack(args, deploy).servers.map((s) => [s.name, s.userData]));
    const base = userData(SEED);
    const changed = (args: SecuredWebStackArgs) => {
        const next = userData(args);
        assert.deepStrictEqual(Object.keys(next), Object.keys(base));
        return Object.keys(base).filter((k) => next[k] !== base[k]);
    };
    it("a different instance type for the web tier changes no user data at all", () => {
        assert.deepStrictEqual(changed({ ...SEED, instanceTypes: { web: "c7i.large" } }), []);
    });
    it("an application-only change (app.environment, app.workers) changes no user data at all: it is the app's release, rolled out in place", () => {
        assert.deepStrictEqual(changed({ ...SEED, app: { environment: { FEATURE_X: "on" }, workers: 2 } }), []);
    });
    it("a balancer-only change (tls.keyAlgorithm, tls.redirectApex) leaves the web and app servers' user data byte-identical", () => {
        assert.deepStrictEqual(changed({ ...SEED, tls: { ...SEED.tls, keyAlgorithm: "RSA", redirectApex: true } }), ["lb"]);
    });
    it("the app port changes the app server's user data only: the web tier reaches it through its peer list (applied in place)", () => {
        assert.deepStrictEqual(changed({ ...SEED, app: { port: 3100 } }), ["app-1"]);
        const upstream = (args: SecuredWebStackArgs) => renderStack(args, deploy).servers.find((s) => s.name === "web-1")!.fetched.find((f) => f.path === "/etc/sws/peers/nginx-app-upstream.conf")!.content;
        assert.match(upstream({ ...SEED, app: { port: 3100 } })!, /server \S+:3100 max_fails=0;/);
        assert.notStrictEqual(upstream({ ...SEED, app: { port: 3100 } }), upstream(SEED));
    });
    it("scaling a tier (webServers, appServers 1 → 2 → 3 → 1) changes no existing server's user data: only peer lists", () => {
        const tls = { endToEndTls: true };
        for (const [a, b] of [[1, 2], [2, 3], [3, 1]]) {
            for (const [key, extra] of [["webServers", {}], ["appServers", { hardening: tls }]] as const) {
                const before = Object.fromEntries(renderStack({ ...SEED, ...extra, [key]: a }, deploy).servers.map((s) => [s.name, s]));
                const after = renderStack({ ...SEED, ...extra, [key]: b }, deploy).servers;
                const kept = after.filter((s) => before[s.name]);
                assert.deepStrictEqual(kept.filter((s) => s.userData !== before[s.name].userData).map((s) => s.name), [], `${key} ${a} → ${b}`);
                const peersChanged = kept.filter((s) => JSON.stringify(s.fetched.filter((f) => f.peers)) !== JSON.stringify(before[s.name].fetched.filter((f) => f.peers)));
                assert.ok(peersChanged.length >= 1, `${key} ${a} → ${b}: a neighbour's peer lists change`);
            }
        }
    });
});

describe("backup: AWS resources under mocks", function () {
    this.timeout(30000);
    let resources: Captured[];
    let backups: import("../components/aws/backup").Backups;
    let alarms: import("@pulumi/aws").cloudwatch.MetricAlarm[];
    let aws: typeof import("../components/aws/backup");
    const model = buildModel({ ...SEED, environment: "prod" }, "shop");

    before(async () => {
        resources = installMocks("secured-web-stack", "backup");
        aws = require(path.join(__dirname, "..", "components", "aws", "backup"));
        backups = aws.createBackups("shop", model, { stack: "shop", environment: "prod" }, {});
        backups.restrictWriters(["arn:aws:iam::123456789012:role/shop-app-role-1a2b3c"]);
        alarms = aws.createBackupAlarms("shop", model, ["arn:aws:sns:us-east-1:123456789012:shop-prod-alarms"], {});
        await settle(resources);
    });

    it("DLM: the data volume's tags, a daily and a weekly schedule with the configured retention", () => {
        const [p] = ofType(resources, "aws:dlm/lifecyclePolicy:LifecyclePolicy");
        assert.strictEqual(p.inputs.state, "ENABLED");
        assert.deepStrictEqual(p.inputs.policyDetails.resourceTypes, ["VOLUME"]);
        // DLM targets volumes with ANY of the tags: one tag, only on this stack's data volumes.
        assert.deepStrictEqual(p.inputs.policyDetails.targetTags, { "sws:snapshots": "shop-prod" });
        assert.deepStrictEqual(p.inputs.policyDetails.schedules.map((s: any) => [s.name, s.retainRule.count]), [["daily keep 14", 14], ["weekly keep 4", 4]]);
        assert.match(p.inputs.description, /^[0-9A-Za-z _-]+$/, "DLM's description alphabet");
        const [attach] = ofType(resources, "aws:iam/rolePolicyAttachment:RolePolicyAttachment");
        assert.strictEqual(attach.inputs.policyArn, "arn:aws:iam::aws:policy/service-role/AWSDataLifecycleManagerServiceRole");
        const role = ofType(resources, "aws:iam/role:Role").find((r) => r.name === "shop-dlm-role")!;
        assert.match(role.inputs.assumeRolePolicy, /dlm\.amazonaws\.com/);
    });

    it("the policy pack's database-volume-backed-up passes on it (prod: 14 snapshots wanted)", async () => {
        const { secureStack, replace, dataVolume, resource, T } = await import("./policy/fixtures");
        const { findings } = await import("./policy/run");
        const [p] = ofType(resources, "aws:dlm/lifecyclePolicy:LifecyclePolicy");
        // The volume as components/aws/servers.ts tags it (with the wiring's snapshot tag).
        const tags = { stack: "shop", environment: "prod", "managed-by": "secured-web-stack", Name: "shop-app-data", "sws:data": "database", role: "database", ...aws.snapshotTargetTags("shop", "prod") };
        let stack = replace(secureStack(), "app-data", dataVolume("app-data", { tags }));
        stack = replace(stack, "db-snapshots", resource(T.lifecyclePolicy, "db-snapshots", "policy-1", p.inputs));
        assert.deepStrictEqual(await findings("database-volume-backed-up", stack, { minRetainCount: 14 }), []);
        const untagged = replace(stack, "app-data", dataVolume("app-data", { tags: { ...tags, "sws:snapshots": "shop-dev" } }));
        assert.strictEqual((await findings("database-volume-backed-up", untagged)).length, 1);
    });

    it("bucket: versioned, KMS-encrypted, public access blocked, old objects expire, TLS only, only the database role writes", async () => {
        assert.strictEqual(ofType(resources, "aws:s3/bucket:Bucket").length, 1);
        assert.match(ofType(resources, "aws:s3/bucket:Bucket")[0].inputs.bucketPrefix, /^shop-prod-backups-$/);
        assert.strictEqual(ofType(resources, "aws:s3/bucketVersioning:BucketVersioning")[0].inputs.versioningConfiguration.status, "Enabled");
        const sse = ofType(resources, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")[0];
        assert.strictEqual(sse.inputs.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm, "aws:kms");
        const pab = ofType(resources, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")[0].inputs;
        assert.ok(pab.blockPublicAcls && pab.blockPublicPolicy && pab.ignorePublicAcls && pab.restrictPublicBuckets);
        const lc = ofType(resources, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")[0].inputs;
        assert.strictEqual(lc.rules[0].expiration.days, 14);
        assert.strictEqual(lc.rules[0].noncurrentVersionExpiration.noncurrentDays, 7);
        const policy = JSON.parse(ofType(resources, "aws:s3/bucketPolicy:BucketPolicy")[0].inputs.policy);
        const [tls, writers] = policy.Statement;
        assert.deepStrictEqual([tls.Effect, tls.Condition], ["Deny", { Bool: { "aws:SecureTransport": "false" } }]);
        assert.deepStrictEqual([writers.Effect, writers.Action, writers.Condition], ["Deny", ["s3:PutObject"], { ArnNotEquals: { "aws:PrincipalArn": ["arn:aws:iam::123456789012:role/shop-app-role-1a2b3c"] } }]);
    });

    it("IAM: the database server may put/get/list its own prefix; other servers get nothing", async () => {
        const app = model.servers.find((s) => s.name === "app-1")!;
        const web = model.servers.find((s) => s.name === "web-1")!;
        assert.deepStrictEqual(backups.statementsFor(web), []);
        const st = await valueOf(pulumi.output(backups.statementsFor(app)));
        assert.deepStrictEqual(st[0].Action, ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"]);
        assert.match(String(st[0].Resource), /\/app-1\/\*$/);
        assert.deepStrictEqual(st[1].Condition, { StringLike: { "s3:prefix": ["app-1/*"] } });
        assert.match(await valueOf(backups.targetOf(app)), /^s3:\/\/.+\/app-1$/);
        assert.throws(() => backups.restrictWriters([]), /twice/);
    });

    it("alarms (CloudWatch sink): full and binlog age per database server, EPOCH(m) - m, missing data breaches", async () => {
        assert.strictEqual(alarms.length, 2);
        const found = ofType(resources, "aws:cloudwatch/metricAlarm:MetricAlarm");
        const full = found.find((a) => a.inputs.name === "shop-prod-backup-full-age-app-1")!;
        assert.strictEqual(full.inputs.threshold, 26 * 3600);
        assert.strictEqual(full.inputs.treatMissingData, "breaching");
        assert.strictEqual(full.inputs.metricQueries[1].expression, "EPOCH(last) - last");
        assert.deepStrictEqual(full.inputs.metricQueries[0].metric.dimensions, { stack: "shop", environment: "prod", host: "app-1", kind: "full" });
        const binlog = found.find((a) => a.inputs.name === "shop-prod-backup-binlog-age-app-1")!;
        assert.strictEqual(binlog.inputs.threshold, 20 * 60);
        assert.deepStrictEqual(aws.createBackupAlarms("x", buildModel({ ...SEED, monitoring: { sink: "none" } }), [], {}), []);
    });
});
