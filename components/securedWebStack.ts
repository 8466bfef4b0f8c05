// The SecuredWebStack component: validates its arguments into the topology model (nothing is
// registered before that succeeds), then renders the model onto AWS.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { buildModel, Model, Role, needsInternalCa, serversWith } from "./model";
import type { SecuredWebStackArgs } from "./types";
import { TlsMode } from "./types";
import { createNetwork } from "./aws/network";
import { createSecurityGroups } from "./aws/firewall";
import { createSecretsKey, givenSecretValues, storeSecrets } from "./aws/secrets";
import { createInternalTls, createTls } from "./aws/tls";
import { lookupAmi } from "./aws/servers";
import { createBalancerAddress } from "./aws/balancerAddress";
import { storeToolkit } from "./aws/toolkit";
import { createServerResources } from "./aws/serverResources";
import { createDeployGate } from "./aws/deployGate";
import { aliasLegacyServerNames } from "./aws/naming";
import { createAppRollout } from "./aws/appRollout";
import { createPeersRollout } from "./aws/peersRollout";
import { estimateMonthlyCost } from "./aws/cost";
import { createBackups } from "./aws/backup";
import { createFlowLogs, createLogBucket } from "./aws/logs";
import { references } from "./aws/references";
import { createMonitoring, customMetricCount } from "./aws/monitoring";

export const TYPE_TOKEN = "secured-web-stack:index:SecuredWebStack";

/**
 * The secured, monitored three-server web stack for one domain on AWS: HAProxy terminating HTTPS,
 * Nginx, the application server with MySQL (or MariaDB) on an encrypted data volume, one security
 * group and host firewall per server rendered from a single flow model, a monitoring collector on
 * every server, backups, and a deploy gate that waits for https://<domain>/healthz.
 */
export class SecuredWebStack extends pulumi.ComponentResource {
    /** https://<domain>/ */
    public readonly url: pulumi.Output<string>;
    /** The balancer's Elastic IP: point the domain's A record here. */
    public readonly balancerPublicIp: pulumi.Output<string>;
    /** Instance id of each server, by server name (lb, web, app, ...). */
    public readonly instanceIds: pulumi.Output<{ [server: string]: string }>;
    /** Fixed private address of each server, by server name. */
    public readonly privateIps: pulumi.Output<{ [server: string]: string }>;
    /** The DNS record to create when no hosted zone is managed by the stack; empty when it is. */
    public readonly dnsRecordToCreate: pulumi.Output<string>;
    /** CloudWatch dashboard URL (CloudWatch sink), else empty. */
    public readonly dashboardUrl: pulumi.Output<string>;
    /** Estimated monthly cost in USD from the price table in components/aws/prices.json. */
    public readonly estimatedMonthlyCostUsd: pulumi.Output<number>;
    /** CA certificate clients must trust (self-signed mode), else empty. */
    public readonly caCertificatePem: pulumi.Output<string>;
    /** SSM parameter names holding the stack's secrets (names only). */
    public readonly secretParameters: pulumi.Output<string[]>;
    /** S3 bucket holding the database's logical backups (dumps + binlogs; see docs/operations.md). */
    public readonly backupBucketName: pulumi.Output<string>;
    /** The VPC the servers run in (created, or network.existingVpcId). */
    public readonly vpcId: pulumi.Output<string>;
    /** The public subnet (balancer, NAT gateway). */
    public readonly publicSubnetId: pulumi.Output<string>;
    /** The subnet of the web and app servers (the public one in "public-subnets" mode). */
    public readonly privateSubnetId: pulumi.Output<string>;
    /** Security group id of each server, by server name: allow your own resources in from these. */
    public readonly securityGroupIds: pulumi.Output<{ [server: string]: string }>;
    /** IAM role ARN of each server, by server name: grant them access to your own resources. */
    public readonly roleArns: pulumi.Output<{ [server: string]: string }>;
    /** SNS topic the alarms notify (CloudWatch sink with monitoring.alarmEmail), else empty: subscribe more endpoints to it. */
    public readonly alarmTopicArn: pulumi.Output<string>;
    /** CloudWatch log groups the collectors write to (CloudWatch sink), else empty. */
    public readonly logGroupNames: pulumi.Output<string[]>;
    /** The stack's KMS key for its SecureString parameters (rotation on). */
    public readonly secretsKeyArn: pulumi.Output<string>;
    /** The KMS key of the log groups and the alarm topic (CloudWatch sink), else empty. */
    public readonly telemetryKeyArn: pulumi.Output<string>;
    /** The bucket receiving the backup bucket's access logs and the VPC flow logs. */
    public readonly logBucketName: pulumi.Output<string>;

