// Every validation bound of every numeric argument: the smallest and the largest allowed value are
// accepted (and reach the model), one below and one above are refused with a problem naming the
// field and the range, and so is a fraction. The numeric arguments are read from
// components/types.ts with the TypeScript parser (helpers/argumentFields.ts), so a new numeric argument without a row here
// fails the coverage test; the bounds are written here by hand (as the README documents them), so a
// changed bound in the code fails too.
import * as assert from "assert";
import { buildModel, Model, SecuredWebStackArgsError } from "../components/model";
import type { SecuredWebStackArgs } from "../components/types";
import { numericArguments } from "./helpers/argumentFields";

const BOUNDS: { field: string; min: number; max: number; read: (m: Model) => number }[] = [
    { field: "webServers", min: 1, max: 10, read: (m) => m.servers.filter((s) => s.roles.includes("web")).length },
    { field: "appServers", min: 1, max: 10, read: (m) => m.servers.filter((s) => s.roles.includes("app")).length },
    { field: "database.volumeGiB", min: 8, max: 16384, read: (m) => m.database.volumeGiB },
    { field: "app.port", min: 1024, max: 65535, read: (m) => m.app.port },
    { field: "app.workers", min: 1, max: 64, read: (m) => m.app.workers },
    { field: "deployGate.timeoutSeconds", min: 30, max: 3600, read: (m) => m.deployGate.timeoutSeconds },
    { field: "backup.dailySnapshots", min: 1, max: 365, read: (m) => m.backup.dailySnapshots },
    { field: "backup.weeklySnapshots", min: 0, max: 260, read: (m) => m.backup.weeklySnapshots },
    { field: "backup.logicalRetentionDays", min: 1, max: 3650, read: (m) => m.backup.logicalRetentionDays },
    { field: "backup.binlogIntervalMinutes", min: 1, max: 60, read: (m) => m.backup.binlogIntervalMinutes },
];

/** The arguments with `field` (dotted) set to `value`, on a stack that accepts every bound (split layout). */
function withField(field: string, value: unknown): SecuredWebStackArgs {
    // endToEndTls: more than one app server puts the database on the network, which requires it.
    const args: any = { domain: "www.foobar.com", network: { vpcCidr: "10.20.0.0/16" }, hardening: { endToEndTls: true } };
    const keys = field.split(".");
    let o = args;
    for (const k of keys.slice(0, -1)) o = o[k] ??= {};
    o[keys[keys.length - 1]] = value;
    return args;
}

function problemsOf(args: SecuredWebStackArgs): string[] {
    try {
        buildModel(args);
        return [];
    } catch (e) {
        assert.ok(e instanceof SecuredWebStackArgsError, String(e));
        return e.problems;
    }
}

describe("validation bounds of every numeric argument", () => {
    it("covers every numeric argument of SecuredWebStackArgs (read from components/types.ts)", () => {
        assert.deepStrictEqual(BOUNDS.map((b) => b.field).sort(), numericArguments());
    });
    for (const b of BOUNDS) {
        it(`${b.field}: ${b.min} and ${b.max} accepted; ${b.min - 1}, ${b.max + 1} and a fraction refused naming the field`, () => {
            for (const v of [b.min, b.max]) {
                const problems = problemsOf(withField(b.field, v));
                assert.deepStrictEqual(problems, [], `${b.field} = ${v}`);
                assert.strictEqual(b.read(buildModel(withField(b.field, v))), v, `${b.field} = ${v} reaches the model`);
            }
            for (const v of [b.min - 1, b.max + 1, b.min + 0.5]) {
                const problems = problemsOf(withField(b.field, v));
                assert.ok(problems.some((p) => p.startsWith(`${b.field}: ${v} is not allowed; use a whole number from ${b.min} to ${b.max}`)),
                    `${b.field} = ${v}: ${JSON.stringify(problems)}`);
            }
        });
    }
});
