// One server's AWS resources: its instance role (reads of its own parameters only, plus what its
// certificate, backups and collector need), its data volume (database and replica servers), its
// user data rendered with the deploy-time values, the instance, and the volume attachment.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Model, Role, ServerModel, artifactS3Object } from "../model";
import { renderServerUserData } from "../render";
import { packUserData } from "../payloads/cloudConfig";
import type { Backups } from "./backup";
import { createInstanceRole, Statement } from "./iam";
import { collectorPolicyStatements } from "./monitoring";
import type { Network } from "./network";
import { secretReadStatements, secretsOf, StoredSecret } from "./secrets";
import { createDataVolume, createInstance } from "./servers";
import type { TlsMaterial } from "./tls";
import type { StoredToolkit } from "./toolkit";

export interface ServerDeps {
    network: Network;
    securityGroupId: pulumi.Input<string>;
    ami: pulumi.Input<string>;
    region: pulumi.Output<string>;
    accountId: pulumi.Output<string>;
    secrets: StoredSecret[];
    secretsKey: { key: aws.kms.Key; alias: aws.kms.Alias };
    toolkit: StoredToolkit;
    tls: TlsMaterial;
    /** The internal CA's certificate (hardening.endToEndTls). */
    internalCaPem?: pulumi.Output<string>;
    backups: Backups;
    /** What must exist before this server first boots, beyond its network, secrets and key (the balancer: DNS, certificates). */
    bootAfter: pulumi.Resource[];
    /** sshKeyName, checked (components/aws/references.ts). */
    keyName?: pulumi.Input<string>;
}

/**
 * kms:Decrypt on the artifact's SSE-KMS key, only as S3 calls it for that object: S3 asks KMS with
 * the encryption context aws:s3:arn = the object's ARN — or the bucket's ARN when the bucket uses
 * S3 Bucket Keys — through s3.<the key's region>.amazonaws.com (an SSE-KMS key is in its bucket's
 * region). The bucket ARN context admits no other object: S3 decrypts only for a GetObject the role
 * may make, and s3:GetObject is granted on the one object (AppArtifact). A key policy that does not
 * delegate to IAM, or another account's key, still needs the key owner's grant (README).
 */
export function artifactDecryptStatement(keyArn: string, artifact: { bucket: string; key: string }): Statement {
    return {
        Sid: "AppArtifactDecrypt", Effect: "Allow", Action: ["kms:Decrypt"], Resource: keyArn,
        Condition: {
            StringEquals: {
                "kms:ViaService": `s3.${keyArn.split(":")[3]}.amazonaws.com`,
                "kms:EncryptionContext:aws:s3:arn": [`arn:aws:s3:::${artifact.bucket}/${artifact.key}`, `arn:aws:s3:::${artifact.bucket}`],
            },
        },
    };
}

export function createServerResources(
    name: string, model: Model, server: ServerModel, d: ServerDeps, tags: { [k: string]: string }, opts: pulumi.CustomResourceOptions,
): { instance: aws.ec2.Instance; roleArn: pulumi.Output<string>; backupWriterRoleArn?: pulumi.Output<string> } {
    const ownSecrets = secretsOf(d.secrets, server);
    const own = [...ownSecrets, ...d.toolkit.filesOf(server).map((f) => d.toolkit.parameterOf(f))];
    const statements: Statement[] = secretReadStatements(own.map((p) => p.arn), ownSecrets.map((p) => p.arn), d.secretsKey.key.arn, d.region);
    if (server.roles.includes(Role.Balancer) && d.tls.acmCertificateArn) {
        statements.push({ Effect: "Allow", Action: ["acm:ExportCertificate"], Resource: d.tls.acmCertificateArn });
    }
    statements.push(...d.backups.statementsFor(server));
    // An s3:// application artifact: the app servers read that one object (at first boot and in
    // each rollout, sws-app-update), nothing else of the bucket. The key has no IAM wildcard or
    // variable (model/app.ts). An object encrypted with a customer-managed KMS key
    // (app.artifactKmsKeyArn) also needs kms:Decrypt on that key, as S3 asks for it (below).
    const artifact = server.roles.includes(Role.App) ? artifactS3Object(model.app.artifactUrl) : undefined;
    if (artifact) statements.push({ Sid: "AppArtifact", Effect: "Allow", Action: ["s3:GetObject"], Resource: `arn:aws:s3:::${artifact.bucket}/${artifact.key}` });
    if (artifact && model.app.artifactKmsKeyArn) statements.push(artifactDecryptStatement(model.app.artifactKmsKeyArn, artifact));
    const policy = pulumi.all([pulumi.output(statements), d.region, d.accountId])
        .apply(([mine, r, a]) => [...mine, ...collectorPolicyStatements(model, server, r, a)] as Statement[]);
    const { profile, policy: rolePolicy } = createInstanceRole(name, server, policy, tags, opts);
    const backupTarget = server.roles.includes(Role.Database) ? d.backups.targetOf(server) : undefined;
    const roleArn = pulumi.interpolate`arn:aws:iam::${d.accountId}:role/${profile.role}`;
    const backupWriterRoleArn = backupTarget ? roleArn : undefined;
    const volume = server.roles.includes(Role.Database) || server.roles.includes(Role.Replica) ? createDataVolume(name, model, server, d.network.availabilityZone, tags, opts) : undefined;
    const userDataBase64 = pulumi.all([d.region, volume?.id, d.tls.acmCertificateArn, d.internalCaPem, backupTarget]).apply(([r, vol, arn, ca, bt]) =>
        packUserData(renderServerUserData(model, server, { region: r, dataVolumeId: vol, acmCertificateArn: arn, internalCaPem: ca, backupTarget: bt })));
    const instance = createInstance(name, model, {
        server, ami: d.ami, securityGroupId: d.securityGroupId, instanceProfile: profile.name, userDataBase64, keyName: d.keyName,
        subnetId: server.subnet === "public" ? d.network.publicSubnetId : d.network.privateSubnetId,
        // Secrets, routes, the role's policy and (for the balancer) DNS and certificates exist before first boot.
        dependsOn: [...d.network.ready, ...own, d.secretsKey.alias, rolePolicy, ...d.bootAfter],
    }, tags, opts);
    if (volume) {
        new aws.ec2.VolumeAttachment(`${name}-${server.name}-data-attach`, {
            instanceId: instance.id, volumeId: volume.id, deviceName: "/dev/sdf",
            // On a replacement the volume is detached cleanly before the old instance goes.
            stopInstanceBeforeDetaching: true,
        }, { ...opts, deleteBeforeReplace: true });
    }
    return { instance, roleArn, backupWriterRoleArn };
}
