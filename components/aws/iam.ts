// One instance role per server, least privilege: SSM Session Manager (no SSH needed), read its
// own SSM parameters only, plus what its collector's sink and its TLS mode need.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ServerModel } from "../model";

export interface Statement {
    Effect: "Allow";
    Action: string[];
    Resource: pulumi.Input<string> | pulumi.Input<string>[];
}

export function createInstanceRole(
    name: string, server: ServerModel, statements: pulumi.Input<Statement[]>, tags: { [k: string]: string }, opts: pulumi.CustomResourceOptions,
): aws.iam.InstanceProfile {
    const role = new aws.iam.Role(`${name}-${server.name}-role`, {
        description: `Instance role of ${server.name} (${server.roles.join(", ")})`,
        assumeRolePolicy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
        }),
        tags,
    }, opts);
    new aws.iam.RolePolicyAttachment(`${name}-${server.name}-ssm-core`, {
        role: role.name, policyArn: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
    }, opts);
    // Every server reads at least its own database or TLS secrets, so the policy is never empty.
    new aws.iam.RolePolicy(`${name}-${server.name}-policy`, {
        role: role.id,
        policy: pulumi.output(statements).apply((s) => JSON.stringify({ Version: "2012-10-17", Statement: s })),
    }, opts);
    return new aws.iam.InstanceProfile(`${name}-${server.name}-profile`, { role: role.name, tags }, opts);
}
