// Certificates per tls.mode. self-signed: a small CA + server certificate made by @pulumi/tls;
// imported: the user's chain + key, checked at preview; acm: an exportable ACM certificate
// validated in Route53; lets-encrypt: nothing here (certbot on the balancer does it).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { knownValue } from "../model/references";
import * as tls from "@pulumi/tls";
import type { Model } from "../model";
import { TlsMode } from "../types";
import { checkImported } from "../model/certificate";
import { internalNames } from "../payloads/part";

export interface TlsMaterial {
    /** PEM (chain + key) for HAProxy, delivered through SSM (self-signed, imported). */
    haproxyPem?: pulumi.Output<string>;
    /** Public CA certificate that clients (and the deploy gate) trust (self-signed). */
    caCertificatePem?: pulumi.Output<string>;
    acmCertificateArn?: pulumi.Output<string>;
    /** Resources the balancer's first boot waits for (ACM validation). */
    ready: pulumi.Resource[];
}

/**
 * The internal CA of hardening.endToEndTls and one key + certificate per server that serves TLS
 * inside the stack (web, app, database over the network), named by internalNames() and its
 * address. Returns the CA (public) and each server's PEM (certificate + key, secret) by server.
 */
export function createInternalTls(
    name: string, model: Model, opts: pulumi.CustomResourceOptions,
): { caPem: pulumi.Output<string>; serverPems: { [server: string]: pulumi.Output<string> } } {
    const algo = { algorithm: "ECDSA", ecdsaCurve: "P256" };
    const caKey = new tls.PrivateKey(`${name}-internal-ca-key`, algo, opts);
    const ca = new tls.SelfSignedCert(`${name}-internal-ca`, {
        privateKeyPem: caKey.privateKeyPem, isCaCertificate: true, validityPeriodHours: 24 * 365 * 10,
        subject: { commonName: `${model.domain} internal CA`, organization: "secured-web-stack" },
        allowedUses: ["cert_signing", "crl_signing"],
    }, opts);
    const serverPems: { [server: string]: pulumi.Output<string> } = {};
    const needs = new Set(model.secrets.filter((s) => s.name.startsWith("internal-tls-")).flatMap((s) => s.servers));
    for (const s of model.servers.filter((x) => needs.has(x.name))) {
        const key = new tls.PrivateKey(`${name}-${s.name}-internal-key`, algo, opts);
        const csr = new tls.CertRequest(`${name}-${s.name}-internal-csr`, {
            privateKeyPem: key.privateKeyPem, subject: { commonName: `${s.name}.sws.internal` },
            dnsNames: internalNames(s), ipAddresses: [s.privateIp],
        }, opts);
        const cert = new tls.LocallySignedCert(`${name}-${s.name}-internal-cert`, {
            certRequestPem: csr.certRequestPem, caPrivateKeyPem: caKey.privateKeyPem, caCertPem: ca.certPem,
            validityPeriodHours: 24 * 825, earlyRenewalHours: 24 * 60,
            allowedUses: ["digital_signature", "key_encipherment", "server_auth", "client_auth"],
        }, opts);
        serverPems[s.name] = pulumi.secret(pulumi.interpolate`${cert.certPem}${key.privateKeyPem}`);
    }
    return { caPem: ca.certPem, serverPems };
}

/** The model's check of an imported certificate + key (see components/model/certificate.ts). */
export { checkImported };

export function createTls(
    name: string, model: Model, imported: { certificatePem?: pulumi.Input<string>; privateKeyPem?: pulumi.Input<string>; hostedZoneId?: pulumi.Input<string> },
    tags: { [k: string]: string }, opts: pulumi.CustomResourceOptions,
): TlsMaterial {
    const domain = model.domain;
    const dnsNames = model.tls.redirectApex ? [domain, model.apexDomain] : [domain];
    const algo = model.tls.keyAlgorithm === "RSA" ? { algorithm: "RSA", rsaBits: 2048 } : { algorithm: "ECDSA", ecdsaCurve: "P256" };
    switch (model.tls.mode) {
        case TlsMode.SelfSigned: {
            const caKey = new tls.PrivateKey(`${name}-ca-key`, algo, opts);
            const ca = new tls.SelfSignedCert(`${name}-ca`, {
                privateKeyPem: caKey.privateKeyPem, isCaCertificate: true, validityPeriodHours: 24 * 365 * 5,
                subject: { commonName: `${domain} stack CA`, organization: "secured-web-stack" },
                allowedUses: ["cert_signing", "crl_signing"],
            }, opts);
            const key = new tls.PrivateKey(`${name}-tls-key`, algo, opts);
            const csr = new tls.CertRequest(`${name}-tls-csr`, { privateKeyPem: key.privateKeyPem, subject: { commonName: domain }, dnsNames }, opts);
            const cert = new tls.LocallySignedCert(`${name}-tls-cert`, {
                certRequestPem: csr.certRequestPem, caPrivateKeyPem: caKey.privateKeyPem, caCertPem: ca.certPem,
                validityPeriodHours: 24 * 397, earlyRenewalHours: 24 * 30,
                allowedUses: ["digital_signature", "key_encipherment", "server_auth"],
            }, opts);
            return {
                haproxyPem: pulumi.secret(pulumi.interpolate`${cert.certPem}${ca.certPem}${key.privateKeyPem}`),
                caCertificatePem: ca.certPem,
                ready: [],
            };
        }
        case TlsMode.Imported: {
            const pem = pulumi.all([imported.certificatePem!, imported.privateKeyPem!]).apply(([c, k]) => {
                checkImported(domain, c, k);
                return `${c.trim()}\n${k.trim()}\n`;
            });
            return { haproxyPem: pulumi.secret(pem), ready: [] };
        }
        case TlsMode.Acm: {
            const cert = new aws.acm.Certificate(`${name}-acm`, {
                domainName: domain, subjectAlternativeNames: dnsNames.slice(1), validationMethod: "DNS",
                keyAlgorithm: model.tls.keyAlgorithm === "RSA" ? "RSA_2048" : "EC_prime256v1",
                options: { export: "ENABLED" }, tags,
            }, opts);
            const records = dnsNames.map((n, i) => new aws.route53.Record(`${name}-acm-validation-${i}`, {
                zoneId: imported.hostedZoneId ?? knownValue("dns.hostedZoneId", model.dns.hostedZoneId)!, allowOverwrite: true, ttl: 300,
                name: cert.domainValidationOptions.apply((o) => o.find((x) => x.domainName === n)!.resourceRecordName),
                type: cert.domainValidationOptions.apply((o) => o.find((x) => x.domainName === n)!.resourceRecordType),
                records: [cert.domainValidationOptions.apply((o) => o.find((x) => x.domainName === n)!.resourceRecordValue)],
            }, opts));
            const validation = new aws.acm.CertificateValidation(`${name}-acm-validation`, {
                certificateArn: cert.arn, validationRecordFqdns: records.map((r) => r.fqdn),
            }, opts);
            return { acmCertificateArn: validation.certificateArn, ready: [validation] };
        }
        default:
            return { ready: [] };
    }
}
