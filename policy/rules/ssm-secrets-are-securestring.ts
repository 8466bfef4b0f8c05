import { ResourceValidationPolicy } from "@pulumi/policy";
import { configOf } from "../lib/config";
import { str } from "../lib/props";
import { explain } from "../lib/report";
import { TYPES, knownOrSkip, validateTypes } from "../lib/resources";

const configSchema = {
    properties: {
        secretNamePattern: {
            type: "string" as const,
            default: "password|passwd|secret|token|credential|private[-_]?key|api[-_]?key|pem|sumologic-url",
            description: "Case-insensitive regular expression: a parameter whose name or description matches holds a secret.",
        },
    },
};

const remediation =
    'Store secrets as `type: "SecureString"` (KMS-encrypted; optionally a customer-managed `keyId`) and let only ' +
    "the roles that need them decrypt. SecuredWebStack stores every secret as SecureString.";

export const ssmSecretsAreSecureString: ResourceValidationPolicy = {
    name: "ssm-secrets-are-securestring",
    description: "[high] SSM parameters that hold secrets are SecureString.",
    enforcementLevel: "advisory",
    severity: "high",
    configSchema,
    remediationSteps: remediation,
    validateResource: validateTypes([TYPES.ssmParameter], (r, args, report) => {
        const { secretNamePattern } = configOf<{ secretNamePattern: string }>(args, configSchema);
        const type = knownOrSkip(args, r.props.type, "type");
        const name = str(r.props.name) ?? r.name;
        const looksSecret = new RegExp(secretNamePattern, "i");
        if (type === "SecureString" || ![name, str(r.props.description) ?? ""].some((t) => looksSecret.test(t))) {
            return;
        }
        report(
            explain({
                found: `parameter ${name} looks like a secret (matches /${secretNamePattern}/i) but is type ${JSON.stringify(type)}`,
                on: [r.name],
                why:
                    "a String parameter is stored unencrypted and readable by anyone with ssm:GetParameter on it, " +
                    "and shows in plain text in the console and in the Pulumi state.",
                fix: remediation,
            }),
        );
    }),
};
