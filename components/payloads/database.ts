// Server 3, database: MySQL 8.0 (Ubuntu) or MariaDB (Debian) with its datadir on the data
// volume, durable settings (flush at commit, sync_binlog=1), GTID binlog, local-only unless an
// application runs elsewhere, and the mysqld exporter with its own least-privilege user.
// database.topology "cluster": each of the three database servers is a MariaDB Galera node
// (synchronous, every node accepts writes), replication and state transfers over TLS from the
// internal CA, plus a health agent the app servers' HAProxy asks (sws-galera-check).
import { Model, Ports, Role, ServerModel, isCluster, serversWith } from "../model";
import { INTERNAL_CA, PayloadPart, RenderContext, envFile, file, script, toolkit, unit } from "./part";

export const DATA_MOUNT = "/var/lib/mysql-data";
export const DATADIR = `${DATA_MOUNT}/mysql`;

export const SOCKET = "/run/mysqld/mysqld.sock";

/** Whether anything reaches this database server over the network (remote apps, a replica, cluster peers). */
export function databaseOverNetwork(ctx: RenderContext): boolean {
    const { model, server } = ctx;
    // With endToEndTls the database listens (TLS required) even while its only application is
    // local: adding an app server then changes only its peer lists (payloads/peers.ts), not its
    // configuration; the firewall admits no one until a peer list names an app server.
    return isCluster(model) || model.hardening.endToEndTls
        || serversWith(model, Role.App).some((s) => s.name !== server.name) || serversWith(model, Role.Replica).length > 0;
}

/** Who may log in as the application user: the database server's peer list (payloads/peers.ts), sourced by sws-db-init. */
export const DATABASE_PEERS = "/etc/sws/peers/database.env";

/** The database server's peer list: the application hosts its app user exists for. */
export function renderDatabasePeers(ctx: RenderContext): string {
    const { model } = ctx;
    const cluster = isCluster(model);
    const primary = serversWith(model, Role.Database)[0];
    // Every app server may connect (a replica inherits these users, ready for a promotion).
    const promotable = serversWith(model, Role.Replica).length > 0;
    const appHosts = serversWith(model, Role.App)
        .map((s) => (s.name === primary.name && !cluster ? (promotable ? `localhost ${s.privateIp}` : "localhost") : s.privateIp)).join(" ");
    return envFile({ APP_HOSTS: appHosts });
}

export const GALERA_PROVIDER = "/usr/lib/galera/libgalera_smm.so";
/** The server's certificate + key from the internal CA (sws-fetch writes it, group mysql). */
export const MYSQL_TLS_PEM = "/run/sws/secrets/internal-tls-mysql.pem";
/**
 * sws-db-init leaves this file for sws-galera-start: start the node with --wsrep-new-cluster once.
 * In the datadir, owned by mysql: the unit runs as mysql and removes it before starting.
 */
export const GALERA_NEW_CLUSTER_FLAG = `${DATADIR}/sws-galera-new-cluster`;
/** The system account (and unix_socket database user, no password) of the health agent. */
export const GALERA_CHECK_USER = "sws-check";

/**
 * Galera's failure detector: a peer silent for suspect_timeout is suspected and, once every
 * live node agrees, evicted; inactive_timeout evicts it regardless. Galera's defaults (5 s / 15 s)
 * suit WANs; the three nodes share one VPC, where 2 s without a keepalive (sent every 0.5 s) is a
 * dead node. Commits on the survivors wait for the eviction, so this bounds the write stall.
 */
export const GALERA_TIMEOUTS = {
    "evs.keepalive_period": "PT0.5S",
    "evs.suspect_timeout": "PT2S",
    "evs.inactive_timeout": "PT4S",
    "evs.install_timeout": "PT3S",
} as const;

/** wsrep_provider_options: TLS for replication and IST (the server's own certificate, the internal CA), the write-set cache, timeouts. */
export function galeraProviderOptions(): string {
    return [
        `socket.ssl_cert=${MYSQL_TLS_PEM}`, `socket.ssl_key=${MYSQL_TLS_PEM}`, `socket.ssl_ca=${INTERNAL_CA}`,
        // IST instead of a full SST after an outage of up to ~512 MiB of writes.
        "gcache.size=512M",
        ...Object.entries(GALERA_TIMEOUTS).map(([k, v]) => `${k}=${v}`),
    ].join(";");
}

