// How a drill's results are printed and kept: one format for `faults` and for each
// `drill <name>` command (PASS/FAIL, the summary, the detail lines; the JSON in the lab's state
// directory as last-<name>.json, which the README figures are read from).
import * as path from "path";
import type { CheckResult } from "../checks/common";
import { STATE, writeJson } from "../files";

export type Say = (line: string) => void;

export function printResult(r: CheckResult, say: Say): void {
  say(`\n${r.ok ? "PASS" : "FAIL"}  ${r.name} — ${r.summary} (${(r.ms / 1000).toFixed(1)} s)`);
  for (const l of r.lines) say(`      ${l}`);
}

export const resultJson = (r: CheckResult) => ({ name: r.name, ok: r.ok, summary: r.summary, seconds: r.ms / 1000, lines: r.lines, details: r.details });

/** `npm run lab -- drill <name> [--json]`: runs the drill, prints its results, keeps them; exit 0 only if every result passed. */
export async function runDrillCommand(name: string, json: boolean, drill: (say: Say) => Promise<CheckResult[]>): Promise<number> {
  const say: Say = (l) => { if (!json) process.stdout.write(`${l}\n`); };
  const t0 = Date.now();
  const results = await drill(say);
  const ok = results.length > 0 && results.every((r) => r.ok);
  const out = { drill: name, ok, seconds: (Date.now() - t0) / 1000, date: new Date().toISOString(), results: results.map(resultJson) };
  writeJson(path.join(STATE, `last-${name}.json`), out);
  if (json) process.stdout.write(JSON.stringify(out, null, 2) + "\n");
  else {
    for (const r of results) printResult(r, say);
    say(`\n${ok ? "PASS" : "FAIL"}  drill ${name} (${out.seconds.toFixed(1)} s)`);
  }
  return ok ? 0 : 1;
}
