// Reading an EC2 instance's user data back into what the server will run.
//
// Contract: docs/payload-conventions.md. The component ships a `#cloud-config` document,
// gzip-compressed and base64-encoded, as `userDataBase64`; other stacks may pass plain text in
// `userData`, or a shell script. Everything here is a pure function of the resource's props.

import * as zlib from "zlib";
import { parse as parseYaml } from "yaml";
import { MYSQL_OPTION_FILE, configuresServer } from "./mysql";
import { Props, isUnknown, list, record, str } from "./props";

import { ROLES } from "./payload";
import type { Payload, Role } from "./payload";

export { ROLES };
export type { Payload, Role };

export type UserData =
    | { state: "absent" }
    | { state: "unknown" }
    | { state: "decoded"; payload: Payload };

/** Decodes an instance's `userDataBase64` or `userData`. Never throws. */
export function readUserData(props: Props): UserData {
    const b64 = props.userDataBase64;
    const plain = props.userData;
    if (isUnknown(b64) || isUnknown(plain)) {
        return { state: "unknown" };
    }
    if (typeof b64 === "string" && b64.trim() !== "") {
        return { state: "decoded", payload: decodeBytes(Buffer.from(b64, "base64")) };
    }
    if (typeof plain === "string" && plain.trim() !== "") {
        const bytes = looksLikeBase64(plain) ? Buffer.from(plain, "base64") : Buffer.from(plain, "utf8");
        return { state: "decoded", payload: decodeBytes(bytes) };
    }
    return { state: "absent" };
}

function looksLikeBase64(text: string): boolean {
    const compact = text.replace(/\s+/g, "");
    if (compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
        return false;
    }
    const bytes = Buffer.from(compact, "base64");
    return isGzip(bytes) || bytes[0] === 0x23; // gzip, or a "#cloud-config" / "#!" document
}

