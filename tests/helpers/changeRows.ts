// The rows of the change matrix (README "Which changes replace which server"): each a change
// from configuration A to configuration B of one stack, computed under the mocks by
// tests/helpers/changeMatrix.ts. tests/changeMatrix.test.ts asserts the invariants over every
// row and that the README's table is the one `npm run docs:changes` writes from these rows.
import type { SecuredWebStackArgs } from "../../components/types";
import { Captured, installMocks, settle, valueOf } from "./pulumiMocks";
import { Change, RunResource, addressConflicts, diffRuns, optionLog, runOf } from "./changeMatrix";

export const STACK = "sws";
/** The stack's app-update association (aws/appRollout.ts). */
export const ASSOCIATION = `aws:ssm/association:Association::${STACK}-app-update`;
/** The stack's peers-update association (aws/peersRollout.ts). */
export const PEERS_ASSOCIATION = `aws:ssm/association:Association::${STACK}-peers-update`;
const PARAMETER = "aws:ssm/parameter:Parameter::";

/** The server whose peer list a key names (`sws-<server>-peers-…` parameters), if it does. */
export function peerListOwner(key: string): string | undefined {
    if (!key.startsWith(PARAMETER)) return undefined;
    return /^[^-]+-(.+?)-peers-etc-sws-peers-/.exec(key.slice(PARAMETER.length))?.[1];
}

export interface Row {
    /** What the operator changes, as the README shows it. */
    change: string;
    /** The README table's group: rows with one group are one line of the table. */
    group: string;
    a: SecuredWebStackArgs;
    b: SecuredWebStackArgs;
    /** A different AMI id from the image lookup in run B (the AMI's release, not a config key). */
    newerAmi?: boolean;
}

const base: SecuredWebStackArgs = { domain: "www.foobar.com", environment: "dev" };
const with_ = (extra: Partial<SecuredWebStackArgs>): SecuredWebStackArgs => ({ ...base, ...extra });
const le = { mode: "lets-encrypt", email: "ops@foobar.com" } as const;
const custom = (url: string, sha: string) => ({ artifactUrl: url, artifactSha256: sha, startCommand: "node server.js" });
const SHA_A = "a".repeat(64);
const SHA_B = "b".repeat(64);

