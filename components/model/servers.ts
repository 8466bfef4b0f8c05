// Section "servers": instance types and counts (sizing), the hardening switches that add servers or
// change ports, and the placement of every server at its fixed private address.
import { DatabaseTopology, Layout, NetworkMode, SecuredWebStackArgs } from "../types";
import { CLUSTER_NODES } from "./database";
import { Cidr, nthAddress, size } from "./cidr";
import { Problems, bool, intIn, matching } from "./fields";
import { Role, ServerModel } from "./shape";

const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\d[a-z0-9-]*\.(nano|micro|small|medium|large|xlarge|\d+xlarge|metal(-\d+xl)?)$/;

export interface Sizing {
    types: { balancer: string; web: string; app: string };
    webServers: number;
    appServers: number;
}

export function readSizing(p: Problems, args: SecuredWebStackArgs): Sizing {
    const it = args.instanceTypes ?? {};
    const itDesc = `an EC2 instance type such as "t3.small" or "m7g.large"`;
    const types = {
        balancer: matching(p, "instanceTypes.balancer", it.balancer, INSTANCE_TYPE, itDesc, "t3.small")!,
        web: matching(p, "instanceTypes.web", it.web, INSTANCE_TYPE, itDesc, "t3.small")!,
        app: matching(p, "instanceTypes.app", it.app, INSTANCE_TYPE, itDesc, "t3.medium")!,
    };
    // The AMIs and the collector's pinned build are x86_64: a Graviton type would boot the wrong image.
    for (const [role, t] of Object.entries(types)) {
        if (/^[a-z]+\d+g[a-z]*\./.test(t)) p.push(`instanceTypes.${role}: ${JSON.stringify(t)} is an arm64 (Graviton) type; the stack's images and collector build are x86_64 — use a type such as "t3.small" or "m7i.large"`);
    }
    const webServers = intIn(p, "webServers", args.webServers, 1, 10, 1);
    const appServers = intIn(p, "appServers", args.appServers, 1, 10, 1);
    return { types, webServers, appServers };
}

export interface HardeningSwitches {
    endToEndTls: boolean;
    databaseReplica: boolean;
}

/** The hardening switches; hardening.databaseReplica is read with database.topology (readTopology), whose alias it is. */
export function readHardening(p: Problems, args: SecuredWebStackArgs, layout: Layout, appServers: number, topology: DatabaseTopology): HardeningSwitches {
    const h = args.hardening ?? {};
    const endToEndTls = bool(p, "hardening.endToEndTls", h.endToEndTls, false);
    const databaseReplica = topology === DatabaseTopology.Replica;
    if (layout === Layout.AllInOne && (endToEndTls || topology !== DatabaseTopology.Single || appServers > 1)) {
        p.push(`layout: "all-in-one" is for comparison only and takes no hardening switches, database topology or appServers; use layout "split"`);
    }
    // With more than one app server, or a replica, the database listens on the network; the only TLS
    // material the stack has for it is the internal CA of endToEndTls. Rejected rather than switched
    // on silently: turning it on adds a CA, certificates and TLS ports on every tier (see the
    // README's replacement table), which the configuration should say.
    // A cluster is exempt: it always has the internal CA (Galera replicates over TLS only) and its
    // nodes require TLS from every MySQL client (payloads/database.ts).
    const cluster = topology === DatabaseTopology.Cluster;
    const dbOnNetwork = cluster ? undefined : appServers > 1 ? `appServers: ${appServers}` : databaseReplica ? "hardening.databaseReplica" : undefined;
    if (dbOnNetwork && !endToEndTls && layout !== Layout.AllInOne) {
        p.push(`hardening.endToEndTls: false, but ${dbOnNetwork} puts the database on the network, where it must require TLS; set hardening.endToEndTls: true (the internal CA then secures every hop, the database link included)`);
    }
    return { endToEndTls, databaseReplica };
}

/**
 * Every server with its roles and fixed private address (host 10 the balancer, 20+ web, 30+ app,
 * 40 the replica, 41–43 the cluster's database servers). Servers find each other by address, so replacing one never changes another's
 * user data. A subnet too small for them is a problem on its field.
 */
export function placeServers(
    p: Problems, layout: Layout, sizing: Sizing, hardening: HardeningSwitches,
    network: { mode: NetworkMode; pub?: Cidr; priv?: Cidr }, topology: DatabaseTopology = DatabaseTopology.Single,
): ServerModel[] {
    const cluster = topology === DatabaseTopology.Cluster;
    const { types, webServers, appServers } = sizing;
    const servers: ServerModel[] = [];
    const publicOnly = network.mode === NetworkMode.PublicSubnets;
    const add = (sname: string, roles: Role[], instanceType: string, subnetKind: "public" | "private", host: number) => {
        const block = subnetKind === "public" ? network.pub : network.priv;
        if (!block) return;
        if (host >= size(block) - 1) {
            p.push(`network.${subnetKind}SubnetCidr: ${block.text} is too small for ${servers.length + 1} servers; use a /27 or larger`);
            return;
        }
        servers.push({
            name: sname, roles, instanceType, subnet: subnetKind, privateIp: nthAddress(block, host),
            publicIp: subnetKind === "public" && !roles.includes(Role.Balancer),
        });
    };
    const inner: "public" | "private" = publicOnly ? "public" : "private";
    if (layout === Layout.Split) {
        add("lb", [Role.Balancer], types.balancer, "public", 10);
        // Numbered from the first server on: the i-th web or app server has one name and one address
        // whatever the count, so scaling out and back never renames (replaces) an existing server, and
        // the database server is "app-1" for the life of the stack. (Numbering from two on would keep
        // a lone "web" — but rename the first of every stack that already runs two; stacks deployed
        // with a lone "web"/"app" keep their resources through aliases, components/aws/naming.ts.)
        for (let i = 1; i <= webServers; i++) add(`web-${i}`, [Role.Web], types.web, inner, 19 + i);
        // The seed's server 3 runs the application and the database; further app servers only the app.
        // A cluster's database servers are servers of their own (41–43), every one a writer.
        for (let i = 1; i <= appServers; i++) add(`app-${i}`, i === 1 && !cluster ? [Role.App, Role.Database] : [Role.App], types.app, inner, 29 + i);
        if (hardening.databaseReplica) add("db-replica", [Role.Replica], types.app, inner, 40);
        if (cluster) for (let i = 1; i <= CLUSTER_NODES; i++) add(`db-${i}`, [Role.Database], types.app, inner, 40 + i);
    } else {
        const all = [Role.Balancer, Role.Web, Role.App, Role.Database];
        add("lb", all, types.balancer, "public", 10);
        for (let i = 1; i <= Math.max(2, webServers); i++) add(`node-${i}`, all, types.web, inner, 19 + i);
    }
    return servers;
}
