import { ResourceValidationPolicy } from "@pulumi/policy";
import { EXEMPT_TAG_PREFIX, hasReason, packPolicyNames } from "../lib/exemptions";
import { explain } from "../lib/report";
import { knownOrSkip } from "../lib/resources";
import { snapshot, tagsOf } from "../lib/props";

const remediation =
    "Give every `sws:policy-exempt:<policy-name>` tag the reason as its value (e.g. " +
    "`sws:policy-exempt:s3-bucket-access-logging = log bucket of the backup bucket`), name an existing policy, " +
    "or remove the tag.";

export const policyExemptionsHaveReasons: ResourceValidationPolicy = {
    name: "policy-exemptions-have-reasons",
    description: "[medium] Every exemption tag names a policy of the pack and gives a reason.",
    enforcementLevel: "advisory",
    severity: "medium",
    remediationSteps: remediation,
    validateResource: (args, report) => {
        const props = snapshot(args.props);
        const tags = tagsOf({ tags: knownOrSkip(args, props.tags, "tags"), tagsAll: props.tagsAll });
        const exemptions = Object.entries(tags).filter(([key]) => key.startsWith(EXEMPT_TAG_PREFIX));
        if (exemptions.length === 0) {
            args.notApplicable("no exemption tag");
        }
        const known = packPolicyNames;
        const problems: string[] = [];
        for (const [key, reason] of exemptions) {
            const policy = key.slice(EXEMPT_TAG_PREFIX.length);
            if (!known.has(policy)) {
                problems.push(`${key} names no policy of this pack`);
            } else if (!hasReason(reason)) {
                problems.push(`${key} has no reason, so ${policy} still applies`);
            }
        }
        if (problems.length === 0) {
            return;
        }
        report(
            explain({
                found: problems.join("; "),
                on: [args.name],
                why: "an exemption is a decision someone must be able to review later; without a reason (or for a misspelt policy) it documents nothing.",
                fix: remediation,
            }),
        );
    },
};
