// Hostile and malformed inputs: each must fail in buildModel (before any resource is registered)
// with a problem line that starts with the field's name and says what is allowed. Together with
// tests/model.test.ts's BAD list these are the bad-input cases the README counts.
import * as assert from "assert";
import { buildModel, SecuredWebStackArgsError } from "../components/model";
import type { SecuredWebStackArgs } from "../components/types";

const ok: SecuredWebStackArgs = { domain: "www.foobar.com" };
const LE = { mode: "lets-encrypt", email: "ops@foobar.com" };
const ART = { artifactSha256: "a".repeat(64), startCommand: "node ." };
/** Own "__proto__"/"constructor" keys as JSON config would produce them (an object literal would set the prototype instead). */
const json = (text: string) => JSON.parse(text);

// [what, args (merged over ok), field the problem line starts with, a word it must contain, component name]
export const HOSTILE_CASES: [string, any, string, string, string?][] = [
    // Component name (validated like every other input)
    ["name with a space", {}, "name", "lower-case", "my stack"],
    ["name with $(…)", {}, "name", "lower-case", "$(reboot)"],
    ["name with a slash", {}, "name", "lower-case", "shop/prod"],
    ["name with upper case", {}, "name", "lower-case", "Shop"],
    ["name too long", {}, "name", "1-24", "a".repeat(25)],
    ["name empty", {}, "name", "1-24", ""],
    ["name reserved by AWS", {}, "name", "reserved", "aws-shop"],
    ["name ending in -", {}, "name", "not ending", "shop-"],
    // Control characters in any string
    ["newline in the domain", { domain: "www.foobar.com\nX=1" }, "domain", "control character"],
    ["newline in an app environment value", { app: { environment: { GREETING: "hi\nPATH=/tmp" } } }, "app.environment.GREETING", "control character"],
    ["carriage return in the e-mail", { tls: { ...LE, email: "ops@foobar.com\r" } }, "tls.email", "control character"],
    ["NUL in a tag value", { tags: { team: "a\u0000b" } }, "tags.team", "control character"],
    ["escape sequence in a tag key", { tags: { "a\u001b[31m": "x" } }, "tags", "control character"],
    ["tab in the start command", { app: { artifactUrl: "https://example.com/app.tgz", ...ART, startCommand: "node\t." } }, "app.startCommand", "control character"],
    ["DEL in the artifact URL", { app: { artifactUrl: "https://example.com/a\u007f.tgz", ...ART } }, "app.artifactUrl", "control character"],
    ["newline in the remote-write URL", { monitoring: { sink: "prometheus-remote-write", remoteWriteUrl: "https://p.example.com/w\nx" } }, "monitoring.remoteWriteUrl", "control character"],
    ["newline in the SSH key name", { adminCidrs: ["203.0.113.7/32"], sshKeyName: "key\nx" }, "sshKeyName", "control character"],
    ["vertical tab in the ACME CA PEM", { tls: { ...LE, acmeCaPem: "-----BEGIN CERTIFICATE-----\u000b\n-----END CERTIFICATE-----\n" } }, "tls.acmeCaPem", "control character"],
    // Prototype keys
    ["__proto__ as a tag key", { tags: json(`{"__proto__": "x"}`) }, "tags.__proto__", "prototype"],
    ["constructor as a tag key", { tags: json(`{"constructor": "x"}`) }, "tags.constructor", "prototype"],
    ["__proto__ as an app environment key", { app: { environment: json(`{"__proto__": {"PATH": "/tmp"}}`) } }, "app.environment.__proto__", "prototype"],
    ["prototype as an app environment key", { app: { environment: json(`{"prototype": "x"}`) } }, "app.environment.prototype", "prototype"],
    ["__proto__ at the top level", json(`{"__proto__": {"domain": "evil.example"}}`), "__proto__", "prototype"],
    ["constructor inside tls", { tls: json(`{"constructor": "x"}`) }, "tls.constructor", "prototype"],
    ["__proto__ inside network", { network: json(`{"__proto__": {"mode": "x"}}`) }, "network.__proto__", "prototype"],
    ["constructor as the ACME directory", { tls: { ...LE, acmeDirectory: "constructor" } }, "tls.acmeDirectory", "https://"],
    ["__proto__ as the ACME directory", { tls: { ...LE, acmeDirectory: "__proto__" } }, "tls.acmeDirectory", "https://"],
    ["constructor as the TLS mode", { tls: { mode: "constructor" } }, "tls.mode", `"lets-encrypt"`],
    ["toString as the monitoring sink", { monitoring: { sink: "toString" } }, "monitoring.sink", `"cloudwatch"`],
    ["constructor as the layout", { layout: "constructor" }, "layout", `"split"`],
    // Credentials in URLs
    ["artifact URL with user:password", { app: { artifactUrl: "https://u:secret@example.com/app.tgz", ...ART } }, "app.artifactUrl", "credentials"],
    ["artifact URL with a user only", { app: { artifactUrl: "https://token@example.com/app.tgz", ...ART } }, "app.artifactUrl", "credentials"],
    ["ACME directory with credentials", { tls: { ...LE, acmeDirectory: "https://eab:key@acme.example.com/dir" } }, "tls.acmeDirectory", "credentials"],
    ["remote-write URL with a user only", { monitoring: { sink: "prometheus-remote-write", remoteWriteUrl: "https://token@p.example.com/api/v1/write" } }, "monitoring.remoteWriteUrl", "credentials"],
    ["SigV4 with a URL that names no AMP workspace", { monitoring: { sink: "prometheus-remote-write", remoteWriteUrl: "https://p.example.com/api/v1/write", remoteWriteSigV4: true } }, "monitoring.remoteWriteSigV4", "workspace"],
    ["remote-write URL over ftp", { monitoring: { sink: "prometheus-remote-write", remoteWriteUrl: "ftp://p.example.com/w" } }, "monitoring.remoteWriteUrl", "http(s)"],
    ["remote-write URL with javascript:", { monitoring: { sink: "prometheus-remote-write", remoteWriteUrl: "javascript:alert(1)" } }, "monitoring.remoteWriteUrl", "http(s)"],
    ["s3 artifact key with a wildcard (IAM would read it as a pattern)", { app: { artifactUrl: "s3://releases/app-*.tgz", ...ART } }, "app.artifactUrl", "wildcard"],
    ["s3 artifact key with ? (IAM would read it as a pattern)", { app: { artifactUrl: "s3://releases/app-?.tgz", ...ART } }, "app.artifactUrl", "wildcard"],
    ["s3 artifact key with a policy variable", { app: { artifactUrl: "s3://releases/${aws:username}/app.tgz", ...ART } }, "app.artifactUrl", "policy variable"],
    ["s3 artifact URL naming a folder", { app: { artifactUrl: "s3://releases/app/", ...ART } }, "app.artifactUrl", "folder"],
    ["artifact URL with a space", { app: { artifactUrl: "https://example.com/a b.tgz", ...ART } }, "app.artifactUrl", "https://"],
    // app.packages: Debian policy's package-name rule, nothing a YAML list or apt would read as more than a name
    ["app package with a shell substitution", { app: { artifactUrl: "https://example.com/app.tgz", ...ART, packages: ["nodejs", "$(reboot)"] } }, "app.packages[1]", "Debian policy"],
    ["app package with a YAML flow sequence", { app: { artifactUrl: "https://example.com/app.tgz", ...ART, packages: ["nodejs, openssh-server]"] } }, "app.packages[0]", "Debian policy"],
    ["app package with a space (two names in one)", { app: { artifactUrl: "https://example.com/app.tgz", ...ART, packages: ["nodejs npm"] } }, "app.packages[0]", "Debian policy"],
    ["app package upper case", { app: { artifactUrl: "https://example.com/app.tgz", ...ART, packages: ["NodeJS"] } }, "app.packages[0]", "lower-case"],
    ["app package starting with - (an apt option)", { app: { artifactUrl: "https://example.com/app.tgz", ...ART, packages: ["--allow-unauthenticated"] } }, "app.packages[0]", "starting with a letter or digit"],
    ["app package of one character", { app: { artifactUrl: "https://example.com/app.tgz", ...ART, packages: ["r"] } }, "app.packages[0]", "at least two characters"],
    ["app package with a version pin", { app: { artifactUrl: "https://example.com/app.tgz", ...ART, packages: ["nodejs=18.19.0+dfsg-6~deb12u2"] } }, "app.packages[0]", "no version"],
    ["app package with an architecture", { app: { artifactUrl: "https://example.com/app.tgz", ...ART, packages: ["libc6:i386"] } }, "app.packages[0]", "no version or architecture"],
    ["app package as a number", { app: { artifactUrl: "https://example.com/app.tgz", ...ART, packages: [7] } }, "app.packages[0]", "package name"],
    ["app packages as one string", { app: { artifactUrl: "https://example.com/app.tgz", ...ART, packages: "nodejs" } }, "app.packages", "a list of package names"],
    ["newline in an app package", { app: { artifactUrl: "https://example.com/app.tgz", ...ART, packages: ["nodejs\n- openssh-server"] } }, "app.packages[0]", "control character"],
    ["app packages for the bundled app", { app: { packages: ["nodejs"] } }, "app.packages", "custom artifact only"],
    ["too many app packages", { app: { artifactUrl: "https://example.com/app.tgz", ...ART, packages: Array.from({ length: 51 }, (_, i) => `lib${i}`) } }, "app.packages", "at most 50"],
    // app.artifactKmsKeyArn: exactly one key, by its key ARN (IAM's only way to name a key)
    ["artifact KMS key as an alias ARN", { app: { artifactUrl: "s3://releases/app.tgz", ...ART, artifactKmsKeyArn: "arn:aws:kms:us-east-1:123456789012:alias/releases" } }, "app.artifactKmsKeyArn", "key ARN"],
    ["artifact KMS key as an alias name", { app: { artifactUrl: "s3://releases/app.tgz", ...ART, artifactKmsKeyArn: "alias/releases" } }, "app.artifactKmsKeyArn", "alias"],
    ["artifact KMS key as a key id alone", { app: { artifactUrl: "s3://releases/app.tgz", ...ART, artifactKmsKeyArn: "1234abcd-12ab-34cd-56ef-1234567890ab" } }, "app.artifactKmsKeyArn", "arn:aws:kms:<region>:<account>:key/<key id>"],
    ["artifact KMS key ARN with a wildcard (every key of the account)", { app: { artifactUrl: "s3://releases/app.tgz", ...ART, artifactKmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/*" } }, "app.artifactKmsKeyArn", "key ARN"],
    ["artifact KMS key ARN with a wildcard region", { app: { artifactUrl: "s3://releases/app.tgz", ...ART, artifactKmsKeyArn: "arn:aws:kms:*:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" } }, "app.artifactKmsKeyArn", "key ARN"],
    ["artifact KMS key ARN with a policy variable", { app: { artifactUrl: "s3://releases/app.tgz", ...ART, artifactKmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/${aws:username}" } }, "app.artifactKmsKeyArn", "key ARN"],
    ["artifact KMS key for an https artifact", { app: { artifactUrl: "https://example.com/app.tgz", ...ART, artifactKmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" } }, "app.artifactKmsKeyArn", "s3://"],
    ["artifact KMS key for the bundled app", { app: { artifactKmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" } }, "app.artifactKmsKeyArn", "s3://"],
    // Database
    ["database named mysql", { database: { name: "mysql" } }, "database.name", "reserved"],
    ["database named MySQL (case)", { database: { name: "MySQL" } }, "database.name", "reserved"],
    ["database named sys", { database: { name: "sys" } }, "database.name", "reserved"],
    ["database named information_schema", { database: { name: "information_schema" } }, "database.name", "reserved"],
    ["database named performance_schema", { database: { name: "performance_schema" } }, "database.name", "reserved"],
    ["database user mysql", { database: { user: "mysql" } }, "database.user", "reserved"],
    ["database user ROOT (case)", { database: { user: "ROOT" } }, "database.user", "reserved"],
    ["database user sws_repl (the replication account)", { database: { user: "sws_repl" } }, "database.user", "reserved"],
    ["database user sws_exporter", { database: { user: "sws_exporter" } }, "database.user", "reserved"],
    ["database name with backtick", { database: { name: "app`; DROP" } }, "database.name", "letters"],
    ["database user with @", { database: { user: "app@%" } }, "database.user", "letters"],
    ["two app servers without TLS", { appServers: 2 }, "hardening.endToEndTls", "TLS"],
    ["replica without TLS", { hardening: { databaseReplica: true } }, "hardening.endToEndTls", "TLS"],
    // CIDRs
    ["admin CIDR with a leading zero (octal)", { adminCidrs: ["010.0.0.0/8"] }, "adminCidrs[0]", "canonical"],
    ["admin CIDR in hex", { adminCidrs: ["0xcb.0.113.7/32"] }, "adminCidrs[0]", "canonical"],
    ["admin CIDR with three parts", { adminCidrs: ["203.0.113/24"] }, "adminCidrs[0]", "canonical"],
    ["admin CIDR with host bits", { adminCidrs: ["203.0.113.7/24"] }, "adminCidrs[0]", "203.0.113.0/24"],
    ["admin CIDR prefix with a leading zero", { adminCidrs: ["203.0.113.7/032"] }, "adminCidrs[0]", "canonical"],
    ["admin CIDR prefix 33", { adminCidrs: ["203.0.113.7/33"] }, "adminCidrs[0]", "canonical"],
    ["admin CIDR as a number", { adminCidrs: [3405803783] }, "adminCidrs[0]", "string"],
    ["admin CIDRs covering everything in two halves", { adminCidrs: ["0.0.0.0/1", "128.0.0.0/1"] }, "adminCidrs", "allowSshFromAnywhere"],
    ["admin CIDRs adding up to more than a /8", { adminCidrs: ["10.0.0.0/8", "11.0.0.0/9"] }, "adminCidrs", "more than a /8"],
    ["admin CIDR IPv6", { adminCidrs: ["2001:db8::/32"] }, "adminCidrs[0]", "IPv6"],
    ["VPC CIDR with a leading zero", { network: { vpcCidr: "010.20.0.0/16" } }, "network.vpcCidr", "CIDR"],
    ["subnet CIDR in hex", { network: { publicSubnetCidr: "0x0a.20.0.0/24" } }, "network.publicSubnetCidr", "CIDR"],
    // Types where strings belong, and the reverse
    ["domain as a number", { domain: 42 }, "domain", "host name"],
    ["domain as an object", { domain: { toString: "x" } }, "domain", "host name"],
    ["environment as an array", { environment: ["prod"] }, "environment", "lower-case"],
    ["web servers as a string", { webServers: "2" }, "webServers", "whole number"],
    ["app servers negative", { appServers: -1 }, "appServers", "whole number"],
    ["app workers NaN", { app: { workers: Number.NaN } }, "app.workers", "whole number"],
    ["deploy gate as a string", { deployGate: { enabled: "false" } }, "deployGate.enabled", "true or false"],
    ["app environment value a number", { app: { environment: { N: 1 } } }, "app.environment.N", "one-line string"],
    ["app environment key lower-case", { app: { environment: { "path": "/tmp" } } }, "app.environment.path", "upper-case"],
    ["app environment key with $", { app: { environment: { "A$B": "x" } } }, "app.environment.A$B", "upper-case"],
    ["health path with a query", { app: { healthPath: "/healthz?x=$(id)" } }, "app.healthPath", "absolute"],
    ["health path with a space", { app: { healthPath: "/health z" } }, "app.healthPath", "absolute"],
    ["checksum upper case", { app: { artifactUrl: "https://example.com/app.tgz", ...ART, artifactSha256: "A".repeat(64) } }, "app.artifactSha256", "lower-case hex"],
    ["domain with a shell substitution", { domain: "$(id).foobar.com" }, "domain", "host name"],
    ["domain with a trailing dot", { domain: "www.foobar.com." }, "domain", "host name"],
    ["e-mail with a space", { tls: { ...LE, email: "ops @foobar.com" } }, "tls.email", "e-mail"],
    ["hosted zone id with a slash", { dns: { hostedZoneId: "/hostedzone/Z123456" } }, "dns.hostedZoneId", "Route53"],
    ["availability zone with a shell substitution", { network: { availabilityZone: "us-east-1a$(id)" } }, "network.availabilityZone", "zone name"],
    ["reboot time out of range", { patching: { rebootTime: "25:00" } }, "patching.rebootTime", "HH:MM"],
    ["snapshot count absurd", { backup: { dailySnapshots: 100000 } }, "backup.dailySnapshots", "whole number"],
    ["tag value too long", { tags: { team: "x".repeat(257) } }, "tags.team", "256"],
];

describe("bad input: hostile and malformed values (each names its field)", () => {
    for (const [what, extra, field, word, name] of HOSTILE_CASES) {
        it(`rejects ${what}, naming ${field}`, () => {
            const args: any = { ...ok };
            for (const k of Object.getOwnPropertyNames(extra)) Object.defineProperty(args, k, { value: extra[k], enumerable: true, writable: true, configurable: true });
            assert.throws(() => buildModel(args as SecuredWebStackArgs, name ?? "sws"), (e: unknown) => {
                assert.ok(e instanceof SecuredWebStackArgsError, `expected SecuredWebStackArgsError, got ${e}`);
                const line = e.problems.find((p) => p.startsWith(`${field}:`));
                assert.ok(line, `no problem names ${field}: ${e.problems.join(" | ")}`);
                assert.ok(line!.includes(word), `"${line}" does not say ${word}`);
                return true;
            });
        });
    }
    it("has at least 60 distinct hostile cases", () => {
        assert.ok(new Set(HOSTILE_CASES.map((c) => c[0])).size >= 60);
        assert.strictEqual(new Set(HOSTILE_CASES.map((c) => c[0])).size, HOSTILE_CASES.length, "case names are distinct");
    });
    it("accepts the canonical forms of what it rejects", () => {
        buildModel({ ...ok, adminCidrs: ["10.0.0.0/8"] }, "shop");
        buildModel({ ...ok, adminCidrs: ["0.0.0.0/1", "128.0.0.0/1"], allowSshFromAnywhere: true }, "a");
        buildModel({ ...ok, appServers: 2, hardening: { endToEndTls: true } }, "shop-2");
        // Debian policy's own examples of the rule's edges: digits first, +, . and two characters.
        const names = ["nodejs", "0ad", "libstdc++6", "python3.11", "r5", "node-mysql"];
        const app = buildModel({ ...ok, app: { artifactUrl: "https://example.com/app.tgz", ...ART, packages: [...names, "nodejs"] } }).app;
        assert.deepStrictEqual(app.packages, names, "every valid name kept once, in order");
        assert.deepStrictEqual(buildModel({ ...ok, app: { artifactUrl: "https://example.com/app.tgz", ...ART, packages: [] } }).app.packages, [], "an empty list: a self-contained artifact");
        for (const key of ["arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", "arn:aws:kms:ap-southeast-2:210987654321:key/mrk-1234abcd12ab34cd56ef1234567890ab"]) {
            assert.strictEqual(buildModel({ ...ok, app: { artifactUrl: "s3://releases/app.tgz", ...ART, artifactKmsKeyArn: key } }).app.artifactKmsKeyArn, key);
        }
        const m = buildModel({ ...ok, monitoring: { sink: "prometheus-remote-write", remoteWriteUrl: "HTTPS://Prom.Example.com:443/api/v1/write" } });
        assert.strictEqual(m.monitoring.remoteWriteUrl, "https://prom.example.com/api/v1/write", "stored as parsed");
    });
});
