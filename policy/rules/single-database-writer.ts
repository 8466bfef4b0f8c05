import { StackValidationPolicy } from "@pulumi/policy";
import { configOf } from "../lib/config";
import { isClustered, isReadOnly } from "../lib/mysql";
import { str } from "../lib/props";
import { explain } from "../lib/report";
import { Resource, TYPES, label } from "../lib/resources";
import { describeServer } from "../lib/servers";
import { validateIndexedStack } from "../lib/stack";

const configSchema = {
    properties: {
        minReplicas: {
            type: "integer" as const,
            minimum: 0,
            default: 1,
            description: "Replicas (or standbys) the single writer needs before it is no longer a single point of failure.",
        },
    },
};

const remediation =
    "Add a replica of the writer (`read_only = ON`, replicating from it) that can be promoted, or run a " +
    "multi-writer cluster (MySQL Group Replication, Galera), or use a Multi-AZ RDS instance. SecuredWebStack: " +
    "set `hardening.databaseReplica: true` (a read-only replica with GTID auto-positioning and a scripted promotion, sws-db-promote).";

const MYSQL_ENGINES = /^(mysql|mariadb|aurora-mysql|aurora)$/;

/** RDS MySQL/MariaDB instances: each is a writer unless it replicates another; Multi-AZ adds a standby. */
function rdsDatabases(rds: Resource[]): { writers: Resource[]; standbys: number } {
    const mysql = rds.filter((r) => MYSQL_ENGINES.test(str(r.props.engine) ?? ""));
    const writers = mysql.filter((r) => !r.props.replicateSourceDb);
    const standbys = mysql.length - writers.length + writers.filter((r) => r.props.multiAz === true).length;
    return { writers, standbys };
}

export const singleDatabaseWriter: StackValidationPolicy = {
    name: "single-database-writer",
    description: "[medium] Design: exactly one server can accept MySQL writes, with no replica to take over.",
    enforcementLevel: "advisory",
    severity: "medium",
    configSchema,
    remediationSteps: remediation,
    validateStack: validateIndexedStack((stack, args, report) => {
        const { minReplicas } = configOf<{ minReplicas: number }>(args, configSchema);
        const databases = stack.servers.filter((s) => s.roles.has("database"));
        const writers = databases.filter((s) => !s.payload || !isReadOnly(s.payload));
        const replicas = databases.length - writers.length;
        const rds = rdsDatabases(stack.ofType(TYPES.rdsInstance));
        const standbys = replicas + rds.standbys;
        const all: Resource[] = [...writers, ...rds.writers];
        const names = [...writers.map(describeServer), ...rds.writers.map(label)].join(", ");
        let found: string;
        if (all.length === 1 && standbys < minReplicas) {
            found = `exactly one server accepts MySQL writes (${names}) and ${standbys} replica(s) can take over (at least ${minReplicas} wanted)`;
        } else if (all.length > 1 && rds.writers.length === 0 && !writers.every((s) => s.payload && isClustered(s.payload))) {
            found = `${all.length} servers accept MySQL writes (${names}) but they form no cluster: each is the single writer of its own copy of the data`;
        } else {
            return;
        }
        report(
            explain({
                found,
                on: all.map(label),
                why:
                    "the only server that can accept writes for its data is a single point of failure: if it fails, the " +
                    "website becomes unavailable until it is repaired, and writes made since the last backup can be lost; a " +
                    "cluster of servers that can accept writes (or a promotable replica) removes it.",
                fix: remediation,
            }),
            all[0].urn,
        );
    }),
};