function galeraLines(model: Model, server: ServerModel): string[] {
    const nodes = serversWith(model, Role.Database);
    const index = nodes.findIndex((s) => s.name === server.name) + 1;
    return [
        // Galera: row-based binlog format, interleaved auto-increment locks; every node keeps a
        // binary log of every write (log_slave_updates) for backups and point-in-time restore.
        "log_slave_updates = ON",
        "innodb_autoinc_lock_mode = 2",
        // One GTID domain for the cluster's replicated writes (the same sequence on every node),
        // one per node for anything written locally with wsrep off.
        "wsrep_gtid_mode = ON",
        "wsrep_gtid_domain_id = 1",
        `gtid_domain_id = ${10 + index}`,
        "wsrep_on = ON",
        `wsrep_provider = ${GALERA_PROVIDER}`,
        `wsrep_cluster_name = ${model.name}-${model.environment}`,
        `wsrep_cluster_address = gcomm://${nodes.map((s) => s.privateIp).join(",")}`,
        `wsrep_node_address = ${server.privateIp}`,
        `wsrep_node_name = ${server.name}`,
        // Full state transfer: mariabackup (the donor keeps serving), streamed by socat over TLS;
        // "mysql" is the unix_socket account mariadb-install-db creates: no password anywhere.
        "wsrep_sst_method = mariabackup",
        "wsrep_sst_auth = mysql:",
        `wsrep_provider_options = "${galeraProviderOptions()}"`,
    ];
}

/**
 * The SST script's own section: verify the peer's certificate chain against the internal CA; log
 * beside the datadir (mariabackup.*.log, kept after a failed join) rather than to syslog, which
 * Debian's [mysqld_safe] syslog would select — a script whose logger cannot reach /dev/log dies
 * on a broken pipe mid-transfer (found by the lab, whose servers have no syslog socket).
 */
function sstSection(): string[] {
    return ["[sst]", "ssl-mode = VERIFY_CA", "sst-syslog = -1", ""];
}

