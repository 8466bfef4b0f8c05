// Section "database": the application's schema and user, and the data volume's size.
import { DatabaseArgs } from "../types";
import { Problems, intIn, matching } from "./fields";
import type { Model } from "./shape";

/** MySQL/MariaDB identifiers the stack accepts (no quoting needed anywhere they are written). */
const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,31}$/;

/**
 * Schemas the server itself owns: an app user with write access to "mysql" could edit the grant
 * tables. Compared case-insensitively (lower_case_table_names differs between hosts).
 */
export const RESERVED_SCHEMAS = ["mysql", "sys", "information_schema", "performance_schema"];
/** Accounts the server or the stack creates (MySQL 8 system accounts, Debian's, ours). */
export const RESERVED_USERS = ["root", "mysql", "mariadb.sys", "mysql.sys", "mysql.session", "mysql.infoschema", "debian-sys-maint", "public", "sws_exporter", "sws_repl"];

export function readDatabase(p: Problems, d: DatabaseArgs): Model["database"] {
    const database = {
        name: matching(p, "database.name", d.name, IDENT, "1-32 letters, digits or _ starting with a letter", "app")!,
        user: matching(p, "database.user", d.user, IDENT, "1-32 letters, digits or _ starting with a letter", "app")!,
        volumeGiB: intIn(p, "database.volumeGiB", d.volumeGiB, 8, 16384, 20),
        exporterUser: "sws_exporter",
    };
    if (RESERVED_SCHEMAS.includes(database.name.toLowerCase())) p.push(`database.name: "${database.name}" is a schema of the database server itself (reserved: ${RESERVED_SCHEMAS.join(", ")}); use another name such as "app"`);
    if (RESERVED_USERS.includes(database.user.toLowerCase())) p.push(`database.user: "${database.user}" is reserved (${RESERVED_USERS.join(", ")}); use another name such as "app"`);
    return database;
}