    constructor(name: string, args: SecuredWebStackArgs, opts?: pulumi.ComponentResourceOptions) {
        // Validate first: a bad argument throws here, before anything is registered.
        // The stack name makes the physical names unique per stack and is the default environment.
        const model: Model = buildModel(args, name, { stack: pulumi.getStack() });
        // Children of servers that had no number under the old naming keep their identity (aws/naming.ts).
        super(TYPE_TOKEN, name, {}, { ...opts, transformations: [aliasLegacyServerNames(name), ...(opts?.transformations ?? [])] });
        const child: pulumi.CustomResourceOptions = { parent: this };
        const tags = { ...model.tags, stack: model.name, environment: model.environment, "managed-by": "secured-web-stack" };
        const region = aws.getRegionOutput({}, child).region;
        const accountId = aws.getCallerIdentityOutput({}, child).accountId;

        // Ids and names that may come from other resources, checked once known (same messages as buildModel).
        const refs = references(args, model);
        const network = createNetwork(name, model, tags, child, refs);
        const groups = createSecurityGroups(name, model, network.vpcId, tags, child);
        const tlsMaterial = createTls(name, model, { certificatePem: args.tls?.certificatePem, privateKeyPem: args.tls?.privateKeyPem, hostedZoneId: refs.hostedZoneId }, tags, child);
        const internal = needsInternalCa(model) ? createInternalTls(name, model, child) : undefined;
        // SecureStrings under the stack's own key: each role may decrypt only its own parameters.
        const secretsKey = createSecretsKey(name, model, accountId, tags, child);
        const given = givenSecretValues(model, { haproxyPem: tlsMaterial.haproxyPem, sumoLogicUrl: args.monitoring?.sumoLogicUrl, internalPems: internal?.serverPems });
        const secrets = storeSecrets(name, model, given, secretsKey.key.arn, tags, child);
        // EBS snapshots of the data volume (DLM) and the bucket the database server backs up to.
        const backups = createBackups(name, model, tags, child);
        // The backup bucket's access logs and the created VPC's flow logs go to the stack's log bucket.
        const logs = createLogBucket(name, model, { backups: backups.bucket }, tags, child);
        if (network.createdVpc) createFlowLogs(name, network.createdVpc.id, logs, tags, child);
        const address = createBalancerAddress(name, model, tags, child, refs.hostedZoneId);
        const toolkit = storeToolkit(name, model, tags, child);
        const ami = lookupAmi(model.os, child);

        const lb = serversWith(model, Role.Balancer)[0];
        const instances: { [server: string]: aws.ec2.Instance } = {};
        const roleArns: { [server: string]: pulumi.Output<string> } = {};
        const backupWriters: pulumi.Output<string>[] = [];
        for (const server of model.servers) {
            const created = createServerResources(name, model, server, {
                network, securityGroupId: groups[server.name].id, ami, region, accountId, secrets, secretsKey, toolkit,
                tls: tlsMaterial, internalCaPem: internal?.caPem, backups,
                bootAfter: server.name === lb.name ? [...address.dnsRecords, ...tlsMaterial.ready] : [], keyName: refs.sshKeyName,
            }, tags, child);
            instances[server.name] = created.instance;
            roleArns[server.name] = created.roleArn;
            if (created.backupWriterRoleArn) backupWriters.push(created.backupWriterRoleArn);
        }
        backups.restrictWriters(backupWriters);
        // App releases (settings, artifact) roll out in place, one app server at a time.
        const release = toolkit.release();
        if (release) createAppRollout(name, model, release, serversWith(model, Role.App).map((s) => instances[s.name]), tags, child);
        createPeersRollout(name, model, toolkit.peers(), Object.values(instances), tags, child);
        const eip = address.eip;
        new aws.ec2.EipAssociation(`${name}-lb-eip-assoc`, { allocationId: eip.allocationId, instanceId: instances[lb.name].id }, child);

        const monitoring = createMonitoring(name, model, model.servers.map((server) => ({ server, instance: instances[server.name] })), region, child, refs.alarmEmail);
        const cost = estimateMonthlyCost(model, monitoring.billedAlarms, model.monitoring.sink === "cloudwatch" ? customMetricCount(model) : 0);

        if (model.deployGate.enabled) {
            createDeployGate(name, {
                domain: model.domain, healthPath: model.app.healthPath, ip: eip.publicIp,
                caPem: tlsMaterial.caCertificatePem, timeoutSeconds: model.deployGate.timeoutSeconds,
                triggers: Object.values(instances).map((i) => i.id),
            }, { ...child, dependsOn: Object.values(instances) });
        }

        this.url = pulumi.output(`https://${model.domain}/`);
        this.balancerPublicIp = eip.publicIp;
        this.instanceIds = pulumi.all(Object.fromEntries(Object.entries(instances).map(([k, v]) => [k, v.id])));
        this.privateIps = pulumi.output(Object.fromEntries(model.servers.map((s) => [s.name, s.privateIp])));
        this.dnsRecordToCreate = model.dns.hostedZoneId ? pulumi.output("") : pulumi.interpolate`${model.domain}. 300 IN A ${eip.publicIp}`;
        this.dashboardUrl = monitoring.dashboardUrl ?? pulumi.output("");
        this.estimatedMonthlyCostUsd = pulumi.output(cost.totalUsd);
        this.caCertificatePem = tlsMaterial.caCertificatePem ?? pulumi.output("");
        this.secretParameters = pulumi.output(model.secrets.map((s) => s.parameter));
        this.backupBucketName = backups.bucketName;
        this.vpcId = pulumi.output(network.vpcId);
        this.publicSubnetId = pulumi.output(network.publicSubnetId);
        this.privateSubnetId = pulumi.output(network.privateSubnetId);
        this.securityGroupIds = pulumi.all(Object.fromEntries(Object.entries(groups).map(([k, g]) => [k, g.id])));
        this.roleArns = pulumi.all(roleArns);
        this.alarmTopicArn = monitoring.alarmTopic?.arn ?? pulumi.output("");
        this.logGroupNames = pulumi.all((monitoring.logGroups ?? []).map((g) => g.name));
        this.secretsKeyArn = secretsKey.key.arn;
        this.telemetryKeyArn = monitoring.telemetryKey?.arn ?? pulumi.output("");
        this.logBucketName = logs.bucket.bucket;
        this.registerOutputs({
            url: this.url, balancerPublicIp: this.balancerPublicIp, instanceIds: this.instanceIds, privateIps: this.privateIps,
            dnsRecordToCreate: this.dnsRecordToCreate, dashboardUrl: this.dashboardUrl,
            estimatedMonthlyCostUsd: this.estimatedMonthlyCostUsd, caCertificatePem: this.caCertificatePem,
            secretParameters: this.secretParameters, backupBucketName: this.backupBucketName,
            vpcId: this.vpcId, publicSubnetId: this.publicSubnetId, privateSubnetId: this.privateSubnetId,
            securityGroupIds: this.securityGroupIds, roleArns: this.roleArns, alarmTopicArn: this.alarmTopicArn,
            logGroupNames: this.logGroupNames, secretsKeyArn: this.secretsKeyArn, telemetryKeyArn: this.telemetryKeyArn,
            logBucketName: this.logBucketName,
        });
    }
}

export { TlsMode };
