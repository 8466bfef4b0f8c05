// The lab supervisor's restart policy (lab/supervisor/restartPolicy.ts): Restart=, RestartSec= and
// systemd's start limit, as a pure function.
import * as assert from "assert";
import { afterExit, START_LIMIT_BURST, START_LIMIT_INTERVAL_MS } from "../../lab/supervisor/restartPolicy";

describe("lab supervisor: restart policy", () => {
    const now = 1_000_000;
    it("restarts per Restart= after RestartSec= (at least 100 ms), keeping only recent starts", () => {
        assert.deepStrictEqual(afterExit({ restart: "always", restartSec: 1000 }, [now - 20000, now - 1000], 0, null, now),
            { action: "restart", delayMs: 1000, starts: [now - 1000] });
        assert.deepStrictEqual(afterExit({ restart: "on-failure", restartSec: 0 }, [], 1, null, now), { action: "restart", delayMs: 100, starts: [] });
        assert.deepStrictEqual(afterExit({ restart: "on-failure", restartSec: 0 }, [], null, "SIGKILL", now), { action: "restart", delayMs: 100, starts: [] });
    });
    it("stays down when Restart= does not ask for it: inactive after a clean exit, failed otherwise", () => {
        assert.deepStrictEqual(afterExit({ restart: "on-failure", restartSec: 100 }, [], 0, null, now), { action: "stay-down", state: "inactive" });
        assert.deepStrictEqual(afterExit({ restart: "no", restartSec: 100 }, [], 2, null, now), { action: "stay-down", state: "failed" });
        assert.deepStrictEqual(afterExit({ restart: "no", restartSec: 100 }, [], null, "SIGTERM", now), { action: "stay-down", state: "failed" });
    });
    it(`hits the start limit at ${START_LIMIT_BURST} starts within ${START_LIMIT_INTERVAL_MS / 1000} s, not at one fewer`, () => {
        const recent = Array.from({ length: START_LIMIT_BURST }, (_, i) => now - 100 * (i + 1));
        assert.strictEqual(afterExit({ restart: "always", restartSec: 100 }, recent, 1, null, now).action, "start-limit-hit");
        assert.strictEqual(afterExit({ restart: "always", restartSec: 100 }, recent.slice(1), 1, null, now).action, "restart");
        const old = recent.map((t) => t - START_LIMIT_INTERVAL_MS);
        assert.strictEqual(afterExit({ restart: "always", restartSec: 100 }, old, 1, null, now).action, "restart");
    });
});
