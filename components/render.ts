// Pure rendering entry points shared by the AWS component and the lab:
// arguments → model → one #cloud-config per server. No Pulumi types in here.
import { buildModel, Model, Role, ServerModel, SecretRef } from "./model";
import type { SecuredWebStackArgs } from "./types";
import { DeployValues, PayloadPart, RenderContext, mergeParts } from "./payloads/part";
import { basePart } from "./payloads/base";
import { balancerPart } from "./payloads/balancer";
import { webPart } from "./payloads/web";
import { appPart } from "./payloads/app";
import { databasePart } from "./payloads/database";
import { collectorPart } from "./payloads/collector";
import { renderCloudConfig } from "./payloads/cloudConfig";
import { renderNftables } from "./payloads/firewall";

const ROLE_PARTS: { [r in Role]: (ctx: RenderContext) => PayloadPart } = {
    [Role.Balancer]: balancerPart,
    [Role.Web]: webPart,
    [Role.Database]: databasePart,
    [Role.App]: appPart,
};
// Database before app: the app's first start finds its user and schema in place.
const ROLE_ORDER: Role[] = [Role.Database, Role.App, Role.Web, Role.Balancer];

/** One server's payload: only its own roles, plus what every server gets. */
export function renderServerPart(model: Model, server: ServerModel, deploy: DeployValues): PayloadPart {
    const ctx: RenderContext = { model, server, deploy };
    const roles = ROLE_ORDER.filter((r) => server.roles.includes(r));
    return mergeParts([basePart(ctx), ...roles.map((r) => ROLE_PARTS[r](ctx)), collectorPart(ctx)]);
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
}

export interface RenderedStack {
    model: Model;
    servers: RenderedServer[];
    /** What sws-fetch-secrets writes on each server (names and paths; the values live in SSM). */
    secrets: SecretRef[];
}

/** Renders every server's payload for the given arguments (the lab's entry point). */
export function renderStack(args: SecuredWebStackArgs, deploy: DeployValues = { region: "us-east-1" }, name = "sws"): RenderedStack {
    const model = buildModel(args, name);
    return {
        model,
        secrets: model.secrets,
        servers: model.servers.map((s) => ({
            name: s.name, roles: s.roles, privateIp: s.privateIp,
            userData: renderServerUserData(model, s, deploy),
            nftables: renderNftables(model, s.name),
        })),
    };
}
