// Tests that need an external tool (cloud-init's schema module, promtool, haproxy, nginx). On a
// workstation without the tool the test is skipped with a visible reason; under CI=true a missing
// tool fails the test, because CI (.ci/run, the GitHub workflow) installs every one of them and a
// silent skip there would check nothing.
import * as cp from "child_process";
import * as assert from "assert";

/** The tool's absence, as a reason, or undefined when `probe` runs and exits 0. */
export function missingTool(probe: string[]): string | undefined {
    const r = cp.spawnSync(probe[0], probe.slice(1), { encoding: "utf8", stdio: "pipe" });
    if (r.error) return `${probe[0]}: ${r.error.message}`;
    if (r.status !== 0) return `${probe.join(" ")} exited ${r.status}: ${(r.stderr || r.stdout).trim().split("\n").slice(-1)[0]}`;
    return undefined;
}

/** Skips the running test (locally) or fails it (CI=true) when the tool is missing. */
export function requireTool(ctx: Mocha.Context, what: string, probe: string[], install: string): void {
    const missing = missingTool(probe);
    if (!missing) return;
    const why = `${what} is missing (${missing}); install it with: ${install}`;
    if (process.env.CI && process.env.CI !== "false") assert.fail(`CI=true: ${why}`);
    console.log(`      SKIPPED: ${why}`);
    ctx.skip();
}
