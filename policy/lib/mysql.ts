// Reading MySQL / MariaDB server settings out of a payload's option files.

import type { Payload } from "./payload";

/** Where MySQL / MariaDB read option files from. */
export const MYSQL_OPTION_FILE = /^(\/etc\/mysql\/.*\.cnf|\/etc\/my\.cnf(\.d\/.*\.cnf)?)$/;
const SERVER_SECTION = /^(mysqld|mariadb|server|mysqld-[\d.]+|mariadb-[\d.]+)$/;

/** An option file configures a server (not just a client) when it has a server section. */
export function configuresServer(content: string): boolean {
    return content.split("\n").some((l) => {
        const m = /^\s*\[(.+)\]/.exec(l);
        return m !== null && SERVER_SECTION.test(m[1].trim());
    });
}

/**
 * The server options the payload sets, keys normalised (`read-only` → `read_only`), later files
 * (in path order, as MySQL reads `conf.d` directories) overriding earlier ones.
 */
export function mysqlServerOptions(payload: Payload): Map<string, string> {
    const options = new Map<string, string>();
    const paths = [...payload.files.keys()].filter((p) => MYSQL_OPTION_FILE.test(p)).sort();
    for (const path of paths) {
        let inServer = false;
        for (const raw of (payload.files.get(path) ?? "").split("\n")) {
            const line = raw.replace(/[#;].*$/, "").trim();
            const section = /^\[(.+)\]$/.exec(line);
            if (section) {
                inServer = SERVER_SECTION.test(section[1].trim());
            } else if (inServer && line !== "") {
                const [key, ...value] = line.split("=");
                options.set(key.trim().replace(/-/g, "_").toLowerCase(), value.join("=").trim() || "ON");
            }
        }
    }
    return options;
}

function isOn(value: string | undefined): boolean {
    return value !== undefined && ["on", "1", "true", "yes"].includes(value.replace(/['"]/g, "").toLowerCase());
}

/** A replica refuses writes: `read_only = ON` (or `super_read_only`). */
export function isReadOnly(payload: Payload): boolean {
    const options = mysqlServerOptions(payload);
    return isOn(options.get("read_only")) || isOn(options.get("super_read_only"));
}

/** A server that is part of a multi-writer cluster (Galera / MySQL Group Replication). */
export function isClustered(payload: Payload): boolean {
    return [...mysqlServerOptions(payload).keys()].some((k) =>
        /^(loose_)?(wsrep_cluster_address|group_replication_group_seeds)$/.test(k),
    );
}
