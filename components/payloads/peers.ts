// A server's peer lists: everything in its configuration that names the *other* servers of the
// stack — the balancer's web backends, a web server's application upstream, each host firewall's
// rules to and from other servers, the database's application hosts. Their number changes when
// webServers or appServers changes, so they stay out of the user data (a new user data replaces
// the server): each is one SSM parameter per server and file (only that server may read it),
// fetched at boot by sws-fetch like any live file, and applied to a running server in place by
// sws-peers — HAProxy and Nginx reload, nftables loads its ruleset atomically, the database
// applies its users — when the stack's peers-update association (aws/peersRollout.ts) runs it.
import { Role } from "../model";
import { HAPROXY_PEERS, renderHaproxyWebBackend } from "./balancer";
import { DATABASE_PEERS, renderDatabasePeers } from "./database";
import { NFT_PEERS, renderNftablesPeers } from "./firewall";
import { PayloadPart, RenderContext, peerList, script } from "./part";
import { NGINX_PEERS, renderNginxUpstream } from "./web";

export const PEERS_DIR = "/etc/sws/peers";

export function peersPart(ctx: RenderContext): PayloadPart {
    const { model, server } = ctx;
    const nft = renderNftablesPeers(model, server.name);
    // Rule lines only (they are spliced into a chain; the rules' comments name their flows).
    const files = [peerList(NFT_PEERS.input, nft.input), peerList(NFT_PEERS.output, nft.output)];
    if (server.roles.includes(Role.Balancer)) files.push(peerList(HAPROXY_PEERS, renderHaproxyWebBackend(ctx)));
    if (server.roles.includes(Role.Web)) files.push(peerList(NGINX_PEERS, renderNginxUpstream(ctx)));
    if (server.roles.includes(Role.Database)) files.push(peerList(DATABASE_PEERS, renderDatabasePeers(ctx)));
    return { packages: [], files: [...files, script("sws-peers")], runcmd: [] };
}
