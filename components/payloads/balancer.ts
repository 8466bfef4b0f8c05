// Server 1: HAProxy terminating HTTPS (Mozilla intermediate profile, guidelines 6.0), HTTP → HTTPS,
// ACME HTTP-01 passthrough to certbot, health-checked web backends, metrics on localhost.
import { Ports, Role, serversWith } from "../model";
import { TlsMode } from "../types";
import { INTERNAL_CA, PayloadPart, RenderContext, envFile, file, script, toolkit, unit } from "./part";

export const HAPROXY_CERT_DIR = "/etc/haproxy/certs";
/**
 * The web backend: the balancer's peer list (payloads/peers.ts), loaded as HAProxy's second
 * configuration file. A whole section: HAProxy cannot continue a section across files.
 */
export const HAPROXY_PEERS = "/etc/sws/peers/haproxy-web.cfg";

// Mozilla intermediate (TLS 1.2 ciphers; TLS 1.3 suites are all fine and left to OpenSSL's order).
const CIPHERS = [
    "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
].join(":");
const SUITES = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

/** What HAProxy runs: /etc/haproxy/haproxy.cfg, then its peer list (the web backend). */
export function renderHaproxyCfg(ctx: RenderContext): string {
    return `${renderHaproxyConf(ctx)}\n${renderHaproxyWebBackend(ctx)}`;
}

/** The web backend and its servers (the peer list; see HAPROXY_PEERS). */
export function renderHaproxyWebBackend(ctx: RenderContext): string {
    const { model } = ctx;
    const webs = serversWith(model, Role.Web);
    const local = ctx.server.roles.includes(Role.Web);
    // End-to-end TLS: re-encrypt to each web server and verify its certificate against the internal CA.
    const reencrypt = model.hardening.endToEndTls
        ? ` ssl verify required ca-file ${INTERNAL_CA} verifyhost web.sws.internal sni str(web.sws.internal) check-sni web.sws.internal`
        : "";
    const webServer = (s: { name: string; privateIp: string }) =>
        `    server ${s.name} ${local && s.name === ctx.server.name ? "127.0.0.1" : s.privateIp}:${model.hardening.webPort} check${reencrypt}`;
    return `# The web servers behind ${model.domain} (the balancer's peer list: rendered by secured-web-stack, applied by sws-peers)
backend web
    balance roundrobin
    option httpchk GET /lb-health
    http-check expect status 200
    # Down within ~1.25 s of a failure (1 s, then 250 ms), back ~0.75 s after the server is.
    default-server inter 1s fastinter 250ms downinter 500ms fall 2 rise 2
${webs.length > 1 ? "" : "    # One web server: a retry could only wait 1 s and knock on the same refused port; answer 503 at once.\n    retries 0\n"}${webs.map(webServer).join("\n")}
`;
}

/** /etc/haproxy/haproxy.cfg as the user data carries it: everything but the web backend. */
export function renderHaproxyConf(ctx: RenderContext): string {
    const { model } = ctx;
    const acme = model.tls.mode === TlsMode.LetsEncrypt;
    const apex = model.tls.redirectApex
        ? `    http-request redirect prefix https://${model.domain} code 301 if { hdr(host),field(1,:) -i ${model.apexDomain} }\n`
        : "";
    return `# HAProxy for ${model.domain} (rendered by secured-web-stack; edits are overwritten)
global
    log stdout format raw local0 info
    maxconn 20000
    stats socket /run/haproxy/admin.sock mode 660 level admin
    ssl-default-bind-ciphers ${CIPHERS}
    ssl-default-bind-ciphersuites ${SUITES}
    ssl-default-bind-options prefer-client-ciphers no-tls-tickets ssl-min-ver TLSv1.2
    ssl-default-bind-curves X25519:prime256v1:secp384r1
    tune.ssl.cachesize 100000
    tune.ssl.lifetime 600

defaults
    mode http
    log global
    option httplog
    option dontlognull
    option forwardfor
    option redispatch
    retries 2
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout http-request 10s
    timeout http-keep-alive 10s
    timeout queue 5s
    timeout check 2s
    http-reuse safe

frontend metrics
    bind 127.0.0.1:${Ports.local.haproxyMetrics}
    http-request set-log-level silent
    http-request use-service prometheus-exporter if { path /metrics }
    http-request return status 200 content-type text/plain string "ok" if { path /healthz }

frontend http-in
    bind :${Ports.http}
${apex}    http-request redirect scheme https code 301${acme ? " unless { path_beg /.well-known/acme-challenge/ }" : ""}
${acme ? `    use_backend acme if { path_beg /.well-known/acme-challenge/ }\n` : ""}
frontend https-in
    bind :${Ports.https} ssl crt ${HAPROXY_CERT_DIR}/ alpn h2,http/1.1
    # Refused at the edge (the parser already refuses malformed methods, oversized or conflicting
    # headers, and drops Content-Length when Transfer-Encoding is present, closing after the answer).
    http-request deny deny_status 405 if METH_TRACE or METH_CONNECT
    http-request deny deny_status 400 if { req.ver 1.0 } { req.hdr_cnt(transfer-encoding) gt 0 }
    # Only the balancer says who the client is: drop what the client claims, forwardfor adds the truth.
    http-request del-header X-Forwarded-For
    http-request set-header X-Forwarded-Proto https
${apex}    http-response set-header Strict-Transport-Security "max-age=63072000"
    default_backend web
${acme ? `
backend acme
    server certbot 127.0.0.1:${Ports.local.certbot}
` : ""}`;
}

