// Rolling commands: how the stack changes running servers in place through AWS's own machinery,
// one mechanism for app releases (appRollout.ts) and peer lists (peersRollout.ts). A custom SSM
// Command document runs one fixed toolkit command whose only argument is a document parameter
// constrained by an allowedPattern (so nothing of the configuration reaches a shell), and a State
// Manager association runs it on the instances carrying the command's tag, one server at a time
// (maxConcurrency 1), stopping at the first failure (maxErrors 0). A new argument updates the
// association in place and it runs again; no instance is replaced. `pulumi up` waits for the run
// when the association is created (waitForSuccessTimeoutSeconds; the provider's update does not
// wait — README "Which changes replace which server").
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Model } from "../model";

/** What a rolling command is, whatever the deployment: its document and the tag it targets. */
export interface RollingCommand {
    /** Pulumi child `<name>-<kind>`; document and association `<physical name>-<environment>-<kind>`. */
    kind: string;
    /** The tag whose instances run the command (value: rollingTargetValue). */
    tag: string;
    /** The document's description: what one run does on one server, and what its failure means. */
    description: string;
    /** The document's one parameter; its pattern is all a shell ever sees of the configuration. */
    parameter: { name: string; description: string; allowedPattern: string };
    /** The document's one step: its name, time limit, and the command (it names the parameter as {{ name }}). */
    step: { name: string; timeoutSeconds: number; command: string };
}

/** The value of every rolling command's tag on the stack's instances: one stack's instances, not another's. */
export function rollingTargetValue(model: Model): string {
    return `${model.name}-${model.environment}`;
}

/**
 * The Command document (schema 2.2, one aws:runShellScript step). Its first line waits for
 * cloud-init: a server still in its first boot installs what the command would install itself
 * (from the same parameters), so a run then waits for it instead of racing it.
 */
export function rollingCommandDocument(c: RollingCommand): object {
    return {
        schemaVersion: "2.2",
        description: c.description,
        parameters: {
            [c.parameter.name]: { type: "String", description: c.parameter.description, allowedPattern: c.parameter.allowedPattern },
        },
        mainSteps: [{
            action: "aws:runShellScript", name: c.step.name,
            inputs: {
                timeoutSeconds: String(c.step.timeoutSeconds),
                runCommand: ["cloud-init status --wait >/dev/null || true", c.step.command],
            },
        }],
    };
}

/**
 * The command's document and association for this deployment: `argument` is the parameter's
 * value (what changes from one rollout to the next), `dependsOn` what the first run needs in
 * place (the parameters the command reads, the instances it runs on). Returns the association.
 */
export function createRollingCommand(
    name: string, model: Model, c: RollingCommand, run: { argument: string; dependsOn: pulumi.Resource[] },
    tags: { [k: string]: string }, opts: pulumi.CustomResourceOptions,
): aws.ssm.Association {
    const physical = `${model.name}-${model.environment}-${c.kind}`;
    const document = new aws.ssm.Document(`${name}-${c.kind}`, {
        name: physical, documentType: "Command", documentFormat: "JSON",
        content: JSON.stringify(rollingCommandDocument(c)), tags,
    }, opts);
    return new aws.ssm.Association(`${name}-${c.kind}`, {
        name: document.name, associationName: physical,
        targets: [{ key: `tag:${c.tag}`, values: [rollingTargetValue(model)] }],
        parameters: { [c.parameter.name]: run.argument },
        maxConcurrency: "1", maxErrors: "0", complianceSeverity: "HIGH",
        waitForSuccessTimeoutSeconds: 1800,
    }, { ...opts, dependsOn: run.dependsOn });
}
