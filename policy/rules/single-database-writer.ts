import { StackValidationPolicy } from "@pulumi/policy";
import { configOf } from "../lib/config";
import { isReadOnly } from "../lib/mysql";
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
    "no argument adds a replica yet; one writer is the seed's design, and this advisory finding documents it.";

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
        const allWriters: Resource[] = [...writers, ...rds.writers];
        if (allWriters.length !== 1 || replicas + rds.standbys >= minReplicas) {
            return;
        }
        const writer = allWriters[0];
        const name = writers.length === 1 ? describeServer(writers[0]) : label(writer);
        report(
            explain({
                found:
                    `exactly one server accepts MySQL writes (${name}) and ${replicas + rds.standbys} ` +
                    `replica(s) can take over (at least ${minReplicas} wanted)`,
                on: [label(writer)],
                why:
                    "if that server fails, the website becomes unavailable until it is repaired, and writes made since " +
                    "the last backup can be lost; a cluster of servers that can accept writes (or a promotable replica) removes " +
                    "the single point of failure.",
                fix: remediation,
            }),
            writer.urn,
        );
    }),
};
