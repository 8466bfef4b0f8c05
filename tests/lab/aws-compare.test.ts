// The lab's "aws" check rules (lab/aws/compare.ts, lab/aws/endpoints.ts), without a lab: what the
// servers fetched against what the program registered and the emulator holds.
import * as assert from "assert";
import { compareFetched, compareUserData, parseFetchList, sha256 } from "../../lab/aws/compare";
import { endpointNames } from "../../lab/aws/endpoints";
import { programConfig, unwrapSecrets } from "../../lab/aws/program";

const LIST = [
    "#toolkit-sha256 abc",
    "/sws-lab/lab/db-app-password /run/sws/secrets/db-app-password sws-app 0640 -",
    "/sws-lab/lab/toolkit/usr/local/sbin/sws-backup /usr/local/sbin/sws-backup root 0755 +",
    "",
].join("\n");
const SCRIPT = "#!/bin/bash\necho backup\n";
const PASSWORD = "s3cretvalue";

function setup() {
    const registered = new Map([
        ["/sws-lab/lab/db-app-password", sha256(PASSWORD)],
        ["/sws-lab/lab/toolkit/usr/local/sbin/sws-backup", sha256(SCRIPT)],
    ]);
    const emulator = new Map(registered);
    const files = new Map([
        ["/run/sws/secrets/db-app-password", { sha256: sha256(PASSWORD), mode: "0640" }],
        ["/usr/local/sbin/sws-backup", { sha256: sha256(SCRIPT), mode: "0755" }],
    ]);
    return { registered, emulator, files };
}

describe("lab aws check: fetched files against the program and the emulator", () => {
    it("parses fetch.list (digest line, toolkit and secret entries) and rejects a malformed line", () => {
        const p = parseFetchList(LIST);
        assert.strictEqual(p.toolkitSha256, "abc");
        assert.deepStrictEqual(p.entries.map((e) => [e.parameter.split("/").pop(), e.kind]), [["db-app-password", "-"], ["sws-backup", "+"]]);
        assert.throws(() => parseFetchList("/a /b root 0644 *\n"), /malformed line/);
    });

    it("a live file (\"~\", the app release rolled out in place) is compared like a toolkit file: content and mode", () => {
        const { registered, emulator, files } = setup();
        const RELEASE = "SWS_APP_WORKERS='1'\n";
        const list = LIST + "/sws-lab/lab/live/etc/sws/app-release.env /etc/sws/app-release.env root 0644 ~\n";
        registered.set("/sws-lab/lab/live/etc/sws/app-release.env", sha256(RELEASE));
        emulator.set("/sws-lab/lab/live/etc/sws/app-release.env", sha256(RELEASE));
        files.set("/etc/sws/app-release.env", { sha256: sha256(RELEASE), mode: "0644" });
        assert.deepStrictEqual(parseFetchList(list).entries.map((e) => e.kind), ["-", "+", "~"]);
        let r = compareFetched([{ server: "app", fetchList: list, file: (p) => files.get(p) }], registered, emulator);
        assert.deepStrictEqual(r.problems, []);
        assert.deepStrictEqual(r.rows.map((x) => x.kind), ["secret", "toolkit", "live"]);
        files.set("/etc/sws/app-release.env", { sha256: sha256("other"), mode: "0600" });
        r = compareFetched([{ server: "app", fetchList: list, file: (p) => files.get(p) }], registered, emulator);
        assert.deepStrictEqual(r.problems, ["app: /etc/sws/app-release.env differs from the value of /sws-lab/lab/live/etc/sws/app-release.env"]);
    });

    it("passes when every file equals the registered value and the emulator holds it", () => {
        const { registered, emulator, files } = setup();
        const r = compareFetched([{ server: "app", fetchList: LIST, file: (p) => files.get(p) }], registered, emulator);
        assert.deepStrictEqual(r.problems, []);
        assert.strictEqual(r.rows.length, 2);
        assert.ok(r.rows.every((x) => x.ok));
    });

    it("a parameter name the program did not register (a wrong SSM name in the AWS renderer) fails, naming it", () => {
        const { registered, emulator, files } = setup();
        registered.delete("/sws-lab/lab/toolkit/usr/local/sbin/sws-backup");
        registered.set("/sws-lab/lab/toolkit/usr/local/sbin/sws-backupX", sha256(SCRIPT));
        const r = compareFetched([{ server: "app", fetchList: LIST, file: (p) => files.get(p) }], registered, emulator);
        assert.deepStrictEqual(r.problems, ["app: the program registered no SSM parameter /sws-lab/lab/toolkit/usr/local/sbin/sws-backup"]);
    });

    it("fails on a missing file, a different file, a wrong toolkit mode, and an emulator that holds something else", () => {
        const cases: Array<[string, (s: ReturnType<typeof setup>) => void, RegExp]> = [
            ["missing file", (s) => s.files.delete("/usr/local/sbin/sws-backup"), /sws-backup is not on the server/],
            ["different file", (s) => s.files.set("/usr/local/sbin/sws-backup", { sha256: sha256("other"), mode: "0755" }), /differs from the value/],
            ["mode", (s) => s.files.set("/usr/local/sbin/sws-backup", { sha256: sha256(SCRIPT), mode: "0644" }), /mode 0644, fetch.list says 0755/],
            ["emulator value", (s) => s.emulator.set("/sws-lab/lab/db-app-password", sha256("x")), /holds another value/],
            ["emulator missing", (s) => s.emulator.delete("/sws-lab/lab/db-app-password"), /emulated SSM has no parameter/],
        ];
        for (const [what, change, re] of cases) {
            const s = setup();
            change(s);
            const r = compareFetched([{ server: "app", fetchList: LIST, file: (p) => s.files.get(p) }], s.registered, s.emulator);
            assert.strictEqual(r.problems.length, 1, what);
            assert.match(r.problems[0], re, what);
        }
        const none = compareFetched([{ server: "lb", fetchList: undefined, file: () => undefined }], new Map(), new Map());
        assert.match(none.problems[0], /lb: no \/etc\/sws\/fetch.list/);
    });

    it("problems never carry a secret's value", () => {
        const s = setup();
        s.files.set("/run/sws/secrets/db-app-password", { sha256: sha256("wrong"), mode: "0640" });
        const r = compareFetched([{ server: "app", fetchList: LIST, file: (p) => s.files.get(p) }], s.registered, s.emulator);
        assert.strictEqual(r.problems.length, 1);
        assert.ok(!JSON.stringify(r).includes(PASSWORD));
    });

    it("user data: byte for byte, both ways", () => {
        const reg = new Map([["lb", "#cloud-config\na: 1\n"], ["web", "#cloud-config\nb: 1\n"]]);
        assert.deepStrictEqual(compareUserData(new Map(reg), reg), []);
        const booted = new Map([["lb", "#cloud-config\na: 1\n "], ["app", "x"]]);
        const p = compareUserData(booted, reg);
        assert.strictEqual(p.length, 3);
        assert.match(p[0], /^lb: booted user data .* differs/);
        assert.match(p[1], /^web: booted no user data/);
        assert.match(p[2], /^app: booted, but the program registered no instance/);
    });
});

