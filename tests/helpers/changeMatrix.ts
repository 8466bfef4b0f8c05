// The change matrix: what `pulumi up` would do to a stack when its configuration changes from A
// to B, computed from two runs of the component under the mocks (no Pulumi CLI here).
//
// 1. Resources are matched by (type, logical name) — the URN, since every child has the same
//    parent — or by an alias the new resource declares (the engine does the same).
// 2. A kept resource whose inputs differ is REPLACED when a changed input is one the provider
//    treats as replace-on-change (ForceNew / RequiresReplace in its schema, the table below) or
//    one listed in the resource's `replaceOnChanges`; otherwise UPDATED in place. Inputs under
//    `ignoreChanges` do not count.
// 3. A replacement gives the resource a new id, ARN and computed outputs, unknown during preview:
//    every input of another resource that carries one of those values counts as changed too
//    (iterated to a fixed point) — under the mocks ids are derived from the URN, so without this
//    step a replaced security group would look harmless to its instance.
// 4. Resources only in A are DELETED (after everything else, as the engine does), unless they
//    are `retainOnDelete` (left in the account, RELEASED from the stack).
import * as pulumi from "@pulumi/pulumi";
import type { Captured } from "./pulumiMocks";

/**
 * Inputs the providers replace the resource for, per Pulumi type token, with where that comes
 * from. Pulumi's AWS provider is bridged from the Terraform AWS provider: a field is
 * replace-on-change exactly when its schema says `ForceNew: true` (SDKv2) or has a
 * `RequiresReplace()` plan modifier (plugin framework). Sources are files of
 * github.com/hashicorp/terraform-provider-aws (internal/service/...), of
 * github.com/hashicorp/terraform-provider-tls / -random, and pulumi-command's docs.
 * Nested inputs are written as paths ("rootBlockDevice.encrypted"). Inputs not listed update in
 * place (instanceType: stop, modify, start; vpcSecurityGroupIds: ModifyInstanceAttribute;
 * volume size/type: ModifyVolume; tags everywhere).
 */
