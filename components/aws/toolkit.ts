// Toolkit files (scripts, the bundled app) live once per stack in SSM as String parameters: the
// user data only carries their hashes. They never depend on deploy-time values, so any region
// renders them; every server that uses a file must render the same content (checked).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Model, ServerModel } from "../model";
import { checkToolkitConsistency, FetchedFile, fetchedFiles, peersDigest, renderServerPart } from "../render";
import { APP_RELEASE } from "../payloads/app";

export interface StoredToolkit {
    /** The toolkit files a server fetches at boot. */
    filesOf(server: ServerModel): FetchedFile[];
    /** The SSM parameter holding a toolkit file. */
    parameterOf(file: FetchedFile): aws.ssm.Parameter;
    /** The application's release (a live file) and its parameter; undefined without app servers. */
    release(): { content: string; parameter: aws.ssm.Parameter } | undefined;
    /** Every server's peer lists: their parameters and the SHA-256 sws-peers checks them against. */
    peers(): { server: ServerModel; digest: string; parameters: aws.ssm.Parameter[] }[];
}

export function storeToolkit(name: string, model: Model, tags: { [k: string]: string }, opts: pulumi.CustomResourceOptions): StoredToolkit {
    const parameters: { [parameter: string]: aws.ssm.Parameter } = {};
    const filesOf = (server: ServerModel) =>
        fetchedFiles(model, server, renderServerPart(model, server, { region: "any", internalCaPem: "any" })).filter((f) => f.content !== undefined);
    checkToolkitConsistency(model.servers.map((s) => ({ name: s.name, fetched: filesOf(s) })));
    for (const server of model.servers) {
        for (const f of filesOf(server)) {
            const slug = f.path.replace(/[^a-z0-9]+/gi, "-");
            // Live files (the app's release, peer lists) change in place: their description does not carry the hash.
            parameters[f.parameter] ??= new aws.ssm.Parameter(f.peers ? `${name}-${server.name}-peers${slug}` : `${name}-${f.live ? "live" : "toolkit"}${slug}`, {
                name: f.parameter, type: "String", value: f.content!, tier: "Intelligent-Tiering",
                description: f.peers ? `secured-web-stack peer list ${f.path} of ${server.name}, applied in place by the peers-update association`
                    : f.live ? `secured-web-stack live file ${f.path}, rolled out by the app-update association`
                    : `secured-web-stack toolkit file ${f.path} (sha256 ${f.sha256!.slice(0, 12)}…)`, tags,
            }, opts);
        }
    }
    const release = () => {
        for (const server of model.servers) {
            const f = filesOf(server).find((x) => x.live && x.path === APP_RELEASE);
            if (f) return { content: f.content!, parameter: parameters[f.parameter] };
        }
        return undefined;
    };
    const peers = () => model.servers.map((server) => {
        const lists = filesOf(server).filter((f) => f.peers);
        return { server, digest: peersDigest(lists), parameters: lists.map((f) => parameters[f.parameter]) };
    });
    return { filesOf, parameterOf: (f) => parameters[f.parameter], release, peers };
}
