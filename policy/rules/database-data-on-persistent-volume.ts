import { StackValidationPolicy } from "@pulumi/policy";
import { explain } from "../lib/report";
import { label } from "../lib/resources";
import { describeServer } from "../lib/servers";
import { validateIndexedStack } from "../lib/stack";

const remediation =
    "Keep the database's datadir on a separate `aws.ebs.Volume` attached with `aws.ec2.VolumeAttachment` (and " +
    "`protect: true`), so that replacing the instance re-attaches the data instead of destroying it. " +
    "SecuredWebStack does this for the database server (`database.volumeGiB`).";

export const databaseDataOnPersistentVolume: StackValidationPolicy = {
    name: "database-data-on-persistent-volume",
    description: "[high] The database server keeps its data on a separate EBS volume that survives instance replacement.",
    enforcementLevel: "advisory",
    severity: "high",
    remediationSteps: remediation,
    validateStack: validateIndexedStack((stack, args, report) => {
        if (stack.attachmentsUnresolved()) {
            args.notApplicable("volume attachments cannot be linked to instances yet (preview)");
        }
        for (const server of stack.servers.filter((s) => s.roles.has("database"))) {
            if (stack.volumesOf(server).length > 0) {
                continue;
            }
            report(
                explain({
                    found: `${describeServer(server)} has no aws.ebs.Volume attached: its data lives on the root volume`,
                    on: [label(server)],
                    why:
                        "a change that replaces the instance (a new AMI, new user data, a new instance type on some " +
                        "families) deletes the root volume and with it every row written since the last backup.",
                    fix: remediation,
                }),
                server.urn,
            );
        }
    }),
};
