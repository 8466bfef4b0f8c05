// Pulumi mock runtime for the component, shaped like the providers: every resource gets the id,
// ARN, auto-name and computed outputs the AWS provider v7 (and @pulumi/random, tls, command)
// would give it, so a test that follows a reference from one resource to another sees what a
// real deployment hands over (an IAM role's id is its name, an S3 bucket's id its name, an SNS
// topic's id its ARN, EC2 ids carry their prefix, auto-named resources a suffix).
// Records every resource with its resolved inputs and provider-shaped state; answers the
// data-source calls the component makes. A resource type or call without a shape here THROWS:
// a new type cannot slip into the tests (or the AWS conformance replay) unshaped.
// Install BEFORE importing anything that creates resources (see docs/design.md: a resource created
// earlier never resolves).
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";

export interface Captured {
    type: string;
    name: string;
    urn: string;
    /** The physical id the provider would return (vpc-…, the role name, the topic ARN, …). */
    id: string;
    /** false for component resources (no provider, no physical id). */
    custom: boolean;
    inputs: any;
    state: any;
}

/** Recognisable values for generated secrets, so tests can search every output for them. */
export const MOCK_SECRET_PREFIX = "MOCKSECRETvalue";
export const MOCK_PRIVATE_KEY = "-----BEGIN PRIVATE KEY-----\nMOCKPRIVATEKEYMATERIAL\n-----END PRIVATE KEY-----\n";
export const MOCK_ACCOUNT = "123456789012";
export const MOCK_AMI = "ami-0123456789abcdef0";
/** The balancer's Elastic IP under the mocks (documentation range, RFC 5737). */
export const MOCK_EIP = "203.0.113.10";

/** Deterministic hex from a seed: the same program gives the same ids in every run (snapshots stay stable). */
export function mockHex(seed: string, length: number): string {
    let out = "";
    for (let i = 0; out.length < length; i++) out += crypto.createHash("sha256").update(`${seed}#${i}`).digest("hex");
    return out.slice(0, length);
}

/** Pulumi's auto-naming as the AWS provider applies it: `<logical name>-<7 hex>`. */
export function autoName(name: string, urn: string): string {
    return `${name}-${mockHex(`autoname:${urn}`, 7)}`;
}

/** The Terraform provider's id.PrefixedUniqueId suffix (26 characters: timestamp + counter), used by bucketPrefix & co. */
export function prefixedUniqueId(prefix: string, seed: string): string {
    return `${prefix}2026113000000000000000${mockHex(`uid:${seed}`, 4).replace(/[a-f]/g, (c) => String(c.charCodeAt(0) - 97))}`;
}

interface Ctx {
    type: string;
    name: string;
    urn: string;
    inputs: any;
    region: string;
    account: string;
    /** A fresh deterministic id with an EC2-style prefix: `vpc-` + 17 hex. */
    ec2Id(prefix: string): string;
    auto(): string;
    /** Per-run counter (random passwords: each a distinct recognisable value). */
    next(): number;
}
type Shape = (c: Ctx) => { id: string; state: { [k: string]: unknown } };