export function balancerPart(ctx: RenderContext): PayloadPart {
    const { model } = ctx;
    const mode = model.tls.mode;
    const packages = ["haproxy", "openssl"];
    const files = [
        file("/etc/haproxy/haproxy.cfg", renderHaproxyConf(ctx)),
        toolkit("/etc/systemd/system/haproxy.service.d/sws.conf", unit({
            Unit: [["After", "sws-fetch.service"]],
            // Debian's unit runs `haproxy -f $CONFIG` (start and the reload's check): the peer list is its second file.
            Service: [["Environment", `"CONFIG=/etc/haproxy/haproxy.cfg -f ${HAPROXY_PEERS}"`], ["Restart", "always"], ["RestartSec", "1s"], ["LogsDirectory", "haproxy"],
                ["StandardOutput", "append:/var/log/haproxy/access.log"]],
        })),
        file("/etc/sws/tls.env", envFile({
            TLS_MODE: mode,
            DOMAIN: model.domain,
            CERT_DIR: HAPROXY_CERT_DIR,
            KEY_ALGORITHM: model.tls.keyAlgorithm,
            ...(mode === TlsMode.LetsEncrypt ? {
                ACME_EMAIL: model.tls.email!, ACME_DIRECTORY: model.tls.acmeDirectoryUrl,
                CERTBOT_PORT: Ports.local.certbot,
            } : {}),
            ...(mode === TlsMode.Acm ? { ACM_CERTIFICATE_ARN: ctx.deploy.acmCertificateArn ?? "", AWS_REGION: ctx.deploy.region } : {}),
        })),
        script("sws-tls"),
        toolkit("/etc/logrotate.d/sws-haproxy", `/var/log/haproxy/*.log {\n  daily\n  rotate 14\n  compress\n  delaycompress\n  missingok\n  notifempty\n  copytruncate\n}\n`),
    ];
    const runcmd: string[][] = [["/usr/local/sbin/sws-tls", "install"], ["systemctl", "enable", "--now", "haproxy.service"]];
    if (mode === TlsMode.LetsEncrypt) {
        packages.push("certbot");
        if (model.tls.acmeCaPem) files.push(file("/etc/sws/acme-ca.pem", model.tls.acmeCaPem));
        files.push(
            toolkit("/etc/letsencrypt/renewal-hooks/deploy/sws-haproxy", `#!/bin/sh\n# Rebuild HAProxy's PEM from the renewed lineage and reload without dropping connections.\nexec /usr/local/sbin/sws-tls deploy\n`, "0755"),
            // First issuance: retried with backoff until DNS points at the balancer.
            toolkit("/etc/systemd/system/sws-certbot.service", unit({
                Unit: [["Description", "Obtain the Let's Encrypt certificate (retries until DNS points here)"],
                    ["After", "haproxy.service"], ["Wants", "haproxy.service"]],
                Service: [["Type", "oneshot"], ["ExecStart", "/usr/local/sbin/sws-tls issue"]],
                Install: [["WantedBy", "multi-user.target"]],
            })),
            toolkit("/etc/systemd/system/sws-certbot-renew.service", unit({
                Unit: [["Description", "Renew the Let's Encrypt certificate"]],
                Service: [["Type", "oneshot"], ["ExecStart", "/usr/local/sbin/sws-tls renew"]],
            })),
            toolkit("/etc/systemd/system/sws-certbot-renew.timer", unit({
                Unit: [["Description", "Renew the Let's Encrypt certificate twice a day"]],
                Timer: [["OnCalendar", "*-*-* 03,15:17:00"], ["RandomizedDelaySec", "1h"], ["Persistent", "true"]],
                Install: [["WantedBy", "timers.target"]],
            })),
        );
        runcmd.push(["systemctl", "enable", "sws-certbot.service", "sws-certbot-renew.timer"],
            ["systemctl", "start", "--no-block", "sws-certbot.service", "sws-certbot-renew.timer"]);
    }
    if (mode === TlsMode.Acm) {
        packages.push("python3-boto3");
        files.push(
            toolkit("/etc/systemd/system/sws-acm-export.service", unit({
                Unit: [["Description", "Export the ACM certificate for HAProxy"]],
                Service: [["Type", "oneshot"], ["ExecStart", "/usr/local/sbin/sws-tls acm-export"]],
            })),
            toolkit("/etc/systemd/system/sws-acm-export.timer", unit({
                Unit: [["Description", "Re-export the ACM certificate daily so renewals reach HAProxy"]],
                Timer: [["OnCalendar", "daily"], ["RandomizedDelaySec", "1h"], ["Persistent", "true"]],
                Install: [["WantedBy", "timers.target"]],
            })),
        );
        runcmd.push(["systemctl", "enable", "--now", "sws-acm-export.timer"]);
    }
    return { packages, files, runcmd };
}
