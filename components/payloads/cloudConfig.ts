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
        packages: part.packages,
        // Toolkit files are fetched at boot (PayloadFile.fetch), not carried here.
        write_files: part.files.filter((f) => !f.fetch).map((f) => ({
            path: f.path, permissions: f.permissions, owner: f.owner, ...(f.defer ? { defer: true } : {}), content: f.content,
        })),
        runcmd: part.runcmd,
    };
    return "#cloud-config\n" + YAML.stringify(doc, { lineWidth: 0 });
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
