// Server 2: Nginx serving static files and proxying the rest to the application servers over
// kept-alive upstream connections; stub_status on localhost for the exporter.
import { Ports, Role, serversWith } from "../model";
import { INTERNAL_CA, PayloadPart, RenderContext, envFile, file, toolkit, unit } from "./part";

/** The application servers Nginx proxies to: the web server's peer list (payloads/peers.ts), included in `upstream app`. */
export const NGINX_PEERS = "/etc/sws/peers/nginx-app-upstream.conf";

/** The `server` lines of `upstream app` (the peer list). */
export function renderNginxUpstream(ctx: RenderContext): string {
    const { model, server } = ctx;
    const local = (s: { name: string; privateIp: string }) => (s.name === server.name ? "127.0.0.1" : s.privateIp);
    return `# The application servers behind ${server.name} (its peer list: rendered by secured-web-stack, applied by sws-peers)
${serversWith(model, Role.App).map((s) => `server ${local(s)}:${model.hardening.appPort} max_fails=0;`).join("\n")}
`;
}

/** What Nginx runs: /etc/nginx/nginx.conf with its peer list in place of the include. */
export function renderNginxConf(ctx: RenderContext): string {
    const upstream = renderNginxUpstream(ctx).replace(/\n$/, "").split("\n").map((l) => `        ${l}`).join("\n");
    return renderNginxConfFile(ctx).replace(`        include ${NGINX_PEERS};`, upstream);
}

// Tuning (measured by the lab bench, lab/README.md): open_file_cache keeps hot static files open
// (no open/fstat/close per request; a changed file is seen within 30 s); the upstream's
// keepalive_requests lifts Nginx's default of closing a kept-alive app connection every 1000
// requests; gzip for static text only, for clients that ask: compressing pages that reflect input
// next to secrets would open BREACH-style attacks, so proxied pages go as the app sends them.
/** /etc/nginx/nginx.conf as the user data carries it: the application servers are an include. */
export function renderNginxConfFile(ctx: RenderContext): string {
    const { model, server } = ctx;
    const balancers = serversWith(model, Role.Balancer);
    const local = (s: { name: string; privateIp: string }) => (s.name === server.name ? "127.0.0.1" : s.privateIp);
    // The balancer's own address when it shares this server; otherwise its private address.
    const trusted = [...new Set(balancers.map(local))];
    const listen = server.roles.includes(Role.Balancer) ? "127.0.0.1" : server.privateIp;
    const tls = model.hardening.endToEndTls;
    const port = model.hardening.webPort;
    // End-to-end TLS: Nginx serves its internal certificate and verifies the app's.
    const serverTls = tls ? `
        ssl_certificate /run/sws/secrets/internal-tls-nginx.pem;
        ssl_certificate_key /run/sws/secrets/internal-tls-nginx.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_cache shared:SSL:10m;
        ssl_session_timeout 1h;` : "";
    const upstreamTls = tls ? `
            proxy_ssl_verify on;
            proxy_ssl_trusted_certificate ${INTERNAL_CA};
            proxy_ssl_name app.sws.internal;
            proxy_ssl_server_name on;
            proxy_ssl_session_reuse on;
            proxy_ssl_protocols TLSv1.2 TLSv1.3;` : "";
    return `# Nginx for ${model.domain} on ${server.name} (rendered by secured-web-stack)
user www-data;
worker_processes auto;
worker_rlimit_nofile 16384;
pid /run/nginx.pid;
error_log /var/log/nginx/error.log warn;

events {
    worker_connections 4096;
}

http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    server_tokens off;
    keepalive_timeout 65s;
    keepalive_requests 10000;
    client_max_body_size 1m;
    client_header_timeout 10s;
    client_body_timeout 10s;
    open_file_cache max=10000 inactive=60s;
    open_file_cache_valid 30s;

    # The client address comes from X-Forwarded-For only when the balancer sent it.
${trusted.map((a) => `    set_real_ip_from ${a};`).join("\n")}
    real_ip_header X-Forwarded-For;

    log_format sws '$remote_addr [$time_local] "$request" $status $body_bytes_sent '
                   '$request_time $upstream_response_time "$http_user_agent"';
    access_log /var/log/nginx/access.log sws buffer=64k flush=1s;

    upstream app {
        include ${NGINX_PEERS};
        keepalive 64;
        keepalive_requests 100000;
    }

    server {
        listen ${listen}:${port}${tls ? " ssl" : ""} default_server;
        server_name ${model.domain};
        root /srv/www;${serverTls}

        location = /lb-health {
            access_log off;
            default_type text/plain;
            return 200 "ok\\n";
        }
        location /static/ {
            expires 1h;
            gzip on;
            gzip_vary on;
            gzip_types text/plain text/css text/javascript application/javascript application/json image/svg+xml;
        }
        location / {
            proxy_pass ${tls ? "https" : "http"}://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            # "client, balancer": the balancer's header (it strips what clients send) plus who sent it.
            proxy_set_header X-Forwarded-For "$http_x_forwarded_for, $realip_remote_addr";
            proxy_set_header X-Forwarded-Proto https;
            proxy_connect_timeout 2s;
            proxy_read_timeout 30s;
            proxy_next_upstream error timeout;${upstreamTls}
            # No application server answers (refused, timed out): 503 at once, not a bare 502.
            error_page 502 504 =503 @unavailable;
        }
        location @unavailable {
            default_type text/plain;
            add_header Retry-After 1 always;
            return 503 "service unavailable\\n";
        }
    }

    server {
        listen 127.0.0.1:${Ports.local.nginxStatus};
        access_log off;
        location = /stub_status {
            stub_status;
        }
    }
}
`;
}

export function webPart(ctx: RenderContext): PayloadPart {
    return {
        packages: ["nginx", "prometheus-nginx-exporter"],
        files: [
            file("/etc/nginx/nginx.conf", renderNginxConfFile(ctx)),
            file("/srv/www/static/robots.txt", "User-agent: *\nDisallow:\n"),
            // Foreground under systemd, so Restart=always sees the master die.
            toolkit("/etc/systemd/system/nginx.service.d/sws.conf", unit({
                // The package enables nginx, so every later boot starts it on its own: after the fetch,
                // which puts its TLS key (endToEndTls) on the new tmpfs /run and refreshes its peer list.
                Unit: [["After", "sws-fetch.service"]],
                Service: [["Type", "exec"], ["PIDFile", ""],
                    ["ExecStartPre", ""], ["ExecStartPre", "/usr/sbin/nginx -t -q"],
                    ["ExecStart", ""], ["ExecStart", "/usr/sbin/nginx -g 'daemon off; master_process on;'"],
                    ["ExecReload", ""], ["ExecReload", "/bin/kill -HUP $MAINPID"],
                    ["ExecStop", ""], ["KillSignal", "SIGQUIT"],
                    ["Restart", "always"], ["RestartSec", "500ms"], ["LimitNOFILE", "16384"]],
            })),
            file("/etc/default/prometheus-nginx-exporter", envFile({
                ARGS: `-nginx.scrape-uri http://127.0.0.1:${Ports.local.nginxStatus}/stub_status -web.listen-address 127.0.0.1:${Ports.local.nginxExporter}`,
            })),
        ],
        runcmd: [
            // The distribution's default site must not answer on this server.
            ["rm", "-f", "/etc/nginx/sites-enabled/default"],
            ["systemctl", "enable", "nginx.service", "prometheus-nginx-exporter.service"],
            ["systemctl", "restart", "nginx.service", "prometheus-nginx-exporter.service"],
        ],
    };
}
