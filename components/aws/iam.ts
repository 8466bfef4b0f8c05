// One instance role per server, least privilege as AWS evaluates it: the SSM agent's own actions
// (Session Manager, no SSH needed) written out instead of the AWS managed policy
// AmazonSSMManagedInstanceCore — that policy also allows ssm:GetParameter(s) on "*", which would
// let every server read every secret of the account. Reads of the server's own SSM parameters,
// decryption of its own SecureStrings and what its collector's sink and backups need come from
// the callers (secrets.ts, monitoring.ts, backup.ts).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ServerModel } from "../model";

export interface Statement {
    Sid?: string;
    Effect: "Allow";
    Action: string[];
    Resource: pulumi.Input<string> | pulumi.Input<string>[];
    Condition?: { [operator: string]: { [key: string]: pulumi.Input<string> | pulumi.Input<string>[] } };
}

/**
 * What the SSM agent itself calls (registration, associations, inventory, Run Command and Session
 * Manager channels): AmazonSSMManagedInstanceCore's actions minus ssm:GetParameter and
 * ssm:GetParameters. These actions take no resource the agent could name before the instance
 * exists (the managed policy grants them on "*" too) and none of them returns parameter values.
 * tests/iam-effective.test.ts checks this list against the managed policy's current document.
 */
export const SSM_AGENT_ACTIONS: readonly string[] = [
    "ssm:DescribeAssociation", "ssm:GetDeployablePatchSnapshotForInstance", "ssm:GetDocument", "ssm:DescribeDocument",
    "ssm:GetManifest", "ssm:ListAssociations", "ssm:ListInstanceAssociations", "ssm:PutInventory", "ssm:PutComplianceItems",
    "ssm:PutConfigurePackageResult", "ssm:UpdateAssociationStatus", "ssm:UpdateInstanceAssociationStatus",
    "ssm:UpdateInstanceInformation",
    "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel",
    "ec2messages:AcknowledgeMessage", "ec2messages:DeleteMessage", "ec2messages:FailMessage", "ec2messages:GetEndpoint",
    "ec2messages:GetMessages", "ec2messages:SendReply",
];

export function ssmAgentStatement(): Statement {
    return { Sid: "SsmAgent", Effect: "Allow", Action: [...SSM_AGENT_ACTIONS], Resource: "*" };
}

/**
 * The role's instance profile, and its inline policy: the instance waits for the policy too (its
 * first boot reads parameters with it; an app rollout that reads a new artifact needs it updated
 * before the association runs, and the association waits for the instances).
 */
export function createInstanceRole(
    name: string, server: ServerModel, statements: pulumi.Input<Statement[]>, tags: { [k: string]: string }, opts: pulumi.CustomResourceOptions,
): { profile: aws.iam.InstanceProfile; policy: aws.iam.RolePolicy } {
    const role = new aws.iam.Role(`${name}-${server.name}-role`, {
        description: `Instance role of ${server.name} (${server.roles.join(", ")})`,
        assumeRolePolicy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
        }),
        tags,
    }, opts);
    // The role's only policy: no managed policy is attached (see SSM_AGENT_ACTIONS).
    const policy = new aws.iam.RolePolicy(`${name}-${server.name}-policy`, {
        role: role.id,
        policy: pulumi.output(statements).apply((s) => JSON.stringify({ Version: "2012-10-17", Statement: [ssmAgentStatement(), ...s] })),
    }, opts);
    return { profile: new aws.iam.InstanceProfile(`${name}-${server.name}-profile`, { role: role.name, tags }, opts), policy };
}
