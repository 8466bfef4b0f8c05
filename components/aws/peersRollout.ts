// Peer lists reach running servers in place as a rolling command (rollingCommand.ts), as app
// releases do: sws-peers on every server of the stack, one at a time, stopping at the first
// failure. Its only argument is "<server>:<SHA-256 of its peer lists>" for every server; each
// server picks its own entry, fetches its own parameters (payloads/peers.ts) and applies them
// without a restart. Scaling a tier changes the peer parameters of the servers next to it and this
// argument: the association is updated in place and runs again; no existing instance is replaced.
//
// What the association cannot promise: the order of the servers within one run (State Manager
// chooses it) — README "Day-2 changes".
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Model, ServerModel } from "../model";
import { RollingCommand, createRollingCommand } from "./rollingCommand";

/** The document parameter's alphabet: "<server>:<64 hex>" entries separated by one space. */
export const PEERS_ARGUMENT_PATTERN = "^[a-z0-9-]{1,32}:[0-9a-f]{64}( [a-z0-9-]{1,32}:[0-9a-f]{64}){0,63}$";

/** Exit 1 means sws-peers refused a list (nft -c, haproxy -c or nginx -t) and kept the previous ones. */
export const PEERS_UPDATE: RollingCommand = {
    kind: "peers-update", tag: "sws:peers-update",
    description: "secured-web-stack: apply this server's peer lists from SSM in place (sws-peers); exit 1 = refused, previous lists kept",
    parameter: { name: "peers", description: "<server>:<SHA-256 of its peer lists> for every server of the stack", allowedPattern: PEERS_ARGUMENT_PATTERN },
    step: { name: "swsPeers", timeoutSeconds: 300, command: "exec /usr/local/sbin/sws-peers {{ peers }}" },
};

/** The document's argument: every server's entry, in the model's order. */
export function peersArgument(peers: { server: ServerModel; digest: string }[]): string {
    return peers.map((p) => `${p.server.name}:${p.digest}`).join(" ");
}

export function createPeersRollout(
    name: string, model: Model, peers: { server: ServerModel; digest: string; parameters: aws.ssm.Parameter[] }[], instances: aws.ec2.Instance[],
    tags: { [k: string]: string }, opts: pulumi.CustomResourceOptions,
): aws.ssm.Association {
    const dependsOn = [...peers.flatMap((p) => p.parameters), ...instances];
    return createRollingCommand(name, model, PEERS_UPDATE, { argument: peersArgument(peers), dependsOn }, tags, opts);
}
