// Toolkit files (scripts, the bundled app) live once per stack in SSM as String parameters: the
// user data only carries their hashes. They never depend on deploy-time values, so any region
// renders them; every server that uses a file must render the same content (checked).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Model, ServerModel } from "../model";
import { checkToolkitConsistency, FetchedFile, fetchedFiles, renderServerPart } from "../render";

export interface StoredToolkit {
    /** The toolkit files a server fetches at boot. */
    filesOf(server: ServerModel): FetchedFile[];
    /** The SSM parameter holding a toolkit file. */
    parameterOf(file: FetchedFile): aws.ssm.Parameter;
}

export function storeToolkit(name: string, model: Model, tags: { [k: string]: string }, opts: pulumi.CustomResourceOptions): StoredToolkit {
    const parameters: { [parameter: string]: aws.ssm.Parameter } = {};
    const filesOf = (server: ServerModel) =>
        fetchedFiles(model, server, renderServerPart(model, server, { region: "any", internalCaPem: "any" })).filter((f) => f.content !== undefined);
    checkToolkitConsistency(model.servers.map((s) => ({ name: s.name, fetched: filesOf(s) })));
    for (const server of model.servers) {
        for (const f of filesOf(server)) {
            parameters[f.parameter] ??= new aws.ssm.Parameter(`${name}-toolkit${f.path.replace(/[^a-z0-9]+/gi, "-")}`, {
                name: f.parameter, type: "String", value: f.content!, tier: "Intelligent-Tiering",
                description: `secured-web-stack toolkit file ${f.path} (sha256 ${f.sha256!.slice(0, 12)}…)`, tags,
            }, opts);
        }
    }
    return { filesOf, parameterOf: (f) => parameters[f.parameter] };
}
