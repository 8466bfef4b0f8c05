// `npm run docs:changes`: computes the change matrix (tests/helpers/changeRows.ts, the component
// under the mocks) and writes its table into README.md between the change-matrix markers.
// tests/changeMatrix.test.ts fails while the README shows another table.
import * as fs from "fs";
import * as path from "path";
import { ROWS, TABLE_BEGIN, TABLE_END, computeRow, setUp, tableOf } from "../tests/helpers/changeRows";

(async () => {
    setUp();
    const results = [];
    for (const row of ROWS) results.push(await computeRow(row));
    const file = path.join(__dirname, "..", "README.md");
    const readme = fs.readFileSync(file, "utf8");
    const a = readme.indexOf(TABLE_BEGIN), b = readme.indexOf(TABLE_END);
    if (a < 0 || b < a) throw new Error(`README.md: no ${TABLE_BEGIN} … ${TABLE_END} block to fill`);
    const next = `${readme.slice(0, a + TABLE_BEGIN.length)}\n${tableOf(results)}\n${readme.slice(b)}`;
    if (next !== readme) fs.writeFileSync(file, next);
    process.stdout.write(`${next === readme ? "unchanged" : "updated"}: README.md replacement table (${results.length} changes)\n`);
    process.exit(0);
})().catch((e) => { console.error(e); process.exit(1); });
