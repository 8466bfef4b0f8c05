import { ResourceValidationPolicy } from "@pulumi/policy";
import { configOf } from "../lib/config";
import { isUnknown, list, record, str } from "../lib/props";
import { reportProblems } from "../lib/report";
import { TYPES, validateTypes } from "../lib/resources";

const configSchema = {
    properties: {
        forbiddenManagedPolicies: {
            type: "array" as const,
            items: { type: "string" as const },
            default: ["arn:aws:iam::aws:policy/AdministratorAccess"],
            description: "Managed policies that grant full administrator access.",
        },
    },
};

const remediation =
    "Grant only the actions and resources the workload needs (e.g. ssm:GetParameter on its own parameter ARNs); " +
    "never `Action: \"*\"` on `Resource: \"*\"` and never AdministratorAccess on a workload role.";

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/** The statements of a policy document (JSON string or object) that allow (nearly) every action on every resource. */
function adminStatements(document: unknown): string[] {
    let doc: unknown = document;
    if (typeof document === "string") {
        try {
            doc = JSON.parse(document);
        } catch {
            return [];
        }
    }
    return asList(record(doc).Statement)
        .map(record)
        .filter((s) => s.Effect === "Allow")
        .filter((s) => asList(s.Resource).includes("*"))
        .filter((s) => asList(s.Action).some((a) => a === "*" || a === "*:*") || s.NotAction !== undefined)
        .map((s, i) => {
            const name = str(s.Sid) ? `statement ${s.Sid}` : `statement #${i + 1}`;
            return s.NotAction !== undefined ? `${name} allows every action but its NotAction on *` : `${name} allows * on *`;
        });
}

export const iamNoWildcardAdmin: ResourceValidationPolicy = {
    name: "iam-no-wildcard-admin",
    description: '[critical] No IAM policy allows Action "*" on Resource "*" (or attaches AdministratorAccess).',
    enforcementLevel: "advisory",
    severity: "critical",
    configSchema,
    remediationSteps: remediation,
    validateResource: validateTypes(
        [TYPES.role, TYPES.rolePolicy, TYPES.iamPolicy, TYPES.rolePolicyAttachment],
        (r, args, report) => {
            const { forbiddenManagedPolicies } = configOf<{ forbiddenManagedPolicies: string[] }>(args, configSchema);
            const documents: [string, unknown][] =
                r.type === TYPES.role
                    ? list(r.props.inlinePolicies).map((p) => [`inline policy ${str(record(p).name) ?? ""}`.trim(), record(p).policy])
                    : [["policy", r.props.policy]];
            const problems = documents
                .filter(([, doc]) => !isUnknown(doc))
                .flatMap(([where, doc]) => adminStatements(doc).map((s) => `${where}: ${s}`));
            const arns = [...list(r.props.managedPolicyArns), r.props.policyArn].filter(
                (a): a is string => typeof a === "string" && forbiddenManagedPolicies.includes(a),
            );
            problems.push(...arns.map((a) => `attaches ${a}`));
            reportProblems(report, problems, {
                on: [r.name],
                why:
                    "whoever gets this role's credentials (through the metadata service of a compromised server, " +
                    "for instance) owns the whole AWS account (Checkov CKV_AWS_62/CKV_AWS_1, cdk-nag IAM5).",
                fix: remediation,
            });
        },
    ),
};
