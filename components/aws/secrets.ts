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

export function storeSecrets(
    name: string, model: Model, given: { [secret: string]: pulumi.Input<string> },
    tags: { [k: string]: string }, opts: pulumi.CustomResourceOptions,
): StoredSecret[] {
    return model.secrets.map((ref) => {
        let value: pulumi.Input<string> | undefined = given[ref.name];
        if (value === undefined) {
            // Alphanumeric: safe inside SQL literals, config files and URLs without escaping.
            value = new random.RandomPassword(`${name}-${ref.name}`, { length: 32, special: false }, opts).result;
        }
        const parameter = new aws.ssm.Parameter(`${name}-${ref.name}`, {
            name: ref.parameter, type: "SecureString", value: pulumi.secret(value),
            // Certificate chains can pass the standard tier's 4 KiB.
            tier: "Intelligent-Tiering",
            description: `${model.domain}: ${ref.name}, read at boot by ${ref.servers.join(", ")}`,
            tags,
        }, opts);
        return { ref, parameter };
    });
}
