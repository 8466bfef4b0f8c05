// Runs CrossGuard policies the way the Pulumi engine and @pulumi/policy's analyzer server do,
// without a CLI or a gRPC server:
// - props go through a protobuf Struct and the SDK's own deserializer (undefined dropped, secrets
//   unwrapped) and are wrapped in the SDK's unknown-checking proxy;
// - `isType`/`asType`, `getConfig` (schema defaults applied, as the CLI does), `notApplicable`;
// - enforcement level: pack config > policy > pack default ("advisory"); "disabled" skips;
//   an `all` entry sets the level of every policy;
// - the engine's fast type filter (`__pulumiType` on a validation function);
// - an UnknownValueError becomes the SDK's advisory "can't run ... during preview" diagnostic.
//
// `runPack(resources, config?)` runs the whole pack (resource policies on every resource, then
// stack policies on all of them) and is what an end-to-end test needs.

import * as fs from "fs";
import {
    EnforcementLevel,
    Policies,
    PolicyConfigSchema,
    PolicyResource,
    PolicyResourceOptions,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import { policies as packPolicies } from "../../policy/policies";

// SDK internals the analyzer server itself uses (not in the public typings).
/* eslint-disable @typescript-eslint/no-var-requires */
const proxy = require("@pulumi/policy/proxy");
const { deserializeProperties } = require("@pulumi/policy/deserialize");
const { getPulumiType } = require("@pulumi/policy/policy");
const { Struct } = require(
    require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [require.resolve("@pulumi/policy")] }),
);

/** The engine's sentinels for values not known during preview: put them in fixture props. */
export const unknown = {
    string: proxy.unknownStringValue as string,
    number: proxy.unknownNumberValue as string,
    boolean: proxy.unknownBooleanValue as string,
    array: proxy.unknownArrayValue as string,
    object: proxy.unknownObjectValue as string,
};

/** A secret value, as the engine sends it (the SDK unwraps it before policies see it). */
export function secret<T>(value: T): Record<string, unknown> {
    return { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value };
}

/** A resource as a test (or a capture of the program under mocks) describes it. */
export interface PackResource {
    type: string;
    name: string;
    /** Default: `urn:pulumi:test::secured-web-stack::<type>::<name>`. */
    urn?: string;
    props: Record<string, unknown>;
    /** The provider id; copied into `props.id` (bridged AWS outputs carry it) unless props has one. */
    id?: string;
    /** URN of the parent resource. */
    parent?: string;
    /** URNs this resource depends on. */
    dependencies?: string[];
    /** Property name → URNs its value came from (how stack policies link e.g. a rule to its group). */
    propertyDependencies?: Record<string, string[]>;
    opts?: Partial<PolicyResourceOptions>;
}

export type PolicyConfigEntry = EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>);
/** The `--policy-pack-config` file's shape: policy name (or "all") → level or settings. */
export type PackConfig = Record<string, PolicyConfigEntry>;

export interface Violation {
    policyName: string;
    /** What the engine prints: the policy's description, a newline, then the policy's message. */
    message: string;
    /** The message the policy passed to reportViolation. */
    detail: string;
    urn?: string;
    enforcementLevel: EnforcementLevel;
    severity?: Severity;
}

export interface NotApplicable {
    policyName: string;
    reason?: string;
    urn?: string;
}

export interface Outcome {
    violations: Violation[];
    notApplicable: NotApplicable[];
    /** The SDK's "can't run policy ... during preview" diagnostics (a policy touched an unknown value). */
    previewSkips: Violation[];
}

export interface RunOptions {
    stackTags?: Record<string, string>;
    /** Pack-wide default enforcement level (the PolicyPack's `enforcementLevel`). Default "advisory". */
    packEnforcementLevel?: EnforcementLevel;
}

class NotApplicableError extends Error {
    constructor(readonly reason?: string) {
        super(reason ?? "Policy does not apply");
    }
}

function throwNotApplicable(reason?: string): never {
    throw new NotApplicableError(reason);
}

export function urnOf(type: string, name: string, stack = "test", project = "secured-web-stack"): string {
    return `urn:pulumi:${stack}::${project}::${type}::${name}`;
}

function dropUndefined(value: unknown): unknown {
    if (Array.isArray(value)) {
        return value.map((v) => (v === undefined ? null : dropUndefined(v)));
    }
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(
            Object.entries(value)
                .filter(([, v]) => v !== undefined)
                .map(([k, v]) => [k, dropUndefined(v)]),
        );
    }
    return value;
}

/** Props as a policy receives them: through the wire format, behind the unknown-checking proxy. */
export function engineProps(resource: PackResource): Record<string, any> {
    const props = { ...resource.props };
    if (resource.id !== undefined && props.id === undefined) {
        props.id = resource.id;
    }
    return proxy.unknownCheckingProxy(deserializeProperties(Struct.fromJavaScript(dropUndefined(props)), false));
}

