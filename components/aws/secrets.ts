// Secrets: generated with @pulumi/random (or taken from secret config), stored as SSM
// SecureString parameters under the stack's own KMS key, read at boot by the instance role of
// the servers that need them. User data only ever names the parameters.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { Model, SecretRef, ServerModel } from "../model";
import type { Statement } from "./iam";

/**
 * The stack's own KMS key for its SecureStrings (automatic yearly rotation). The key policy only
 * delegates to IAM (the account may use the key as its IAM policies allow): the instance roles
 * get kms:Decrypt through secretReadStatements, each for its own parameters only.
 */
export function createSecretsKey(
    name: string, model: Model, accountId: pulumi.Input<string>, tags: { [k: string]: string }, opts: pulumi.CustomResourceOptions,
): { key: aws.kms.Key; alias: aws.kms.Alias } {
    const key = new aws.kms.Key(`${name}-secrets-key`, {
        description: `${model.domain} (${name}, ${model.environment}): SSM SecureStrings under ${model.parameterPrefix}`,
        keyUsage: "ENCRYPT_DECRYPT", customerMasterKeySpec: "SYMMETRIC_DEFAULT",
        enableKeyRotation: true, deletionWindowInDays: 30,
        policy: pulumi.output(accountId).apply((a) => JSON.stringify(secretsKeyPolicy(a))),
        tags,
    }, opts);
    // Alias names are unique per account and region: the stack's parameter prefix is too.
    const alias = new aws.kms.Alias(`${name}-secrets-key-alias`, {
        name: `alias${model.parameterPrefix}/secrets`, targetKeyId: key.keyId,
    }, opts);
    return { key, alias };
}

/** The key policy: AWS's default (the account's IAM policies decide), written out so tests evaluate it. */
export function secretsKeyPolicy(accountId: string): object {
    return {
        Version: "2012-10-17",
        Statement: [{
            Sid: "EnableIamPolicies", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${accountId}:root` },
            Action: "kms:*", Resource: "*",
        }],
    };
}

/**
 * A server's reads of its own parameters: ssm:GetParameter(s) on exactly those ARNs, and
 * kms:Decrypt on the stack key only when SSM asks for one of its own SecureStrings — SSM calls
 * KMS with the encryption context PARAMETER_ARN=<parameter ARN> (AWS Systems Manager User
 * Guide, "How Parameter Store uses AWS KMS"), through ssm.<region>.amazonaws.com.
 */
export function secretReadStatements(
    ownParameterArns: pulumi.Input<string>[], ownSecretArns: pulumi.Input<string>[], keyArn: pulumi.Input<string>, region: pulumi.Input<string>,
): Statement[] {
    const out: Statement[] = [{ Sid: "OwnParameters", Effect: "Allow", Action: ["ssm:GetParameter", "ssm:GetParameters"], Resource: ownParameterArns }];
    if (ownSecretArns.length) {
        out.push({
            Sid: "DecryptOwnSecureStrings", Effect: "Allow", Action: ["kms:Decrypt"], Resource: keyArn,
            Condition: {
                StringEquals: {
                    "kms:EncryptionContext:PARAMETER_ARN": ownSecretArns,
                    "kms:ViaService": pulumi.interpolate`ssm.${region}.amazonaws.com`,
                },
            },
        });
    }
    return out;
}

/** The stored secrets a server reads. */
export function secretsOf(secrets: StoredSecret[], server: ServerModel): aws.ssm.Parameter[] {
    return [...new Set(secrets.filter((s) => s.ref.servers.includes(server.name)).map((s) => s.parameter))];
}

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
    name: string, model: Model, given: { [parameter: string]: pulumi.Input<string> }, keyArn: pulumi.Input<string>,
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
                name: ref.parameter, type: "SecureString", value: pulumi.secret(value), keyId: keyArn,
                // Certificate chains can pass the standard tier's 4 KiB.
                tier: "Intelligent-Tiering",
                description: `${model.domain}: ${short}, read at boot by ${[...new Set(readers)].join(", ")}`,
                tags,
            }, opts);
        }
        return { ref, parameter: made[ref.parameter] };
    });
}

/**
 * The secret values the stack is given or makes itself, by SSM parameter: the balancer's PEM
 * (self-signed, imported), the Sumo Logic URL, each server's internal-TLS PEM. The rest (database
 * passwords) storeSecrets generates.
 */
export function givenSecretValues(model: Model, v: {
    haproxyPem?: pulumi.Input<string>; sumoLogicUrl?: pulumi.Input<string>; internalPems?: { [server: string]: pulumi.Input<string> };
}): { [parameter: string]: pulumi.Input<string> } {
    const given: { [parameter: string]: pulumi.Input<string> } = {};
    const param = (secret: string) => model.secrets.find((s) => s.name === secret)?.parameter;
    if (v.haproxyPem) given[param("tls-pem")!] = v.haproxyPem;
    if (v.sumoLogicUrl !== undefined) given[param("sumologic-url")!] = v.sumoLogicUrl;
    for (const s of model.secrets.filter((x) => x.name.startsWith("internal-tls-"))) given[s.parameter] = v.internalPems![s.servers[0]];
    return given;
}
