// Every policy of the pack, for `index.ts` (the PolicyPack) and for the tests (which never import index.ts).

import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { tlsTerminatedAtBalancer } from "./rules/tls-terminated-at-balancer";
import { singleDatabaseWriter } from "./rules/single-database-writer";
import { identicalServerRoles } from "./rules/identical-server-roles";
import { databaseDataOnPersistentVolume } from "./rules/database-data-on-persistent-volume";
import { databasePortRestrictedToAppTier } from "./rules/database-port-restricted-to-app-tier";
import { databaseTerminationProtection } from "./rules/database-termination-protection";
import { databaseVolumeBackedUp } from "./rules/database-volume-backed-up";
import { egressNotWideOpen } from "./rules/egress-not-wide-open";
import { hostFirewallOnEveryServer } from "./rules/host-firewall-on-every-server";
import { hstsEnabled } from "./rules/hsts-enabled";
import { httpRedirectsToHttps } from "./rules/http-redirects-to-https";
import { iamNoWildcardAdmin } from "./rules/iam-no-wildcard-admin";
import { instanceDetailedMonitoring } from "./rules/instance-detailed-monitoring";
import { instanceHasSecurityGroup } from "./rules/instance-has-security-group";
import { instanceImdsHopLimit } from "./rules/instance-imds-hop-limit";
import { instanceImdsv2Required } from "./rules/instance-imdsv2-required";
import { instanceRoleAttached } from "./rules/instance-role-attached";
import { monitoringCollectorOnEveryServer } from "./rules/monitoring-collector-on-every-server";
import { noAdminPortsFromAnywhere } from "./rules/no-admin-ports-from-anywhere";
import { noPublicIpOnPrivateTiers } from "./rules/no-public-ip-on-private-tiers";
import { noSecretsInUserData } from "./rules/no-secrets-in-user-data";
import { publicIngressLimitedToWebPorts } from "./rules/public-ingress-limited-to-web-ports";
import { requiredTags } from "./rules/required-tags";
import { securityGroupRuleDescriptions } from "./rules/security-group-rule-descriptions";
import { ssmSecretsAreSecureString } from "./rules/ssm-secrets-are-securestring";
import { tlsMinimumVersion } from "./rules/tls-minimum-version";
import { unattendedUpgradesEnabled } from "./rules/unattended-upgrades-enabled";
import { userDataSizeLimit } from "./rules/user-data-size-limit";
import { volumesEncrypted } from "./rules/volumes-encrypted";
import { s3BucketAccessLogging } from "./rules/s3-bucket-access-logging";
import { s3BucketPublicAccessBlocked } from "./rules/s3-bucket-public-access-blocked";
import { s3BucketEncrypted } from "./rules/s3-bucket-encrypted";
import { vpcFlowLogsEnabled } from "./rules/vpc-flow-logs-enabled";
import { defaultSecurityGroupRestricted } from "./rules/default-security-group-restricted";
import { kmsKeyRotationEnabled } from "./rules/kms-key-rotation-enabled";
import { logGroupRetention } from "./rules/log-group-retention";
import { logGroupEncrypted } from "./rules/log-group-encrypted";
import { snsTopicEncrypted } from "./rules/sns-topic-encrypted";
import { policyExemptionsHaveReasons } from "./rules/policy-exemptions-have-reasons";
import { packPolicyNames, withExemptions } from "./lib/exemptions";

/** The seed's three documented design flaws: advisory everywhere. */
export const designPolicies = [tlsTerminatedAtBalancer, singleDatabaseWriter, identicalServerRoles].map(withExemptions);

/** The security and operations baseline (awsguard, Checkov, Trivy, cdk-nag). */
export const baselinePolicies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
    databaseDataOnPersistentVolume,
    databasePortRestrictedToAppTier,
    databaseTerminationProtection,
    databaseVolumeBackedUp,
    egressNotWideOpen,
    hostFirewallOnEveryServer,
    hstsEnabled,
    httpRedirectsToHttps,
    iamNoWildcardAdmin,
    instanceDetailedMonitoring,
    instanceHasSecurityGroup,
    instanceImdsHopLimit,
    instanceImdsv2Required,
    instanceRoleAttached,
    monitoringCollectorOnEveryServer,
    noAdminPortsFromAnywhere,
    noPublicIpOnPrivateTiers,
    noSecretsInUserData,
    publicIngressLimitedToWebPorts,
    requiredTags,
    securityGroupRuleDescriptions,
    ssmSecretsAreSecureString,
    tlsMinimumVersion,
    unattendedUpgradesEnabled,
    userDataSizeLimit,
    volumesEncrypted,
    s3BucketAccessLogging,
    s3BucketPublicAccessBlocked,
    s3BucketEncrypted,
    vpcFlowLogsEnabled,
    defaultSecurityGroupRestricted,
    kmsKeyRotationEnabled,
    logGroupRetention,
    logGroupEncrypted,
    snsTopicEncrypted,
].map(withExemptions);

/**
 * Every exemption (tag `sws:policy-exempt:<policy>` = reason, or a config `exemptions` entry) is
 * reported as exempted at advisory level; this one reports exemption tags without a reason or for
 * a policy that does not exist. It cannot itself be exempted.
 */
export const exemptionPolicies: (ResourceValidationPolicy | StackValidationPolicy)[] = [policyExemptionsHaveReasons];

export const policies: (ResourceValidationPolicy | StackValidationPolicy)[] = [...designPolicies, ...baselinePolicies, ...exemptionPolicies];
for (const p of policies) packPolicyNames.add(p.name);
