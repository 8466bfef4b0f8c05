// The input constraints AWS documents for the values this component generates: names,
// descriptions, tags, policy documents, user data. One table, each row citing the API reference
// it comes from. The AWS emulator the conformance suite replays into (moto) enforces only some of
// them (none of EC2's description character sets, for one), so the suite also checks every
// generated value against this table, and buildModel rejects a user input that would break a row.
// Part of the model layer (the model validates against it) and a leaf: it imports nothing.

export interface Constraint {
    /** The value, in words, for messages: "EC2 security group description". */
    what: string;
    minLength?: number;
    /** Characters (Unicode code points) unless `unit` says bytes. */
    maxLength?: number;
    unit?: "characters" | "bytes";
    /** The whole value must match. */
    pattern?: RegExp;
    /** What is allowed, in words (the reference's own wording where it has one). */
    allowed?: string;
    /** Further rules: returns what is wrong, or undefined. */
    rule?: (value: string, ctx: ConstraintContext) => string | undefined;
    /** The AWS API (or user guide) reference of the row. */
    source: string;
}

export interface ConstraintContext {
    region: string;
    accountId: string;
}
export const DEFAULT_CONTEXT: ConstraintContext = { region: "us-east-1", accountId: "123456789012" };

const EC2_TEXT = /^[a-zA-Z0-9. _\-:/()#,@[\]+=&;{}!$*]*$/;
const EC2_TEXT_WORDS = "a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=&;{}!$*";
/** The tag alphabet IAM, SSM, CloudWatch Logs and the tagging guide share (EC2 and S3 accept more; a tag goes to all of them). */
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const TAG_WORDS = "letters, digits, spaces and _ . : / = + - @";
const IAM_NAME = /^[\w+=,.@-]+$/;
const IAM_NAME_WORDS = "letters, digits and + = , . @ _ -";
const DLM_TEXT = /^[0-9A-Za-z _-]+$/;

/** Non-whitespace characters: what IAM counts against its policy size quotas. */
export function policySize(document: string): number {
    return document.replace(/\s/g, "").length;
}

const IAM_ACTION = /^([a-z0-9-]+:[A-Za-z0-9*?]+|\*)$/;
const IAM_RESOURCE = /^(\*|arn:[a-z-]+:[a-z0-9-]*:[a-z0-9-]*:[0-9*]*:.+)$/;
/** The parts of the IAM policy grammar this component's documents use; a violation names the statement. */
function policyGrammar(document: string): string | undefined {
    let doc: any;
    try { doc = JSON.parse(document); } catch (e) { return `not JSON (${(e as Error).message})`; }
    if (doc.Version !== "2012-10-17") return `Version is ${JSON.stringify(doc.Version)}; use "2012-10-17"`;
    const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
    if (!statements.length || statements[0] === undefined) return "no Statement";
    for (const [i, s] of statements.entries()) {
        const where = `Statement[${i}]${s?.Sid ? ` (${s.Sid})` : ""}`;
        if (s?.Effect !== "Allow" && s?.Effect !== "Deny") return `${where}: Effect ${JSON.stringify(s?.Effect)}; use "Allow" or "Deny"`;
        const actions = [s.Action ?? s.NotAction].flat();
        if (!actions.length || actions[0] === undefined) return `${where}: no Action`;
        for (const a of actions) if (typeof a !== "string" || !IAM_ACTION.test(a)) return `${where}: action ${JSON.stringify(a)} is not "<service>:<Action>" (letters, digits, * and ? after the colon)`;
        const resources = [s.Resource ?? s.NotResource].flat().filter((x) => x !== undefined);
        if (!s.Principal && !resources.length) return `${where}: no Resource`;
        for (const r of resources) if (typeof r !== "string" || !IAM_RESOURCE.test(r)) return `${where}: resource ${JSON.stringify(r)} is neither "*" nor an ARN`;
    }
    return undefined;
}

/** The widget types a dashboard body may hold. */
export const DASHBOARD_WIDGET_TYPES = ["metric", "text", "log", "alarm", "explorer", "custom"] as const;
function dashboardBody(body: string): string | undefined {
    let doc: any;
    try { doc = JSON.parse(body); } catch (e) { return `not JSON (${(e as Error).message})`; }
    if (!Array.isArray(doc.widgets)) return "no widgets array";
    if (doc.widgets.length > 500) return `${doc.widgets.length} widgets; at most 500`;
    for (const [i, w] of doc.widgets.entries()) {
        if (!DASHBOARD_WIDGET_TYPES.includes(w.type)) return `widgets[${i}]: type ${JSON.stringify(w.type)}; use one of ${DASHBOARD_WIDGET_TYPES.join(", ")}`;
        if ((w.type === "metric" || w.type === "log") && !w.properties?.region) return `widgets[${i}] (${w.type}${w.properties?.title ? `, "${w.properties.title}"` : ""}): no region (required)`;
        if (w.type === "metric" && !Array.isArray(w.properties?.metrics) && !w.properties?.annotations?.alarms) return `widgets[${i}]: metric widget without metrics`;
        if (w.type === "log" && typeof w.properties?.query !== "string") return `widgets[${i}]: log widget without a query`;
        for (const m of w.properties?.metrics ?? []) {
            // [namespace, name, dim1, value1, …, {options}]: at most 30 dimensions.
            const plain = m.filter((x: unknown) => typeof x === "string");
            if (plain.length > 2 + 2 * 30) return `widgets[${i}]: a metric with ${(plain.length - 2) / 2} dimensions; at most 30`;
        }
    }
    return undefined;
}

const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

export const AWS_CONSTRAINTS = {
    // --- EC2 ----------------------------------------------------------------------------------
    ec2SecurityGroupName: {
        what: "EC2 security group name", minLength: 1, maxLength: 255, pattern: EC2_TEXT, allowed: EC2_TEXT_WORDS,
        rule: (v) => (/^sg-/i.test(v) ? `starts with "sg-"` : undefined),
        source: "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html",
    },
    ec2SecurityGroupDescription: {
        what: "EC2 security group description", maxLength: 255, pattern: EC2_TEXT, allowed: EC2_TEXT_WORDS,
        source: "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html",
    },
    ec2SecurityGroupRuleDescription: {
        what: "EC2 security group rule description", maxLength: 255, pattern: EC2_TEXT, allowed: EC2_TEXT_WORDS,
        source: "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpRange.html (also UserIdGroupPair, Ipv6Range, PrefixListId)",
    },
    ec2UserData: {
        what: "EC2 user data (raw, before base64)", maxLength: 16384, unit: "bytes",
        source: "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html (\"user data is limited to 16 KB, in raw form, before it is base64-encoded\")",
    },
    // --- Tags (every service) -------------------------------------------------------------------
    tagKey: {
        what: "tag key", minLength: 1, maxLength: 128, pattern: TAG_TEXT, allowed: TAG_WORDS,
        rule: (v) => (/^aws:/i.test(v) ? `starts with "aws:" (reserved for AWS)` : undefined),
        source: "https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html#tag-conventions (IAM API_Tag, SSM API_Tag, Logs TagResource share the alphabet)",
    },
    tagValue: {
        what: "tag value", maxLength: 256, pattern: TAG_TEXT, allowed: TAG_WORDS,
        source: "https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html#tag-conventions",
    },
    tagsPerResource: {
        what: "number of tags on one resource", maxLength: 50,
        source: "https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html#tag-conventions (\"Maximum number of tags per resource – 50\")",
    },
    // --- DLM ------------------------------------------------------------------------------------
    dlmDescription: {
        what: "DLM lifecycle policy description", minLength: 1, maxLength: 500, pattern: DLM_TEXT, allowed: "0-9, A-Z, a-z, space, _ and -",
        source: "https://docs.aws.amazon.com/dlm/latest/APIReference/API_CreateLifecyclePolicy.html",
    },
    dlmScheduleName: {
        what: "DLM schedule name", minLength: 1, maxLength: 120, pattern: DLM_TEXT, allowed: "0-9, A-Z, a-z, space, _ and -",
        source: "https://docs.aws.amazon.com/dlm/latest/APIReference/API_Schedule.html",
    },
    dlmTagKey: {
        // The reference's own pattern, ^(?!aws:)[a-zA-Z+-=._:/]+$ (the "+-=" is a range: + , - . / 0-9 : ; < =).
        what: "DLM tag key (target tags, tags to add, policy tags)", minLength: 1, maxLength: 128,
        pattern: /^(?!aws:)[a-zA-Z+-=._:/]+$/, allowed: "letters, digits and + , - . / : ; < = _ (not starting with aws:)",
        source: "https://docs.aws.amazon.com/dlm/latest/APIReference/API_Tag.html",
    },
    dlmTagValue: {
        what: "DLM tag value", maxLength: 256, pattern: /^[\p{L}\p{M}\p{N}\p{P}\p{S}\p{Z}]*$/u, allowed: "printable characters",
        source: "https://docs.aws.amazon.com/dlm/latest/APIReference/API_Tag.html",
    },
    // --- S3 -------------------------------------------------------------------------------------
    s3BucketName: {
        what: "S3 bucket name", minLength: 3, maxLength: 63, pattern: /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/,
        allowed: "lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit",
        rule: (v) => /\.\./.test(v) ? "two adjacent periods"
            : /^\d+\.\d+\.\d+\.\d+$/.test(v) ? "formatted as an IP address"
                : /^(xn--|sthree-|amzn-s3-demo-)/.test(v) ? "a reserved prefix (xn--, sthree-, amzn-s3-demo-)"
                    : /(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(v) ? "a reserved suffix (-s3alias, --ol-s3, .mrap, --x-s3, --table-s3)" : undefined,
        source: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html",
    },
    s3BucketPrefix: {
        // The provider appends a 26-character unique suffix (timestamp + counter) to bucketPrefix.
        what: "S3 bucket prefix (the provider's bucketPrefix)", minLength: 1, maxLength: 37, pattern: /^[a-z0-9][a-z0-9.-]*$/,
        allowed: "lower-case letters, digits, dots and hyphens, starting with a letter or digit",
        rule: (v) => (/\.\./.test(v) ? "two adjacent periods" : undefined),
        source: "https://www.pulumi.com/registry/packages/aws/api-docs/s3/bucket/#bucketprefix_nodejs (\"Must be lowercase and less than or equal to 37 characters in length\")",
    },
    // --- IAM ------------------------------------------------------------------------------------
    iamRoleName: {
        what: "IAM role name", minLength: 1, maxLength: 64, pattern: IAM_NAME, allowed: IAM_NAME_WORDS,
        source: "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html",
    },
    iamInstanceProfileName: {
        what: "IAM instance profile name", minLength: 1, maxLength: 128, pattern: IAM_NAME, allowed: IAM_NAME_WORDS,
        source: "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateInstanceProfile.html",
    },
    iamPolicyName: {
        what: "IAM policy name", minLength: 1, maxLength: 128, pattern: IAM_NAME, allowed: IAM_NAME_WORDS,
        source: "https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePolicy.html",
    },
    iamRoleDescription: {
        what: "IAM role description", maxLength: 1000, pattern: /^[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*$/,
        allowed: "tab, newline, carriage return and U+0020-U+007E, U+00A1-U+00FF",
        source: "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html",
    },
    iamPolicyDocument: {
        what: "IAM policy document", minLength: 1, pattern: /^[\u0009\u000A\u000D\u0020-\u00FF]+$/, allowed: "tab, newline, carriage return and U+0020-U+00FF",
        rule: policyGrammar,
        source: "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html and https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePolicy.html",
    },
    iamRoleInlinePolicies: {
        what: "inline policies of one IAM role, in total (non-whitespace characters)", maxLength: 10240,
        source: "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html#reference_iam-quotas-entity-length (\"Role policy size cannot exceed 10,240 characters\"; white space not counted)",
    },
    iamManagedPolicy: {
        what: "IAM managed policy document (non-whitespace characters)", maxLength: 6144,
        source: "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html#reference_iam-quotas-entity-length (\"Managed policy size cannot exceed 6,144 characters\")",
    },
    // --- KMS key ARNs (the app artifact's key, app.artifactKmsKeyArn) -----------------------------
    kmsKeyArn: {
        what: "KMS key ARN in an IAM policy statement",
        pattern: /^arn:aws:kms:[a-z]{2}(-[a-z]+)+-\d:\d{12}:key\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/,
        allowed: "arn:aws:kms:<region>:<account>:key/<key id>, the key id a UUID or mrk- and 32 hex digits (multi-Region key); not a key id alone, an alias name or an alias ARN",
        source: "https://docs.aws.amazon.com/kms/latest/developerguide/cmks-in-iam-policies.html (\"you must use its key ARN. You cannot use a key id, alias name, or alias ARN to identify a KMS key in an IAM policy statement\") and https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#key-id",
    },
    // --- SSM documents and State Manager associations ----------------------------------------------
    ssmDocumentName: {
        what: "SSM document name", minLength: 3, maxLength: 128, pattern: /^[a-zA-Z0-9_\-.]+$/, allowed: "3-128 of a-z, A-Z, 0-9, _ - .",
        rule: (v) => (/^(aws|amazon|amzn)/i.test(v) ? `starts with "aws", "amazon" or "amzn" (reserved)` : undefined),
        source: "https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_CreateDocument.html (Name: pattern ^[a-zA-Z0-9_\\-.]{3,128}$; prefixes aws, amazon, amzn are reserved)",
    },
    ssmAssociationName: {
        what: "SSM association name", minLength: 3, maxLength: 128, pattern: /^[a-zA-Z0-9_\-.]+$/, allowed: "3-128 of a-z, A-Z, 0-9, _ - .",
        source: "https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_CreateAssociation.html (AssociationName: pattern ^[a-zA-Z0-9_\\-.]{3,128}$)",
    },
    // --- SSM Parameter Store --------------------------------------------------------------------
    ssmParameterName: {
        what: "SSM parameter name", minLength: 1, pattern: /^[a-zA-Z0-9_.\-/]+$/, allowed: "a-z, A-Z, 0-9, _ . - and / between hierarchy levels",
        rule: (v, ctx) => {
            const arn = `arn:aws:ssm:${ctx.region}:${ctx.accountId}:parameter${v.startsWith("/") ? "" : "/"}${v}`;
            if (arn.length > 1011) return `${arn.length} characters with its ARN (${arn.slice(0, 40)}…); at most 1011`;
            if (/^\/?(aws|ssm)/i.test(v)) return `starts with "aws" or "ssm" (reserved)`;
            if (v.includes("/") && !v.startsWith("/")) return "a hierarchy must start with /";
            const levels = v.split("/").filter(Boolean).length;
            if (levels > 15) return `${levels} hierarchy levels; at most 15`;
            return undefined;
        },
        source: "https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html (Name: 1011 characters including the ARN, 15 levels)",
    },
    ssmValueStandard: {
        what: "SSM parameter value (Standard tier)", minLength: 1, maxLength: 4096, unit: "bytes",
        source: "https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html (\"Standard parameters have a value limit of 4 KB\")",
    },
    ssmValueAdvanced: {
        // Intelligent-Tiering stores a value over 4 KB as an advanced parameter.
        what: "SSM parameter value (Advanced or Intelligent-Tiering)", minLength: 1, maxLength: 8192, unit: "bytes",
        source: "https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html (\"Advanced parameters have a value limit of 8 KB\")",
    },
    ssmDescription: {
        what: "SSM parameter description", maxLength: 1024,
        source: "https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html",
    },
    // --- CloudWatch -----------------------------------------------------------------------------
    cwAlarmName: {
        what: "CloudWatch alarm name", minLength: 1, maxLength: 255, pattern: /^[^\u0000-\u001F\u007F]+$/, allowed: "UTF-8 characters without ASCII control characters",
        source: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html",
    },
    cwAlarmDescription: {
        what: "CloudWatch alarm description", maxLength: 1024,
        source: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html",
    },
    cwDimensions: {
        what: "dimensions of one CloudWatch metric", maxLength: 30,
        source: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html (Dimensions: \"Maximum number of 30 items\")",
    },
    cwDimensionName: {
        what: "CloudWatch dimension name", minLength: 1, maxLength: 255, pattern: /^[^:\u0000-\u001F\u007F][^\u0000-\u001F\u007F]*$/, allowed: "ASCII without control characters, not starting with a colon",
        source: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_Dimension.html",
    },
    cwDimensionValue: {
        what: "CloudWatch dimension value", minLength: 1, maxLength: 1024,
        source: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_Dimension.html",
    },
    cwMetricQueryId: {
        what: "CloudWatch metric query id", minLength: 1, maxLength: 255, pattern: /^[a-z][a-zA-Z0-9_]*$/, allowed: "a lower-case letter, then letters, digits and _",
        source: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDataQuery.html",
    },
    cwDashboardName: {
        what: "CloudWatch dashboard name", minLength: 1, maxLength: 255, pattern: /^[A-Za-z0-9_-]+$/, allowed: "A-Z, a-z, 0-9, - and _",
        source: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html",
    },
    cwDashboardBody: {
        what: "CloudWatch dashboard body", minLength: 1, maxLength: 1048576, unit: "bytes", rule: dashboardBody,
        source: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html (0-500 widgets; types; region required on metric and log widgets)",
    },
    logsGroupName: {
        what: "CloudWatch Logs log group name", minLength: 1, maxLength: 512, pattern: /^[.\-_/#A-Za-z0-9]+$/, allowed: "a-z, A-Z, 0-9, . - _ / #",
        rule: (v) => (/^aws\//i.test(v) ? `starts with "aws/" (reserved)` : undefined),
        source: "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html",
    },
    logsRetentionDays: {
        what: "CloudWatch Logs retention (days)",
        rule: (v) => (LOG_RETENTION_DAYS.includes(Number(v)) ? undefined : `${v} is not one of ${LOG_RETENTION_DAYS.join(", ")}`),
        source: "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html",
    },
    // --- SNS, Route 53, ACM, KMS ----------------------------------------------------------------
    snsTopicName: {
        what: "SNS topic name", minLength: 1, maxLength: 256, pattern: /^[A-Za-z0-9_-]+(\.fifo)?$/, allowed: "A-Z, a-z, 0-9, _ and - (.fifo at the end for FIFO topics)",
        source: "https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html",
    },
    route53RecordName: {
        what: "Route 53 record name", minLength: 1, maxLength: 255,
        pattern: /^(\*\.)?([A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.)*[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.?$/,
        allowed: "labels of 1-63 letters, digits, _ and - separated by dots (a leading *. for wildcards), 255 characters in all",
        source: "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DomainNameFormat.html",
    },
    acmDomainName: {
        what: "ACM certificate domain name", minLength: 1, maxLength: 253,
        pattern: /^(\*\.)?(((?!-)[A-Za-z0-9-]{0,62}[A-Za-z0-9])\.)+((?!-)[A-Za-z0-9-]{1,62}[A-Za-z0-9])$/,
        allowed: "a fully qualified domain name (labels up to 63 characters)", rule: (v) => (v.split(".")[0].length > 64 ? "first label longer than 64 characters" : undefined),
        source: "https://docs.aws.amazon.com/acm/latest/APIReference/API_RequestCertificate.html",
    },
    kmsAliasName: {
        what: "KMS alias name", minLength: 1, maxLength: 256, pattern: /^alias\/[a-zA-Z0-9/_-]+$/, allowed: "alias/ then a-z, A-Z, 0-9, / _ -",
        rule: (v) => (/^alias\/aws\//.test(v) ? `starts with "alias/aws/" (reserved)` : undefined),
        source: "https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html",
    },
    kmsKeyDescription: {
        what: "KMS key description", maxLength: 8192,
        source: "https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html",
    },
} satisfies { [id: string]: Constraint };

export type ConstraintId = keyof typeof AWS_CONSTRAINTS;

/**
 * What is wrong with `value` under one row, or undefined: "… is 300 characters; at most 255" or
 * "… contains '’' (allowed: …)". Counts are in characters, or bytes where the row says so.
 */
export function breaks(id: ConstraintId, value: string, ctx: ConstraintContext = DEFAULT_CONTEXT): string | undefined {
    const c: Constraint = AWS_CONSTRAINTS[id];
    const unit = c.unit ?? "characters";
    const length = unit === "bytes" ? Buffer.byteLength(value, "utf8") : [...value].length;
    if (c.maxLength !== undefined && length > c.maxLength) return `${length} ${unit}; at most ${c.maxLength}`;
    if (c.minLength !== undefined && length < c.minLength) return `${length} ${unit}; at least ${c.minLength}`;
    if (c.pattern && !c.pattern.test(value)) {
        // A character-set rule names the characters it refuses; a structural one (a domain name) its form.
        const fits = (ch: string) => c.pattern!.test(ch) || c.pattern!.test(`a${ch}a`);
        const bad = fits("a") ? [...new Set([...value].filter((ch) => !fits(ch)))] : [];
        return bad.length ? `contains ${bad.map((b) => JSON.stringify(b)).join(" ")} (allowed: ${c.allowed})` : `does not have the required form (${c.allowed})`;
    }
    return c.rule?.(value, ctx);
}

/** `breaks` as a sentence naming the row and its source. */
export function describeBreak(id: ConstraintId, problem: string): string {
    const c: Constraint = AWS_CONSTRAINTS[id];
    return `${c.what}: ${problem} [${id}; ${c.source}]`;
}

/** Problems of a tag set (count, each key and value), for any service but DLM. */
export function tagProblems(tags: { [k: string]: string } | undefined): { id: ConstraintId; field: string; problem: string }[] {
    const out: { id: ConstraintId; field: string; problem: string }[] = [];
    const entries = Object.entries(tags ?? {});
    if (entries.length > 50) out.push({ id: "tagsPerResource", field: "tags", problem: `${entries.length} tags; at most 50` });
    for (const [k, v] of entries) {
        const pk = breaks("tagKey", k);
        if (pk) out.push({ id: "tagKey", field: `tags[${JSON.stringify(k)}]`, problem: pk });
        const pv = breaks("tagValue", String(v));
        if (pv) out.push({ id: "tagValue", field: `tags[${JSON.stringify(k)}]`, problem: pv });
    }
    return out;
}
