// Section "secrets": which SSM SecureString parameters exist, where sws-fetch writes each at boot
// (tmpfs), which group may read it and which servers' roles may read the parameter. Derived from
// the other sections; the values themselves never enter the model.
import { MonitoringSink, TlsMode } from "../types";
import { Role, SecretRef, ServerModel } from "./shape";

export interface SecretInputs {
    prefix: string;
    servers: ServerModel[];
    tlsMode: TlsMode;
    sink: MonitoringSink;
    endToEndTls: boolean;
    databaseReplica: boolean;
    appServers: number;
    /** database.topology "cluster": each node needs its certificate (Galera runs over TLS). */
    cluster: boolean;
}

export function secretRefs({ prefix, servers, tlsMode, sink, endToEndTls, databaseReplica, appServers, cluster }: SecretInputs): SecretRef[] {
    const holders = (role: Role) => servers.filter((s) => s.roles.includes(role)).map((s) => s.name);
    const secrets: SecretRef[] = [
        { name: "db-app-password", parameter: `${prefix}/db-app-password`, path: "/run/sws/secrets/db-app-password", group: "sws-app", servers: [...new Set([...holders(Role.App), ...holders(Role.Database)])] },
        { name: "db-exporter-password", parameter: `${prefix}/db-exporter-password`, path: "/run/sws/secrets/db-exporter-password", group: "root", servers: [...holders(Role.Database), ...holders(Role.Replica)] },
    ];
    if (databaseReplica) {
        secrets.push({ name: "db-repl-password", parameter: `${prefix}/db-repl-password`, path: "/run/sws/secrets/db-repl-password", group: "root", servers: [...holders(Role.Database), ...holders(Role.Replica)] });
    }
    // Internal TLS: one key + certificate per server from the stack's internal CA, one file per
    // consuming service (each reads it as its own group): Nginx (root), the app, MySQL.
    // A cluster node gets its MySQL certificate even without endToEndTls: Galera replicates and
    // transfers state over TLS only.
    // (With endToEndTls the database always listens with TLS: payloads/database.ts databaseOverNetwork.)
    const dbOverNetwork = databaseReplica || appServers > 1 || endToEndTls;
    if (endToEndTls || cluster) {
        for (const s of servers) {
            const consumers: [string, string][] = [];
            if (endToEndTls && s.roles.includes(Role.Web)) consumers.push(["nginx", "root"]);
            if (endToEndTls && s.roles.includes(Role.App)) consumers.push(["app", "sws-app"]);
            if ((s.roles.includes(Role.Database) && (dbOverNetwork || cluster)) || s.roles.includes(Role.Replica)) consumers.push(["mysql", "mysql"]);
            for (const [who, group] of consumers) {
                secrets.push({ name: `internal-tls-${who}`, parameter: `${prefix}/internal-tls/${s.name}`, path: `/run/sws/secrets/internal-tls-${who}.pem`, group, servers: [s.name] });
            }
        }
    }
    if (tlsMode === TlsMode.SelfSigned || tlsMode === TlsMode.Imported) {
        secrets.push({ name: "tls-pem", parameter: `${prefix}/tls-pem`, path: "/run/sws/secrets/tls-pem", group: "root", servers: holders(Role.Balancer) });
    }
    if (tlsMode === TlsMode.Acm) {
        secrets.push({ name: "acm-passphrase", parameter: `${prefix}/acm-passphrase`, path: "/run/sws/secrets/acm-passphrase", group: "root", servers: holders(Role.Balancer) });
    }
    if (sink === MonitoringSink.SumoLogic) {
        secrets.push({ name: "sumologic-url", parameter: `${prefix}/sumologic-url`, path: "/run/sws/secrets/sumologic-url", group: "sws-collector", servers: servers.map((s) => s.name) });
    }
    return secrets;
}
