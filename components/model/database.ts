// Section "database": the application's schema and user, and the data volume's size.
import { DatabaseArgs } from "../types";
import { Problems, intIn, matching } from "./fields";
import type { Model } from "./shape";

/** MySQL/MariaDB identifiers the stack accepts (no quoting needed anywhere they are written). */
const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,31}$/;

export function readDatabase(p: Problems, d: DatabaseArgs): Model["database"] {
    const database = {
        name: matching(p, "database.name", d.name, IDENT, "1-32 letters, digits or _ starting with a letter", "app")!,
        user: matching(p, "database.user", d.user, IDENT, "1-32 letters, digits or _ starting with a letter", "app")!,
        volumeGiB: intIn(p, "database.volumeGiB", d.volumeGiB, 8, 16384, 20),
        exporterUser: "sws_exporter",
    };
    if (["root", "mysql", "mariadb.sys", database.exporterUser].includes(database.user)) p.push(`database.user: "${database.user}" is reserved; use another name such as "app"`);
    return database;
}
