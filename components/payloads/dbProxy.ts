// database.topology "cluster": the application's failover-aware path to the MariaDB Galera
// nodes. Every app server runs its own HAProxy (TCP) on 127.0.0.1:3306, so the path has no
// single point of failure (an app server's proxy fails only with that app server), and the app
// keeps connecting to one local address. HAProxy asks each node's health agent (sws-galera-check,
// HTTP 200 only when synced in the primary component): a dead node, or one cut off from the
// majority (it still accepts logins but refuses queries), leaves rotation within ~1 s, and the
// sessions it held are shut so pooled connections reconnect to a live node.
import { Model, Ports, Role, serversWith } from "../model";
import { PayloadPart, RenderContext, file, toolkit, unit } from "./part";

export const DB_PROXY_CFG = "/etc/haproxy/sws-db-proxy.cfg";
export const DB_PROXY_UNIT = "sws-db-proxy.service";

/** Health-check timing: a node is out after 2 failed checks 0.5 s apart once one failed, back after 2 good ones. */
export const DB_PROXY_CHECK = { inter: "1s", fastinter: "500ms", downinter: "1s", fall: 2, rise: 2 } as const;

export function renderDbProxyCfg(model: Model): string {
    const nodes = serversWith(model, Role.Database);
    const c = DB_PROXY_CHECK;
    return `# Local HAProxy from this app server to the MariaDB Galera cluster of ${model.domain}
# (rendered by secured-web-stack; edits are overwritten). TCP pass-through: TLS, when required,
# is between the application and the database node itself.
global
    log stdout format raw local0 notice
    maxconn 4000

defaults
    mode tcp
    log global
    option tcplog
    option dontlognull
    # A connection refused by a dead node is retried on another one (the app never sees it).
    option redispatch
    retries 2
    timeout connect 1s
    timeout check 2s
    # Pooled application connections stay open for hours.
    timeout client 8h
    timeout server 8h

listen mysql
    bind 127.0.0.1:${Ports.mysql}
    # Every node accepts writes; the least busy one gets the next connection.
    balance leastconn
    option httpchk GET /
    http-check expect status 200
    default-server check port ${Ports.galeraCheck} inter ${c.inter} fastinter ${c.fastinter} downinter ${c.downinter} fall ${c.fall} rise ${c.rise} on-marked-down shutdown-sessions
${nodes.map((s) => `    server ${s.name} ${s.privateIp}:${Ports.mysql}`).join("\n")}
`;
}

export function dbProxyPart(ctx: RenderContext): PayloadPart {
    const { model } = ctx;
    return {
        packages: ["haproxy"],
        files: [
            file(DB_PROXY_CFG, renderDbProxyCfg(model)),
            // Its own unit (the package's haproxy.service, with the package's sample config, is
            // switched off): -Ws is HAProxy's systemd mode, reload = USR2 to the master.
            toolkit(`/etc/systemd/system/${DB_PROXY_UNIT}`, unit({
                Unit: [["Description", "Local HAProxy to the database cluster (failover-aware)"],
                    ["After", "network-online.target"], ["Wants", "network-online.target"], ["Before", "sws-app.service"]],
                Service: [["Type", "notify"], ["ExecStartPre", `/usr/sbin/haproxy -c -q -f ${DB_PROXY_CFG}`],
                    ["ExecStart", `/usr/sbin/haproxy -Ws -f ${DB_PROXY_CFG}`], ["ExecReload", "/bin/kill -USR2 $MAINPID"],
                    ["Restart", "always"], ["RestartSec", "1s"], ["User", "haproxy"], ["Group", "haproxy"],
                    ["NoNewPrivileges", "yes"], ["ProtectSystem", "strict"], ["ProtectHome", "yes"], ["PrivateTmp", "yes"]],
                Install: [["WantedBy", "multi-user.target"]],
            })),
        ],
        runcmd: [
            ["systemctl", "disable", "--now", "haproxy.service"],
            ["systemctl", "daemon-reload"],
            ["systemctl", "enable", "--now", DB_PROXY_UNIT],
        ],
    };
}
