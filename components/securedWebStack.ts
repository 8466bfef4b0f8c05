// The SecuredWebStack component: validates its arguments into the topology model (nothing is
// registered before that succeeds), then renders the model onto AWS.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { buildModel, Model, Role, serversWith } from "./model";
import type { SecuredWebStackArgs } from "./types";
import { TlsMode } from "./types";
import { checkToolkitConsistency, fetchedFiles, renderServerPart, renderServerUserData } from "./render";
import { packUserData } from "./payloads/cloudConfig";
import { createNetwork } from "./aws/network";
import { createSecurityGroups } from "./aws/firewall";
import { createSecretsKey, secretReadStatements, secretsOf, storeSecrets } from "./aws/secrets";
import { createInternalTls, createTls } from "./aws/tls";
import { createInstanceRole, Statement } from "./aws/iam";
import { createDataVolume, createInstance, lookupAmi } from "./aws/servers";
import { createDeployGate } from "./aws/deployGate";
import { estimateMonthlyCost } from "./aws/cost";
import { createBackups } from "./aws/backup";
import { createFlowLogs, createLogBucket } from "./aws/logs";
import { collectorPolicyStatements, createMonitoring, customMetricCount } from "./aws/monitoring";

export const TYPE_TOKEN = "secured-web-stack:index:SecuredWebStack";

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

    constructor(name: string, args: SecuredWebStackArgs, opts?: pulumi.ComponentResourceOptions) {
        // Validate first: a bad argument throws here, before anything is registered.
        const model: Model = buildModel(args, name);
        super(TYPE_TOKEN, name, {}, opts);
        const child: pulumi.CustomResourceOptions = { parent: this };
        const tags = { ...model.tags, stack: name, environment: model.environment, "managed-by": "secured-web-stack" };
        const region = aws.getRegionOutput({}, child).region;
        const accountId = aws.getCallerIdentityOutput({}, child).accountId;

        const network = createNetwork(name, model, tags, child);
        const groups = createSecurityGroups(name, model, network.vpcId, tags, child);
        const tlsMaterial = createTls(name, model, { certificatePem: args.tls?.certificatePem, privateKeyPem: args.tls?.privateKeyPem }, tags, child);
        // Secret values by SSM parameter; the rest (passwords) are generated.
        const given: { [parameter: string]: pulumi.Input<string> } = {};
        const param = (secret: string) => model.secrets.find((s) => s.name === secret)?.parameter;
        if (tlsMaterial.haproxyPem) given[param("tls-pem")!] = tlsMaterial.haproxyPem;
        if (args.monitoring?.sumoLogicUrl !== undefined) given[param("sumologic-url")!] = args.monitoring.sumoLogicUrl;
        const internal = model.hardening.endToEndTls ? createInternalTls(name, model, child) : undefined;
        for (const s of model.secrets.filter((x) => x.name.startsWith("internal-tls-"))) given[s.parameter] = internal!.serverPems[s.servers[0]];
        // SecureStrings under the stack's own key: each role may decrypt only its own parameters.
        const secretsKey = createSecretsKey(name, model, accountId, tags, child);
        const secrets = storeSecrets(name, model, given, secretsKey.key.arn, tags, child);
        // EBS snapshots of the data volume (DLM) and the bucket the database server backs up to.
        const backups = createBackups(name, model, tags, child);
        // The backup bucket's access logs and the created VPC's flow logs go to the stack's log bucket.
        const logs = createLogBucket(name, model, { backups: backups.bucket }, tags, child);
        if (network.createdVpc) createFlowLogs(name, network.createdVpc.id, logs, tags, child);
        const backupWriters: pulumi.Output<string>[] = [];

        const lb = serversWith(model, Role.Balancer)[0];
        const eip = new aws.ec2.Eip(`${name}-lb-eip`, { domain: "vpc", tags: { ...tags, Name: `${name}-lb-eip` } }, { ...child, protect: model.terminationProtection });
        const dnsRecords: pulumi.Resource[] = [];
        if (model.dns.hostedZoneId) {
            const names = model.tls.redirectApex ? [model.domain, model.apexDomain] : [model.domain];
            // Created before the balancer boots: Let's Encrypt's HTTP-01 needs the name to resolve.
            names.forEach((n, i) => dnsRecords.push(new aws.route53.Record(`${name}-dns-${i}`, {
                zoneId: model.dns.hostedZoneId!, name: n, type: "A", ttl: 300, records: [eip.publicIp], allowOverwrite: true,
            }, child)));
        }

        // Toolkit files (scripts, the bundled app) live once per stack in SSM: the user data only
        // carries their hashes. They never depend on deploy-time values, so any region renders them.
        const toolkit: { [parameter: string]: aws.ssm.Parameter } = {};
        const toolkitOf = (server: typeof model.servers[number]) =>
            fetchedFiles(model, server, renderServerPart(model, server, { region: "any", internalCaPem: "any" })).filter((f) => f.content !== undefined);
        checkToolkitConsistency(model.servers.map((s) => ({ name: s.name, fetched: toolkitOf(s) })));
        for (const server of model.servers) {
            for (const f of toolkitOf(server)) {
                toolkit[f.parameter] ??= new aws.ssm.Parameter(`${name}-toolkit${f.path.replace(/[^a-z0-9]+/gi, "-")}`, {
                    name: f.parameter, type: "String", value: f.content!, tier: "Intelligent-Tiering",
                    description: `secured-web-stack toolkit file ${f.path} (sha256 ${f.sha256!.slice(0, 12)}…)`, tags,
                }, child);
            }
        }

        const ami = lookupAmi(model.os, child);
        const instances: { [server: string]: aws.ec2.Instance } = {};
        for (const server of model.servers) {
            const ownSecrets = secretsOf(secrets, server);
            const own = [...ownSecrets, ...toolkitOf(server).map((f) => toolkit[f.parameter])];
            const statements: Statement[] = secretReadStatements(own.map((p) => p.arn), ownSecrets.map((p) => p.arn), secretsKey.key.arn, region);
            if (server.roles.includes(Role.Balancer) && tlsMaterial.acmCertificateArn) {
                statements.push({ Effect: "Allow", Action: ["acm:ExportCertificate"], Resource: tlsMaterial.acmCertificateArn });
            }
            statements.push(...backups.statementsFor(server));
            const policy = pulumi.all([pulumi.output(statements), region, accountId])
                .apply(([mine, r, a]) => [...mine, ...collectorPolicyStatements(model, server, r, a)] as Statement[]);
            const profile = createInstanceRole(name, server, policy, tags, child);
            const backupTarget = server.roles.includes(Role.Database) ? backups.targetOf(server) : undefined;
            if (backupTarget) backupWriters.push(pulumi.interpolate`arn:aws:iam::${accountId}:role/${profile.role}`);
            const volume = server.roles.includes(Role.Database) || server.roles.includes(Role.Replica) ? createDataVolume(name, model, server, network.availabilityZone, tags, child) : undefined;
            const userDataBase64 = pulumi.all([region, volume?.id, tlsMaterial.acmCertificateArn, internal?.caPem, backupTarget]).apply(([r, vol, arn, ca, bt]) =>
                packUserData(renderServerUserData(model, server, { region: r, dataVolumeId: vol, acmCertificateArn: arn, internalCaPem: ca, backupTarget: bt })));
            const instance = createInstance(name, model, {
                server, ami, securityGroupId: groups[server.name].id, instanceProfile: profile.name, userDataBase64,
                subnetId: server.subnet === "public" ? network.publicSubnetId : network.privateSubnetId,
                // Secrets, routes and (for the balancer) DNS and certificates exist before first boot.
                dependsOn: [...network.ready, ...own, secretsKey.alias,
                    ...(server.name === lb.name ? [...dnsRecords, ...tlsMaterial.ready] : [])],
            }, tags, child);
            instances[server.name] = instance;
            if (volume) {
                new aws.ec2.VolumeAttachment(`${name}-${server.name}-data-attach`, {
                    instanceId: instance.id, volumeId: volume.id, deviceName: "/dev/sdf",
                    // On a replacement the volume is detached cleanly before the old instance goes.
                    stopInstanceBeforeDetaching: true,
                }, { ...child, deleteBeforeReplace: true });
            }
        }
        backups.restrictWriters(backupWriters);
        new aws.ec2.EipAssociation(`${name}-lb-eip-assoc`, { allocationId: eip.allocationId, instanceId: instances[lb.name].id }, child);

        const monitoring = createMonitoring(name, model, model.servers.map((server) => ({ server, instance: instances[server.name] })), region, child);
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
        this.registerOutputs({
            url: this.url, balancerPublicIp: this.balancerPublicIp, instanceIds: this.instanceIds, privateIps: this.privateIps,
            dnsRecordToCreate: this.dnsRecordToCreate, dashboardUrl: this.dashboardUrl,
            estimatedMonthlyCostUsd: this.estimatedMonthlyCostUsd, caCertificatePem: this.caCertificatePem,
            secretParameters: this.secretParameters, backupBucketName: this.backupBucketName,
        });
    }
}

export { TlsMode };
