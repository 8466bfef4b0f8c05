// Application releases roll out in place through AWS's own machinery: an SSM State Manager
// association runs the stack's command document on the app servers (targeted by tag), one server
// at a time (maxConcurrency 1), and stops at the first failure (maxErrors 0). The document runs
// one fixed command, sws-app-update, whose only argument is the release's SHA-256 — a document
// parameter constrained to 64 hex digits, so nothing of the configuration reaches a shell; the
// release itself (app settings, artifact URL + SHA-256) is the live SSM parameter the servers
// read. A new release changes that parameter and the association's `release` parameter: the
// association is updated in place and runs again; no instance and no database is touched.
// `pulumi up` waits for the rollout (waitForSuccessTimeoutSeconds) and fails when it stopped.
import * as aws from "@pulumi/aws";
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import type { Model } from "../model";

/** The tag the association targets on every application server of the stack. */
export const APP_UPDATE_TAG = "sws:app-update";

export function appUpdateTagValue(name: string, model: Model): string {
    return `${model.name}-${model.environment}`;
}

/** The command document: wait for first boot to finish (it installs the release itself), then sws-app-update. */
export function appUpdateDocument(): object {
    return {
        schemaVersion: "2.2",
        description: "secured-web-stack: roll this application server to the release in SSM (sws-app-update); exit 1 = rolled back",
        parameters: {
            release: { type: "String", description: "SHA-256 of the release (/etc/sws/app-release.env) to roll out", allowedPattern: "^[0-9a-f]{64}$" },
        },
        mainSteps: [{
            action: "aws:runShellScript", name: "swsAppUpdate",
            inputs: {
                timeoutSeconds: "900",
                runCommand: ["cloud-init status --wait >/dev/null || true", "exec /usr/local/sbin/sws-app-update '{{ release }}'"],
            },
        }],
    };
}

export function createAppRollout(
    name: string, model: Model, release: { content: string; parameter: aws.ssm.Parameter }, appInstances: aws.ec2.Instance[],
    tags: { [k: string]: string }, opts: pulumi.CustomResourceOptions,
): aws.ssm.Association {
    const document = new aws.ssm.Document(`${name}-app-update`, {
        name: `${model.name}-${model.environment}-app-update`, documentType: "Command", documentFormat: "JSON",
        content: JSON.stringify(appUpdateDocument()), tags,
    }, opts);
    const sha = crypto.createHash("sha256").update(release.content, "utf8").digest("hex");
    return new aws.ssm.Association(`${name}-app-update`, {
        name: document.name, associationName: `${model.name}-${model.environment}-app-update`,
        targets: [{ key: `tag:${APP_UPDATE_TAG}`, values: [appUpdateTagValue(name, model)] }],
        parameters: { release: sha },
        maxConcurrency: "1", maxErrors: "0", complianceSeverity: "HIGH",
        waitForSuccessTimeoutSeconds: 1800,
    }, { ...opts, dependsOn: [release.parameter, ...appInstances] });
}
