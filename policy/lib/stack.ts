// The whole stack, indexed for cross-resource checks: which rules belong to which security group,
// which groups guard which servers, which volume is attached where.

import { PolicyResource, ReportViolation, StackValidation, StackValidationArgs } from "@pulumi/policy";
import { isUnknown, list, snapshot } from "./props";
import { Resource, TYPES, idOf } from "./resources";
import { Rule, RULE_TYPES, rulesOf } from "./securityGroups";
import { Server, toServer } from "./servers";

/**
 * A server's payload plus the live files it fetches from SSM at boot (the "~" lines of the
 * component's /etc/sws/fetch.list: peer lists such as HAProxy's web backend, the app release),
 * read from the stack's own parameters — the configuration the server runs is both.
 */
function withLiveFiles(server: Server, parameters: Map<string, unknown>): Server {
    const list = server.payload?.files.get("/etc/sws/fetch.list");
    if (!server.payload || list === undefined) return server;
    const files = new Map(server.payload.files);
    for (const line of list.split("\n")) {
        const [parameter, path, , , kind] = line.trim().split(/\s+/);
        const value = parameters.get(parameter);
        if (kind === "~" && typeof value === "string" && !files.has(path)) files.set(path, value);
    }
    return { ...server, payload: { ...server.payload, files } };
}

export class Stack {
    readonly resources: Resource[];
    readonly servers: Server[];
    private readonly byUrn: Map<string, Resource>;

    constructor(resources: Resource[]) {
        this.resources = resources;
        this.byUrn = new Map(resources.map((r) => [r.urn, r]));
        const parameters = new Map(this.ofType(TYPES.ssmParameter).map((r) => [String(r.props.name), r.props.value]));
        this.servers = this.ofType(TYPES.instance).map(toServer).map((s) => withLiveFiles(s, parameters));
    }

    static fromArgs(args: Pick<StackValidationArgs, "resources">): Stack {
        return new Stack(
            args.resources.map((r: PolicyResource) => ({
                type: r.type,
                urn: r.urn,
                name: r.name,
                props: snapshot(r.props),
                propertyDependencies: Object.fromEntries(
                    Object.entries(r.propertyDependencies ?? {}).map(([k, deps]) => [k, deps.map((d) => d.urn)]),
                ),
            })),
        );
    }

    ofType(...types: string[]): Resource[] {
        return this.resources.filter((r) => types.includes(r.type));
    }

    /**
     * The resources of `type` that `from.props[prop]` refers to: through the engine's property
     * dependencies when it recorded them, else by matching the value(s) against ids, ARNs, names
     * and URNs.
     */
    resolve(from: Resource, prop: string, type: string): Resource[] {
        const viaDeps = (from.propertyDependencies?.[prop] ?? [])
            .map((urn) => this.byUrn.get(urn))
            .filter((r): r is Resource => r !== undefined && r.type === type);
        if (viaDeps.length > 0) {
            return viaDeps;
        }
        const value = from.props[prop];
        return this.find(type, (Array.isArray(value) ? list(value) : [value]).filter((v): v is string => typeof v === "string"));
    }

    /** The resources of `type` whose id, ARN, name or URN is one of `refs`. */
    find(type: string, refs: string[]): Resource[] {
        if (refs.length === 0) {
            return [];
        }
        return this.ofType(type).filter((r) =>
            [idOf(r), r.props.arn, r.props.name, r.props.bucket, r.urn].some((key) => typeof key === "string" && refs.includes(key)),
        );
    }

    /**
     * The resources of `types` whose `prop` points at `target` (through property dependencies, or by
     * id, ARN, name or URN), e.g. the BucketLogging resources of a bucket.
     */
    pointingAt(target: Resource, prop: string, ...types: string[]): Resource[] {
        return this.ofType(...types).filter((r) => this.resolve(r, prop, target.type).some((t) => t.urn === target.urn));
    }

    /**
     * Whether nothing can point at `target` yet: its id, ARN and name are not known (preview) and no
     * other resource recorded a property dependency on it.
     */
    unlinkable(target: Resource): boolean {
        const keys = [idOf(target), target.props.arn, target.props.name, target.props.bucket];
        if (keys.some((k) => typeof k === "string")) {
            return false;
        }
        return !this.resources.some((r) => Object.values(r.propertyDependencies ?? {}).some((urns) => urns.includes(target.urn)));
    }

    /** Whether some resource of `types` has `prop` unknown with no dependency recorded (preview). */
    anyUnresolved(prop: string, ...types: string[]): boolean {
        return this.ofType(...types).some((r) => this.unresolved(r, prop));
    }

    /** Whether `from.props[prop]` is not known yet (preview) and no dependency says where it points. */
    unresolved(from: Resource, prop: string): boolean {
        return isUnknown(from.props[prop]) && (from.propertyDependencies?.[prop] ?? []).length === 0;
    }

    /** Every known security-group rule in the stack. */
    rules(): Rule[] {
        return this.ofType(...RULE_TYPES)
            .flatMap(rulesOf)
            .filter((r) => !r.unknown);
    }

    /** The security group a rule belongs to. */
    groupOfRule(rule: Rule): Resource | undefined {
        if (rule.carrier.type === TYPES.securityGroup) {
            return rule.carrier;
        }
        return this.resolve(rule.carrier, "securityGroupId", TYPES.securityGroup)[0];
    }

    /** The security groups a rule admits traffic from (or sends it to), `self` included. */
    peerGroups(rule: Rule): Resource[] {
        const own = rule.self ? [this.groupOfRule(rule)].filter((g): g is Resource => g !== undefined) : [];
        if (rule.carrier.type === TYPES.securityGroup) {
            return [...own, ...this.find(TYPES.securityGroup, rule.groups)];
        }
        return [
            ...own,
            ...this.resolve(rule.carrier, "referencedSecurityGroupId", TYPES.securityGroup),
            ...this.resolve(rule.carrier, "sourceSecurityGroupId", TYPES.securityGroup),
        ];
    }

    /** The security groups attached to a server. */
    groupsOf(server: Server): Resource[] {
        return [
            ...this.resolve(server, "vpcSecurityGroupIds", TYPES.securityGroup),
            ...this.resolve(server, "securityGroups", TYPES.securityGroup),
        ];
    }

    /** The servers a security group is attached to. */
    serversIn(group: Resource): Server[] {
        return this.servers.filter((s) => this.groupsOf(s).some((g) => g.urn === group.urn));
    }

    /** Whether some volume attachment cannot be linked yet (preview: ids unknown, no dependencies recorded). */
    attachmentsUnresolved(): boolean {
        return this.ofType(TYPES.volumeAttachment).some((a) => this.unresolved(a, "instanceId") || this.unresolved(a, "volumeId"));
    }

    /** The EBS volumes attached to a server through `aws.ec2.VolumeAttachment`. */
    volumesOf(server: Server): Resource[] {
        return this.ofType(TYPES.volumeAttachment)
            .filter((a) => this.resolve(a, "instanceId", TYPES.instance).some((i) => i.urn === server.urn))
            .flatMap((a) => this.resolve(a, "volumeId", TYPES.volume));
    }
}

export type StackCheck = (stack: Stack, args: StackValidationArgs, report: ReportViolation) => void;

/** A stack validation handed the indexed stack. */
export function validateIndexedStack(check: StackCheck): StackValidation {
    return (args, report) => check(Stack.fromArgs(args), args, report);
}
