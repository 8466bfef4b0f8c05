import { ResourceValidationPolicy } from "@pulumi/policy";
import { configOf } from "../lib/config";
import { explain } from "../lib/report";
import { payloadOf, validateServer } from "../lib/servers";

const configSchema = {
    properties: {
        maxBytes: {
            type: "integer" as const,
            minimum: 1,
            maximum: 16384,
            default: 16384,
            description: "Largest user data, in bytes as handed to EC2 (after base64 decoding, gzip-compressed if it is).",
        },
    },
};

const remediation =
    "Compress the user data with gzip (`userDataBase64`), move large files to S3 or SSM and fetch them at boot, " +
    "or trim the payload.";

export const userDataSizeLimit: ResourceValidationPolicy = {
    name: "user-data-size-limit",
    description: "[low] User data fits EC2's 16 KiB limit.",
    enforcementLevel: "advisory",
    severity: "low",
    configSchema,
    remediationSteps: remediation,
    validateResource: validateServer((server, args, report) => {
        const { maxBytes } = configOf<{ maxBytes: number }>(args, configSchema);
        const payload = payloadOf(server, args);
        if (payload.size <= maxBytes) {
            return;
        }
        report(
            explain({
                found: `the user data is ${payload.size} bytes (limit ${maxBytes})`,
                on: [server.name],
                why: "EC2 rejects user data above 16 KiB: the instance fails to launch or replace, mid-deployment.",
                fix: remediation,
            }),
        );
    }),
};
