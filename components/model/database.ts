// Section "database": the topology (one server, a replica, or a Galera cluster), the application's
// schema and user, and the data volume's size.
import { DatabaseArgs, DatabaseTopology, SecuredWebStackArgs } from "../types";
import { Problems, bool, intIn, matching, oneOf } from "./fields";
import type { Model } from "./shape";

/** Servers of a database.topology "cluster": three, so that two of them are a majority (quorum) when one fails. */
export const CLUSTER_NODES = 3;

/** database.topology, with hardening.databaseReplica as its older spelling of "replica". */
export function readTopology(p: Problems, args: SecuredWebStackArgs): DatabaseTopology {
    const alias = bool(p, "hardening.databaseReplica", args.hardening?.databaseReplica, false);
    const given = args.database?.topology;
    const topology = oneOf(p, "database.topology", given, DatabaseTopology, alias ? DatabaseTopology.Replica : DatabaseTopology.Single);
    if (alias && given !== undefined && given !== DatabaseTopology.Replica) {
        p.push(`hardening.databaseReplica: true means database.topology "replica", but database.topology is ${JSON.stringify(given)}; drop hardening.databaseReplica (or set database.topology "replica")`);
    }
    return topology;
}

/** MySQL/MariaDB identifiers the stack accepts (no quoting needed anywhere they are written). */
const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,31}$/;

/**
 * Schemas the server itself owns: an app user with write access to "mysql" could edit the grant
 * tables. Compared case-insensitively (lower_case_table_names differs between hosts).
 */
export const RESERVED_SCHEMAS = ["mysql", "sys", "information_schema", "performance_schema"];
/** Accounts the server or the stack creates (MySQL 8 system accounts, Debian's, ours). */
export const RESERVED_USERS = ["root", "mysql", "mariadb.sys", "mysql.sys", "mysql.session", "mysql.infoschema", "debian-sys-maint", "public", "sws_exporter", "sws_repl"];

export function readDatabase(p: Problems, d: DatabaseArgs, topology: DatabaseTopology): Model["database"] {
    const database = {
        name: matching(p, "database.name", d.name, IDENT, "1-32 letters, digits or _ starting with a letter", "app")!,
        user: matching(p, "database.user", d.user, IDENT, "1-32 letters, digits or _ starting with a letter", "app")!,
        volumeGiB: intIn(p, "database.volumeGiB", d.volumeGiB, 8, 16384, 20),
        exporterUser: "sws_exporter",
        topology,
    };
    if (RESERVED_SCHEMAS.includes(database.name.toLowerCase())) p.push(`database.name: "${database.name}" is a schema of the database server itself (reserved: ${RESERVED_SCHEMAS.join(", ")}); use another name such as "app"`);
    if (RESERVED_USERS.includes(database.user.toLowerCase())) p.push(`database.user: "${database.user}" is reserved (${RESERVED_USERS.join(", ")}); use another name such as "app"`);
    return database;
}