describe("lab aws host: endpoint names and the program's configuration", () => {
    it("names every service regionally, the legacy global S3/STS/IAM names, and each bucket virtual-hosted", () => {
        const n = endpointNames("us-east-1", ["sws-lab-backups-1a2b3c"]);
        for (const name of ["ssm.us-east-1.amazonaws.com", "s3.amazonaws.com", "sts.amazonaws.com", "logs.us-east-1.amazonaws.com",
            "monitoring.us-east-1.amazonaws.com", "acm.us-east-1.amazonaws.com", "kms.us-east-1.amazonaws.com",
            "sws-lab-backups-1a2b3c.s3.amazonaws.com", "sws-lab-backups-1a2b3c.s3.us-east-1.amazonaws.com"]) {
            assert.ok(n.dns.includes(name), name);
        }
        assert.ok(n.san.includes("*.s3.amazonaws.com") && n.san.includes("*.s3.us-east-1.amazonaws.com"));
        assert.ok(!n.dns.some((d) => d.includes("*")), "the resolver has exact names only");
        assert.throws(() => endpointNames("us-east-1", ["my.dotted.bucket"]), /without dots/);
        assert.throws(() => endpointNames("Virginia"), /not an AWS region/);
    });

    it("hands the program its stack configuration as the engine does, and unwraps secret inputs", () => {
        const c = programConfig({ domain: "www.foobar.com", tls: { mode: "lets-encrypt" }, webServers: 2 });
        assert.deepStrictEqual(c, {
            "aws:region": "us-east-1", "secured-web-stack:domain": "www.foobar.com",
            "secured-web-stack:tls": "{\"mode\":\"lets-encrypt\"}", "secured-web-stack:webServers": "2",
        });
        const sig = "4dabf18193072939515e22adb298388d";
        assert.deepStrictEqual(unwrapSecrets({ value: { [sig]: "1b47061264138c4ac30d75fd1eb44270", value: "v" }, n: [1] }), { value: "v", n: [1] });
    });
});