export const REPLACE_ON_CHANGE: { [type: string]: { inputs: string[]; source: string } } = {
    "aws:ec2/instance:Instance": {
        // userDataBase64 joins this list when userDataReplaceOnChange is true (CustomizeDiff ForceNewIf).
        inputs: ["ami", "availabilityZone", "subnetId", "privateIp", "keyName", "associatePublicIpAddress", "placementGroup", "tenancy",
            "ebsOptimized", "hibernation", "securityGroups", "ipv6Addresses", "ipv6AddressCount", "launchTemplate", "privateDnsNameOptions",
            "rootBlockDevice.encrypted", "rootBlockDevice.kmsKeyId", "cpuOptions", "enclaveOptions"],
        source: "internal/service/ec2/ec2_instance.go: ForceNew on ami, availability_zone, subnet_id, private_ip, key_name, associate_public_ip_address, root_block_device.encrypted/kms_key_id …; CustomizeDiff ForceNewIf(user_data_base64) when user_data_replace_on_change",
    },
    "aws:ebs/volume:Volume": {
        inputs: ["availabilityZone", "encrypted", "kmsKeyId", "snapshotId", "outpostArn"],
        source: "internal/service/ec2/ebs_volume.go: ForceNew on availability_zone, encrypted, kms_key_id, snapshot_id, outpost_arn (size, type, iops, throughput: ModifyVolume in place)",
    },
    "aws:ec2/volumeAttachment:VolumeAttachment": {
        inputs: ["deviceName", "instanceId", "volumeId"],
        source: "internal/service/ec2/ec2_volume_attachment.go: ForceNew on device_name, instance_id, volume_id",
    },
    "aws:ec2/securityGroup:SecurityGroup": {
        inputs: ["name", "namePrefix", "description", "vpcId"],
        source: "internal/service/ec2/vpc_security_group.go: ForceNew on name, name_prefix, description, vpc_id",
    },
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": {
        inputs: ["vpcId"],
        source: "internal/service/ec2/vpc_default_security_group.go: ForceNew on vpc_id (rules: in place; deleting only forgets the group)",
    },
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": {
        inputs: ["securityGroupId"],
        source: "internal/service/ec2/vpc_security_group_ingress_rule.go: RequiresReplace on security_group_id only (ports, protocol, peer, description: ModifySecurityGroupRules)",
    },
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": {
        inputs: ["securityGroupId"],
        source: "internal/service/ec2/vpc_security_group_egress_rule.go (shares the ingress rule's schema): RequiresReplace on security_group_id only",
    },
    "aws:iam/role:Role": {
        inputs: ["name", "namePrefix", "path"],
        source: "internal/service/iam/role.go: ForceNew on name, name_prefix, path",
    },
    "aws:iam/instanceProfile:InstanceProfile": {
        inputs: ["name", "namePrefix", "path"],
        source: "internal/service/iam/instance_profile.go: ForceNew on name, name_prefix, path (role: in place)",
    },
    "aws:iam/rolePolicy:RolePolicy": {
        inputs: ["name", "namePrefix", "role"],
        source: "internal/service/iam/role_policy.go: ForceNew on name, name_prefix, role",
    },
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": {
        inputs: ["role", "policyArn"],
        source: "internal/service/iam/role_policy_attachment.go: ForceNew on role, policy_arn",
    },
    "aws:ssm/parameter:Parameter": {
        inputs: ["name"],
        source: "internal/service/ssm/parameter.go: ForceNew on name (value, description, tier upgrade: in place)",
    },
    "aws:ssm/document:Document": {
        inputs: ["name", "documentType"],
        source: "internal/service/ssm/document.go: ForceNew on name, document_type (content: a new document version, made the default, in place)",
    },
    "aws:ssm/association:Association": {
        inputs: ["name", "instanceId"],
        source: "internal/service/ssm/association.go: ForceNew on name (the document), instance_id; parameters, targets, max_concurrency, max_errors, document_version update in place (UpdateAssociation)",
    },
    "aws:ec2/eip:Eip": {
        inputs: ["domain", "publicIpv4Pool", "networkBorderGroup", "address", "customerOwnedIpv4Pool", "ipamPoolId"],
        source: "internal/service/ec2/ec2_eip.go: ForceNew on domain, public_ipv4_pool, network_border_group, address, customer_owned_ipv4_pool, ipam_pool_id",
    },
    "aws:ec2/eipAssociation:EipAssociation": {
        inputs: ["allocationId", "instanceId", "networkInterfaceId", "privateIpAddress", "publicIp", "allowReassociation"],
        source: "internal/service/ec2/ec2_eip_association.go: every argument ForceNew",
    },
    "aws:ec2/vpc:Vpc": {
        inputs: ["cidrBlock", "instanceTenancy", "ipv4IpamPoolId", "ipv4NetmaskLength"],
        source: "internal/service/ec2/vpc_.go: ForceNew on cidr_block, ipv4_ipam_pool_id, ipv4_netmask_length (instance_tenancy: only default ← dedicated in place)",
    },
    "aws:ec2/subnet:Subnet": {
        inputs: ["vpcId", "cidrBlock", "availabilityZone", "availabilityZoneId", "outpostArn"],
        source: "internal/service/ec2/vpc_subnet.go: ForceNew on vpc_id, cidr_block, availability_zone(_id), outpost_arn",
    },
    "aws:ec2/internetGateway:InternetGateway": { inputs: [], source: "internal/service/ec2/vpc_internet_gateway.go: vpc_id attaches/detaches in place" },
    "aws:ec2/natGateway:NatGateway": {
        inputs: ["allocationId", "subnetId", "connectivityType", "privateIp"],
        source: "internal/service/ec2/vpc_nat_gateway.go: ForceNew on allocation_id, subnet_id, connectivity_type, private_ip",
    },
    "aws:ec2/routeTable:RouteTable": { inputs: ["vpcId"], source: "internal/service/ec2/vpc_route_table.go: ForceNew on vpc_id" },
    "aws:ec2/routeTableAssociation:RouteTableAssociation": {
        inputs: ["subnetId", "gatewayId"],
        source: "internal/service/ec2/vpc_route_table_association.go: ForceNew on subnet_id, gateway_id (route_table_id: ReplaceRouteTableAssociation in place)",
    },
    "aws:route53/record:Record": {
        inputs: ["zoneId", "name", "setIdentifier"],
        source: "internal/service/route53/record.go: ForceNew on zone_id, name, set_identifier (records, ttl, type: ChangeResourceRecordSets in place)",
    },
    "aws:acm/certificate:Certificate": {
        inputs: ["domainName", "subjectAlternativeNames", "keyAlgorithm", "certificateAuthorityArn", "privateKey", "certificateBody", "validationMethod"],
        source: "internal/service/acm/certificate.go: ForceNew on domain_name, subject_alternative_names, key_algorithm, certificate_authority_arn (imports: private_key/certificate_body re-import in place is not used here)",
    },
    "aws:acm/certificateValidation:CertificateValidation": {
        inputs: ["certificateArn", "validationRecordFqdns"],
        source: "internal/service/acm/certificate_validation.go: ForceNew on certificate_arn, validation_record_fqdns",
    },
    "aws:cloudwatch/logGroup:LogGroup": { inputs: ["name", "namePrefix", "logGroupClass"], source: "internal/service/logs/group.go: ForceNew on name, name_prefix, log_group_class" },
    "aws:cloudwatch/metricAlarm:MetricAlarm": { inputs: ["name"], source: "internal/service/cloudwatch/metric_alarm.go: ForceNew on alarm_name (Pulumi input name)" },
    "aws:cloudwatch/dashboard:Dashboard": { inputs: ["dashboardName"], source: "internal/service/cloudwatch/dashboard.go: ForceNew on dashboard_name" },
    "aws:sns/topic:Topic": { inputs: ["name", "namePrefix", "fifoTopic"], source: "internal/service/sns/topic.go: ForceNew on name, name_prefix, fifo_topic" },
    "aws:sns/topicSubscription:TopicSubscription": { inputs: ["endpoint", "protocol", "topic"], source: "internal/service/sns/topic_subscription.go: ForceNew on endpoint, protocol, topic_arn" },
    "aws:s3/bucket:Bucket": { inputs: ["bucket", "bucketPrefix", "objectLockEnabled"], source: "internal/service/s3/bucket.go: ForceNew on bucket, bucket_prefix, object_lock_enabled" },
    "aws:s3/bucketVersioning:BucketVersioning": { inputs: ["bucket", "expectedBucketOwner", "mfa"], source: "internal/service/s3/bucket_versioning.go: ForceNew on bucket, expected_bucket_owner" },
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": { inputs: ["bucket", "expectedBucketOwner"], source: "internal/service/s3/bucket_server_side_encryption_configuration.go: ForceNew on bucket, expected_bucket_owner" },
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": { inputs: ["bucket", "expectedBucketOwner"], source: "internal/service/s3/bucket_lifecycle_configuration.go: RequiresReplace on bucket, expected_bucket_owner" },
    "aws:s3/bucketPolicy:BucketPolicy": { inputs: ["bucket"], source: "internal/service/s3/bucket_policy.go: ForceNew on bucket" },
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": { inputs: ["bucket"], source: "internal/service/s3/bucket_public_access_block.go: ForceNew on bucket" },
    "aws:s3/bucketLogging:BucketLogging": { inputs: ["bucket", "expectedBucketOwner"], source: "internal/service/s3/bucket_logging.go: ForceNew on bucket, expected_bucket_owner" },
    "aws:ec2/flowLog:FlowLog": { inputs: ["*"], source: "internal/service/ec2/vpc_flow_log.go: every argument ForceNew (tags aside: the resource has no other update)" },
    "aws:kms/key:Key": {
        inputs: ["customerMasterKeySpec", "keyUsage", "multiRegion", "customKeyStoreId", "xksKeyId"],
        source: "internal/service/kms/key.go: ForceNew on customer_master_key_spec, key_usage, multi_region, custom_key_store_id, xks_key_id (policy, rotation, description: in place)",
    },
    "aws:kms/alias:Alias": { inputs: ["name", "namePrefix"], source: "internal/service/kms/alias.go: ForceNew on name, name_prefix (target_key_id: UpdateAlias in place)" },
    "aws:dlm/lifecyclePolicy:LifecyclePolicy": { inputs: [], source: "internal/service/dlm/lifecycle_policy.go: no ForceNew argument (UpdateLifecyclePolicy)" },
    "random:index/randomPassword:RandomPassword": {
        inputs: ["length", "special", "upper", "lower", "numeric", "number", "minLower", "minUpper", "minNumeric", "minSpecial", "overrideSpecial", "keepers"],
        source: "terraform-provider-random internal/provider/resource_password.go: every argument RequiresReplace",
    },
    "tls:index/privateKey:PrivateKey": { inputs: ["algorithm", "rsaBits", "ecdsaCurve"], source: "terraform-provider-tls internal/provider/resource_private_key.go: RequiresReplace on algorithm, rsa_bits, ecdsa_curve" },
    "tls:index/selfSignedCert:SelfSignedCert": { inputs: ["*"], source: "terraform-provider-tls resource_self_signed_cert.go: every argument RequiresReplace (early_renewal_hours aside)" },
    "tls:index/locallySignedCert:LocallySignedCert": { inputs: ["*"], source: "terraform-provider-tls resource_locally_signed_cert.go: every argument RequiresReplace (early_renewal_hours aside)" },
    "tls:index/certRequest:CertRequest": { inputs: ["*"], source: "terraform-provider-tls resource_cert_request.go: every argument RequiresReplace" },
    "command:local:Command": { inputs: ["triggers"], source: "pulumi-command docs (local.Command): a change to triggers replaces; other inputs run the update (or create) command in place" },
};
/** tls certificates: early renewal is the one argument that updates in place. */
const TLS_IN_PLACE = new Set(["earlyRenewalHours"]);
const AWS_IN_PLACE = new Set(["tags", "tagsAll"]);

