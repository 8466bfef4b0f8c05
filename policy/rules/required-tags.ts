import { ResourceValidationPolicy } from "@pulumi/policy";
import { configOf } from "../lib/config";
import { tagsOf } from "../lib/props";
import { explain } from "../lib/report";
import { TYPES, knownOrSkip, validateTypes } from "../lib/resources";

const configSchema = {
    properties: {
        requiredTags: {
            type: "array" as const,
            items: { type: "string" as const, minLength: 1 },
            default: ["Name", "role", "environment"],
            description: "Tags every instance and volume must carry.",
        },
    },
};

const remediation =
    "Tag every instance and volume with Name, role and environment (SecuredWebStack tags every resource; add " +
    "your own with `tags`).";

export const requiredTags: ResourceValidationPolicy = {
    name: "required-tags",
    description: "[low] Instances and volumes carry the Name, role and environment tags.",
    enforcementLevel: "advisory",
    severity: "low",
    configSchema,
    remediationSteps: remediation,
    validateResource: validateTypes([TYPES.instance, TYPES.volume], (r, args, report) => {
        const { requiredTags: wanted } = configOf<{ requiredTags: string[] }>(args, configSchema);
        knownOrSkip(args, r.props.tags, "tags");
        const tags = tagsOf(r.props);
        const missing = wanted.filter((t) => !(t in tags) || tags[t].trim() === "");
        if (missing.length === 0) {
            return;
        }
        report(
            explain({
                found: `missing tag(s): ${missing.join(", ")}`,
                on: [r.name],
                why:
                    "tags drive cost reports, backup selection (DLM targets tags) and this pack's role detection; an " +
                    "untagged resource is easy to orphan or to leave out of backups.",
                fix: remediation,
            }),
        );
    }),
};
