// Finding secrets in text without ever repeating them: each finding names its kind and where.

export interface SecretFinding {
    kind: string;
    where: string;
    line: number;
    /** The matched text, for de-duplication only; never put it in a message. */
    match: string;
}

const VALUE_REFERENCE = /^(\$|\/|<|%|\{|@|file:|env:|ssm:|arn:)/i;
const HARMLESS = new Set(["true", "false", "yes", "no", "none", "null", "on", "off", "required"]);

const DETECTORS: { kind: string; pattern: RegExp; accept?: (m: RegExpExecArray) => boolean }[] = [
    { kind: "private key", pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/g },
    { kind: "AWS access key id", pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g },
    { kind: "AWS secret access key", pattern: /aws_secret_access_key\s*[=:]\s*["']?[A-Za-z0-9/+=]{40}/gi },
    { kind: "database password in SQL", pattern: /IDENTIFIED\s+(?:WITH\s+\S+\s+)?BY\s+'[^'$]+'/gi },
    { kind: "credentials in a URL", pattern: /[a-z][a-z0-9+.-]*:\/\/[^\s:@/'"]+:[^\s@/'"$]+@/gi },
    {
        kind: "password or token assignment",
        pattern: /\b[A-Za-z0-9_.-]*(?:password|passwd|secret|token|api_?key)\b["']?\s*[:=]\s*["']?([^\s"'#;,}]+)/gi,
        accept: (m) => m[1].length >= 4 && !VALUE_REFERENCE.test(m[1]) && !HARMLESS.has(m[1].toLowerCase()),
    },
];

/** The kind of every detector, in order (tests hold a positive and a negative case for each). */
export const SECRET_KINDS: readonly string[] = DETECTORS.map((d) => d.kind);

export function findSecrets(text: string, where: string): SecretFinding[] {
    const findings: SecretFinding[] = [];
    for (const { kind, pattern, accept } of DETECTORS) {
        for (const m of text.matchAll(pattern)) {
            if (!accept || accept(m as RegExpExecArray)) {
                const line = text.slice(0, m.index).split("\n").length;
                findings.push({ kind, where, line, match: m[0] });
            }
        }
    }
    return findings;
}
