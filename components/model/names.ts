// Section "names": the names AWS keeps unique per account and region (SSM parameters, log groups,
// alarms, the dashboard, the SNS topic, the KMS alias, the DLM target tag) all start from one
// physical name, unique per Pulumi stack; and every name, description and tag made from the
// user's inputs is checked here against AWS's documented constraints (components/model/awsConstraints.ts),
// so a bad input fails before any resource is registered instead of at `pulumi up`.
import { breaks, ConstraintId, AWS_CONSTRAINTS } from "./awsConstraints";
import type { Problems } from "./fields";
import type { ServerModel } from "./shape";

/**
 * The stack's physical name: the component name, followed by the Pulumi stack name unless the
 * component name already ends with it (the program names its component "sws-<stack>"). Two stacks
 * of one project never share it, whatever their `environment`; two components of one stack have
 * different names. Without a stack (renderers and the lab call buildModel directly) it is the
 * component name.
 */
export function physicalName(componentName: string, stack?: string): string {
    if (!stack) return componentName;
    // Pulumi stack names may hold upper case, "." and "_": the token keeps to what every AWS name
    // below accepts, in lower case like the component name.
    const token = stack.toLowerCase().replace(/[^a-z0-9-]/g, "-");
    return componentName === token || componentName.endsWith(`-${token}`) ? componentName : `${componentName}-${token}`;
}

/** The Pulumi auto-name suffix ("-" + 7 hex characters) the provider appends to a logical name. */
const AUTO_NAME_SUFFIX = "-0000000";
/** Tags the component adds to a resource besides the user's (stack, environment, managed-by, Name, role, sws:data, sws:snapshots). */
export const OWN_TAGS = 7;

/** The security group description of a server (EC2's alphabet only: no apostrophes). */
export function securityGroupDescription(domain: string, server: Pick<ServerModel, "name" | "roles">): string {
    return `${domain} ${server.name} (${server.roles.join(", ")}): only the flows of this stack`;
}

interface NameInputs {
    /** The component name (Pulumi logical names, hence auto-named IAM roles and security groups). */
    componentName: string;
    /** The physical name (see physicalName). */
    name: string;
    environment: string;
    domain: string;
    parameterPrefix: string;
    servers: Pick<ServerModel, "name" | "roles">[];
    tags: { [k: string]: string };
}

/**
 * Every constrained value made from the inputs, with the input fields it comes from. The shapes
 * follow the AWS renderer (components/aws/*): the conformance suite checks what it really
 * registers against the same table, so a renderer that drifts from these shapes fails there.
 */
export function constrainedNames(m: NameInputs): { value: string; rule: ConstraintId; fields: string; what: string }[] {
    const own = "name (the component name)";
    const base = `${own}, the Pulumi stack name and environment`;
    const out: { value: string; rule: ConstraintId; fields: string; what: string }[] = [];
    const add = (value: string, rule: ConstraintId, fields: string, what = AWS_CONSTRAINTS[rule].what) => out.push({ value, rule, fields, what });
    for (const s of m.servers) {
        add(`${m.componentName}-${s.name}-role${AUTO_NAME_SUFFIX}`, "iamRoleName", own, `IAM role name of ${s.name} (auto-named)`);
        add(`${m.componentName}-${s.name}-profile${AUTO_NAME_SUFFIX}`, "iamInstanceProfileName", own, `instance profile name of ${s.name} (auto-named)`);
        add(`${m.componentName}-${s.name}-policy${AUTO_NAME_SUFFIX}`, "iamPolicyName", own, `inline policy name of ${s.name} (auto-named)`);
        add(`${m.componentName}-${s.name}-sg${AUTO_NAME_SUFFIX}`, "ec2SecurityGroupName", own, `security group name of ${s.name} (auto-named)`);
        add(securityGroupDescription(m.domain, s), "ec2SecurityGroupDescription", "domain", `security group description of ${s.name}`);
        add(`${m.name}-${m.environment}-status-${s.name}`, "cwAlarmName", base, `alarm name of ${s.name}`);
    }
    add(`${m.componentName}-dlm-role${AUTO_NAME_SUFFIX}`, "iamRoleName", own, "IAM role name of the snapshot policy (auto-named)");
    add(`${m.parameterPrefix}/db-app-password`, "ssmParameterName", base, "SSM parameter names");
    add(`alias${m.parameterPrefix}/secrets`, "kmsAliasName", base, "KMS alias of the stack's secrets key");
    add(`alias/${m.name}-${m.environment}-telemetry`, "kmsAliasName", base, "KMS alias of the stack's telemetry key");
    add(`/sws/${m.name}/${m.environment}/metrics`, "logsGroupName", base, "log group names");
    add(`${m.name}-${m.environment}`, "cwDashboardName", base, "dashboard name");
    add(`${m.name}-${m.environment}-alarms`, "snsTopicName", base, "SNS topic of the alarms");
    add(`${m.name}-${m.environment}`, "dlmTagValue", base, "snapshot target tag (sws:snapshots)");
    add(m.name, "tagValue", own, "tag stack");
    add(m.environment, "tagValue", "environment", "tag environment");
    return out;
}

/** Pushes a problem for every constrained value the inputs break, naming the input and the rule. */
export function checkNames(p: Problems, m: NameInputs): void {
    const seen = new Set<string>();
    for (const n of constrainedNames(m)) {
        const problem = breaks(n.rule, n.value);
        if (!problem) continue;
        const line = `${n.fields}: makes the ${n.what} ${JSON.stringify(n.value)}, which AWS refuses: ${problem} (${AWS_CONSTRAINTS[n.rule].source})`;
        if (!seen.has(line)) { seen.add(line); p.push(line); }
    }
    const tags = Object.entries(m.tags);
    if (tags.length + OWN_TAGS > 50) p.push(`tags: ${tags.length} tags; at most ${50 - OWN_TAGS} (AWS allows 50 per resource and the stack adds up to ${OWN_TAGS} of its own)`);
    for (const [k, v] of tags) {
        // Tags go on every resource, the snapshot policy included: the common rules, then DLM's
        // stricter ones (no spaces or @ in keys). The first rule broken is reported, per key and per value.
        for (const [rules, value] of [[["tagKey", "dlmTagKey"], k], [["tagValue", "dlmTagValue"], v]] as [ConstraintId[], string][]) {
            for (const rule of rules) {
                const problem = breaks(rule, value);
                if (!problem) continue;
                p.push(`tags.${k}: ${JSON.stringify(value)} is not allowed as a ${AWS_CONSTRAINTS[rule].what}: ${problem} (${AWS_CONSTRAINTS[rule].source})`);
                break;
            }
        }
    }
}
