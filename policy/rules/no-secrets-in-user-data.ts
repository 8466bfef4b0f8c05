import { ResourceValidationPolicy } from "@pulumi/policy";
import { explain } from "../lib/report";
import { SecretFinding, findSecrets } from "../lib/secrets";
import { payloadOf, validateServer } from "../lib/servers";

const remediation =
    "Keep secrets out of user data: store them as SSM SecureString parameters (or Secrets Manager) and fetch them " +
    "at boot with the instance role into tmpfs (SecuredWebStack: sws-fetch -> /run/sws/secrets/<name>). " +
    "Rotate every secret that was ever shipped in user data.";

export const noSecretsInUserData: ResourceValidationPolicy = {
    name: "no-secrets-in-user-data",
    description: "[critical] User data contains no private keys, access keys or passwords.",
    enforcementLevel: "advisory",
    severity: "critical",
    remediationSteps: remediation,
    validateResource: validateServer((server, args, report) => {
        const payload = payloadOf(server, args);
        // Files first, so that a finding is reported at its file rather than at the whole document.
        const findings = new Map<string, SecretFinding>();
        const scans = [...payload.files.entries()].map(([path, content]) => findSecrets(content, path));
        for (const f of [...scans.flat(), ...findSecrets(payload.text, "user data")]) {
            if (!findings.has(f.match)) {
                findings.set(f.match, f);
            }
        }
        if (findings.size === 0) {
            return;
        }
        report(
            explain({
                found: [...findings.values()].map((f) => `${f.kind} in ${f.where} line ${f.line}`).join("; "),
                on: [server.name],
                why:
                    "user data is readable by anyone who can describe the instance, by any process on it through the " +
                    "metadata service, and is kept in the Pulumi state and in every AMI made from the instance " +
                    "(Checkov CKV_AWS_46).",
                fix: remediation,
            }),
        );
    }),
};