export const ROWS: Row[] = [
    { group: "scale web", change: "`webServers` 1 → 2", a: with_({ webServers: 1 }), b: with_({ webServers: 2 }) },
    { group: "scale web", change: "`webServers` 2 → 3", a: with_({ webServers: 2 }), b: with_({ webServers: 3 }) },
    { group: "scale web", change: "`webServers` 3 → 1", a: with_({ webServers: 3 }), b: with_({ webServers: 1 }) },
    // More than one app server puts the database on the network: the model requires endToEndTls then.
    { group: "scale app", change: "`appServers` 1 → 2 (with `endToEndTls`)", a: with_({ appServers: 1, hardening: { endToEndTls: true } }), b: with_({ appServers: 2, hardening: { endToEndTls: true } }) },
    { group: "scale app", change: "`appServers` 2 → 3 (with `endToEndTls`)", a: with_({ appServers: 2, hardening: { endToEndTls: true } }), b: with_({ appServers: 3, hardening: { endToEndTls: true } }) },
    { group: "scale app", change: "`appServers` 3 → 1 (with `endToEndTls`)", a: with_({ appServers: 3, hardening: { endToEndTls: true } }), b: with_({ appServers: 1, hardening: { endToEndTls: true } }) },
    { group: "tls", change: "`tls.mode` self-signed → lets-encrypt", a: base, b: with_({ tls: le }) },
    { group: "tls", change: "`tls.mode` lets-encrypt → acm", a: with_({ tls: le, dns: { hostedZoneId: "Z04481532TESTZONE0001" } }), b: with_({ tls: { mode: "acm" }, dns: { hostedZoneId: "Z04481532TESTZONE0001" } }) },
    { group: "tls", change: "`tls.email`", a: with_({ tls: le }), b: with_({ tls: { ...le, email: "web@foobar.com" } }) },
    { group: "tls", change: "`tls.acmeDirectory`", a: with_({ tls: le }), b: with_({ tls: { ...le, acmeDirectory: "staging" } }) },
    { group: "tls", change: "`tls.redirectApex`", a: with_({ tls: le }), b: with_({ tls: { ...le, redirectApex: true } }) },
    { group: "app", change: "`app.port`", a: base, b: with_({ app: { port: 3100 } }) },
    { group: "app", change: "`app.environment`", a: base, b: with_({ app: { environment: { FEATURE_X: "on" } } }) },
    { group: "app", change: "`app.healthPath`", a: base, b: with_({ app: { healthPath: "/status" } }) },
    { group: "app", change: "`app.workers`", a: base, b: with_({ app: { workers: 2 } }) },
    { group: "app", change: "a new `app.artifactUrl` + `artifactSha256`", a: with_({ app: custom("https://example.com/app-1.tgz", SHA_A) }), b: with_({ app: custom("https://example.com/app-2.tgz", SHA_B) }) },
    { group: "app", change: "a new `s3://` `app.artifactUrl` + `artifactSha256`", a: with_({ app: custom("s3://releases-bucket/app-1.tgz", SHA_A) }), b: with_({ app: custom("s3://releases-bucket/app-2.tgz", SHA_B) }) },
    // What a custom artifact needs installed is in the user data (cloud-init installs packages at first boot only).
    { group: "app", change: "`app.packages` (a custom artifact's)", a: with_({ app: custom("https://example.com/app-1.tgz", SHA_A) }), b: with_({ app: { ...custom("https://example.com/app-1.tgz", SHA_A), packages: ["nodejs", "node-mysql"] } }) },
    { group: "app", change: "`app.artifactKmsKeyArn` (an s3:// artifact's key)", a: with_({ app: custom("s3://releases-bucket/app-1.tgz", SHA_A) }), b: with_({ app: { ...custom("s3://releases-bucket/app-1.tgz", SHA_A), artifactKmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" } }) },
    { group: "database", change: "`database.name` / `.user`", a: base, b: with_({ database: { name: "shop", user: "shop" } }) },
    { group: "database", change: "`database.volumeGiB` 20 → 40", a: base, b: with_({ database: { volumeGiB: 40 } }) },
    { group: "os", change: "`os` ubuntu-24.04 → debian-12", a: base, b: with_({ os: "debian-12" }) },
    { group: "sink", change: "`monitoring.sink` cloudwatch → prometheus-remote-write", a: base, b: with_({ monitoring: { sink: "prometheus-remote-write", remoteWriteUrl: "https://prom.example.com/api/v1/write" } }) },
    { group: "sink", change: "`monitoring.remoteWriteUrl`", a: with_({ monitoring: { sink: "prometheus-remote-write", remoteWriteUrl: "https://prom.example.com/api/v1/write" } }), b: with_({ monitoring: { sink: "prometheus-remote-write", remoteWriteUrl: "https://prom2.example.com/api/v1/write" } }) },
    { group: "sink", change: "`monitoring.sink` cloudwatch → none", a: base, b: with_({ monitoring: { sink: "none" } }) },
    { group: "hardening", change: "`hardening.endToEndTls` off → on", a: base, b: with_({ hardening: { endToEndTls: true } }) },
    { group: "hardening", change: "`hardening.endToEndTls` on → off", a: with_({ hardening: { endToEndTls: true } }), b: base },
    { group: "hardening", change: "`hardening.databaseReplica` off → on (with `endToEndTls`)", a: with_({ hardening: { endToEndTls: true } }), b: with_({ hardening: { endToEndTls: true, databaseReplica: true } }) },
    { group: "hardening", change: "`hardening.databaseReplica` on → off (with `endToEndTls`)", a: with_({ hardening: { endToEndTls: true, databaseReplica: true } }), b: with_({ hardening: { endToEndTls: true } }) },
    { group: "instance type", change: "`instanceTypes.app` t3.medium → t3.large", a: base, b: with_({ instanceTypes: { app: "t3.large" } }) },
    { group: "instance type", change: "`instanceTypes.web` t3.small → t3.medium", a: base, b: with_({ instanceTypes: { web: "t3.medium" } }) },
    { group: "ami", change: "a newer AMI released", a: base, b: base, newerAmi: true },
];

export interface RowResult {
    row: Row;
    change: Change;
    before: RunResource[];
    after: RunResource[];
    conflicts: string[];
}

let captured: Captured[] | undefined;
let Stack: typeof import("../../components/securedWebStack").SecuredWebStack;
let amiOverride: string | undefined;

/** Installs the mocks (once per process) and wraps the image lookup so a row can see a newer AMI. */
export function setUp(): void {
    if (captured) return;
    captured = installMocks();
    // The mock monitor's calls go through its Mocks object: answer getAmi with another image id
    // while a "newer AMI" run is on. Everything else is the shared mocks' own answer.
    const monitor = require("@pulumi/pulumi/runtime/settings").getMonitor();
    const mocks = monitor.mocks;
    const call = mocks.call.bind(mocks);
    mocks.call = async (args: any) => {
        const r = await call(args);
        return args.token === "aws:ec2/getAmi:getAmi" && amiOverride ? { ...r, id: amiOverride, imageId: amiOverride } : r;
    };
    Stack = require("../../components/securedWebStack").SecuredWebStack;
}

const runs = new Map<string, RunResource[]>();

export async function run(args: SecuredWebStackArgs, newerAmi = false): Promise<RunResource[]> {
    setUp();
    const cacheKey = JSON.stringify([args, newerAmi]);
    const hit = runs.get(cacheKey);
    if (hit) return hit;
    captured!.length = 0;
    amiOverride = newerAmi ? "ami-0fedcba9876543210" : undefined;
    const log = optionLog();
    try {
        const s = new Stack(STACK, args, { transformations: [log.transformation] });
        await valueOf(s.instanceIds);
        await valueOf(s.backupBucketName);
        await settle(captured!);
    } finally {
        amiOverride = undefined;
    }
    const out = runOf(captured!.filter((c) => c.custom !== false), log);
    runs.set(cacheKey, out);
    return out;
}

export async function computeRow(row: Row): Promise<RowResult> {
    const before = await run(row.a);
    const after = await run(row.b, row.newerAmi);
    const change = diffRuns(before, after);
    return { row, change, before, after, conflicts: addressConflicts(before, after, change) };
}

/** Server names (`sws-<server>` instances) in a list of keys. */
const serversIn = (keys: string[]) => keys
    .filter((k) => k.startsWith("aws:ec2/instance:Instance::"))
    .map((k) => k.slice("aws:ec2/instance:Instance::".length + STACK.length + 1));

export function summary(r: RowResult): { replaced: string[]; added: string[]; removed: string[]; inPlace: string[] } {
    const replaced = serversIn(r.change.replaced.map((x) => x.key));
    const inPlace = serversIn(r.change.updated.map((x) => x.key));
    // A server's peer lists changed: the peers-update association applies them (sws-peers, no restart).
    const peers = [...new Set(r.change.updated.map((u) => peerListOwner(u.key)).filter((x): x is string => !!x && r.after.some((a) => a.key === `aws:ec2/instance:Instance::${STACK}-${x}`) && r.before.some((b) => b.key === `aws:ec2/instance:Instance::${STACK}-${x}`)))]
        .filter((x) => !replaced.includes(x));
    inPlace.push(...peers.map((x) => `${x} (peer lists)`));
    // A new release: the association runs sws-app-update on the app servers, one at a time.
    if (r.change.updated.some((u) => u.key === ASSOCIATION && u.inputs.some((i) => i.startsWith("parameters.release")))) {
        inPlace.push("app-* (release, one at a time)");
    }
    return { replaced, added: serversIn(r.change.created), removed: serversIn(r.change.deleted), inPlace };
}

const list = (xs: string[]) => xs.map((x) => (x.includes(" ") ? x.replace(/^(\S+)/, "`$1`") : `\`${x}\``)).join(", ");

/** One README line per row: the servers each change replaces, adds, removes, or updates in place. */
export function tableOf(results: RowResult[]): string {
    const lines = ["| change | servers replaced | servers added / removed | servers updated in place |", "|---|---|---|---|"];
    for (const r of results) {
        const s = summary(r);
        const addRem = [s.added.length ? `+ ${list(s.added)}` : "", s.removed.length ? `− ${list(s.removed)}` : ""].filter(Boolean).join("; ");
        lines.push(`| ${r.row.change} | ${s.replaced.length ? list(s.replaced) : "none"} | ${addRem || "—"} | ${s.inPlace.length ? list(s.inPlace) : "—"} |`);
    }
    return lines.join("\n");
}

export const TABLE_BEGIN = "<!-- change-matrix:begin (generated by `npm run docs:changes` from tests/helpers/changeRows.ts; checked by tests/changeMatrix.test.ts) -->";
export const TABLE_END = "<!-- change-matrix:end -->";

export function readmeTable(readme: string): string | undefined {
    const a = readme.indexOf(TABLE_BEGIN), b = readme.indexOf(TABLE_END);
    return a < 0 || b < a ? undefined : readme.slice(a + TABLE_BEGIN.length, b).trim();
}
