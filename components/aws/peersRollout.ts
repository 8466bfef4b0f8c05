// Peer lists reach running servers in place through AWS's own machinery, as app releases do
// (appRollout.ts): an SSM State Manager association runs the stack's peers-update command
// document on every server of the stack (targeted by tag), one server at a time
// (maxConcurrency 1), stopping at the first failure (maxErrors 0). The document runs one fixed
// command, sws-peers, whose only argument is the list "<server>:<SHA-256 of its peer lists>" for
// every server — a document parameter constrained to that alphabet, so nothing of the
// configuration reaches a shell; each server picks its own entry, fetches its own parameters
// (payloads/peers.ts) and applies them without a restart. Scaling a tier changes the peer
// parameters of the servers next to it and this argument: the association is updated in place
// and runs again; no existing instance is replaced.
//
// What the association cannot promise: the order of the servers within one run (State Manager
// chooses it), and `pulumi up` waits for the run only when the association is created
// (waitForSuccessTimeoutSeconds; the provider's update does not wait) — README "Day-2 changes".
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Model, ServerModel } from "../model";

/** The tag the association targets on every server of the stack. */
export const PEERS_UPDATE_TAG = "sws:peers-update";

export function peersUpdateTagValue(name: string, model: Model): string {
    return `${model.name}-${model.environment}`;
}

/** The document parameter's alphabet: "<server>:<64 hex>" entries separated by one space. */
export const PEERS_ARGUMENT_PATTERN = "^[a-z0-9-]{1,32}:[0-9a-f]{64}( [a-z0-9-]{1,32}:[0-9a-f]{64}){0,63}$";

/** The command document: wait for first boot (it fetched the lists itself), then sws-peers. */
export function peersUpdateDocument(): object {
    return {
        schemaVersion: "2.2",
        description: "secured-web-stack: apply this server's peer lists from SSM in place (sws-peers); exit 1 = refused, previous lists kept",
        parameters: {
            peers: { type: "String", description: "<server>:<SHA-256 of its peer lists> for every server of the stack", allowedPattern: PEERS_ARGUMENT_PATTERN },
        },
        mainSteps: [{
            action: "aws:runShellScript", name: "swsPeers",
            inputs: {
                timeoutSeconds: "300",
                runCommand: ["cloud-init status --wait >/dev/null || true", "exec /usr/local/sbin/sws-peers {{ peers }}"],
            },
        }],
    };
}

/** The document's argument: every server's entry, in the model's order. */
export function peersArgument(peers: { server: ServerModel; digest: string }[]): string {
    return peers.map((p) => `${p.server.name}:${p.digest}`).join(" ");
}

export function createPeersRollout(
    name: string, model: Model, peers: { server: ServerModel; digest: string; parameters: aws.ssm.Parameter[] }[], instances: aws.ec2.Instance[],
    tags: { [k: string]: string }, opts: pulumi.CustomResourceOptions,
): aws.ssm.Association {
    const document = new aws.ssm.Document(`${name}-peers-update`, {
        name: `${model.name}-${model.environment}-peers-update`, documentType: "Command", documentFormat: "JSON",
        content: JSON.stringify(peersUpdateDocument()), tags,
    }, opts);
    return new aws.ssm.Association(`${name}-peers-update`, {
        name: document.name, associationName: `${model.name}-${model.environment}-peers-update`,
        targets: [{ key: `tag:${PEERS_UPDATE_TAG}`, values: [peersUpdateTagValue(name, model)] }],
        parameters: { peers: peersArgument(peers) },
        maxConcurrency: "1", maxErrors: "0", complianceSeverity: "HIGH",
        waitForSuccessTimeoutSeconds: 1800,
    }, { ...opts, dependsOn: [...peers.flatMap((p) => p.parameters), ...instances] });
}
