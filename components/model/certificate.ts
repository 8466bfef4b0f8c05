// The imported certificate (tls.mode "imported") checked in the model: when the PEMs are plain
// strings, buildModel reports a mismatch with every other bad field, before any resource is
// registered. Secret config values arrive as Outputs: the AWS renderer runs the same check when
// they resolve (during preview, before anything is created in AWS, but after registration).
import * as crypto from "crypto";
import { SecuredWebStackArgsError } from "./fields";

/** Problems of an imported certificate + key: PEM parses, key matches, domain in SAN, not expired. */
export function importedCertificateProblems(domain: string, certPem: string, keyPem: string, now = new Date()): string[] {
    const problems: string[] = [];
    let cert: crypto.X509Certificate | undefined;
    let key: crypto.KeyObject | undefined;
    try { cert = new crypto.X509Certificate(certPem); } catch (e) { problems.push(`tls.certificatePem: not a PEM certificate (${(e as Error).message})`); }
    try { key = crypto.createPrivateKey(keyPem); } catch (e) { problems.push(`tls.privateKeyPem: not a PEM private key (${(e as Error).message})`); }
    if (cert && key) {
        if (!cert.checkPrivateKey(key)) problems.push(`tls.privateKeyPem: does not match the public key of tls.certificatePem (subject ${cert.subject.replace(/\n/g, ", ")})`);
        const names = (cert.subjectAltName ?? "").split(",").map((s) => s.trim()).filter((s) => s.startsWith("DNS:")).map((s) => s.slice(4).toLowerCase());
        const covers = names.some((n) => n === domain || (n.startsWith("*.") && domain.split(".").slice(1).join(".") === n.slice(2)));
        if (!covers) problems.push(`tls.certificatePem: does not cover ${domain}; its names are ${names.length ? names.join(", ") : "(none)"}`);
        if (new Date(cert.validTo) <= now) problems.push(`tls.certificatePem: expired on ${new Date(cert.validTo).toISOString()}`);
        if (new Date(cert.validFrom) > now) problems.push(`tls.certificatePem: not valid before ${new Date(cert.validFrom).toISOString()}`);
    }
    return problems;
}

/** The same check, throwing SecuredWebStackArgsError (for values that resolve late). */
export function checkImported(domain: string, certPem: string, keyPem: string, now = new Date()): void {
    const problems = importedCertificateProblems(domain, certPem, keyPem, now);
    if (problems.length) throw new SecuredWebStackArgsError(problems);
}
