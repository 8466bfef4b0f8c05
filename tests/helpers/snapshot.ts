// File snapshots under tests/__snapshots__: written when missing (or with UPDATE_SNAPSHOTS=1),
// compared otherwise. In CI a missing snapshot is a failure, not a silent write.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";

const DIR = path.join(__dirname, "..", "__snapshots__");

export function matchSnapshot(name: string, actual: string): void {
    const file = path.join(DIR, name);
    if (process.env.UPDATE_SNAPSHOTS === "1" || (!fs.existsSync(file) && !process.env.CI)) {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, actual);
        return;
    }
    assert.ok(fs.existsSync(file), `snapshot ${name} is missing (run the tests locally to write it, and commit it)`);
    const expected = fs.readFileSync(file, "utf8");
    assert.strictEqual(actual, expected, `snapshot ${name} differs (UPDATE_SNAPSHOTS=1 to accept the change)`);
}
