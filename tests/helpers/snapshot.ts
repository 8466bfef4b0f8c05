// File snapshots under tests/__snapshots__. A snapshot is only ever written by an explicit
// `UPDATE_SNAPSHOTS=1 npm test`; otherwise a missing snapshot fails exactly like a different one, so
// a careless run can never accept a regression by writing its output as the new expectation.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";

const DIR = path.join(__dirname, "..", "__snapshots__");

export function matchSnapshot(name: string, actual: string): void {
    const file = path.join(DIR, name);
    if (process.env.UPDATE_SNAPSHOTS === "1") {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, actual);
        return;
    }
    assert.ok(fs.existsSync(file), `snapshot ${name} is missing (UPDATE_SNAPSHOTS=1 npm test writes it; review and commit it)`);
    const expected = fs.readFileSync(file, "utf8");
    assert.strictEqual(actual, expected, `snapshot ${name} differs (UPDATE_SNAPSHOTS=1 npm test accepts the change; review the diff)`);
}