export interface RunResource {
    /** `${type}::${name}`: the URN's identifying part (every child has the component as parent). */
    key: string;
    type: string;
    name: string;
    /** Provider-shaped id and outputs the mocks returned (a replacement makes new ones). */
    id?: string;
    inputs: any;
    state: any;
    aliases: string[];
    deleteBeforeReplace: boolean;
    replaceOnChanges: string[];
    ignoreChanges: string[];
    retainOnDelete: boolean;
    protect: boolean;
}

/** Options every resource was registered with, recorded by a transformation on the component (it runs after the component's own). */
export interface OptionLog {
    transformation: pulumi.ResourceTransformation;
    byKey: Map<string, Pick<RunResource, "aliases" | "deleteBeforeReplace" | "replaceOnChanges" | "ignoreChanges" | "retainOnDelete" | "protect">>;
}

export function optionLog(): OptionLog {
    const byKey: OptionLog["byKey"] = new Map();
    const transformation: pulumi.ResourceTransformation = ({ type, name, opts }) => {
        const o = opts as pulumi.CustomResourceOptions;
        const aliases = (o.aliases ?? []).map((a) => {
            const alias = a as pulumi.Alias;
            if (typeof a === "string" || (alias as any).urn) throw new Error(`${name}: URN aliases are not modelled by the change matrix`);
            // Name and type aliases (the SDK adds type aliases itself, e.g. s3 Bucket ← BucketV2); parent/stack/project moves are not used here.
            if (alias.parent !== undefined || alias.stack !== undefined || alias.project !== undefined) throw new Error(`${name}: only name and type aliases are modelled by the change matrix`);
            return `${alias.type ?? type}::${alias.name ?? name}`;
        });
        byKey.set(`${type}::${name}`, {
            aliases, deleteBeforeReplace: !!o.deleteBeforeReplace, replaceOnChanges: o.replaceOnChanges ?? [],
            ignoreChanges: o.ignoreChanges ?? [], retainOnDelete: !!o.retainOnDelete, protect: !!o.protect,
        });
        return undefined;
    };
    return { transformation, byKey };
}

