import { StackValidationPolicy } from "@pulumi/policy";
import { configOf } from "../lib/config";
import { isClustered, isReadOnly } from "../lib/mysql";
import { str } from "../lib/props";
import { explain } from "../lib/report";
import { Resource, TYPES, label } from "../lib/resources";
import { Server, describeServer } from "../lib/servers";
import { validateIndexedStack } from "../lib/stack";

const configSchema = {
    properties: {
        minClusterNodes: {
            type: "integer" as const,
            minimum: 2,
            default: 3,
            description: "Nodes a multi-writer cluster needs so that the survivors of one failure still hold a majority (quorum).",
        },
    },
};

const remediation =
    "Run a multi-writer cluster that fails over by itself (MariaDB Galera or MySQL Group Replication, at least three " +
    "nodes so that two keep quorum), or a Multi-AZ RDS instance. A read-only replica is not enough: it takes over only " +
    "when a person promotes it. SecuredWebStack: set `database.topology: \"cluster\"` (three MariaDB Galera servers, " +
    "every one accepting writes, reached through a local HAProxy on each app server).";

const MYSQL_ENGINES = /^(mysql|mariadb|aurora-mysql|aurora)$/;

/** RDS MySQL/MariaDB writers (instances that replicate no other); Multi-AZ ones fail over by themselves. */
function rdsWriters(rds: Resource[]): { single: Resource[]; multiAz: Resource[]; readReplicas: number } {
    const mysql = rds.filter((r) => MYSQL_ENGINES.test(str(r.props.engine) ?? ""));
    const writers = mysql.filter((r) => !r.props.replicateSourceDb);
    return {
        single: writers.filter((r) => r.props.multiAz !== true),
        multiAz: writers.filter((r) => r.props.multiAz === true),
        readReplicas: mysql.length - writers.length,
    };
}

export const singleDatabaseWriter: StackValidationPolicy = {
    name: "single-database-writer",
    description: "[medium] Design: one server accepts MySQL writes and nothing takes over by itself (a replica needs a person to promote it).",
    enforcementLevel: "advisory",
    severity: "medium",
    configSchema,
    remediationSteps: remediation,
    validateStack: validateIndexedStack((stack, args, report) => {
        const { minClusterNodes } = configOf<{ minClusterNodes: number }>(args, configSchema);
        const databases = stack.servers.filter((s) => s.roles.has("database"));
        const writers = databases.filter((s) => !s.payload || !isReadOnly(s.payload));
        const replicas = databases.length - writers.length;
        const clustered = writers.filter((s) => s.payload && isClustered(s.payload));
        const lone = writers.filter((s) => !clustered.includes(s));
        const rds = rdsWriters(stack.ofType(TYPES.rdsInstance));
        const standbys = replicas + rds.readReplicas;
        const single: Resource[] = [...lone, ...rds.single];
        const names = (rs: Resource[]) => rs.map((r) => (databases.includes(r as Server) ? describeServer(r as Server) : label(r))).join(", ");
        let found: string;
        let on: Resource[];
        if (single.length === 1) {
            found = standbys > 0
                ? `exactly one server accepts MySQL writes (${names(single)}); its ${standbys} read-only replica(s) take over only when a person promotes one (manual failover), so writes fail until someone acts`
                : `exactly one server accepts MySQL writes (${names(single)}) and no replica or cluster node can take over`;
            on = single;
        } else if (single.length > 1) {
            found = `${single.length} servers accept MySQL writes (${names(single)}) but they form no cluster: each is the single writer of its own copy of the data`;
            on = single;
        } else if (clustered.length > 0 && clustered.length < minClusterNodes) {
            found = `the multi-writer cluster has ${clustered.length} node(s) (${names(clustered)}); with fewer than ${minClusterNodes} the survivors of one failure hold no majority and stop accepting writes`;
            on = clustered;
        } else {
            // A cluster of enough nodes, or Multi-AZ RDS only: failover needs no person.
            return;
        }
        report(
            explain({
                found,
                on: on.map(label),
                why:
                    "the only server that can accept writes for its data is a single point of failure: if it fails, the " +
                    "website cannot write until it is repaired or a replica is promoted by hand, and writes made since the last " +
                    "backup can be lost; a cluster whose nodes all accept writes and keep quorum (or a Multi-AZ database) fails " +
                    "over by itself.",
                fix: remediation,
            }),
            on[0].urn,
        );
    }),
};