function isGzip(bytes: Buffer): boolean {
    return bytes.length > 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Decodes raw user-data bytes (gzip or not) into a payload. */
export function decodeBytes(bytes: Buffer): Payload {
    let text: string;
    try {
        text = (isGzip(bytes) ? zlib.gunzipSync(bytes) : bytes).toString("utf8");
    } catch {
        text = "";
    }
    const payload = parseDocument(text);
    payload.size = bytes.length;
    return payload;
}

/** Parses a decoded user-data document (cloud-config, shell script, anything else). */
export function parseDocument(text: string): Payload {
    const base: Payload = {
        format: "other",
        text,
        size: Buffer.byteLength(text),
        packages: [],
        files: new Map(),
        runcmd: [],
        roles: new Set(),
    };
    if (/^#cloud-config\b/.test(text)) {
        Object.assign(base, parseCloudConfig(text));
    } else if (text.startsWith("#!")) {
        Object.assign(base, parseShell(text));
    }
    base.roles = rolesOfPayload(base);
    return base;
}

function parseCloudConfig(text: string): Partial<Payload> {
    let doc: Props;
    try {
        doc = record(parseYaml(text));
    } catch {
        return { format: "other" };
    }
    const packages = list(doc.packages)
        .map((p) => (Array.isArray(p) ? p[0] : p))
        .filter((p): p is string => typeof p === "string");
    const files = new Map<string, string>();
    for (const entry of list(doc.write_files)) {
        const path = str(record(entry).path);
        if (path) {
            files.set(path, (files.get(path) ?? "") + decodeFileContent(record(entry)));
        }
    }
    const runcmd = list(doc.runcmd).map((c) => (Array.isArray(c) ? c.join(" ") : String(c)));
    return { format: "cloud-config", packages, files, runcmd };
}

function decodeFileContent(entry: Props): string {
    const content = str(entry.content) ?? "";
    const encoding = (str(entry.encoding) ?? "").toLowerCase();
    try {
        if (["b64", "base64"].includes(encoding)) {
            return Buffer.from(content, "base64").toString("utf8");
        }
        if (["gz+b64", "gzip+base64", "gz+base64", "gzip+b64"].includes(encoding)) {
            return zlib.gunzipSync(Buffer.from(content, "base64")).toString("utf8");
        }
    } catch {
        return "";
    }
    return content;
}

const INSTALL = /^\s*(?:sudo\s+)?(?:[A-Z_]+=\S+\s+)*(?:apt-get|apt|yum|dnf|zypper|apk)\s+(?:-\S+\s+)*(?:install|add)\s+(.*)$/;
const HEREDOC = /(?:cat\s*>{1,2}\s*|tee\s+(?:-a\s+)?)(['"]?)(\/[^\s'"]+)\1.*<<-?\s*(['"]?)(\w+)\3/;

function parseShell(text: string): Partial<Payload> {
    const lines = text.replace(/\\\n/g, " ").split("\n");
    const packages: string[] = [];
    const files = new Map<string, string>();
    const runcmd: string[] = [];
    for (let i = 0; i < lines.length; i++) {
        const line = lines[i];
        if (/^\s*(#|$)/.test(line)) {
            continue;
        }
        runcmd.push(line.trim());
        const install = INSTALL.exec(line);
        if (install) {
            packages.push(...install[1].split(/\s+/).filter((w) => /^[a-z0-9][\w.+-]*$/i.test(w)));
        }
        const heredoc = HEREDOC.exec(line);
        if (heredoc) {
            const end = lines.findIndex((l, j) => j > i && l.trim() === heredoc[4]);
            const stop = end < 0 ? lines.length : end;
            files.set(heredoc[2], lines.slice(i + 1, stop).join("\n") + "\n");
            i = stop;
        }
    }
    return { format: "shell", packages, files, runcmd };
}

/** Packages that reveal a role. No distribution package marks an app server: its unit does. */
const ROLE_PACKAGES: Partial<Record<Role, RegExp>> = {
    balancer: /^haproxy$/,
    web: /^(nginx(-\w+)?|apache2|httpd)$/,
    database: /^(mysql-server(-[\d.]+)?|mariadb-server(-[\d.]+)?|percona-server-server.*|mysql-community-server)$/,
};

const ROLE_FILES: Record<Role, RegExp> = {
    balancer: /^\/etc\/haproxy\/haproxy\.cfg$/,
    web: /^\/etc\/nginx\/nginx\.conf$/,
    app: /^\/etc\/systemd\/system\/([\w.-]*[-_])?app\.service$/,
    database: MYSQL_OPTION_FILE,
};

/** Roles a payload reveals through its packages and files (see payload-conventions.md). */
export function rolesOfPayload(payload: Pick<Payload, "packages" | "files">): Set<Role> {
    const roles = new Set<Role>();
    for (const role of ROLES) {
        const byPackage = payload.packages.some((p) => ROLE_PACKAGES[role]?.test(p));
        const byFile = [...payload.files.entries()].some(
            ([path, content]) => ROLE_FILES[role].test(path) && (role !== "database" || configuresServer(content)),
        );
        if (byPackage || byFile) {
            roles.add(role);
        }
    }
    return roles;
}

const ROLE_ALIASES: Record<string, Role> = {
    balancer: "balancer",
    lb: "balancer",
    loadbalancer: "balancer",
    haproxy: "balancer",
    proxy: "balancer",
    web: "web",
    webserver: "web",
    nginx: "web",
    frontend: "web",
    app: "app",
    application: "app",
    api: "app",
    backend: "app",
    database: "database",
    db: "database",
    mysql: "database",
    mariadb: "database",
};

/** Roles named by a `role` tag such as `web`, `app+database`, `lb, web`. */
export function rolesOfTag(tag: string | undefined): Role[] {
    if (!tag) {
        return [];
    }
    return tag
        .toLowerCase()
        .split(/[\s,+/&|;]+/)
        .map((word) => ROLE_ALIASES[word.replace(/[-_]/g, "")])
        .filter((r): r is Role => r !== undefined);
}

/** What to look for in a payload; each pattern is optional. */
export interface Markers {
    packages?: RegExp;
    files?: RegExp;
    runcmd?: RegExp;
}

/** Evidence (`package x`, `file /y`, `runcmd z`) that the payload matches the markers. */
export function findMarkers(payload: Payload, markers: Markers): string[] {
    return [
        ...payload.packages.filter((p) => markers.packages?.test(p)).map((p) => `package ${p}`),
        ...[...payload.files.keys()].filter((f) => markers.files?.test(f)).map((f) => `file ${f}`),
        ...payload.runcmd.filter((c) => markers.runcmd?.test(c)).map((c) => `runcmd ${c}`),
    ];
}
