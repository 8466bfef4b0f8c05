import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { loadConfig, render } from "../../lab/config";
import type { CheckContext } from "../../lab/checks/common";
import { LIFECYCLE_DRILLS } from "../../lab/drills/lifecycle";

// Which lifecycle drills `npm run lab -- faults` runs on which profile: CI runs `faults` on the
// default and hardened profiles and relies on this split to cover every drill somewhere.
const PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
function ctxOf(profile: string): CheckContext {
  const cfg = loadConfig(profile);
  const rendered = render(cfg, PEM, PEM);
  return { cfg, rendered, state: {} as CheckContext["state"], client: cfg.lab.client.name, stale: false };
}
const runnable = (profile: string) => LIFECYCLE_DRILLS.filter((d) => !d.needs(ctxOf(profile))).map((d) => d.key).sort();

describe("lab: lifecycle drills per profile", () => {
  it("each drill has its own key", () => {
    const keys = LIFECYCLE_DRILLS.map((d) => d.key);
    assert.deepStrictEqual([...new Set(keys)], keys);
  });

  it("the hardened profile (two web, two app servers, a replica) runs every lifecycle drill", () => {
    assert.deepStrictEqual(runnable("hardened"), LIFECYCLE_DRILLS.map((d) => d.key).sort());
  });

  it("the default profile (one server per tier) says why it cannot run the rollout, peers and promotion drills", () => {
    const ctx = ctxOf("default");
    for (const key of ["app-update", "peers", "promote"]) {
      const why = LIFECYCLE_DRILLS.find((d) => d.key === key)!.needs(ctx);
      assert.match(why ?? "", /needs .*up --profile hardened/, key);
    }
    assert.ok(runnable("default").includes("restore-interrupt"));
  });

  it("the cluster profile leaves the single-database drills to its own", () => {
    const r = runnable("cluster");
    assert.ok(!r.includes("promote") && !r.includes("restore-interrupt"), r.join(","));
  });

  it("CI (.ci/run) runs every lifecycle drill on a profile that has what it needs", () => {
    const ci = fs.readFileSync(path.join(__dirname, "..", "..", ".ci", "run"), "utf8");
    const ran = new Map<string, string>();
    for (const m of ci.matchAll(/^profile (\S+)(.*)$/gm)) {
      const profile = m[1];
      const can = runnable(profile);
      for (const step of m[2].matchAll(/"([^"]+)"|(\S+)/g)) {
        const words = (step[1] ?? step[2]).split(" ");
        if (words[0] !== "faults") continue;
        const only = words[1] === "--only" ? words[2].split(",") : undefined;
        for (const key of only ?? can) {
          if (!LIFECYCLE_DRILLS.some((d) => d.key === key)) continue;
          // An --only naming a drill this profile cannot run would print NOT RUN and pass.
          assert.ok(can.includes(key), `.ci/run: faults --only ${key} on profile ${profile}, which cannot run it`);
          ran.set(key, profile);
        }
      }
    }
    const missing = LIFECYCLE_DRILLS.map((d) => d.key).filter((k) => !ran.has(k));
    assert.deepStrictEqual(missing, [], `lifecycle drills CI never runs: ${missing.join(", ")}`);
  });
});
