// Server 3, database: MySQL 8.0 (Ubuntu) or MariaDB (Debian) with its datadir on the data
// volume, durable settings (flush at commit, sync_binlog=1), GTID binlog, local-only unless an
// application runs elsewhere, and the mysqld exporter with its own least-privilege user.
import { Ports, Role, serversWith } from "../model";
import { INTERNAL_CA, PayloadPart, RenderContext, envFile, file, script, toolkit, unit } from "./part";

export const DATA_MOUNT = "/var/lib/mysql-data";
export const DATADIR = `${DATA_MOUNT}/mysql`;

export const SOCKET = "/run/mysqld/mysqld.sock";

/** Whether anything reaches this database server over the network (remote apps, a replica). */
export function databaseOverNetwork(ctx: RenderContext): boolean {
    const { model, server } = ctx;
    return serversWith(model, Role.App).some((s) => s.name !== server.name) || serversWith(model, Role.Replica).length > 0;
}

export function renderMysqlCnf(ctx: RenderContext): string {
    const { model, server } = ctx;
    const replica = server.roles.includes(Role.Replica);
    const network = databaseOverNetwork(ctx);
    const tls = model.hardening.endToEndTls && network;
    const mariadb = model.dbEngine === "mariadb";
    const gtid = mariadb
        ? ["gtid_strict_mode = ON", "log_slave_updates = ON"]
        : ["gtid_mode = ON", "enforce_gtid_consistency = ON", "log_replica_updates = ON"];
    const tlsLines = tls ? [
        `ssl_ca = ${INTERNAL_CA}`, "ssl_cert = /run/sws/secrets/internal-tls-mysql.pem", "ssl_key = /run/sws/secrets/internal-tls-mysql.pem",
        // Every TCP client must use TLS; local clients use the socket.
        "require_secure_transport = ON",
    ] : [];
    // A replica accepts no writes but from replication (and SUPER for a scripted promotion).
    const replicaLines = replica ? ["read_only = ON", ...(mariadb ? [] : ["super_read_only = ON"]), "relay_log = relay-bin"] : [];
    return [
        `# ${mariadb ? "MariaDB" : "MySQL"} ${replica ? "replica" : "primary"} for ${model.domain} on ${server.name} (rendered by secured-web-stack)`,
        "[mysqld]",
        `datadir = ${DATADIR}`,
        `socket = ${SOCKET}`,
        // Local only unless something elsewhere needs it (then the firewall limits who).
        `bind-address = ${network ? "0.0.0.0" : "127.0.0.1"}`,
        `port = ${Ports.mysql}`,
        "skip-name-resolve",
        // Unique per server: the last octet of its fixed address.
        `server_id = ${Number(server.privateIp.split(".")[3])}`,
        "log_bin = binlog",
        "binlog_format = ROW",
        "binlog_expire_logs_seconds = 604800",
        ...gtid,
        "innodb_flush_log_at_trx_commit = 1",
        "sync_binlog = 1",
        "max_connections = 200",
        ...tlsLines,
        ...replicaLines,
        "",
        "[client]",
        `socket = ${SOCKET}`,
        "",
    ].join("\n");
}

export function databasePart(ctx: RenderContext): PayloadPart {
    const { model, server } = ctx;
    const mariadb = model.dbEngine === "mariadb";
    const dbUnit = mariadb ? "mariadb.service" : "mysql.service";
    const replica = server.roles.includes(Role.Replica);
    const primary = serversWith(model, Role.Database)[0];
    // Every app server may connect (a replica inherits these users, ready for a promotion).
    const promotable = serversWith(model, Role.Replica).length > 0;
    const appHosts = serversWith(model, Role.App)
        .map((s) => (s.name === primary.name ? (promotable ? `localhost ${s.privateIp}` : "localhost") : s.privateIp)).join(" ");
    const cnf = mariadb ? "/etc/mysql/mariadb.conf.d/90-sws.cnf" : "/etc/mysql/mysql.conf.d/zz-sws.cnf";
    // Written after the packages (defer): the server package starts with its defaults first.
    const files = [
        file(cnf, renderMysqlCnf(ctx), "0644", "root:root", true),
        toolkit(`/etc/systemd/system/${dbUnit}.d/sws.conf`, unit({
            Unit: [["RequiresMountsFor", DATA_MOUNT]],
            Service: [
                // MariaDB's unit runs galera recovery and debian-start around mariadbd; neither applies here.
                ...(mariadb ? [["ExecStartPre", ""], ["ExecStartPost", ""], ["ExecStart", ""],
                    ["ExecStart", "/usr/sbin/mariadbd"]] as [string, string][] : []),
                ["Restart", "always"], ["RestartSec", "1s"]],
        })),
        file("/etc/sws/database.env", envFile({
            DB_ENGINE: model.dbEngine, DB_UNIT: dbUnit, DB_NAME: model.database.name, DB_USER: model.database.user,
            APP_HOSTS: appHosts, EXPORTER_USER: model.database.exporterUser,
            DATA_VOLUME_ID: ctx.deploy.dataVolumeId ?? "", DATA_MOUNT, DATADIR, SOCKET,
            DB_ROLE: replica ? "replica" : "primary",
            PRIMARY_HOST: replica ? primary.privateIp : "",
            REPLICA_HOSTS: serversWith(model, Role.Replica).map((s) => s.privateIp).join(" "),
            REPL_TLS: model.hardening.endToEndTls ? "1" : "",
        })),
        script("sws-db-init"),
        ...(replica ? [script("sws-db-promote")] : []),
        toolkit("/etc/systemd/system/sws-db-init.service", unit({
            Unit: [["Description", "Mount the data volume, start the database, apply users"],
                ["After", "sws-fetch.service"], ["Requires", "sws-fetch.service"]],
            Service: [["Type", "oneshot"], ["RemainAfterExit", "yes"], ["ExecStart", "/usr/local/sbin/sws-db-init"]],
            Install: [["WantedBy", "multi-user.target"]],
        })),
        file("/etc/default/prometheus-mysqld-exporter", envFile({
            ARGS: `--config.my-cnf=/run/sws/mysqld-exporter.cnf --web.listen-address=127.0.0.1:${Ports.local.mysqldExporter}`,
        })),
        toolkit("/etc/systemd/system/prometheus-mysqld-exporter.service.d/sws.conf", unit({
            Unit: [["After", "sws-db-init.service"]],
            Service: [["Restart", "always"], ["RestartSec", "2s"]],
        })),
    ];
    if (!mariadb) {
        // Ubuntu confines mysqld with AppArmor to /var/lib/mysql; allow the data volume too.
        files.push(toolkit("/etc/apparmor.d/local/usr.sbin.mysqld", `${DATA_MOUNT}/ r,\n${DATA_MOUNT}/** rwk,\n`));
    }
    return {
        packages: [mariadb ? "mariadb-server" : "mysql-server", "prometheus-mysqld-exporter"],
        files,
        runcmd: [
            ...(mariadb ? [] : [["apparmor_parser", "-r", "/etc/apparmor.d/usr.sbin.mysqld"]]),
            ["systemctl", "daemon-reload"],
            ["systemctl", "stop", dbUnit],
            ["systemctl", "enable", "sws-db-init.service"],
            ["/usr/local/sbin/sws-db-init"],
            ["systemctl", "enable", "--now", "prometheus-mysqld-exporter.service"],
        ],
    };
}
