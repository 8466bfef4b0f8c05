/**
 * TLS at the balancer, judged by Debian's testssl.sh (3.0.8) from the client namespace with the lab's
 * CA bundle trusted: only TLS 1.2/1.3, no weak cipher, HSTS, no vulnerability reported.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { cleanEnv } from "../shell";
import { netnsPath } from "../namespaces";
import { STATE } from "../files";
import { CheckContext, CheckResult } from "./common";

interface Finding {
  id: string;
  severity: string;
  finding: string;
}

const VULN_IDS = [
  "heartbleed", "CCS", "ticketbleed", "ROBOT", "secure_renego", "secure_client_renego", "CRIME_TLS", "BREACH", "POODLE_SSL",
  "fallback_SCSV", "SWEET32", "FREAK", "DROWN", "LOGJAM", "LOGJAM-common_primes", "BEAST", "BEAST_CBC_TLS1", "LUCKY13", "RC4", "winshock",
];
const WEAK_CIPHER_IDS = ["cipherlist_NULL", "cipherlist_aNULL", "cipherlist_EXPORT", "cipherlist_LOW", "cipherlist_3DES_IDEA", "cipherlist_OBSOLETED", "cipherlist_AVERAGE"];
/** Findings that describe how the lab's ACME server (pebble) issues certificates, not the stack. */
const ACME_SERVER_POLICY: Record<string, string> = {
  cert_validityPeriod: "pebble's fixed 5-year validity (Let's Encrypt issues 90-day certificates)",
  cert_revocation: "pebble puts no CRL/OCSP URL in its certificates (Let's Encrypt publishes CRLs)",
};
const BAD = new Set(["LOW", "MEDIUM", "HIGH", "CRITICAL"]);

/** Start testssl in the background (it takes about a minute); resolve with the check result. */
export function tlsCheck(ctx: CheckContext): Promise<CheckResult> {
  const t0 = Date.now();
  const { state } = ctx;
  const dir = path.join(STATE, "checks");
  fs.mkdirSync(dir, { recursive: true });
  const json = path.join(dir, "testssl.json");
  const logFile = path.join(dir, "testssl.log");
  fs.rmSync(json, { force: true });
  const args = [
    `--net=${netnsPath(ctx.client)}`, "--", "testssl", "--quiet", "--color", "0", "--warnings", "off", "--nodns", "min",
    "--ip", state.balancer.ip, "--add-ca", state.caBundle, "--jsonfile", json,
    "-p", "-s", "-S", "-h", "-U", `https://${state.domain}/`,
  ];
  return new Promise((resolve) => {
    const fd = fs.openSync(logFile, "w");
    const child = spawn("nsenter", args, { stdio: ["ignore", fd, fd], env: cleanEnv() });
    fs.closeSync(fd);
    const finish = (err?: string) => {
      const ms = Date.now() - t0;
      let items: Finding[] = [];
      try {
        items = JSON.parse(fs.readFileSync(json, "utf8"));
      } catch (e) {
        resolve({ name: "TLS (testssl)", ok: false, summary: `testssl produced no JSON (${err ?? String(e)}); see ${logFile}`, lines: [], details: {}, ms });
        return;
      }
      const get = (id: string) => items.find((i) => i.id === id);
      const checks: Array<{ name: string; ok: boolean; detail: string }> = [];
      const proto = (id: string) => get(id)?.finding ?? "?";
      const offered = (id: string) => /^offered/.test(proto(id));
      const notOffered = (id: string) => /not offered/.test(proto(id));
      checks.push({
        name: "only TLS 1.2 and 1.3 offered",
        ok: ["SSLv2", "SSLv3", "TLS1", "TLS1_1"].every(notOffered) && offered("TLS1_2") && offered("TLS1_3"),
        detail: ["SSLv2", "SSLv3", "TLS1", "TLS1_1", "TLS1_2", "TLS1_3"].map((p) => `${p}: ${proto(p)}`).join("; "),
      });
      const weak = WEAK_CIPHER_IDS.map(get).filter((x): x is Finding => !!x);
      checks.push({
        name: "no weak cipher",
        ok: weak.length > 0 && weak.every((w) => /not offered/.test(w.finding)),
        detail: weak.map((w) => `${w.id.replace("cipherlist_", "")}: ${w.finding}`).join("; "),
      });
      const hsts = get("HSTS_time") ?? get("HSTS");
      checks.push({ name: "HSTS", ok: !!hsts && hsts.severity === "OK", detail: hsts ? `${hsts.finding} (${hsts.severity})` : "not reported" });
      const vulns = items.filter((i) => VULN_IDS.includes(i.id));
      const flagged = vulns.filter((v) => BAD.has(v.severity));
      checks.push({ name: "no vulnerability reported", ok: vulns.length > 0 && flagged.length === 0, detail: `${vulns.length} tests; flagged: ${flagged.map((f) => `${f.id} (${f.severity}: ${f.finding})`).join("; ") || "none"}` });
      const trust = get("cert_chain_of_trust");
      checks.push({ name: "chain of trust (lab CA bundle added)", ok: !!trust && trust.severity === "OK", detail: trust ? `${trust.finding} (${trust.severity})` : "not reported" });
      const findings = items.filter((i) => (BAD.has(i.severity) || i.severity === "WARN") && i.id !== "engine_problem");
      const lines = [
        ...checks.map((c) => `${c.ok ? "✓" : "✗"} ${c.name}: ${c.detail}`),
        `findings testssl flags (severity LOW or above, WARN): ${findings.length ? "" : "none"}`,
        ...findings.map((f) => `    ${f.severity.padEnd(8)} ${f.id}: ${f.finding}${ACME_SERVER_POLICY[f.id] ? ` — ${ACME_SERVER_POLICY[f.id]}` : ""}`),
        `full output: ${logFile}, JSON: ${json}`,
      ];
      resolve({
        name: "TLS (testssl)",
        ok: checks.every((c) => c.ok),
        summary: `${checks.filter((c) => c.ok).length}/${checks.length} criteria; ${findings.length} finding(s) flagged`,
        lines,
        details: { checks, findings },
        ms,
      });
    };
    child.on("exit", (code) => finish(code === 0 ? undefined : `exit ${code}`));
    child.on("error", (e) => finish(String(e)));
  });
}
