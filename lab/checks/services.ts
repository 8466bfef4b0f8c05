/** Every service the payloads started is running under its server's supervisor (none failed). */
import * as fs from "fs";
import * as path from "path";
import { supervisorDump } from "../supervisor/client";
import { rootPaths } from "../root";
import { CheckContext, CheckResult, timedCheck } from "./common";

export function servicesCheck(ctx: CheckContext): Promise<CheckResult> {
  return timedCheck("services", async () => {
    const lines: string[] = [];
    let ok = true;
    const details: Record<string, unknown> = {};
    for (const s of ctx.rendered.servers) {
      const d = await supervisorDump(s.name);
      if (!d) {
        ok = false;
        lines.push(`✗ ${s.name}: supervisor not answering`);
        continue;
      }
      details[s.name] = d.units;
      for (const u of d.units) {
        // A oneshot without RemainAfterExit ends "inactive" after a clean exit; that is success.
        const bad = u.state === "failed" || (u.state !== "active" && u.lastExit !== null && u.lastExit !== "exit 0" && u.enabled);
        if (bad) ok = false;
        lines.push(`${bad ? "✗" : "✓"} ${s.name.padEnd(5)} ${u.name.padEnd(36)} ${u.state} (${u.sub})${u.mainPid ? ` pid ${u.mainPid}` : ""}${u.restarts ? ` restarts ${u.restarts}` : ""}${u.note ? ` — ${u.note}` : ""}`);
      }
    }
    const n = lines.length;
    // Informational: what the daemons warned about in this run (configuration smells in the payloads).
    const warnings: string[] = [];
    for (const s of ctx.rendered.servers) {
      const dir = rootPaths(s.name).logs;
      const scan = (rel: string, re: RegExp, strip: RegExp) => {
        let text = "";
        try {
          text = fs.readFileSync(path.join(dir, rel), "utf8");
        } catch {
          return;
        }
        const seen = new Map<string, number>();
        for (const l of text.split("\n")) if (re.test(l)) {
          const k = l.replace(strip, "").trim();
          seen.set(k, (seen.get(k) ?? 0) + 1);
        }
        for (const [k, c] of seen) warnings.push(`${s.name}: ${rel}: ${k}${c > 1 ? ` (×${c})` : ""}`);
      };
      scan("haproxy/access.log", /\[(WARNING|ALERT)\].*config :|\[ALERT\].*(FD limit|Cannot)/, /^\[\w+\]\s+\(\d+\)\s*:\s*/);
      scan("nginx/error.log", /\[(warn|emerg|crit|alert)\]/, /^\S+ \S+ /);
      scan("mysql/error.log", /\[(Warning|ERROR)\]/, /^\S+ \S+ /);
    }
    if (warnings.length) lines.push("daemon warnings in this run (informational):", ...warnings.map((w) => `    ${w}`));
    return { ok, summary: `${lines.filter((l) => l.startsWith("✓")).length}/${n} units fine${warnings.length ? `; ${warnings.length} daemon warning(s)` : ""}`, lines, details: { units: details, warnings } };
  });
}
