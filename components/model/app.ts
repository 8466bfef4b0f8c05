// Sections "app" (the application server: bundled app or your artifact, its port, health path,
// environment, workers) and "deploy gate" (waiting for the site to answer before `pulumi up` ends).
import { AppArgs, DeployGateArgs } from "../types";
import { breaks } from "./awsConstraints";
import { Problems, bool, intIn, matching } from "./fields";
import { Model, Ports } from "./shape";

const SHA256 = /^[0-9a-f]{64}$/;
/**
 * Debian policy §5.6.7 (Package): "at least two characters long and must start with an
 * alphanumeric character", lower-case letters, digits, + - . only — the same rule Ubuntu's archive
 * follows. Nothing else can name a package, so nothing else reaches cloud-config's package list
 * (no version pins, architecture qualifiers or apt options either).
 */
export const DEBIAN_PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]+$/;
/** More than this is not an application's runtime; the user data budget (8 KiB gzipped) is shared with the stack. */
export const MAX_APP_PACKAGES = 50;
const ENV_VAR = /^[A-Z_][A-Z0-9_]*$/;
/** Variables the stack sets itself (app.ts's app.env). */
const RESERVED_ENV = new Set(["PORT", "DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_PASSWORD_FILE"]);

export function readApp(p: Problems, a: AppArgs): Model["app"] {
    const custom = a.artifactUrl !== undefined;
    const artifactUrl = matching(p, "app.artifactUrl", a.artifactUrl, /^(https:\/\/\S+|s3:\/\/[a-z0-9.-]{3,63}\/\S+)$/, `an https:// URL or an s3://bucket/key of your application artifact (.tar.gz)`);
    if (artifactUrl && artifactUrl.startsWith("https:")) {
        // Credentials in the URL would be written to the server's world-readable env file.
        let u: URL | undefined;
        try { u = new URL(artifactUrl); } catch { /* reported below */ }
        if (!u) p.push(`app.artifactUrl: ${JSON.stringify(artifactUrl)} is not a valid URL; use an https:// URL or an s3://bucket/key of your application artifact (.tar.gz)`);
        else if (u.username || u.password) p.push(`app.artifactUrl: embeds credentials (user:password@); they would be stored in plain text on the server — use an s3:// URL (read with the instance role) or a pre-signed https URL without userinfo`);
    }
    if (artifactUrl && artifactUrl.startsWith("s3:")) {
        // The app servers' role may read exactly this object (its ARN is the policy's Resource):
        // IAM reads * and ? in a Resource as wildcards and ${...} as a policy variable, so such a
        // key would grant more than the one object, or another one.
        const key = artifactS3Object(artifactUrl)!.key;
        if (/[*?]|\$\{/.test(key)) p.push(`app.artifactUrl: the object key ${JSON.stringify(key)} contains ${/[*?]/.test(key) ? "a wildcard (* or ?)" : "a policy variable (${…})"}, which an IAM Resource would read as a pattern — the app servers may read exactly one object; rename the object without *, ? and \${`);
        else if (key.endsWith("/")) p.push(`app.artifactUrl: ${JSON.stringify(artifactUrl)} names a folder, not an object; use s3://bucket/key of the .tar.gz`);
    }
    const artifactSha256 = matching(p, "app.artifactSha256", a.artifactSha256, SHA256, "the artifact's SHA-256 as 64 lower-case hex digits");
    if (custom && a.artifactSha256 === undefined) p.push(`app.artifactSha256: missing; app.artifactUrl needs the artifact's SHA-256 so the server can verify the download`);
    if (custom && (typeof a.startCommand !== "string" || a.startCommand.trim() === "")) p.push(`app.startCommand: missing; app.artifactUrl needs the command that starts your application`);
    if (!custom && (a.artifactSha256 !== undefined || a.startCommand !== undefined)) p.push(`app.artifactUrl: missing; app.artifactSha256/app.startCommand apply to a custom artifact only`);
    const packages = readPackages(p, a.packages, custom);
    const artifactKmsKeyArn = readArtifactKmsKeyArn(p, a.artifactKmsKeyArn, artifactUrl);
    const appPort = intIn(p, "app.port", a.port, 1024, 65535, 3000);
    const reserved = new Map<number, string>([
        [Ports.mysql, "MySQL"], ...Object.entries(Ports.local).map(([k, v]) => [v, k] as [number, string]),
    ]);
    reserved.set(Ports.webTls, "Nginx over TLS").set(Ports.appTls, "the application over TLS").set(Ports.web, "Nginx");
    if (reserved.has(appPort)) p.push(`app.port: ${appPort} clashes with ${reserved.get(appPort)} on the same server; use another port from 1024 to 65535`);
    const healthPath = matching(p, "app.healthPath", a.healthPath, /^\/[A-Za-z0-9._~\/-]*$/, `an absolute URL path such as "/healthz"`, "/healthz")!;
    const environmentVars: { [k: string]: string } = {};
    for (const [k, v] of Object.entries(a.environment ?? {})) {
        if (!ENV_VAR.test(k)) p.push(`app.environment.${k}: not allowed as a variable name; use upper-case letters, digits and _`);
        else if (RESERVED_ENV.has(k)) p.push(`app.environment.${k}: reserved (set by the stack); use another name`);
        else if (typeof v !== "string" || /[\n\r]/.test(v)) p.push(`app.environment.${k}: must be a one-line string`);
        else environmentVars[k] = v;
    }
    const workers = intIn(p, "app.workers", a.workers, 1, 64, 1);
    return {
        custom, artifactUrl, artifactSha256, startCommand: a.startCommand, packages, ...(artifactKmsKeyArn ? { artifactKmsKeyArn } : {}), port: appPort, healthPath,
        environment: environmentVars, workers,
    };
}

/**
 * app.packages: what a custom artifact needs installed to run. Neither defaulted nor checked
 * against startCommand: the program may come from the artifact itself (a self-contained binary, a
 * bundled runtime, ./bin/start) and which package provides which file is the archive's knowledge,
 * not the model's — a guess would install the wrong thing or refuse a valid artifact. The bundled
 * app brings its own list (payloads/app.ts), so a list given for it is refused rather than ignored.
 */
function readPackages(p: Problems, value: unknown, custom: boolean): string[] {
    if (value === undefined || value === null) return [];
    const allowed = `a Debian/Ubuntu package name (Debian policy: lower-case letters, digits, + - and ., at least two characters, starting with a letter or digit — e.g. "nodejs", "python3.11", "libstdc++6"; no version or architecture)`;
    if (!Array.isArray(value)) {
        p.push(`app.packages: ${JSON.stringify(value)} is not allowed; use a list of package names such as ["nodejs", "node-mysql"]`);
        return [];
    }
    if (!custom) {
        p.push(`app.packages: applies to a custom artifact only (app.artifactUrl); the bundled app installs its own runtime (nodejs, node-mysql) — remove app.packages or set app.artifactUrl`);
        return [];
    }
    if (value.length > MAX_APP_PACKAGES) p.push(`app.packages: ${value.length} packages; use at most ${MAX_APP_PACKAGES} (the app's runtime and libraries; their dependencies come with them)`);
    const out: string[] = [];
    for (const [i, name] of value.entries()) {
        if (typeof name !== "string" || !DEBIAN_PACKAGE_NAME.test(name)) p.push(`app.packages[${i}]: ${JSON.stringify(name)} is not allowed; use ${allowed}`);
        else if (!out.includes(name)) out.push(name);
    }
    return out;
}

/**
 * app.artifactKmsKeyArn: the key an s3:// artifact is encrypted with (SSE-KMS). The app servers'
 * role gets kms:Decrypt on exactly this key ARN (IAM identifies a key by its key ARN only: an
 * alias would grant nothing), through S3 and for the artifact's object or its bucket's Bucket Key.
 */
function readArtifactKmsKeyArn(p: Problems, value: unknown, artifactUrl: string | undefined): string | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string") { p.push(`app.artifactKmsKeyArn: ${JSON.stringify(value)} is not allowed; use the key ARN of the KMS key that encrypts the artifact`); return undefined; }
    if (!artifactS3Object(artifactUrl)) { p.push(`app.artifactKmsKeyArn: applies to an s3:// app.artifactUrl only (the key decrypts that object through S3); remove it or use s3://bucket/key`); return undefined; }
    if (/^arn:aws:kms:[^:]*:\d*:alias\//.test(value) || value.startsWith("alias/")) {
        p.push(`app.artifactKmsKeyArn: ${JSON.stringify(value)} is an alias; IAM identifies a KMS key by its key ARN only — use the key ARN (aws kms describe-key --key-id ${value.replace(/^arn:aws:kms:[^:]*:\d*:/, "")} --query KeyMetadata.Arn)`);
        return undefined;
    }
    const problem = breaks("kmsKeyArn", value);
    // A * or ${…} in a Resource would grant every key it matches: the row's form admits one key.
    if (problem) { p.push(`app.artifactKmsKeyArn: ${JSON.stringify(value)} ${problem}; use the key ARN of the one KMS key that encrypts the artifact`); return undefined; }
    return value;
}

export function readDeployGate(p: Problems, g: DeployGateArgs): Model["deployGate"] {
    return {
        enabled: bool(p, "deployGate.enabled", g.enabled, true),
        timeoutSeconds: intIn(p, "deployGate.timeoutSeconds", g.timeoutSeconds, 30, 3600, 900),
    };
}

/** The bucket and object key of an s3:// artifact URL (undefined for https:// and the bundled app). */
export function artifactS3Object(artifactUrl: string | undefined): { bucket: string; key: string } | undefined {
    const m = artifactUrl ? /^s3:\/\/([^/]+)\/(.+)$/.exec(artifactUrl) : null;
    return m ? { bucket: m[1], key: m[2] } : undefined;
}