function isTypeOf(type: string, resourceClass: any): boolean {
    const pulumiType = getPulumiType(resourceClass);
    if (pulumiType) {
        return type === pulumiType;
    }
    const isInstance = resourceClass.isInstance;
    return typeof isInstance === "function" && isInstance({ __pulumiType: type }) === true;
}

function options(resource: PackResource): PolicyResourceOptions {
    return {
        protect: false,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
        ...(resource.parent ? { parent: resource.parent } : {}),
        ...resource.opts,
    };
}

const urnFor = (r: PackResource) => r.urn ?? urnOf(r.type, r.name);

// ---- configuration -------------------------------------------------------------------------

/** Reads a `--policy-pack-config` JSON file. */
export function loadPackConfig(file: string): PackConfig {
    return JSON.parse(fs.readFileSync(file, "utf8"));
}

function typeOk(type: string, value: unknown): boolean {
    switch (type) {
        case "integer":
            return Number.isInteger(value);
        case "array":
            return Array.isArray(value);
        case "object":
            return value !== null && typeof value === "object" && !Array.isArray(value);
        case "null":
            return value === null;
        default:
            return typeof value === type;
    }
}

/** The subset of JSON Schema that policy config schemas here use; returns the problems found. */
export function schemaProblems(schema: any, value: unknown, where: string): string[] {
    if (typeof schema !== "object" || schema === null) {
        return [];
    }
    const problems: string[] = [];
    const types: string[] = schema.type === undefined ? [] : [].concat(schema.type);
    if (types.length > 0 && !types.some((t) => typeOk(t, value))) {
        return [`${where}: expected ${types.join(" or ")}, got ${JSON.stringify(value)}`];
    }
    if (schema.enum && !schema.enum.some((e: unknown) => JSON.stringify(e) === JSON.stringify(value))) {
        problems.push(`${where}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
    }
    if (typeof value === "number") {
        if (schema.minimum !== undefined && value < schema.minimum) problems.push(`${where}: below minimum ${schema.minimum}`);
        if (schema.maximum !== undefined && value > schema.maximum) problems.push(`${where}: above maximum ${schema.maximum}`);
    }
    if (typeof value === "string") {
        if (schema.minLength !== undefined && value.length < schema.minLength) problems.push(`${where}: shorter than ${schema.minLength}`);
        if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) problems.push(`${where}: does not match ${schema.pattern}`);
    }
    if (Array.isArray(value) && schema.items) {
        value.forEach((v, i) => problems.push(...schemaProblems(schema.items, v, `${where}[${i}]`)));
    }
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
        const obj = value as Record<string, unknown>;
        for (const key of schema.required ?? []) if (obj[key] === undefined) problems.push(`${where}.${key}: required`);
        for (const [key, v] of Object.entries(obj)) {
            if (schema.properties?.[key]) problems.push(...schemaProblems(schema.properties[key], v, `${where}.${key}`));
            else if (schema.additionalProperties === false) problems.push(`${where}.${key}: not allowed`);
        }
    }
    return problems;
}

interface ResolvedConfig {
    enforcementLevel: EnforcementLevel;
    properties: Record<string, unknown>;
}

/**
 * The enforcement level and config properties one policy runs with, as the CLI computes them:
 * the entry for the policy (a level, or an object with `enforcementLevel` and properties), an
 * `all` entry's level, schema defaults filled in, and the result validated against the schema.
 */
export function resolvePolicyConfig(
    policy: { name: string; enforcementLevel?: EnforcementLevel; configSchema?: PolicyConfigSchema },
    config: PackConfig = {},
    packEnforcementLevel: EnforcementLevel = "advisory",
): ResolvedConfig {
    const entry = config[policy.name];
    const all = config.all;
    const levelOf = (e: PolicyConfigEntry | undefined) => (typeof e === "string" ? e : e?.enforcementLevel);
    const { enforcementLevel: _, ...given } = typeof entry === "object" ? entry : ({} as Record<string, unknown>);
    const schema = policy.configSchema;
    if (!schema && Object.keys(given).length > 0) {
        throw new Error(`policy ${policy.name} has no configSchema but its config sets ${Object.keys(given).join(", ")}`);
    }
    const properties: Record<string, unknown> = {};
    for (const [key, property] of Object.entries(schema?.properties ?? {})) {
        if (typeof property === "object" && property.default !== undefined) {
            properties[key] = property.default;
        }
    }
    Object.assign(properties, given);
    if (schema) {
        const problems = Object.keys(given)
            .filter((k) => !(k in schema.properties))
            .map((k) => `${policy.name}.${k}: not in the policy's configSchema`);
        for (const [key, property] of Object.entries(schema.properties)) {
            if (properties[key] !== undefined) {
                problems.push(...schemaProblems(property, properties[key], `${policy.name}.${key}`));
            }
        }
        problems.push(...(schema.required ?? []).filter((k) => properties[k] === undefined).map((k) => `${policy.name}.${k}: required`));
        if (problems.length > 0) {
            throw new Error(`invalid policy pack config:\n  ${problems.join("\n  ")}`);
        }
    }
    return {
        enforcementLevel: levelOf(entry) ?? levelOf(all) ?? policy.enforcementLevel ?? packEnforcementLevel,
        properties,
    };
}

// ---- argument bags ---------------------------------------------------------------------------

function getConfigFun(properties: Record<string, unknown>) {
    return <T extends object>() => ({ ...properties }) as T;
}

function tagMap(tags: Record<string, string> = {}): ReadonlyMap<string, string> {
    return new Map(Object.entries(tags));
}

/** What the analyzer gives every resource: type, props behind the proxy, URN, name, options, isType/asType. */
function analyzerResource(resource: PackResource) {
    const props = engineProps(resource);
    return {
        type: resource.type,
        props,
        urn: urnFor(resource),
        name: resource.name,
        opts: options(resource),
        isType: (resourceClass: any) => isTypeOf(resource.type, resourceClass),
        asType: ((resourceClass: any) => (isTypeOf(resource.type, resourceClass) ? props : undefined)) as any,
    };
}

/** `ResourceValidationArgs` for one resource, as the analyzer server builds them. */
export function resourceArgs(
    resource: PackResource,
    configProperties: Record<string, unknown> = {},
    opts: RunOptions = {},
): ResourceValidationArgs {
    return {
        ...analyzerResource(resource),
        stackTags: tagMap(opts.stackTags),
        getConfig: getConfigFun(configProperties),
        notApplicable: throwNotApplicable,
    };
}

/** `StackValidationArgs` for a set of resources: parents, dependencies and property dependencies linked. */
export function stackArgs(
    resources: PackResource[],
    configProperties: Record<string, unknown> = {},
    opts: RunOptions = {},
): StackValidationArgs {
    const built: PolicyResource[] = resources.map((r) => ({ ...analyzerResource(r), dependencies: [], propertyDependencies: {} }));
    const byUrn = new Map(built.map((r) => [r.urn, r]));
    const lookup = (urns: string[] = []) => urns.map((u) => byUrn.get(u)).filter((r): r is PolicyResource => r !== undefined);
    resources.forEach((r, i) => {
        const parent = r.parent ? byUrn.get(r.parent) : undefined;
        if (parent) {
            built[i].parent = parent;
        }
        built[i].dependencies = lookup(r.dependencies);
        for (const [prop, urns] of Object.entries(r.propertyDependencies ?? {})) {
            built[i].propertyDependencies[prop] = lookup(urns);
        }
    });
    return {
        resources: built,
        stackTags: tagMap(opts.stackTags),
        getConfig: getConfigFun(configProperties),
        notApplicable: throwNotApplicable,
    };
}

// ---- running -------------------------------------------------------------------------------

function emptyOutcome(): Outcome {
    return { violations: [], notApplicable: [], previewSkips: [] };
}

function merge(into: Outcome, from: Outcome): Outcome {
    into.violations.push(...from.violations);
    into.notApplicable.push(...from.notApplicable);
    into.previewSkips.push(...from.previewSkips);
    return into;
}

function reporter(policy: ResourceValidationPolicy | StackValidationPolicy, level: EnforcementLevel, out: Outcome, urn?: string): ReportViolation {
    return (message: any, violationUrn?: string) => {
        if (message !== null && typeof message === "object") {
            // The analyzer server's object form (server.js makeReportViolationFun): the object's
            // message as is, its own URN and enforcement level (the second argument is ignored).
            out.violations.push({
                policyName: message.name ?? policy.name,
                message: message.message ?? message.description ?? policy.description,
                detail: message.message ?? "",
                urn: message.urn,
                enforcementLevel: message.enforcementLevel ?? level,
                severity: message.severity ?? policy.severity,
            });
            return;
        }
        const detail = typeof message === "string" ? message : "";
        out.violations.push({
            policyName: policy.name,
            message: detail ? `${policy.description}\n${detail}` : policy.description,
            detail,
            urn: violationUrn ?? urn,
            enforcementLevel: level,
            severity: policy.severity,
        });
    };
}

async function guarded(
    policy: ResourceValidationPolicy | StackValidationPolicy,
    level: EnforcementLevel,
    out: Outcome,
    urn: string | undefined,
    run: () => Promise<void> | void,
): Promise<void> {
    try {
        await run();
    } catch (e) {
        if (e instanceof NotApplicableError) {
            out.notApplicable.push({ policyName: policy.name, reason: e.reason, urn });
        } else if (e instanceof proxy.UnknownValueError) {
            out.previewSkips.push({
                policyName: policy.name,
                message: `can't run policy '${policy.name}' during preview: ${(e as Error).message}`,
                detail: (e as Error).message,
                urn,
                enforcementLevel: "advisory",
                severity: policy.severity,
            });
        } else {
            throw new Error(`Error validating ${urn ?? "the stack"} with policy '${policy.name}': ${(e as Error).stack ?? e}`);
        }
    }
}

/** A remediation that still finds a violation reports it as mandatory (stack policies cannot remediate). */
function reportedLevel(level: EnforcementLevel): EnforcementLevel {
    return level === "remediate" ? "mandatory" : level;
}

function isStackPolicy(p: ResourceValidationPolicy | StackValidationPolicy): p is StackValidationPolicy {
    return typeof (p as StackValidationPolicy).validateStack === "function";
}

/** Runs one resource policy on one resource. */
export async function validateResource(
    policy: ResourceValidationPolicy,
    resource: PackResource,
    config?: PackConfig,
    opts: RunOptions = {},
): Promise<Outcome> {
    const out = emptyOutcome();
    const { enforcementLevel, properties } = resolvePolicyConfig(policy, config, opts.packEnforcementLevel);
    if (enforcementLevel === "disabled" || !policy.validateResource) {
        return out;
    }
    const level = reportedLevel(enforcementLevel);
    const urn = urnFor(resource);
    const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
    const fastType = validations.length === 1 ? getPulumiType(validations[0]) : undefined;
    if (fastType && fastType !== resource.type) {
        out.notApplicable.push({ policyName: policy.name, reason: `Policy only applies to resources of type '${fastType}'`, urn });
        return out;
    }
    for (const validation of validations) {
        await guarded(policy, level, out, urn, () =>
            validation(resourceArgs(resource, properties, opts), reporter(policy, level, out, urn)),
        );
    }
    return out;
}

/** Runs one stack policy on a set of resources. */
export async function validateStack(
    policy: StackValidationPolicy,
    resources: PackResource[],
    config?: PackConfig,
    opts: RunOptions = {},
): Promise<Outcome> {
    const out = emptyOutcome();
    const { enforcementLevel, properties } = resolvePolicyConfig(policy, config, opts.packEnforcementLevel);
    if (enforcementLevel === "disabled") {
        return out;
    }
    const level = reportedLevel(enforcementLevel);
    await guarded(policy, level, out, undefined, () =>
        policy.validateStack(stackArgs(resources, properties, opts), reporter(policy, level, out)),
    );
    return out;
}

/** Runs one policy: a resource policy on each resource, a stack policy on all of them. */
export async function runPolicy(
    policy: ResourceValidationPolicy | StackValidationPolicy,
    resources: PackResource | PackResource[],
    config?: PackConfig,
    opts: RunOptions = {},
): Promise<Outcome> {
    const list = Array.isArray(resources) ? resources : [resources];
    if (isStackPolicy(policy)) {
        return validateStack(policy, list, config, opts);
    }
    const out = emptyOutcome();
    for (const r of list) {
        merge(out, await validateResource(policy, r, config, opts));
    }
    return out;
}

export interface PackReport extends Outcome {
    /** The violations of one policy. */
    of(policyName: string): Violation[];
    /** Names of the policies that reported anything, sorted, without repeats. */
    policyNames(): string[];
    /** Whether a mandatory violation would fail `pulumi preview`. */
    blocked: boolean;
}

/**
 * Runs the whole pack (every policy of `policy/policies.ts`, or `opts.policies`) on a stack's
 * resources: each resource policy on each resource, then each stack policy on them all.
 * `config` is a `--policy-pack-config` object or the path of such a JSON file; config entries
 * must name policies of the pack (or "all").
 */
export async function runPack(
    resources: PackResource[],
    config?: PackConfig | string,
    opts: RunOptions & { policies?: Policies } = {},
): Promise<PackReport> {
    const policies = opts.policies ?? packPolicies;
    const packConfig = typeof config === "string" ? loadPackConfig(config) : config;
    const unknownNames = Object.keys(packConfig ?? {}).filter((k) => k !== "all" && !policies.some((p) => p.name === k));
    if (unknownNames.length > 0) {
        throw new Error(`policy pack config names unknown policies: ${unknownNames.join(", ")}`);
    }
    const out = emptyOutcome();
    for (const policy of policies) {
        merge(out, await runPolicy(policy, resources, packConfig, opts));
    }
    return {
        ...out,
        of: (name) => out.violations.filter((v) => v.policyName === name),
        policyNames: () => [...new Set(out.violations.map((v) => v.policyName))].sort(),
        blocked: out.violations.some((v) => v.enforcementLevel === "mandatory"),
    };
}
