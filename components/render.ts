// Pure rendering entry points shared by the AWS component and the lab:
// arguments → model → one #cloud-config per server. No Pulumi types in here.
import { buildModel, Model, Role, ServerModel, SecretRef } from "./model";
import type { SecuredWebStackArgs } from "./types";
import * as crypto from "crypto";
import { DeployValues, PayloadPart, RenderContext, file, liveParameter, mergeParts, peersParameter, toolkitParameter } from "./payloads/part";
import { peersPart } from "./payloads/peers";
import { basePart } from "./payloads/base";
import { balancerPart } from "./payloads/balancer";
import { webPart } from "./payloads/web";
import { appPart } from "./payloads/app";
import { databasePart } from "./payloads/database";
import { collectorPart } from "./payloads/collector";
import { backupPart } from "./payloads/backup";
import { renderCloudConfig } from "./payloads/cloudConfig";
import { renderNftables } from "./payloads/firewall";

const ROLE_PARTS: { [r in Role]: (ctx: RenderContext) => PayloadPart } = {
    [Role.Balancer]: balancerPart,
    [Role.Web]: webPart,
    [Role.Database]: databasePart,
    [Role.App]: appPart,
    [Role.Replica]: databasePart,
};
// Database before app: the app's first start finds its user and schema in place.
const ROLE_ORDER: Role[] = [Role.Database, Role.Replica, Role.App, Role.Web, Role.Balancer];

/** A file sws-fetch installs at boot from SSM Parameter Store. */
export interface FetchedFile {
    parameter: string;
    path: string;
    /** Group that may read it where the group exists (secrets: else root-only). */
    group: string;
    permissions: string;
    /** Toolkit files: content and its SHA-256 (the user data carries the hash). Secrets: absent. */
    content?: string;
    sha256?: string;
    /** A live file ("~"): outside the toolkit digest, rolled out in place (PayloadFile.live). */
    live?: boolean;
    /** A peer list (PayloadFile.peers): a live file in the server's own parameter, applied in place by sws-peers. */
    peers?: boolean;
}

/** What sws-fetch installs on a server: its secrets, then the toolkit files its roles use. */
export function fetchedFiles(model: Model, server: ServerModel, part: PayloadPart): FetchedFile[] {
    return [
        ...model.secrets.filter((s) => s.servers.includes(server.name))
            .map((s) => ({ parameter: s.parameter, path: s.path, group: s.group, permissions: s.group === "root" ? "0600" : "0640" })),
        ...part.files.filter((f) => f.fetch).map((f) => ({
            parameter: f.peers ? peersParameter(model.parameterPrefix, server.name, f.path) : (f.live ? liveParameter : toolkitParameter)(model.parameterPrefix, f.path),
            path: f.path, group: "root", permissions: f.permissions,
            content: f.content, sha256: crypto.createHash("sha256").update(f.content, "utf8").digest("hex"),
            ...(f.live ? { live: true } : {}), ...(f.peers ? { peers: true } : {}),
        })),
    ];
}

/**
 * The SHA-256 the user data carries for a server's toolkit files: over "<path> <sha256 of the
 * content>\n" per toolkit file, in fetch.list order (sws-fetch recomputes it before installing).
 */
export function toolkitDigest(fetched: FetchedFile[]): string | undefined {
    const lines = fetched.filter((f) => f.sha256 && !f.live).map((f) => `${f.path} ${f.sha256}\n`).join("");
    return lines ? crypto.createHash("sha256").update(lines, "utf8").digest("hex") : undefined;
}

/**
 * The SHA-256 of a server's peer lists: over "<path> <sha256 of the content>\n" per peer list, in
 * fetch.list order (sws-peers recomputes it over what it fetched before applying anything).
 */
export function peersDigest(fetched: FetchedFile[]): string {
    const lines = fetched.filter((f) => f.peers).map((f) => `${f.path} ${f.sha256}\n`).join("");
    return crypto.createHash("sha256").update(lines, "utf8").digest("hex");
}

/** /etc/sws/fetch.list: what sws-fetch installs ("+" toolkit files, "~" live files, "-" secrets) and the toolkit digest. */
export function renderFetchList(fetched: FetchedFile[]): string {
    const digest = toolkitDigest(fetched);
    const list = fetched.map((f) => `${f.parameter} ${f.path} ${f.group} ${f.permissions} ${f.live ? "~" : f.sha256 ? "+" : "-"}`);
    return [...(digest ? [`#toolkit-sha256 ${digest}`] : []), ...list].join("\n") + "\n";
}

/** One server's payload: only its own roles, plus what every server gets. */
export function renderServerPart(model: Model, server: ServerModel, deploy: DeployValues): PayloadPart {
    const ctx: RenderContext = { model, server, deploy };
    const roles = ROLE_ORDER.filter((r) => server.roles.includes(r));
    // Backups on the database writer only (never on a replica).
    const backup = server.roles.includes(Role.Database) ? [backupPart(ctx)] : [];
    const part = mergeParts([basePart(ctx), ...roles.map((r) => ROLE_PARTS[r](ctx)), ...backup, collectorPart(ctx), peersPart(ctx)]);
    // Names and paths only: secret values and toolkit contents stay in SSM until boot. Toolkit
    // files ("+") are checked together against one SHA-256 (see toolkitDigest): one hash instead
    // of one per file keeps the user data inside its budget.
    part.files.push(file("/etc/sws/fetch.list", renderFetchList(fetchedFiles(model, server, part))));
    return part;
}

export function renderServerUserData(model: Model, server: ServerModel, deploy: DeployValues): string {
    return renderCloudConfig(model, server, renderServerPart(model, server, deploy));
}

export interface RenderedServer {
    name: string;
    roles: Role[];
    privateIp: string;
    /** The #cloud-config document (before gzip + base64). */
    userData: string;
    /** The host firewall this server loads (also inside userData as /etc/nftables.conf). */
    nftables: string;
    /** What sws-fetch installs at boot from SSM (the lab writes these itself: no SSM there). */
    fetched: FetchedFile[];
}

export interface RenderedStack {
    model: Model;
    servers: RenderedServer[];
    /** What sws-fetch writes on each server (names and paths; the values live in SSM). */
    secrets: SecretRef[];
}

/**
 * Toolkit files live once per stack in SSM, named by path: every server that has a given path
 * must have the same content there, or one server would boot another's file.
 */
export function checkToolkitConsistency(servers: { name: string; fetched: FetchedFile[] }[]): void {
    const seen = new Map<string, { server: string; sha256: string }>();
    for (const s of servers) for (const f of s.fetched) {
        if (!f.sha256) continue;
        const first = seen.get(f.parameter);
        if (!first) seen.set(f.parameter, { server: s.name, sha256: f.sha256 });
        else if (first.sha256 !== f.sha256) throw new Error(`toolkit file ${f.path} differs between ${first.server} and ${s.name}; render it into the user data instead`);
    }
}

/** Renders every server's payload for the given arguments (the lab's entry point). */
export function renderStack(args: SecuredWebStackArgs, deploy: DeployValues = { region: "us-east-1" }, name = "sws"): RenderedStack {
    const model = buildModel(args, name);
    const rendered = {
        model,
        secrets: model.secrets,
        servers: model.servers.map((s) => {
            const part = renderServerPart(model, s, deploy);
            return {
                name: s.name, roles: s.roles, privateIp: s.privateIp,
                userData: renderCloudConfig(model, s, part),
                nftables: renderNftables(model, s.name),
                fetched: fetchedFiles(model, s, part),
            };
        }),
    };
    checkToolkitConsistency(rendered.servers);
    return rendered;
}
