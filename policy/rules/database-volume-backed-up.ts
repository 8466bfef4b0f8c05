import { StackValidationPolicy } from "@pulumi/policy";
import { configOf } from "../lib/config";
import { list, num, record, str, tagsOf } from "../lib/props";
import { explain } from "../lib/report";
import { Resource, TYPES, label } from "../lib/resources";
import { describeServer } from "../lib/servers";
import { validateIndexedStack } from "../lib/stack";

const configSchema = {
    properties: {
        minRetainCount: {
            type: "integer" as const,
            minimum: 1,
            default: 7,
            description: "Fewest snapshots a count-based retain rule may keep.",
        },
    },
};

const remediation =
    "Create an `aws.dlm.LifecyclePolicy` (state ENABLED, resourceTypes [\"VOLUME\"]) whose `policyDetails.targetTags` " +
    "are tags of the database data volume, with a daily schedule that retains at least a week of snapshots.";

interface Coverage {
    policy: Resource;
    retain: number | undefined;
}

/** Enabled DLM policies whose target tags all sit on `tags`, for the given resource type. */
function coveringPolicies(policies: Resource[], resourceType: string, tags: Record<string, string>): Coverage[] {
    return policies
        .filter((p) => {
            const details = record(p.props.policyDetails);
            const targets = Object.entries(record(details.targetTags));
            return (
                str(p.props.state) !== "DISABLED" &&
                list(details.resourceTypes).includes(resourceType) &&
                targets.length > 0 &&
                targets.every(([k, v]) => tags[k] === v)
            );
        })
        .map((policy) => {
            const counts = list(record(policy.props.policyDetails).schedules)
                .map((s) => num(record(record(s).retainRule).count))
                .filter((n): n is number => n !== undefined);
            return { policy, retain: counts.length > 0 ? Math.max(...counts) : undefined };
        });
}

export const databaseVolumeBackedUp: StackValidationPolicy = {
    name: "database-volume-backed-up",
    description: "[high] A DLM lifecycle policy snapshots the database server's data volume (by its tags).",
    enforcementLevel: "advisory",
    severity: "high",
    configSchema,
    remediationSteps: remediation,
    validateStack: validateIndexedStack((stack, args, report) => {
        if (stack.attachmentsUnresolved()) {
            args.notApplicable("volume attachments cannot be linked to instances yet (preview)");
        }
        const { minRetainCount } = configOf<{ minRetainCount: number }>(args, configSchema);
        const policies = stack.ofType(TYPES.lifecyclePolicy);
        for (const server of stack.servers.filter((s) => s.roles.has("database"))) {
            const targets: { resource: Resource; kind: string }[] = [
                ...stack.volumesOf(server).map((resource) => ({ resource, kind: "VOLUME" })),
                { resource: server, kind: "INSTANCE" },
            ];
            const coverage = targets.flatMap((t) => coveringPolicies(policies, t.kind, tagsOf(t.resource.props)));
            const enough = coverage.filter((c) => c.retain === undefined || c.retain >= minRetainCount);
            if (enough.length > 0) {
                continue;
            }
            const found =
                coverage.length > 0
                    ? `the lifecycle policies covering ${describeServer(server)}'s data keep only ` +
                      `${Math.max(...coverage.map((c) => c.retain ?? 0))} snapshot(s) (at least ${minRetainCount} wanted): ` +
                      coverage.map((c) => label(c.policy)).join(", ")
                    : targets.length > 1
                      ? `no enabled aws.dlm.LifecyclePolicy targets the tags of ${describeServer(server)}'s data volume ` +
                        `(${targets.map((t) => label(t.resource)).join(", ")})`
                      : `${describeServer(server)} has no data volume, and no enabled aws.dlm.LifecyclePolicy targets the instance's tags`;
            report(
                explain({
                    found,
                    on: targets.map((t) => label(t.resource)),
                    why:
                        "with a single database writer, a deleted table, a corrupted volume or a lost availability zone " +
                        "can only be recovered from snapshots; without them the data is gone.",
                    fix: remediation,
                }),
                server.urn,
            );
        }
    }),
};