/** Joins the mocks' capture with the recorded options. Every custom resource must have been seen by the transformation. */
export function runOf(captured: Captured[], log: OptionLog): RunResource[] {
    return captured.map((c) => {
        const key = `${c.type}::${c.name}`;
        const o = log.byKey.get(key);
        if (!o) throw new Error(`${key}: registered without passing the component's transformations (not a child of the component?)`);
        return { key, type: c.type, name: c.name, id: (c as { id?: string }).id, inputs: c.inputs, state: c.state, ...o };
    });
}

export interface Change {
    created: string[];
    deleted: string[];
    /** Left in the account, no longer managed (retainOnDelete). */
    released: string[];
    replaced: { key: string; because: string[]; deleteFirst: boolean }[];
    updated: { key: string; inputs: string[] }[];
    /** Old key → new key for resources kept through an alias. */
    renamed: { from: string; to: string }[];
}

function paths(v: any, prefix = ""): Map<string, string> {
    const out = new Map<string, string>();
    const walk = (x: any, p: string) => {
        if (x !== null && typeof x === "object" && !Array.isArray(x) && !pulumi.Output.isInstance(x)) {
            const keys = Object.keys(x);
            if (!keys.length && p) out.set(p, "{}");
            for (const k of keys) walk(x[k], p ? `${p}.${k}` : k);
        } else if (x !== undefined) out.set(p, JSON.stringify(x));
    };
    walk(v, prefix);
    return out;
}

