// What a role contributes to a server's payload. Parts are merged per server, then assembled
// into one #cloud-config (cloudConfig.ts).
import * as fs from "fs";
import * as path from "path";
import type { Model, ServerModel } from "../model";

export interface PayloadFile {
    path: string;
    content: string;
    /** Octal string as cloud-init wants it. */
    permissions: string;
    owner: string;
    /** Write after packages are installed (users such as "prometheus" exist only then). */
    defer?: boolean;
    /**
     * Toolkit file: identical for every stack of this package version, so it is not carried in
     * the user data (capped at 16 KiB by EC2, 8 KiB gzipped by our budget) but stored once in
     * SSM Parameter Store and fetched at boot by sws-fetch, checked against its SHA-256
     * that the user data does carry.
     */
    fetch?: boolean;
    /**
     * With fetch: a live file — fetched from SSM like a toolkit file but outside the user data's
     * toolkit digest, so a new content reaches running servers in place (the app's release,
     * rolled out by sws-app-update) instead of replacing them.
     */
    live?: boolean;
    /**
     * With live: one of the server's peer lists (payloads/peers.ts) — the other servers it
     * sends to or admits, whose number changes when a tier scales. Its own SSM parameter per
     * server (only that server may read it), applied in place by sws-peers through the stack's
     * peers-update association.
     */
    peers?: boolean;
}

export interface PayloadPart {
    packages: string[];
    files: PayloadFile[];
    /** Boot steps, in order; each an argv. */
    runcmd: string[][];
    /** System accounts the role's services run as (cloud-init `users:`, created before any boot step). */
    users?: string[];
}

/** What a role renderer sees: the whole model, the server it renders, and how to reach others. */
export interface RenderContext {
    model: Model;
    server: ServerModel;
    /** Values only known at deploy time (resource ids), resolved before rendering. */
    deploy: DeployValues;
}

/** The internal CA certificate (public) on every server when hardening.endToEndTls is on. */
export const INTERNAL_CA = "/etc/sws/internal-ca.pem";

/** DNS names in a server's internal certificate, besides its address: its own and one per role. */
export function internalNames(server: { name: string; roles: string[] }): string[] {
    return [`${server.name}.sws.internal`, ...server.roles.map((r) => `${r}.sws.internal`)];
}

export interface DeployValues {
    /** EBS volume id of the database data volume (attached to the database server). */
    dataVolumeId?: string;
    /** AWS region (for SSM, ACM and CloudWatch calls made at boot). */
    region: string;
    /** ACM certificate ARN (tls.mode "acm"). */
    acmCertificateArn?: string;
    /** Database servers: where sws-backup writes, s3://<bucket>/<server> (default file:///var/backups/sws, the lab). */
    backupTarget?: string;
    /** The internal CA certificate (PEM, public) for hardening.endToEndTls. */
    internalCaPem?: string;
}

export function file(p: string, content: string, permissions = "0644", owner = "root:root", defer?: boolean): PayloadFile {
    return { path: p, content, permissions, owner, ...(defer ? { defer } : {}) };
}

/** A boot script shipped with the package (components/payloads/scripts), fetched at boot into /usr/local/sbin. */
export function script(name: string): PayloadFile {
    return toolkit(`/usr/local/sbin/${name}`, fs.readFileSync(path.join(__dirname, "scripts", name), "utf8"), "0755");
}

/** A toolkit file (see PayloadFile.fetch). */
export function toolkit(p: string, content: string, permissions = "0644"): PayloadFile {
    return { path: p, content, permissions, owner: "root:root", fetch: true };
}

/** A live file (see PayloadFile.live). */
export function live(p: string, content: string, permissions = "0644"): PayloadFile {
    return { path: p, content, permissions, owner: "root:root", fetch: true, live: true };
}

/** A peer list (see PayloadFile.peers). */
export function peerList(p: string, content: string): PayloadFile {
    return { path: p, content, permissions: "0644", owner: "root:root", fetch: true, live: true, peers: true };
}

/** SSM parameter that holds one server's peer list. */
export function peersParameter(prefix: string, server: string, p: string): string {
    return `${prefix}/peers/${server}${p}`;
}

/** SSM parameter that holds a live file, shared by every server of a stack that has it. */
export function liveParameter(prefix: string, p: string): string {
    return `${prefix}/live${p}`;
}

/** SSM parameter that holds a toolkit file, shared by every server of a stack. */
export function toolkitParameter(prefix: string, p: string): string {
    return `${prefix}/toolkit${p}`;
}

/** A systemd unit or drop-in written from an object of sections, in a fixed key order. */
export function unit(sections: { [section: string]: [string, string][] }): string {
    return Object.entries(sections)
        .map(([name, entries]) => `[${name}]\n${entries.map(([k, v]) => `${k}=${v}`).join("\n")}\n`)
        .join("\n");
}

/** Env files (values are never secrets): see escape.ts for how values are quoted. */
export { envFile } from "./escape";

export function emptyPart(): PayloadPart {
    return { packages: [], files: [], runcmd: [], users: [] };
}

export function mergeParts(parts: PayloadPart[]): PayloadPart {
    const out = emptyPart();
    for (const p of parts) {
        for (const pkg of p.packages) if (!out.packages.includes(pkg)) out.packages.push(pkg);
        for (const f of p.files) {
            if (out.files.some((x) => x.path === f.path)) throw new Error(`two roles write ${f.path}`);
            out.files.push(f);
        }
        out.runcmd.push(...p.runcmd);
        for (const u of p.users ?? []) if (!out.users!.includes(u)) out.users!.push(u);
    }
    return out;
}
