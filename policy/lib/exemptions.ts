// Per-resource exemptions, like cdk-nag's suppressions: a resource may be exempted from one policy,
// always with a reason, and the exemption is still reported (advisory) so it stays visible.
//
//   - by tag on the resource:   sws:policy-exempt:<policy-name> = <reason>
//   - by URN in the pack config: { "<policy-name>": { "exemptions": [{ "urn": "...", "reason": "..." }] } }
//
// A finding on an exempted resource is reported as "Exempted (<where>): <reason>" at advisory level
// instead of the policy's own level. An exemption without a reason exempts nothing: the finding
// keeps its level, and the exemption itself is reported (`policy-exemptions-have-reasons` for tags,
// the exempted policy itself for config entries). The engine takes a per-violation enforcement
// level when a policy reports an object ({ message, urn, enforcementLevel }), which is what the
// SDK's analyzer server does with it (server.js makeReportViolationFun); the object form carries
// the URN itself (the second argument is ignored then).

import {
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidation,
    ResourceValidationPolicy,
    StackValidationPolicy,
} from "@pulumi/policy";
import { snapshot, tagsOf } from "./props";

/**
 * The names of the pack's policies, filled in by policies.ts once it has built the list (a rule
 * cannot import policies.ts, which imports every rule).
 */
export const packPolicyNames = new Set<string>();

/** Tag key prefix: `sws:policy-exempt:<policy-name>`; its value is the reason. */
export const EXEMPT_TAG_PREFIX = "sws:policy-exempt:";

export function exemptTag(policyName: string): string {
    return `${EXEMPT_TAG_PREFIX}${policyName}`;
}

export interface ConfigExemption {
    urn: string;
    reason: string;
}

/** The `exemptions` property every policy's configSchema gets. */
export const exemptionsSchema = {
    type: "array" as const,
    items: {
        type: "object" as const,
        properties: {
            urn: { type: "string" as const, minLength: 1, description: "URN of the exempted resource." },
            reason: { type: "string" as const, minLength: 1, pattern: "\\S", description: "Why this resource may break the policy (required)." },
        },
        required: ["urn", "reason"],
        additionalProperties: false,
    },
    default: [] as ConfigExemption[],
    description:
        "Resources exempted from this policy, each with the reason (required). Their findings are reported as " +
        "exempted (advisory) instead. Exempting by tag also works: sws:policy-exempt:<policy-name> = <reason>.",
};

/** A reason counts only when it says something. */
export function hasReason(reason: unknown): reason is string {
    return typeof reason === "string" && reason.trim() !== "";
}

/** The string tags of a resource's props (the SDK proxy, or plain); unknown tags count as none. */
function tagsOfProps(props: any): Record<string, string> {
    const read = (key: string) => {
        try {
            return snapshot(props?.[key]);
        } catch {
            return undefined;
        }
    };
    return tagsOf({ tags: read("tags"), tagsAll: read("tagsAll") });
}

type Verdict = { exempt: true; where: string; reason: string } | { exempt: false; problem?: string };

function verdict(policyName: string, urn: string | undefined, tags: Record<string, string>, config: ConfigExemption[]): Verdict {
    const key = exemptTag(policyName);
    if (key in tags) {
        if (hasReason(tags[key])) {
            return { exempt: true, where: `tag ${key}`, reason: tags[key].trim() };
        }
    }
    const entry = urn === undefined ? undefined : config.find((e) => e.urn === urn);
    if (entry) {
        if (hasReason(entry.reason)) {
            return { exempt: true, where: "pack config exemptions", reason: entry.reason.trim() };
        }
        return { exempt: false, problem: `the pack config exempts ${urn} from ${policyName} without a reason, so the exemption is not applied` };
    }
    return { exempt: false };
}

function configExemptions(args: { getConfig<T extends object>(): T }): ConfigExemption[] {
    const value = (args.getConfig<{ exemptions?: unknown }>().exemptions ?? []) as unknown;
    return Array.isArray(value) ? (value as ConfigExemption[]) : [];
}

/**
 * The report function a policy sees: findings on exempted resources become advisory "Exempted"
 * messages; everything else passes through unchanged.
 */
function exemptingReport(
    policyName: string,
    report: ReportViolation,
    config: ConfigExemption[],
    tagsOfUrn: (urn: string) => Record<string, string>,
    defaultUrn?: string,
): ReportViolation {
    return (message: string, urn?: string) => {
        const target = urn ?? defaultUrn;
        const v = verdict(policyName, target, target === undefined ? {} : tagsOfUrn(target), config);
        if (v.exempt) {
            const exempted = `Exempted (${v.reason}) by ${v.where}.\nThe finding it exempts: ${message}`;
            (report as (m: unknown, u?: string) => void)({ message: exempted, urn: target, enforcementLevel: "advisory" });
            return;
        }
        report(v.problem ? `${message}\nNot exempted: ${v.problem}.` : message, urn);
    };
}

function wrapResourceValidation(policyName: string, validation: ResourceValidation): ResourceValidation {
    const wrapped: ResourceValidation = (args, report) => {
        return validation(args, exemptingReport(policyName, report, configExemptions(args), () => tagsOfProps(args.props), args.urn));
    };
    const fastType = (validation as { __pulumiType?: string }).__pulumiType;
    if (fastType) {
        (wrapped as { __pulumiType?: string }).__pulumiType = fastType;
    }
    return wrapped;
}

function withExemptionsSchema(schema: PolicyConfigSchema | undefined): PolicyConfigSchema {
    return { ...(schema ?? {}), properties: { ...(schema?.properties ?? {}), exemptions: exemptionsSchema } };
}

/** The policy with per-resource exemptions: an `exemptions` config property and the tag. */
export function withExemptions<P extends ResourceValidationPolicy | StackValidationPolicy>(policy: P): P {
    const configSchema = withExemptionsSchema(policy.configSchema);
    if ("validateStack" in policy && typeof policy.validateStack === "function") {
        const validateStack = policy.validateStack;
        return {
            ...policy,
            configSchema,
            validateStack: (args, report) => {
                const tagsByUrn = new Map<string, Record<string, string>>();
                const tagsOfUrn = (urn: string) => {
                    if (!tagsByUrn.has(urn)) {
                        tagsByUrn.set(urn, tagsOfProps(args.resources.find((r) => r.urn === urn)?.props));
                    }
                    return tagsByUrn.get(urn)!;
                };
                return validateStack(args, exemptingReport(policy.name, report, configExemptions(args), tagsOfUrn));
            },
        };
    }
    const resourcePolicy = policy as ResourceValidationPolicy;
    const validations = resourcePolicy.validateResource;
    if (!validations) {
        return { ...policy, configSchema };
    }
    return {
        ...policy,
        configSchema,
        validateResource: Array.isArray(validations)
            ? validations.map((v) => wrapResourceValidation(policy.name, v))
            : wrapResourceValidation(policy.name, validations),
    };
}
