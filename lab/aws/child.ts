/**
 * The lab's child-process runner: a module's step that must run in a process of its own (Pulumi's
 * mock runtime is process-global; the replay must run inside the AWS host's network namespace)
 * is started as `node -r ts-node/register/transpile-only <module> --child`, its input as JSON on
 * stdin, and reports through a file it writes. program.ts and emulator.ts both use it.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import { REPO_DIR } from "../files";

export interface ChildOptions {
  /** What the child does, for the error message. */
  what: string;
  /** A command the node process runs under (e.g. nsenter into a namespace). */
  prefix?: string[];
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
}

/** Run `file` as a child (its `childMain`), with `input` as JSON on stdin; throws with the child's stderr tail on failure. */
export function runChild(file: string, input: unknown, o: ChildOptions): void {
  const argv = [...(o.prefix ?? []), process.execPath, "-r", require.resolve("ts-node/register/transpile-only"), file, "--child"];
  const r = spawnSync(argv[0], argv.slice(1), {
    cwd: REPO_DIR, input: JSON.stringify(input), encoding: "utf8", timeout: o.timeoutMs, maxBuffer: 64 * 1024 * 1024,
    env: { ...o.env, TS_NODE_TRANSPILE_ONLY: "1" },
  });
  if (r.status !== 0) throw new Error(`${o.what} failed (exit ${r.status}${r.signal ? `, ${r.signal}` : ""}):\n${(r.stderr || "").slice(-4000)}`);
}

/** In the module started by runChild (and only there): read the input, run `main`, exit 0 or 1 with the stack on stderr. */
export function childMain<T>(mod: NodeJS.Module, main: (input: T) => Promise<void>): void {
  if (require.main !== mod || !process.argv.includes("--child")) return;
  main(JSON.parse(fs.readFileSync(0, "utf8")) as T).then(
    () => process.exit(0),
    (e) => {
      process.stderr.write(`${(e as Error).stack ?? e}\n`);
      process.exit(1);
    },
  );
}
