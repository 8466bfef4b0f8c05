import { ResourceValidationPolicy } from "@pulumi/policy";
import { explain } from "../lib/report";
import { knownOrSkip } from "../lib/resources";
import { describeServer, requireRole, validateServer } from "../lib/servers";

const remediation =
    "Set `disableApiTermination: true` on the database server (and `protect: true` on the resource). " +
    'SecuredWebStack: `terminationProtection: true` (the default when environment is "prod").';

export const databaseTerminationProtection: ResourceValidationPolicy = {
    name: "database-termination-protection",
    description: "[medium] The database server has EC2 termination protection.",
    enforcementLevel: "advisory",
    severity: "medium",
    remediationSteps: remediation,
    validateResource: validateServer((server, args, report) => {
        requireRole(server, ["database"], args);
        if (knownOrSkip(args, server.props.disableApiTermination, "disableApiTermination") === true) {
            return;
        }
        report(
            explain({
                found: `${describeServer(server)} can be terminated through the API (disableApiTermination is not true)`,
                on: [server.name],
                why: "one mistaken terminate call (console, script, a stack destroy) ends the only database writer.",
                fix: remediation,
            }),
        );
    }),
};
