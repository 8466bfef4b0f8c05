// The program: per-environment settings from Pulumi.<stack>.yaml → one SecuredWebStack → outputs.
// Defaults live in one place (components/model.ts); this file only maps config keys to arguments.
import * as pulumi from "@pulumi/pulumi";
import { SecuredWebStack, SecuredWebStackArgs, TlsArgs, MonitoringArgs } from "./components";

const config = new pulumi.Config();

/**
 * A config object that may hold secrets set with `pulumi config set --path <key>.<field> --secret`.
 * The engine then marks the whole key secret; its plain fields (e.g. tls.mode) shape the stack and
 * are read as they are, without the SDK's warning, and the secret fields are wrapped below.
 */
function objectConfig<T>(key: string): T | undefined {
    const raw = pulumi.runtime.getConfig(`${config.name}:${key}`);
    return raw === undefined ? undefined : (JSON.parse(raw) as T);
}

/**
 * A secret given either as its own key (`pulumi config set --secret tlsCertificatePem`) or inside
 * its object (`pulumi config set --path tls.certificatePem --secret`): a secret output either way.
 */
function secretConfig(key: string, nested: pulumi.Input<string> | undefined, nestedName: string): pulumi.Output<string> | undefined {
    const own = config.getSecret(key);
    if (own !== undefined && nested !== undefined) {
        throw new Error(`config: both ${config.name}:${key} and ${config.name}:${nestedName} are set; keep one (they hold the same secret)`);
    }
    return own ?? (nested === undefined ? undefined : pulumi.secret(nested));
}

const tls = objectConfig<TlsArgs>("tls") ?? {};
const monitoring = objectConfig<MonitoringArgs>("monitoring") ?? {};

export const args: SecuredWebStackArgs = {
    domain: config.require("domain"),
    environment: config.get("environment") ?? pulumi.getStack(),
    layout: config.get("layout") as SecuredWebStackArgs["layout"],
    os: config.get("os") as SecuredWebStackArgs["os"],
    instanceTypes: config.getObject("instanceTypes"),
    webServers: config.getNumber("webServers"),
    appServers: config.getNumber("appServers"),
    hardening: config.getObject("hardening"),
    network: config.getObject("network"),
    adminCidrs: config.getObject<string[]>("adminCidrs"),
    allowSshFromAnywhere: config.getBoolean("allowSshFromAnywhere"),
    sshKeyName: config.get("sshKeyName"),
    tls: {
        ...tls,
        // Secrets: `pulumi config set --secret tlsCertificatePem < chain.pem` (and tlsPrivateKeyPem),
        // or `pulumi config set --path tls.certificatePem --secret < chain.pem` (and tls.privateKeyPem).
        certificatePem: secretConfig("tlsCertificatePem", tls.certificatePem, "tls.certificatePem"),
        privateKeyPem: secretConfig("tlsPrivateKeyPem", tls.privateKeyPem, "tls.privateKeyPem"),
    },
    dns: config.getObject("dns"),
    monitoring: { ...monitoring, sumoLogicUrl: secretConfig("sumoLogicUrl", monitoring.sumoLogicUrl, "monitoring.sumoLogicUrl") },
    database: config.getObject("database"),
    app: config.getObject("app"),
    deployGate: config.getObject("deployGate"),
    backup: config.getObject("backup"),
    patching: config.getObject("patching"),
    terminationProtection: config.getBoolean("terminationProtection"),
    tags: config.getObject("tags"),
};

const stack = new SecuredWebStack(`sws-${pulumi.getStack()}`, args);

export const url = stack.url;
export const balancerPublicIp = stack.balancerPublicIp;
export const instanceIds = stack.instanceIds;
export const privateIps = stack.privateIps;
export const dnsRecordToCreate = stack.dnsRecordToCreate;
export const dashboardUrl = stack.dashboardUrl;
export const estimatedMonthlyCostUsd = stack.estimatedMonthlyCostUsd;
export const caCertificatePem = stack.caCertificatePem;
export const secretParameters = stack.secretParameters;
export const backupBucketName = stack.backupBucketName;
export const vpcId = stack.vpcId;
export const publicSubnetId = stack.publicSubnetId;
export const privateSubnetId = stack.privateSubnetId;
export const securityGroupIds = stack.securityGroupIds;
export const roleArns = stack.roleArns;
export const alarmTopicArn = stack.alarmTopicArn;
export const logGroupNames = stack.logGroupNames;
export const secretsKeyArn = stack.secretsKeyArn;
export const telemetryKeyArn = stack.telemetryKeyArn;
export const logBucketName = stack.logBucketName;
