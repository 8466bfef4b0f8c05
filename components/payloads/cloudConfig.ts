// Assembles a server's parts into one #cloud-config (YAML via the `yaml` library) and packs it
// the way EC2 wants it: gzip + base64 (cloud-init detects gzip by its magic bytes).
import * as zlib from "zlib";
import * as YAML from "yaml";
import type { ServerModel, Model } from "../model";
import type { PayloadPart } from "./part";

export function renderCloudConfig(model: Model, server: ServerModel, part: PayloadPart): string {
    const doc = {
        hostname: server.name,
        fqdn: `${server.name}.${model.environment}.internal`,
        preserve_hostname: false,
        users: ["default", ...(part.users ?? []).map((name) => ({
            name, system: true, no_create_home: true, shell: "/usr/sbin/nologin", lock_passwd: true,
        }))],
        package_update: true,
        packages: part.packages.map(yamlString),
        // Toolkit files are fetched at boot (PayloadFile.fetch), not carried here.
        write_files: part.files.filter((f) => !f.fetch).map((f) => ({
            path: f.path, permissions: f.permissions, owner: f.owner, ...(f.defer ? { defer: true } : {}), content: f.content,
        })),
        runcmd: part.runcmd,
    };
    return "#cloud-config\n" + YAML.stringify(doc, { lineWidth: 0 });
}

/**
 * A one-line string as a YAML scalar that cloud-init reads back as that same string. cloud-init
 * parses user data with PyYAML, a YAML 1.1 reader; the `yaml` library writes YAML 1.2 and quotes
 * only what 1.2 would read as something else, so 1.1's booleans (yes, no, on, off), binary and
 * sexagesimal integers and timestamps would go out plain — and all of those are valid Debian
 * package names ("on", "0b101", "2001-12-14"). Such a string is written double-quoted; any other
 * stays as the library writes it, so user data without one keeps its bytes (and its servers).
 */
export function yamlString(value: string): string | YAML.Scalar {
    const readAs = (version: "1.1" | "1.2") => { try { return YAML.parse(value, { version }); } catch { return undefined; } };
    if (readAs("1.1") === value && readAs("1.2") === value) return value;
    const quoted = new YAML.Scalar(value);
    quoted.type = "QUOTE_DOUBLE";
    return quoted;
}

/** gzip (level 9, no timestamp so equal input gives equal bytes) + base64. */
export function packUserData(cloudConfig: string): string {
    return zlib.gzipSync(Buffer.from(cloudConfig, "utf8"), { level: 9 }).toString("base64");
}

/** The inverse, for tests and the policy pack's fixtures. */
export function unpackUserData(base64: string): string {
    const bytes = Buffer.from(base64, "base64");
    return bytes[0] === 0x1f && bytes[1] === 0x8b ? zlib.gunzipSync(bytes).toString("utf8") : bytes.toString("utf8");
}