export function renderMysqlCnf(ctx: RenderContext): string {
    const { model, server } = ctx;
    const replica = server.roles.includes(Role.Replica);
    const cluster = isCluster(model);
    const network = databaseOverNetwork(ctx);
    // A cluster node requires TLS from its MySQL clients whatever endToEndTls says (it has the CA).
    const tls = (model.hardening.endToEndTls && network) || isCluster(model);
    const mariadb = model.dbEngine === "mariadb";
    const gtid = cluster ? [] : mariadb
        ? ["gtid_strict_mode = ON", "log_slave_updates = ON"]
        : ["gtid_mode = ON", "enforce_gtid_consistency = ON", "log_replica_updates = ON"];
    // A cluster node always has its certificate (Galera and SST use it).
    const tlsLines = [
        ...(tls || cluster ? [`ssl_ca = ${INTERNAL_CA}`, `ssl_cert = ${MYSQL_TLS_PEM}`, `ssl_key = ${MYSQL_TLS_PEM}`] : []),
        // Every TCP client must use TLS; local clients use the socket.
        ...(tls ? ["require_secure_transport = ON"] : []),
    ];
    // A replica accepts no writes but from replication (and SUPER for a scripted promotion).
    const replicaLines = replica ? ["read_only = ON", ...(mariadb ? [] : ["super_read_only = ON"]), "relay_log = relay-bin"] : [];
    return [
        `# ${mariadb ? "MariaDB" : "MySQL"} ${cluster ? "Galera cluster node" : replica ? "replica" : "primary"} for ${model.domain} on ${server.name} (rendered by secured-web-stack)`,
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
        ...(cluster ? galeraLines(model, server) : []),
        "",
        ...(cluster ? sstSection() : []),
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
    const cluster = isCluster(model);
    const nodes = serversWith(model, Role.Database);
    const primary = nodes[0];
    const cnf = mariadb ? "/etc/mysql/mariadb.conf.d/90-sws.cnf" : "/etc/mysql/mysql.conf.d/zz-sws.cnf";
    // Written after the packages (defer): the server package starts with its defaults first.
    const files = [
        file(cnf, renderMysqlCnf(ctx), "0644", "root:root", true),
        toolkit(`/etc/systemd/system/${dbUnit}.d/sws.conf`, unit({
            // The package enables the unit, so at every later boot systemd starts it on its own, not
            // through sws-db-init: after the fetch, or it starts before its TLS key (endToEndTls,
            // cluster) is back on the new tmpfs /run.
            Unit: [["RequiresMountsFor", DATA_MOUNT], ["After", "sws-fetch.service"]],
            Service: [
                // MariaDB's unit runs galera recovery and debian-start around mariadbd; neither applies
                // here (a Galera node recovers its position itself at start). A cluster node starts
                // through sws-galera-start, which adds --wsrep-new-cluster when sws-db-init decided so.
                ...(mariadb ? [["ExecStartPre", ""], ["ExecStartPost", ""], ["ExecStart", ""],
                    ["ExecStart", cluster ? "/usr/local/sbin/sws-galera-start" : "/usr/sbin/mariadbd"]] as [string, string][] : []),
                // A joiner's first start waits for a full state transfer (mariabackup) of the whole datadir.
                ...(cluster ? [["TimeoutStartSec", "infinity"]] as [string, string][] : []),
                ["Restart", "always"], ["RestartSec", "1s"]],
        })),
        file("/etc/sws/database.env", envFile({
            DB_ENGINE: model.dbEngine, DB_UNIT: dbUnit, DB_NAME: model.database.name, DB_USER: model.database.user,
            EXPORTER_USER: model.database.exporterUser,
            DATA_VOLUME_ID: ctx.deploy.dataVolumeId ?? "", DATA_MOUNT, DATADIR, SOCKET,
            DB_ROLE: replica ? "replica" : "primary",
            PRIMARY_HOST: replica ? primary.privateIp : "",
            REPLICA_HOSTS: serversWith(model, Role.Replica).map((s) => s.privateIp).join(" "),
            REPL_TLS: model.hardening.endToEndTls ? "1" : "",
            // Cluster: the other nodes, and whether this node may found a new cluster (the first
            // node, on an empty data volume, when no peer answers synced — see sws-db-init).
            ...(cluster ? {
                DB_ROLE: "cluster",
                CLUSTER_PEERS: nodes.filter((s) => s.name !== server.name).map((s) => s.privateIp).join(" "),
                CLUSTER_FIRST: server.name === primary.name ? "1" : "",
                CLUSTER_CHECK_PORT: Ports.galeraCheck,
                CHECK_USER: GALERA_CHECK_USER,
                NEW_CLUSTER_FLAG: GALERA_NEW_CLUSTER_FLAG,
            } : {}),
        })),
        script("sws-db-init"),
        script("sws-db-secure-root"),
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
    if (cluster) {
        files.push(script("sws-galera-start"), script("sws-galera-check"), script("sws-db-galera-join"));
        // The health agent: one HTTP answer per connection (socat, which mariabackup SST needs
        // anyway), 200 only when the node is synced in the primary component. It runs as its own
        // account, which the database knows through unix_socket: no password, no privilege.
        files.push(toolkit("/etc/systemd/system/sws-galera-check.service", unit({
            Unit: [["Description", "MariaDB Galera node health for the app servers' HAProxy"], ["After", "sws-db-init.service"]],
            Service: [["Type", "simple"], ["User", GALERA_CHECK_USER], ["Group", GALERA_CHECK_USER],
                ["ExecStart", `/usr/bin/socat -T 3 TCP-LISTEN:${Ports.galeraCheck},reuseaddr,fork,max-children=16 EXEC:/usr/local/sbin/sws-galera-check`],
                ["Restart", "always"], ["RestartSec", "1s"],
                ["NoNewPrivileges", "yes"], ["ProtectSystem", "strict"], ["ProtectHome", "yes"], ["PrivateTmp", "yes"]],
            Install: [["WantedBy", "multi-user.target"]],
        })));
    }
    if (!mariadb) {
        // Ubuntu confines mysqld with AppArmor to /var/lib/mysql; allow the data volume too.
        files.push(toolkit("/etc/apparmor.d/local/usr.sbin.mysqld", `${DATA_MOUNT}/ r,\n${DATA_MOUNT}/** rwk,\n`));
    }
    return {
        packages: [mariadb ? "mariadb-server" : "mysql-server", ...(cluster ? ["galera-4", "mariadb-backup", "socat", "curl"] : []), "prometheus-mysqld-exporter"],
        files,
        ...(cluster ? { users: [GALERA_CHECK_USER] } : {}),
        runcmd: [
            ...(mariadb ? [] : [["apparmor_parser", "-r", "/etc/apparmor.d/usr.sbin.mysqld"]]),
            ["systemctl", "daemon-reload"],
            ["systemctl", "stop", dbUnit],
            ["systemctl", "enable", "sws-db-init.service"],
            ["/usr/local/sbin/sws-db-init"],
            ["systemctl", "enable", "--now", "prometheus-mysqld-exporter.service"],
            ...(cluster ? [["systemctl", "enable", "--now", "sws-galera-check.service"]] : []),
        ],
    };
}
