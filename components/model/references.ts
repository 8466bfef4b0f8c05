// Arguments that may come from other resources (`pulumi.Input<string>`): ids and names that say
// WHICH existing thing to use, never HOW MANY or WHETHER — so the topology (which resources exist)
// is known before anything is registered, even when a value is only known at deployment.
//
// A plain string is checked here, in buildModel, like every other field. A value given as another
// resource's output (or a promise) cannot be: the model records that it was given (DEFERRED) and the
// AWS renderer checks it once known (components/aws/references.ts), failing with the same message.
import { EMAIL, Problems } from "./fields";

export const REFERENCES = {
    "network.existingVpcId": { re: /^vpc-[0-9a-f]{8,17}$/, what: `a VPC id such as "vpc-0123456789abcdef0"` },
    "network.existingPublicSubnetId": { re: /^subnet-[0-9a-f]{8,17}$/, what: `a subnet id such as "subnet-0123456789abcdef0" (required with existingVpcId)` },
    "network.existingPrivateSubnetId": { re: /^subnet-[0-9a-f]{8,17}$/, what: `a subnet id such as "subnet-0123456789abcdef0" (required with existingVpcId)` },
    "dns.hostedZoneId": { re: /^Z[0-9A-Z]{4,32}$/, what: `a Route53 hosted zone id such as "Z04481532TESTZONE0001"` },
    "sshKeyName": { re: /^[\x20-\x7e]{1,255}$/, what: "an existing EC2 key pair name" },
    "monitoring.alarmEmail": { re: EMAIL, what: `an e-mail address such as "ops@foobar.com"` },
} as const;
export type ReferenceField = keyof typeof REFERENCES;

/** The model's value of a reference given as another resource's output: known at deployment only. */
export const DEFERRED = "(given as an output: checked at deployment)";

/**
 * The model's value of a reference, for a renderer called without the checked input (unit tests,
 * plain arguments): the value when it was given plainly; a deferred one cannot be used this way.
 */
export function knownValue(field: ReferenceField, modelValue: string | undefined): string | undefined {
    if (modelValue === DEFERRED) throw new Error(`${field} was given as an output: pass the checked input (components/aws/references.ts)`);
    return modelValue;
}

/**
 * Values Pulumi.prod.yaml ships as placeholders: they pass the format check, so a stack that still
 * holds one would pass preview and fail at `pulumi up`. Refused with what to set instead.
 */
export const PLACEHOLDERS: { [field in ReferenceField]?: { value: string; set: string } } = {
    "dns.hostedZoneId": {
        value: "Z0123456789ABCDEFGHIJ",
        set: "set the id of the Route 53 hosted zone that holds your domain (`aws route53 list-hosted-zones-by-name --dns-name <your domain>`) " +
            "with `pulumi config set --path dns.hostedZoneId <id>`, or remove dns.hostedZoneId and create the record given by the dnsRecordToCreate output yourself (tls.mode \"acm\" needs the zone)",
    },
};

/** What is wrong with a known value of a reference field, or undefined. One message, whenever it is known. */
export function referenceProblem(field: ReferenceField, value: unknown): string | undefined {
    const { re, what } = REFERENCES[field];
    const placeholder = PLACEHOLDERS[field];
    if (placeholder && value === placeholder.value) return `${field}: ${JSON.stringify(value)} is the placeholder of Pulumi.prod.yaml, not yours; ${placeholder.set}`;
    return typeof value === "string" && re.test(value) ? undefined : `${field}: ${JSON.stringify(value ?? "")} is not allowed; use ${what}`;
}

/** A Pulumi Output or a promise: its value comes later. */
function isEventual(value: unknown): boolean {
    return typeof value === "object" && value !== null &&
        ((value as { __pulumiOutput?: unknown }).__pulumiOutput === true || typeof (value as { then?: unknown }).then === "function");
}

/** The model's value: the checked string, DEFERRED for an output or promise, undefined when absent (or wrong: recorded in `p`). */
export function readReference(p: Problems, field: ReferenceField, value: unknown): string | undefined {
    if (value === undefined || value === null) return undefined;
    if (isEventual(value)) return DEFERRED;
    const problem = referenceProblem(field, value);
    if (problem) {
        p.push(problem);
        return undefined;
    }
    return value as string;
}
