// Every generated value of every captured resource, checked against the documented-constraints
// table (components/model/awsConstraints.ts). A violation names the resource, the field and the row.
import type { Captured } from "../helpers/pulumiMocks";
import { breaks, ConstraintContext, ConstraintId, DEFAULT_CONTEXT, describeBreak, policySize, tagProblems, AWS_CONSTRAINTS } from "../../components/model/awsConstraints";
import { unwrapSecrets } from "./replay";

export interface Violation {
    resource: string;
    type: string;
    field: string;
    rule: ConstraintId;
    problem: string;
}

export function formatViolations(v: Violation[]): string {
    return v.map((x) => `${x.resource} (${x.type}) ${x.field}: ${describeBreak(x.rule, x.problem)}`).join("\n");
}

type Check = [field: string, rule: ConstraintId, value: unknown];
const dims = (prefix: string, d: { [k: string]: string } | undefined): Check[] => {
    const entries = Object.entries(d ?? {});
    return [
        [`${prefix}`, "cwDimensions", entries.length > 30 ? "x".repeat(entries.length) : ""],
        ...entries.flatMap(([k, v]): Check[] => [[`${prefix}[${JSON.stringify(k)}] name`, "cwDimensionName", k], [`${prefix}[${JSON.stringify(k)}]`, "cwDimensionValue", v]]),
    ];
};
const dlmTags = (prefix: string, t: { [k: string]: string } | undefined): Check[] =>
    Object.entries(t ?? {}).flatMap(([k, v]): Check[] => [[`${prefix}[${JSON.stringify(k)}] key`, "dlmTagKey", k], [`${prefix}[${JSON.stringify(k)}]`, "dlmTagValue", v]]);

/** The constrained fields of each type (i: resolved inputs, s: provider-shaped state, for auto-names). */
export const FIELDS: { [type: string]: (i: any, s: any) => Check[] } = {
    "aws:ec2/securityGroup:SecurityGroup": (i, s) => [["name", "ec2SecurityGroupName", s.name], ["description", "ec2SecurityGroupDescription", i.description]],
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": (i) => [["description", "ec2SecurityGroupRuleDescription", i.description]],
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": (i) => [["description", "ec2SecurityGroupRuleDescription", i.description]],
    "aws:ec2/instance:Instance": (i) => [["userDataBase64 (decoded)", "ec2UserData", i.userDataBase64 !== undefined ? Buffer.from(i.userDataBase64, "base64").toString("latin1") : i.userData]],
    "aws:dlm/lifecyclePolicy:LifecyclePolicy": (i) => [
        ["description", "dlmDescription", i.description],
        ...(i.policyDetails?.schedules ?? []).flatMap((sc: any, n: number): Check[] => [
            [`policyDetails.schedules[${n}].name`, "dlmScheduleName", sc.name], ...dlmTags(`policyDetails.schedules[${n}].tagsToAdd`, sc.tagsToAdd),
        ]),
        ...dlmTags("policyDetails.targetTags", i.policyDetails?.targetTags), ...dlmTags("tags", i.tags),
    ],
    "aws:s3/bucket:Bucket": (i, s) => [["bucketPrefix", "s3BucketPrefix", i.bucketPrefix], ["bucket", "s3BucketName", s.bucket]],
    "aws:s3/bucketPolicy:BucketPolicy": (i) => [["policy", "iamPolicyDocument", i.policy]],
    "aws:iam/role:Role": (i, s) => [["name", "iamRoleName", s.name], ["description", "iamRoleDescription", i.description], ["assumeRolePolicy", "iamPolicyDocument", i.assumeRolePolicy]],
    "aws:iam/rolePolicy:RolePolicy": (i, s) => [["name", "iamPolicyName", s.name], ["policy", "iamPolicyDocument", i.policy]],
    "aws:iam/instanceProfile:InstanceProfile": (_i, s) => [["name", "iamInstanceProfileName", s.name]],
    "aws:iam/policy:Policy": (i, s) => [
        ["name", "iamPolicyName", s.name], ["policy", "iamPolicyDocument", i.policy],
        ["policy (size)", "iamManagedPolicy", typeof i.policy === "string" ? "x".repeat(policySize(i.policy)) : undefined],
    ],
    "aws:ssm/parameter:Parameter": (i, s) => [
        ["name", "ssmParameterName", s.name], ["description", "ssmDescription", i.description],
        ["value", i.tier === "Advanced" || i.tier === "Intelligent-Tiering" ? "ssmValueAdvanced" : "ssmValueStandard", i.value ?? i.insecureValue],
    ],
    "aws:ssm/document:Document": (_i, s) => [["name", "ssmDocumentName", s.name]],
    "aws:ssm/association:Association": (i) => [["associationName", "ssmAssociationName", i.associationName], ["name", "ssmDocumentName", i.name]],
    "aws:cloudwatch/metricAlarm:MetricAlarm": (i, s) => [
        ["name", "cwAlarmName", s.name], ["alarmDescription", "cwAlarmDescription", i.alarmDescription],
        ...dims("dimensions", i.dimensions),
        ...(i.metricQueries ?? []).flatMap((q: any, n: number): Check[] => [
            [`metricQueries[${n}].id`, "cwMetricQueryId", q.id], ...dims(`metricQueries[${n}].metric.dimensions`, q.metric?.dimensions),
        ]),
    ],
    "aws:cloudwatch/dashboard:Dashboard": (i, s) => [["dashboardName", "cwDashboardName", s.dashboardName], ["dashboardBody", "cwDashboardBody", i.dashboardBody]],
    "aws:cloudwatch/logGroup:LogGroup": (i, s) => [["name", "logsGroupName", s.name], ["retentionInDays", "logsRetentionDays", i.retentionInDays === undefined ? undefined : String(i.retentionInDays)]],
    "aws:sns/topic:Topic": (_i, s) => [["name", "snsTopicName", s.name]],
    "aws:route53/record:Record": (i) => [["name", "route53RecordName", i.name]],
    "aws:acm/certificate:Certificate": (i) => [
        ["domainName", "acmDomainName", i.domainName], ...(i.subjectAlternativeNames ?? []).map((d: string, n: number): Check => [`subjectAlternativeNames[${n}]`, "acmDomainName", d]),
    ],
    "aws:kms/key:Key": (i) => [["description", "kmsKeyDescription", i.description], ["policy", "iamPolicyDocument", i.policy]],
    "aws:kms/alias:Alias": (_i, s) => [["name", "kmsAliasName", s.name]],
};