const ec2Arn = (c: Ctx, kind: string, id: string) => `arn:aws:ec2:${c.region}:${c.account}:${kind}/${id}`;
/** One EC2 resource: id with its prefix, ARN and owner. */
const ec2 = (prefix: string, kind: string, extra: (c: Ctx, id: string) => { [k: string]: unknown } = () => ({})): Shape => (c) => {
    const id = c.ec2Id(prefix);
    return { id, state: { arn: ec2Arn(c, kind, id), ownerId: c.account, tagsAll: c.inputs.tags ?? {}, ...extra(c, id) } };
};
const byInput = (field: string): Shape => (c) => ({ id: c.inputs[field], state: {} });
const uuid = (seed: string) => {
    const h = mockHex(seed, 32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};
/** tls/random/command resources: the provider's id is an opaque hash. */
const opaque = (extra: (c: Ctx) => { [k: string]: unknown } = () => ({})): Shape => (c) => ({ id: mockHex(`opaque:${c.urn}`, 40), state: extra(c) });
const pem = (label: string, body: string) => `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;

/**
 * The shapes, by type token. Sources: the AWS provider's resource docs (registry "Attributes
 * reference" / "Import" sections give the id format) and the Terraform provider v6 it wraps.
 */
export const SHAPES: { [type: string]: Shape } = {
    // --- EC2 / VPC -------------------------------------------------------------------------
    "aws:ec2/vpc:Vpc": ec2("vpc-", "vpc", (c) => ({
        defaultSecurityGroupId: c.ec2Id("sg-"), defaultRouteTableId: c.ec2Id("rtb-"), mainRouteTableId: c.ec2Id("rtb-"),
        defaultNetworkAclId: c.ec2Id("acl-"), dhcpOptionsId: c.ec2Id("dopt-"), instanceTenancy: "default",
    })),
    "aws:ec2/internetGateway:InternetGateway": ec2("igw-", "internet-gateway"),
    "aws:ec2/subnet:Subnet": ec2("subnet-", "subnet", (c) => ({ availabilityZoneId: `${c.region.replace(/-/g, "").slice(0, 4)}-az1` })),
    "aws:ec2/routeTable:RouteTable": ec2("rtb-", "route-table"),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": (c) => ({ id: c.ec2Id("rtbassoc-"), state: {} }),
    "aws:ec2/eip:Eip": (c) => {
        const id = c.ec2Id("eipalloc-");
        // The balancer's EIP has the well-known test address; others get a distinct documentation address.
        const publicIp = c.name.endsWith("-lb-eip") ? MOCK_EIP : `198.51.100.${parseInt(mockHex(c.urn, 2), 16) % 250 + 2}`;
        return { id, state: { allocationId: id, publicIp, publicDns: `ec2-${publicIp.replace(/\./g, "-")}.compute-1.amazonaws.com`, arn: ec2Arn(c, "elastic-ip", id), domain: "vpc", tagsAll: c.inputs.tags ?? {} } };
    },
    "aws:ec2/natGateway:NatGateway": ec2("nat-", "natgateway", (c) => ({
        connectivityType: "public", networkInterfaceId: c.ec2Id("eni-"), privateIp: "10.0.0.5", publicIp: "198.51.100.1",
    })),
    "aws:ec2/securityGroup:SecurityGroup": ec2("sg-", "security-group", (c) => ({ name: c.inputs.name ?? c.auto(), revokeRulesOnDelete: false })),
    // Adopts the VPC's default group (id sg-…, name "default"); no rules given → none kept.
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": ec2("sg-", "security-group", (c) => ({
        name: "default", description: "default VPC security group", ingress: c.inputs.ingress ?? [], egress: c.inputs.egress ?? [],
    })),
    // id = the key name; keyPairId key-…
    "aws:ec2/keyPair:KeyPair": (c) => {
        const keyName = c.inputs.keyName ?? c.auto();
        return { id: keyName, state: { keyName, keyPairId: c.ec2Id("key-"), arn: `arn:aws:ec2:${c.region}:${c.account}:key-pair/${keyName}`, fingerprint: "mock" } };
    },
    "aws:ec2/flowLog:FlowLog": ec2("fl-", "vpc-flow-log", (c) => ({ logFormat: "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}", trafficType: c.inputs.trafficType })),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": ec2("sgr-", "security-group-rule", (_c, id) => ({ securityGroupRuleId: id })),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": ec2("sgr-", "security-group-rule", (_c, id) => ({ securityGroupRuleId: id })),
    "aws:ec2/instance:Instance": ec2("i-", "instance", (c) => ({
        primaryNetworkInterfaceId: c.ec2Id("eni-"), instanceState: "running", availabilityZone: `${c.region}a`,
        privateIp: c.inputs.privateIp ?? "10.0.0.100",
        privateDns: `ip-${String(c.inputs.privateIp ?? "10.0.0.100").replace(/\./g, "-")}.ec2.internal`,
        publicIp: c.inputs.associatePublicIpAddress ? `198.51.100.${parseInt(mockHex(c.urn, 2), 16) % 250 + 2}` : "",
    })),
    "aws:ebs/volume:Volume": ec2("vol-", "volume", (c) => ({ iops: 3000, throughput: 125, kmsKeyId: `arn:aws:kms:${c.region}:${c.account}:key/${uuid(`ebs:${c.account}`)}` })),
    // The provider's id: "vai-" + a hash of device name, instance and volume.
    "aws:ec2/volumeAttachment:VolumeAttachment": (c) => ({ id: `vai-${parseInt(mockHex(c.urn, 8), 16)}`, state: {} }),
    "aws:ec2/eipAssociation:EipAssociation": (c) => ({ id: c.ec2Id("eipassoc-"), state: { publicIp: MOCK_EIP } }),

    // --- IAM -------------------------------------------------------------------------------
    "aws:iam/role:Role": (c) => {
        const name = c.inputs.name ?? c.auto();
        return { id: name, state: { name, arn: `arn:aws:iam::${c.account}:role${c.inputs.path ?? "/"}${name}`, uniqueId: `AROA${mockHex(c.urn, 17).toUpperCase()}`, createDate: "2026-11-30T00:00:00Z", path: c.inputs.path ?? "/", maxSessionDuration: 3600 } };
    },
    // id.PrefixedUniqueId("<role>-")
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": (c) => ({ id: prefixedUniqueId(`${c.inputs.role}-`, c.urn), state: {} }),
    // id "<role>:<policy name>"; the policy name is auto-named.
    "aws:iam/rolePolicy:RolePolicy": (c) => {
        const name = c.inputs.name ?? c.auto();
        return { id: `${c.inputs.role}:${name}`, state: { name } };
    },
    "aws:iam/instanceProfile:InstanceProfile": (c) => {
        const name = c.inputs.name ?? c.auto();
        return { id: name, state: { name, arn: `arn:aws:iam::${c.account}:instance-profile${c.inputs.path ?? "/"}${name}`, uniqueId: `AIPA${mockHex(c.urn, 17).toUpperCase()}`, path: c.inputs.path ?? "/" } };
    },
    "aws:iam/policy:Policy": (c) => {
        const name = c.inputs.name ?? c.auto();
        const arn = `arn:aws:iam::${c.account}:policy${c.inputs.path ?? "/"}${name}`;
        return { id: arn, state: { name, arn, policyId: `ANPA${mockHex(c.urn, 17).toUpperCase()}`, attachmentCount: 0 } };
    },

    // --- KMS -------------------------------------------------------------------------------
    "aws:kms/key:Key": (c) => {
        const keyId = uuid(c.urn);
        return { id: keyId, state: { keyId, arn: `arn:aws:kms:${c.region}:${c.account}:key/${keyId}` } };
    },
    "aws:kms/alias:Alias": (c) => {
        const name = c.inputs.name ?? `alias/${c.auto()}`;
        return { id: name, state: { name, arn: `arn:aws:kms:${c.region}:${c.account}:${name}`, targetKeyArn: `arn:aws:kms:${c.region}:${c.account}:key/${c.inputs.targetKeyId}` } };
    },

    // --- SSM -------------------------------------------------------------------------------
    // SSM documents are named by their name; an association's id is its generated AssociationId (a UUID).
    "aws:ssm/document:Document": (c) => {
        const name: string = c.inputs.name ?? c.auto();
        return { id: name, state: { name, arn: `arn:aws:ssm:${c.region}:${c.account}:document/${name}`, defaultVersion: "1", documentVersion: "1", latestVersion: "1", owner: c.account, status: "Active", schemaVersion: "2.2", hashType: "Sha256" } };
    },
    "aws:ssm/association:Association": (c) => {
        const h = mockHex(`association:${c.urn}`, 32);
        const associationId = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
        return { id: associationId, state: { associationId, arn: `arn:aws:ssm:${c.region}:${c.account}:association/${associationId}`, documentVersion: "$DEFAULT" } };
    },
    "aws:ssm/parameter:Parameter": (c) => {
        const name: string = c.inputs.name ?? c.auto();
        return { id: name, state: { name, arn: `arn:aws:ssm:${c.region}:${c.account}:parameter${name.startsWith("/") ? "" : "/"}${name}`, version: 1 } };
    },

    // --- S3 --------------------------------------------------------------------------------
    "aws:s3/bucket:Bucket": (c) => {
        const bucket: string = c.inputs.bucket ?? (c.inputs.bucketPrefix !== undefined ? prefixedUniqueId(c.inputs.bucketPrefix, c.urn) : c.auto());
        return {
            id: bucket, state: {
                bucket, arn: `arn:aws:s3:::${bucket}`, bucketDomainName: `${bucket}.s3.amazonaws.com`,
                bucketRegionalDomainName: `${bucket}.s3.${c.region}.amazonaws.com`, region: c.region, hostedZoneId: "Z3AQBSTGFYJSTF",
            },
        };
    },
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": byInput("bucket"),
    "aws:s3/bucketVersioning:BucketVersioning": byInput("bucket"),
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": byInput("bucket"),
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": byInput("bucket"),
    "aws:s3/bucketPolicy:BucketPolicy": byInput("bucket"),
    "aws:s3/bucketLogging:BucketLogging": byInput("bucket"),

    // --- DLM -------------------------------------------------------------------------------
    "aws:dlm/lifecyclePolicy:LifecyclePolicy": (c) => {
        const id = c.ec2Id("policy-");
        return { id, state: { arn: `arn:aws:dlm:${c.region}:${c.account}:policy/${id}` } };
    },

    // --- Route53 / ACM ---------------------------------------------------------------------
    // A hosted zone: id = zoneId = "Z" + 20 upper-case alphanumerics.
    "aws:route53/zone:Zone": (c) => {
        const zoneId = `Z${mockHex(`zone:${c.urn}`, 20).toUpperCase()}`;
        return { id: zoneId, state: { zoneId, arn: `arn:aws:route53:::hostedzone/${zoneId}`, nameServers: ["ns-1.awsdns-01.org"] } };
    },
    // id "<zone>_<name>_<type>"; fqdn is the name without the trailing dot.
    "aws:route53/record:Record": (c) => ({
        id: `${c.inputs.zoneId}_${c.inputs.name}_${c.inputs.type}`, state: { fqdn: String(c.inputs.name).replace(/\.$/, "") },
    }),
    "aws:acm/certificate:Certificate": (c) => {
        const arn = `arn:aws:acm:${c.region}:${c.account}:certificate/${uuid(c.urn)}`;
        const names: string[] = [c.inputs.domainName, ...(c.inputs.subjectAlternativeNames ?? [])];
        return {
            id: arn, state: {
                arn, status: "PENDING_VALIDATION",
                domainValidationOptions: names.map((d) => ({
                    domainName: d, resourceRecordName: `_${mockHex(`acm-name:${c.urn}:${d}`, 32)}.${d}.`, resourceRecordType: "CNAME",
                    resourceRecordValue: `_${mockHex(`acm-value:${c.urn}:${d}`, 32)}.${mockHex(`acm-zone:${d}`, 10)}.acm-validations.aws.`,
                })),
            },
        };
    },
    // id: the certificate's issue time; certificateArn is the input.
    "aws:acm/certificateValidation:CertificateValidation": (c) => ({ id: "2026-11-30 00:00:00 +0000 UTC", state: { certificateArn: c.inputs.certificateArn } }),

    // --- CloudWatch / Logs / SNS ----------------------------------------------------------
    "aws:cloudwatch/logGroup:LogGroup": (c) => {
        const name = c.inputs.name ?? c.auto();
        return { id: name, state: { name, arn: `arn:aws:logs:${c.region}:${c.account}:log-group:${name}` } };
    },
    "aws:cloudwatch/metricAlarm:MetricAlarm": (c) => {
        const name = c.inputs.name ?? c.auto();
        return { id: name, state: { name, arn: `arn:aws:cloudwatch:${c.region}:${c.account}:alarm:${name}` } };
    },
    "aws:cloudwatch/dashboard:Dashboard": (c) => {
        const dashboardName = c.inputs.dashboardName ?? c.auto();
        return { id: dashboardName, state: { dashboardName, dashboardArn: `arn:aws:cloudwatch::${c.account}:dashboard/${dashboardName}` } };
    },
    "aws:sns/topic:Topic": (c) => {
        const name = c.inputs.name ?? c.auto();
        const arn = `arn:aws:sns:${c.region}:${c.account}:${name}`;
        return { id: arn, state: { name, arn, owner: c.account } };
    },
    "aws:sns/topicSubscription:TopicSubscription": (c) => {
        const arn = `${c.inputs.topic}:${uuid(c.urn)}`;
        return { id: arn, state: { arn, pendingConfirmation: c.inputs.protocol === "email", ownerId: c.account } };
    },

    // --- Not AWS: generated locally by their providers -----------------------------------
    "random:index/randomPassword:RandomPassword": (c) => ({ id: "none", state: { result: `${MOCK_SECRET_PREFIX}${c.next()}`, bcryptHash: "$2a$10$mock" } }),
    "tls:index/privateKey:PrivateKey": opaque(() => ({ privateKeyPem: MOCK_PRIVATE_KEY, publicKeyPem: pem("PUBLIC KEY", "MOCK"), publicKeyOpenssh: "ecdsa-sha2-nistp256 MOCK" })),
    "tls:index/selfSignedCert:SelfSignedCert": opaque((c) => ({ certPem: pem("CERTIFICATE", `MOCKCERT${c.name}`), validityStartTime: "2026-11-30T00:00:00Z" })),
    "tls:index/locallySignedCert:LocallySignedCert": opaque((c) => ({ certPem: pem("CERTIFICATE", `MOCKCERT${c.name}`), validityStartTime: "2026-11-30T00:00:00Z" })),
    "tls:index/certRequest:CertRequest": opaque(() => ({ certRequestPem: pem("CERTIFICATE REQUEST", "MOCK") })),
    "command:local:Command": opaque(() => ({ stdout: "", stderr: "" })),
};

/** Data-source calls (invokes) the program makes, shaped like the provider's answers. */
const CALLS: { [token: string]: (inputs: any, region: string, account: string) => any } = {
    "aws:index/getRegion:getRegion": (_i, region) => ({ name: region, region, id: region, endpoint: `ec2.${region}.amazonaws.com`, description: region }),
    "aws:index/getCallerIdentity:getCallerIdentity": (_i, _r, account) => ({ accountId: account, arn: `arn:aws:iam::${account}:user/t`, userId: "AIDAMOCKUSER", id: account }),
    "aws:ec2/getAmi:getAmi": () => ({ id: MOCK_AMI, imageId: MOCK_AMI, architecture: "x86_64" }),
    "aws:index/getAvailabilityZones:getAvailabilityZones": (_i, region) => ({ names: [`${region}a`, `${region}b`], zoneIds: ["use1-az1", "use1-az2"], id: region }),
    "aws:ec2/getSubnet:getSubnet": (i, region) => ({ id: i.id, availabilityZone: `${region}a`, vpcId: "vpc-0123456789abcdef0" }),
};

/** Types a test may expect under the mocks (the conformance suite checks each is replayed or named). */
export const SHAPED_TYPES = Object.keys(SHAPES);

/** Everything the mocks refused (unshaped types and calls) since installMocks; settle() throws when not empty. */
export const mockErrors: string[] = [];

export function installMocks(project = "secured-web-stack", stack = "dev", config: { [k: string]: string } = {}): Captured[] {
    const resources: Captured[] = [];
    let n = 0;
    mockErrors.length = 0;
    const region = config["aws:region"] ?? "us-east-1";
    const account = MOCK_ACCOUNT;
    pulumi.runtime.setAllConfig(config);
    pulumi.runtime.setMocks({
        newResource(args: pulumi.runtime.MockResourceArgs) {
            const urn = `urn:pulumi:${stack}::${project}::${args.type}::${args.name}`;
            if (args.custom === false) {
                // Component resources have no provider and no physical id.
                resources.push({ type: args.type, name: args.name, urn, id: "", custom: false, inputs: args.inputs, state: { ...args.inputs } });
                return { id: undefined as unknown as string, state: { ...args.inputs } };
            }
            const shape = SHAPES[args.type];
            if (!shape) {
                // Pulumi turns a throw here into an output that never resolves: also record it,
                // so settle() fails the test with this message instead of a timeout.
                const message = `pulumiMocks: no provider shape for resource type ${args.type} (${args.name}); add it to SHAPES in tests/helpers/pulumiMocks.ts ` +
                    `and to the AWS conformance replay (tests/aws/replay.ts)`;
                mockErrors.push(message);
                throw new Error(message);
            }
            let k = 0;
            const ctx: Ctx = {
                type: args.type, name: args.name, urn, inputs: args.inputs, region, account,
                ec2Id: (prefix) => `${prefix}${mockHex(`${urn}#${k++}`, 17)}`,
                auto: () => autoName(args.name, urn),
                next: () => ++n,
            };
            const shaped = shape(ctx);
            const state = { ...args.inputs, ...shaped.state, id: shaped.id };
            resources.push({ type: args.type, name: args.name, urn, id: shaped.id, custom: true, inputs: args.inputs, state });
            return { id: shaped.id, state };
        },
        call(args: pulumi.runtime.MockCallArgs) {
            const answer = CALLS[args.token];
            if (!answer) {
                const message = `pulumiMocks: no provider shape for the call ${args.token}; add it to CALLS in tests/helpers/pulumiMocks.ts`;
                mockErrors.push(message);
                throw new Error(message);
            }
            return answer(args.inputs, region, account);
        },
    }, project, stack, false);
    return resources;
}

export function valueOf<T>(o: pulumi.Output<T> | pulumi.Input<T>): Promise<T> {
    return new Promise((resolve) => pulumi.output(o).apply((v) => { resolve(v as T); return v; }));
}

/** Waits until no new resource has been registered for a while (applies resolve asynchronously); throws what the mocks refused. */
export async function settle(resources: Captured[], quietMs = 100): Promise<void> {
    let last = -1;
    while (last !== resources.length) {
        last = resources.length;
        await new Promise((r) => setTimeout(r, quietMs));
    }
    if (mockErrors.length) throw new Error(mockErrors.join("\n"));
}

export function ofType(resources: Captured[], type: string): Captured[] {
    return resources.filter((r) => r.type === type);
}
