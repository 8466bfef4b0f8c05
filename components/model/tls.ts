// Sections "tls" (how HTTPS is provided at the balancer) and "dns" (the Route53 zone, which ACM
// validation and the apex redirect depend on).
import { DnsArgs, TlsArgs, TlsMode } from "../types";
import { EMAIL, Problems, bool, matching, oneOf } from "./fields";
import type { Model } from "./shape";
import { readReference } from "./references";

const ACME_DIRECTORIES: { [k: string]: string } = {
    production: "https://acme-v02.api.letsencrypt.org/directory",
    staging: "https://acme-staging-v02.api.letsencrypt.org/directory",
};

export function readTls(p: Problems, t: TlsArgs): Model["tls"] {
    const tlsMode = oneOf(p, "tls.mode", t.mode, TlsMode, TlsMode.SelfSigned);
    const email = matching(p, "tls.email", t.email, EMAIL, `an e-mail address such as "ops@foobar.com"`);
    if (tlsMode === TlsMode.LetsEncrypt && t.email === undefined) p.push(`tls.email: missing; mode "lets-encrypt" needs an ACME account e-mail such as "ops@foobar.com"`);
    let acmeDirectoryUrl = ACME_DIRECTORIES.production;
    if (t.acmeDirectory !== undefined) {
        // Own keys only: "constructor" must not find Object.prototype's.
        if (typeof t.acmeDirectory === "string" && Object.prototype.hasOwnProperty.call(ACME_DIRECTORIES, t.acmeDirectory)) acmeDirectoryUrl = ACME_DIRECTORIES[t.acmeDirectory];
        else if (typeof t.acmeDirectory === "string" && /^https:\/\/[^\s/]+(\/\S*)?$/.test(t.acmeDirectory)) {
            let u: URL | undefined;
            try { u = new URL(t.acmeDirectory); } catch { /* reported below */ }
            if (!u) p.push(`tls.acmeDirectory: ${JSON.stringify(t.acmeDirectory)} is not a valid URL; use "production", "staging" or an https:// ACME directory URL`);
            else if (u.username || u.password) p.push(`tls.acmeDirectory: embeds credentials (user:password@); they would be stored in plain text on the balancer — use a directory URL without userinfo`);
            else acmeDirectoryUrl = t.acmeDirectory;
        } else p.push(`tls.acmeDirectory: ${JSON.stringify(t.acmeDirectory)} is not allowed; use "production", "staging" or an https:// ACME directory URL`);
    }
    if (t.acmeCaPem !== undefined && (typeof t.acmeCaPem !== "string" || !t.acmeCaPem.includes("-----BEGIN CERTIFICATE-----"))) {
        p.push(`tls.acmeCaPem: not a PEM certificate; use the CA certificate of your private ACME server`);
    }
    const keyAlgorithm = oneOf(p, "tls.keyAlgorithm", t.keyAlgorithm, { ECDSA: "ECDSA", RSA: "RSA" } as const, "ECDSA");
    const redirectApex = bool(p, "tls.redirectApex", t.redirectApex, false);
    if (tlsMode === TlsMode.Imported && (t.certificatePem === undefined || t.privateKeyPem === undefined)) {
        p.push(`tls.certificatePem/tls.privateKeyPem: missing; mode "imported" needs both (set them with \`pulumi config set --secret\`)`);
    }
    if (tlsMode !== TlsMode.Imported && (t.certificatePem !== undefined || t.privateKeyPem !== undefined)) {
        p.push(`tls.certificatePem: given, but tls.mode is "${tlsMode}"; set tls.mode to "imported" to use your own certificate`);
    }
    return { mode: tlsMode, email, acmeDirectoryUrl, acmeCaPem: t.acmeCaPem, keyAlgorithm, redirectApex };
}

export function readDns(p: Problems, dns: DnsArgs | undefined, tls: Model["tls"], domain: string): { dns: Model["dns"]; apexDomain: string } {
    const hostedZoneId = readReference(p, "dns.hostedZoneId", dns?.hostedZoneId);
    if (tls.mode === TlsMode.Acm && !hostedZoneId) p.push(`dns.hostedZoneId: missing; tls.mode "acm" validates the certificate by DNS and needs the Route53 zone of the domain`);
    const apexDomain = domain.split(".").slice(1).join(".");
    if (tls.redirectApex && apexDomain.split(".").length < 2) p.push(`tls.redirectApex: ${domain} has no apex above it to redirect; use a domain such as "www.foobar.com"`);
    return { dns: { hostedZoneId }, apexDomain };
}
