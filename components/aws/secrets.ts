// Secrets: generated with @pulumi/random (or taken from secret config), stored as SSM
// SecureString parameters, read at boot by the instance role of the servers that need them.
// User data only ever names the parameters.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { Model, SecretRef } from "../model";

export interface StoredSecret {
    ref: SecretRef;
    parameter: aws.ssm.Parameter;
}

/**
 * One SecureString parameter per distinct SSM name (several refs may read one parameter into
 * different files, e.g. a server's internal certificate for Nginx and for the app). Values come
 * from `given` (by parameter name) or, for passwords, from @pulumi/random.
 */
export function storeSecrets(
    name: string, model: Model, given: { [parameter: string]: pulumi.Input<string> },
    tags: { [k: string]: string }, opts: pulumi.CustomResourceOptions,
): StoredSecret[] {
    const made: { [parameter: string]: aws.ssm.Parameter } = {};
    return model.secrets.map((ref) => {
        if (!made[ref.parameter]) {
            // Resource names: the parameter path after the stack prefix ("/sws/dev/db-app-password" → "db-app-password").
            const short = ref.parameter.split("/").slice(3).join("-");
            let value: pulumi.Input<string> | undefined = given[ref.parameter];
            if (value === undefined) {
                // Alphanumeric: safe inside SQL literals, config files and URLs without escaping.
                value = new random.RandomPassword(`${name}-${short}`, { length: 32, special: false }, opts).result;
            }
            const readers = model.secrets.filter((r) => r.parameter === ref.parameter).flatMap((r) => r.servers);
            made[ref.parameter] = new aws.ssm.Parameter(`${name}-${short}`, {
                name: ref.parameter, type: "SecureString", value: pulumi.secret(value),
                // Certificate chains can pass the standard tier's 4 KiB.
                tier: "Intelligent-Tiering",
                description: `${model.domain}: ${short}, read at boot by ${[...new Set(readers)].join(", ")}`,
                tags,
            }, opts);
        }
        return { ref, parameter: made[ref.parameter] };
    });
}
