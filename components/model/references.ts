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
    "dns.hostedZoneId": { re: /^Z[0-9A-Z]{4,32}$/, what: `a Route53 hosted zone id such as "Z0123456789ABCDEFGHIJ"` },
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

/** What is wrong with a known value of a reference field, or undefined. One message, whenever it is known. */
export function referenceProblem(field: ReferenceField, value: unknown): string | undefined {
    const { re, what } = REFERENCES[field];
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