/** Types whose tags go through the DLM tag rows instead of the common ones. */
const OWN_TAG_RULES = new Set(["aws:dlm/lifecyclePolicy:LifecyclePolicy"]);

export function checkConstraints(resources: Captured[], ctx: ConstraintContext = DEFAULT_CONTEXT): Violation[] {
    const out: Violation[] = [];
    const custom = resources.filter((r) => r.custom && r.type.startsWith("aws:"));
    for (const r of custom) {
        const i = unwrapSecrets(r.inputs);
        const checks = FIELDS[r.type]?.(i, r.state) ?? [];
        for (const [field, rule, value] of checks) {
            if (value === undefined || value === null) continue;
            const problem = breaks(rule, String(value), ctx);
            if (problem) out.push({ resource: r.name, type: r.type, field, rule, problem });
        }
        if (!OWN_TAG_RULES.has(r.type)) {
            for (const [field, tags] of [["tags", i.tags], ["volumeTags", i.volumeTags]] as const) {
                for (const p of tagProblems(tags)) out.push({ resource: r.name, type: r.type, field: p.field.replace(/^tags/, field), rule: p.id, problem: p.problem });
            }
        }
    }
    // Inline policies of one role, in total.
    const byRole = new Map<string, number>();
    for (const p of custom.filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy")) {
        const doc = unwrapSecrets(p.inputs).policy;
        if (typeof doc === "string") byRole.set(p.inputs.role, (byRole.get(p.inputs.role) ?? 0) + policySize(doc));
    }
    for (const role of custom.filter((r) => r.type === "aws:iam/role:Role")) {
        const inline = (unwrapSecrets(role.inputs).inlinePolicies ?? []).reduce((n: number, p: any) => n + (p.policy ? policySize(p.policy) : 0), 0);
        const total = (byRole.get(role.id) ?? 0) + inline;
        if (total > AWS_CONSTRAINTS.iamRoleInlinePolicies.maxLength) {
            out.push({ resource: role.name, type: role.type, field: "inline policies (total)", rule: "iamRoleInlinePolicies", problem: `${total} characters; at most ${AWS_CONSTRAINTS.iamRoleInlinePolicies.maxLength}` });
        }
    }
    return out;
}

/** Types the table has rows for (the suite lists the others). */
export const CONSTRAINED_TYPES = Object.keys(FIELDS);
