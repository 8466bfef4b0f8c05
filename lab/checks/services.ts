/** Every service the payloads started is running under its server's supervisor (none failed). */
import { supervisorDump } from "../lab";
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
    return { ok, summary: `${lines.filter((l) => l.startsWith("✓")).length}/${n} units fine`, lines, details };
  });
}
