/**
 * End to end, from the client ("internet") namespace: https://<domain>/ through HAProxy → Nginx →
 * app → database writes and reads a row; the certificate chain verifies against the lab's CA
 * bundle (pebble's root) and was issued by the ACME server; http → https 301; HSTS; /healthz 200.
 */
import { inNetns } from "../namespaces";
import { CheckContext, CheckResult, timedCheck } from "./common";

interface Probe {
  name: string;
  ok: boolean;
  detail: string;
}

function curl(ctx: CheckContext, args: string[]): { code: number; out: string; err: string } {
  const { state } = ctx;
  const r = inNetns(ctx.client, "curl", [
    "-sS", "--max-time", "10", "--cacert", state.caBundle,
    "--resolve", `${state.domain}:443:${state.balancer.ip}`, "--resolve", `${state.domain}:80:${state.balancer.ip}`, ...args,
  ]);
  return { code: r.code, out: r.stdout, err: r.stderr };
}

export function e2eCheck(ctx: CheckContext): Promise<CheckResult> {
  return timedCheck("end-to-end", async () => {
    const { state } = ctx;
    const d = state.domain;
    const probes: Probe[] = [];

    // 1. The page writes a row and reads it back; two requests → two different rows.
    const rows: number[] = [];
    for (let i = 0; i < 2; i++) {
      const r = curl(ctx, ["-D", "-", "-w", "\n%{http_code} %{ssl_verify_result}", `https://${d}/`]);
      const [status, verify] = r.out.trim().split("\n").pop()!.split(" ");
      const m = /wrote and read row (\d+)/.exec(r.out);
      if (m) rows.push(Number(m[1]));
      if (i === 0) {
        probes.push({ name: `GET https://${d}/ → 200 with a row written and read`, ok: r.code === 0 && status === "200" && !!m, detail: r.code === 0 ? `status ${status}; ${m ? m[0] : "no row in the page"}` : r.err.trim() });
        probes.push({ name: "certificate chain verified by the client (lab CA bundle)", ok: r.code === 0 && verify === "0", detail: `curl ssl_verify_result=${verify ?? "?"}` });
        const hsts = /^strict-transport-security:\s*(.+)$/im.exec(r.out);
        const maxAge = Number(/max-age=(\d+)/.exec(hsts?.[1] ?? "")?.[1] ?? 0);
        probes.push({ name: "HSTS header (max-age ≥ 1 year)", ok: maxAge >= 31536000, detail: hsts ? hsts[1].trim() : "absent" });
      }
    }
    probes.push({ name: "each request writes a new row (database round trip)", ok: rows.length === 2 && rows[1] > rows[0], detail: `rows ${rows.join(", ")}` });

    // 2. The served chain: issued by the ACME server (not the boot-time placeholder), valid for the domain.
    const s = inNetns(ctx.client, "openssl", [
      "s_client", "-connect", `${state.balancer.ip}:443`, "-servername", d, "-CAfile", state.caBundle,
      "-verify_return_error", "-verify_hostname", d, "-showcerts",
    ], { input: "" });
    const verifyOk = /Verify return code: 0 \(ok\)/.test(s.stdout);
    const issuer = /^\s*i:(.*)$/m.exec(s.stdout)?.[1]?.trim() ?? "?";
    const depth = (s.stdout.match(/-----BEGIN CERTIFICATE-----/g) ?? []).length;
    probes.push({ name: "chain verifies with openssl (hostname + chain to pebble's root)", ok: verifyOk, detail: `issuer ${issuer}; ${depth} certificate(s) sent` });
    probes.push({ name: "certificate issued by the ACME server via HTTP-01", ok: /pebble/i.test(issuer), detail: issuer });

    // 3. http → https, 301.
    const h = curl(ctx, ["-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", `http://${d}/some/path?q=1`]);
    const [code, loc] = h.out.trim().split(" ");
    probes.push({ name: "http → https 301", ok: code === "301" && loc === `https://${d}/some/path?q=1`, detail: `${code} → ${loc}` });

    // 4. /healthz 200.
    const hz = curl(ctx, ["-o", "/dev/null", "-w", "%{http_code}", `https://${d}/healthz`]);
    probes.push({ name: "/healthz 200", ok: hz.out.trim() === "200", detail: hz.out.trim() || hz.err.trim() });

    const ok = probes.every((p) => p.ok);
    return {
      ok,
      summary: `${probes.filter((p) => p.ok).length}/${probes.length} probes pass`,
      lines: probes.map((p) => `${p.ok ? "✓" : "✗"} ${p.name}: ${p.detail}`),
      details: probes,
    };
  });
}
