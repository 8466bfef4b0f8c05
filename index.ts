// The program: per-environment settings from Pulumi.<stack>.yaml → one SecuredWebStack → outputs.
// Defaults live in one place (components/model.ts); this file only maps config keys to arguments.
import * as pulumi from "@pulumi/pulumi";
import { SecuredWebStack, SecuredWebStackArgs, TlsArgs, MonitoringArgs } from "./components";

const config = new pulumi.Config();
const tls = config.getObject<TlsArgs>("tls") ?? {};
const monitoring = config.getObject<MonitoringArgs>("monitoring") ?? {};

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
        // Secrets: `pulumi config set --secret tlsCertificatePem < chain.pem` (and tlsPrivateKeyPem).
        certificatePem: config.getSecret("tlsCertificatePem"),
        privateKeyPem: config.getSecret("tlsPrivateKeyPem"),
    },
    dns: config.getObject("dns"),
    monitoring: { ...monitoring, sumoLogicUrl: config.getSecret("sumoLogicUrl") },
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
