// Security-group rules in one shape, whichever resource carries them: inline `ingress`/`egress`
// blocks of `aws.ec2.SecurityGroup`, one rule per `aws.vpc.SecurityGroupIngressRule` /
// `EgressRule`, or the legacy `aws.ec2.SecurityGroupRule`.

import { ResourceValidation } from "@pulumi/policy";
import { Props, containsUnknown, list, num, record, str } from "./props";
import { Check, Resource, TYPES, label, validateTypes } from "./resources";

export type Direction = "ingress" | "egress";

export interface Rule {
    direction: Direction;
    /** `-1` (all), `tcp`, `udp`, `icmp`, `icmpv6` or another protocol number. */
    protocol: string;
    fromPort: number | undefined;
    toPort: number | undefined;
    /** IPv4 and IPv6 CIDR blocks. */
    cidrs: string[];
    /** Referenced security groups (ids), `self` included as the group's own id when known. */
    groups: string[];
    self: boolean;
    description: string | undefined;
    /** The resource whose props hold this rule. */
    carrier: Resource;
    /** Position in the carrier's inline list, for inline rules. */
    index?: number;
    /** The `securityGroupId` of a standalone rule; inline rules belong to their carrier. */
    groupId: string | undefined;
    /** Some port, protocol, CIDR or description is not known yet (preview): checks skip it. */
    unknown: boolean;
}

/** Resource types that carry security-group rules. */
export const RULE_TYPES = [TYPES.securityGroup, TYPES.ingressRule, TYPES.egressRule, TYPES.securityGroupRule];

const PROTOCOL_NAMES: Record<string, string> = { all: "-1", "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6" };

function protocolOf(value: unknown): string {
    const p = String(value ?? "-1").toLowerCase();
    return PROTOCOL_NAMES[p] ?? p;
}

function strings(...values: unknown[]): string[] {
    return values.flatMap((v) => (typeof v === "string" ? [v] : list(v).filter((x) => typeof x === "string")));
}

const RULE_FIELDS = ["type", "protocol", "ipProtocol", "fromPort", "toPort", "cidrBlocks", "ipv6CidrBlocks", "cidrIpv4", "cidrIpv6", "description"];

function rule(carrier: Resource, direction: Direction, p: Props, extra: Partial<Rule>): Rule {
    return {
        direction,
        protocol: protocolOf(p.protocol ?? p.ipProtocol),
        fromPort: num(p.fromPort),
        toPort: num(p.toPort),
        cidrs: strings(p.cidrBlocks, p.ipv6CidrBlocks, p.cidrIpv4, p.cidrIpv6),
        groups: strings(p.securityGroups, p.referencedSecurityGroupId, p.sourceSecurityGroupId),
        self: p.self === true,
        description: str(p.description),
        carrier,
        groupId: undefined,
        unknown: RULE_FIELDS.some((f) => containsUnknown(p[f])),
        ...extra,
    };
}

/** The rules a resource carries; `[]` for other resource types. */
export function rulesOf(r: Resource): Rule[] {
    const p = r.props;
    switch (r.type) {
        case TYPES.securityGroup:
            return (["ingress", "egress"] as const).flatMap((direction) =>
                list(p[direction]).map((entry, index) => rule(r, direction, record(entry), { index })),
            );
        case TYPES.ingressRule:
        case TYPES.egressRule:
            return [rule(r, r.type === TYPES.ingressRule ? "ingress" : "egress", p, { groupId: str(p.securityGroupId) })];
        case TYPES.securityGroupRule: {
            const direction = str(p.type);
            if (direction !== "ingress" && direction !== "egress") {
                return [];
            }
            return [rule(r, direction, p, { groupId: str(p.securityGroupId) })];
        }
        default:
            return [];
    }
}

/** A resource validation for every rule-carrying resource, handed the rules it carries. */
export function validateRules(check: Check<Rule[]>): ResourceValidation {
    return validateTypes(RULE_TYPES, (r, args, report) => {
        const rules = rulesOf(r);
        const known = rules.filter((x) => !x.unknown);
        if (known.length < rules.length && known.length === 0) {
            args.notApplicable("the rules are not known yet (preview)");
        }
        check(known, args, report);
    });
}

export function allProtocols(rule: Rule): boolean {
    return rule.protocol === "-1";
}

function portBased(rule: Rule): boolean {
    return rule.protocol === "tcp" || rule.protocol === "udp";
}

/** Whether the rule lets traffic to `port` (TCP or UDP) through. */
export function coversPort(rule: Rule, port: number): boolean {
    if (allProtocols(rule)) {
        return true;
    }
    if (!portBased(rule)) {
        return false;
    }
    const from = rule.fromPort ?? 0;
    const to = rule.toPort ?? 65535;
    return from <= port && port <= to;
}

/** How many ports the rule opens (65536 for all protocols). */
export function portSpan(rule: Rule): number {
    if (allProtocols(rule)) {
        return 65536;
    }
    if (!portBased(rule)) {
        return 0;
    }
    return (rule.toPort ?? 65535) - (rule.fromPort ?? 0) + 1;
}

export const ANYWHERE = ["0.0.0.0/0", "::/0"];

/** The CIDR blocks of the rule that mean "any address". */
export function anywhereCidrs(rule: Rule): string[] {
    return rule.cidrs.filter((c) => ANYWHERE.includes(c));
}

export function ports(rule: Rule): string {
    if (allProtocols(rule)) {
        return "all traffic";
    }
    const range = rule.fromPort === rule.toPort ? `${rule.fromPort}` : `${rule.fromPort ?? 0}-${rule.toPort ?? 65535}`;
    return portBased(rule) ? `${rule.protocol}/${range}` : rule.protocol;
}

/** `ingress tcp/22 from 0.0.0.0/0 on web-sg (SecurityGroup) ingress[1]`, for messages. */
export function describeRule(rule: Rule): string {
    const peers = [...rule.cidrs, ...rule.groups, ...(rule.self ? ["self"] : [])].join(", ") || "nowhere";
    const where = label(rule.carrier) + (rule.index !== undefined ? ` ${rule.direction}[${rule.index}]` : "");
    return `${rule.direction} ${ports(rule)} ${rule.direction === "ingress" ? "from" : "to"} ${peers} on ${where}`;
}

/** Whether the rule opens anything besides the `allowed` TCP/UDP ports (ICMP does not count). */
export function opensOtherPorts(rule: Rule, allowed: number[]): boolean {
    if (allProtocols(rule)) {
        return true;
    }
    if (!portBased(rule)) {
        return false;
    }
    if (portSpan(rule) > allowed.length) {
        return true;
    }
    for (let port = rule.fromPort ?? 0; port <= (rule.toPort ?? 65535); port++) {
        if (!allowed.includes(port)) {
            return true;
        }
    }
    return false;
}
