// Application releases roll out in place as a rolling command (rollingCommand.ts): sws-app-update
// on the app servers, one at a time, stopping at the first failure. Its only argument is the
// release's SHA-256 (64 hex digits); the release itself (app settings, artifact URL + SHA-256) is
// the live SSM parameter the servers read. A new release changes that parameter and the argument:
// the association is updated in place and runs again; no instance and no database is touched.
import * as aws from "@pulumi/aws";
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import type { Model } from "../model";
import { RollingCommand, createRollingCommand } from "./rollingCommand";

/** Exit 1 means sws-app-update rolled the server back (the health check failed) or refused the release. */
export const APP_UPDATE: RollingCommand = {
    kind: "app-update", tag: "sws:app-update",
    description: "secured-web-stack: roll this application server to the release in SSM (sws-app-update); exit 1 = rolled back",
    parameter: { name: "release", description: "SHA-256 of the release (/etc/sws/app-release.env) to roll out", allowedPattern: "^[0-9a-f]{64}$" },
    step: { name: "swsAppUpdate", timeoutSeconds: 900, command: "exec /usr/local/sbin/sws-app-update '{{ release }}'" },
};

export function createAppRollout(
    name: string, model: Model, release: { content: string; parameter: aws.ssm.Parameter }, appInstances: aws.ec2.Instance[],
    tags: { [k: string]: string }, opts: pulumi.CustomResourceOptions,
): aws.ssm.Association {
    const sha = crypto.createHash("sha256").update(release.content, "utf8").digest("hex");
    return createRollingCommand(name, model, APP_UPDATE, { argument: sha, dependsOn: [release.parameter, ...appInstances] }, tags, opts);
}