/** Top-level and nested input paths whose values differ (a nested path is reported at its deepest object key). */
export function changedInputs(a: any, b: any): string[] {
    const pa = paths(a ?? {}), pb = paths(b ?? {});
    const keys = new Set([...pa.keys(), ...pb.keys()]);
    return [...keys].filter((k) => pa.get(k) !== pb.get(k)).sort();
}

const covers = (rule: string, changed: string) => changed === rule || changed.startsWith(`${rule}.`) || rule === "*";

function replacingInputs(r: RunResource, changed: string[]): string[] {
    const table = REPLACE_ON_CHANGE[r.type];
    if (!table) throw new Error(`${r.type}: not in REPLACE_ON_CHANGE — add its replace-on-change inputs from the provider's schema`);
    let rules = [...table.inputs, ...r.replaceOnChanges];
    if (r.type === "aws:ec2/instance:Instance" && r.inputs.userDataReplaceOnChange) rules.push("userDataBase64", "userData");
    // "*": every argument (tls: but early renewal; AWS: but tags, which every resource updates in place).
    if (rules.includes("*")) return changed.filter((c) => !(r.type.startsWith("tls:") ? TLS_IN_PLACE : AWS_IN_PLACE).has(c.split(".")[0]));
    rules = rules.filter((x) => x !== "*");
    return changed.filter((c) => rules.some((rule) => covers(rule, c)));
}

/**
 * The values a resource hands to others and that a replacement changes: its id and the computed
 * outputs that are its own (ARN, auto-name, generated key or certificate). Values echoed from its
 * inputs, and values several resources share (a region, an availability zone), stay the same.
 */
function handedOut(r: RunResource, shared: Map<string, number>): string[] {
    const vals = new Set<string>();
    if (r.id) vals.add(r.id);
    for (const v of paths(r.state).values()) {
        const s = JSON.parse(v);
        if (typeof s === "string" && s.length >= 8 && (shared.get(s) ?? 0) <= 1) vals.add(s);
    }
    for (const v of paths(r.inputs).values()) { const s = JSON.parse(v); if (typeof s === "string") vals.delete(s); }
    return [...vals];
}

/** How many resources of a run carry each string value in their state. */
function stateValueCounts(rs: RunResource[]): Map<string, number> {
    const counts = new Map<string, number>();
    for (const r of rs) {
        const mine = new Set([...paths(r.state).values()].map((v) => JSON.parse(v)).filter((x) => typeof x === "string") as string[]);
        for (const s of mine) counts.set(s, (counts.get(s) ?? 0) + 1);
    }
    return counts;
}

export function diffRuns(before: RunResource[], after: RunResource[]): Change {
    const old = new Map(before.map((r) => [r.key, r]));
    const matched = new Map<string, RunResource>(); // new key → old resource
    const claimed = new Set<string>();
    for (const r of after) {
        const from = [r.key, ...r.aliases].find((k) => old.has(k) && !claimed.has(k));
        if (from) { matched.set(r.key, old.get(from)!); claimed.add(from); }
    }
    const change: Change = { created: [], deleted: [], released: [], replaced: [], updated: [], renamed: [] };
    for (const r of before) if (!claimed.has(r.key)) (r.retainOnDelete ? change.released : change.deleted).push(r.key);
    const kept = after.filter((r) => matched.has(r.key));
    change.created = after.filter((r) => !matched.has(r.key)).map((r) => r.key);
    change.renamed = kept.filter((r) => matched.get(r.key)!.key !== r.key).map((r) => ({ from: matched.get(r.key)!.key, to: r.key }));

    // Replacement propagates through the values a replaced resource handed out (step 3 above).
    // A kept resource whose inputs did not change keeps its outputs (the engine does not touch it);
    // under the mocks some outputs still differ from run to run (a generated password's counter):
    // read B's outputs of such resources as A's.
    const sameOutputs = new Map<string, string>();
    for (const r of kept) {
        const o = matched.get(r.key)!;
        if (changedInputs(o.inputs, r.inputs).length) continue;
        const pa = paths(o.state), pb = paths(r.state);
        for (const [p, v] of pa) {
            const w = pb.get(p);
            if (w !== undefined && w !== v && typeof JSON.parse(v) === "string" && typeof JSON.parse(w) === "string") sameOutputs.set(JSON.parse(w), JSON.parse(v));
        }
    }
    const asBefore = (x: any): any => {
        if (typeof x === "string") {
            let s = x;
            for (const [now, was] of sameOutputs) if (s.includes(now)) s = s.split(now).join(was);
            return s;
        }
        if (Array.isArray(x)) return x.map(asBefore);
        if (x && typeof x === "object" && !pulumi.Output.isInstance(x)) return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, asBefore(v)]));
        return x;
    };
    const stale = new Set<string>();
    const shared = stateValueCounts(before);
    const replaced = new Map<string, string[]>();
    const changedOf = (r: RunResource) => {
        const o = matched.get(r.key)!;
        const ignored = (p: string) => r.ignoreChanges.some((i) => covers(i, p));
        const direct = changedInputs(o.inputs, sameOutputs.size ? asBefore(r.inputs) : r.inputs);
        const viaReplaced = [...paths(r.inputs).entries()]
            .filter(([, v]) => [...stale].some((s) => v.includes(s)))
            .map(([p]) => p);
        return [...new Set([...direct, ...viaReplaced])].filter((p) => !ignored(p)).sort();
    };
    for (let again = true; again;) {
        again = false;
        for (const r of kept) {
            if (replaced.has(r.key)) continue;
            const because = replacingInputs(r, changedOf(r));
            if (because.length) {
                replaced.set(r.key, because);
                for (const v of handedOut(matched.get(r.key)!, shared)) stale.add(v);
                again = true;
            }
        }
    }
    // Resources created fresh hand out new values as well, but nothing kept can refer to them.
    for (const r of kept) {
        const because = replaced.get(r.key);
        if (because) change.replaced.push({ key: r.key, because, deleteFirst: r.deleteBeforeReplace });
        else {
            const inputs = changedOf(r);
            if (inputs.length || matched.get(r.key)!.key !== r.key) change.updated.push({ key: r.key, inputs });
        }
    }
    return change;
}

/** A resource's server (the component names every per-server child `${stack}-${server}-…`). */
export function instanceServer(stack: string, key: string): string | undefined {
    const m = /^aws:ec2\/instance:Instance::(.*)$/.exec(key);
    return m && m[1].startsWith(`${stack}-`) ? m[1].slice(stack.length + 1) : undefined;
}

/**
 * Fixed private addresses over the update: the engine creates new resources (and replacements
 * that are not delete-before-replace) while the old ones still run, and deletes removed resources
 * last. Returns every moment two instances would claim one address.
 */
export function addressConflicts(before: RunResource[], after: RunResource[], change: Change): string[] {
    const inst = (rs: RunResource[]) => rs.filter((r) => r.type === "aws:ec2/instance:Instance");
    const problems: string[] = [];
    const seen = new Map<string, string>();
    for (const r of inst(after)) {
        const other = seen.get(r.inputs.privateIp);
        if (other) problems.push(`${r.key} and ${other} both want ${r.inputs.privateIp}`);
        seen.set(r.inputs.privateIp, r.key);
    }
    const renamedTo = new Map(change.renamed.map((x) => [x.to, x.from]));
    const holderBefore = new Map(inst(before).map((r) => [r.inputs.privateIp as string, r.key]));
    for (const r of inst(after)) {
        const ip = r.inputs.privateIp as string;
        const holder = holderBefore.get(ip);
        if (!holder) continue;
        const same = holder === r.key || renamedTo.get(r.key) === holder;
        const created = change.created.includes(r.key);
        const rep = change.replaced.find((x) => x.key === r.key);
        if (created) problems.push(`${r.key} is created with ${ip} while ${holder} still holds it (removed resources are deleted last)`);
        else if (!same) problems.push(`${r.key} takes ${ip} from ${holder}`);
        else if (rep && !rep.deleteFirst) problems.push(`${r.key} is replaced create-before-delete while its old instance holds ${ip}`);
        // A kept instance whose old self held another key's address is caught from that key's side.
    }
    return problems;
}
