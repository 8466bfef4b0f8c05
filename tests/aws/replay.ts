// Replays what a Pulumi program registered (captured under tests/helpers/pulumiMocks.ts) into an
// AWS emulator (moto) through the AWS SDK for JavaScript v3, the way the AWS provider would call
// the APIs: in dependency order, each reference (a mock id, ARN or name) mapped onto the id the
// emulator returned for the resource it names. Every rejected call is reported with the resource,
// the API call and the emulator's error; nothing stops at the first one.
//
// Reusable: give it the captured resources and an endpoint (the suite's own moto_server, or the
// lab's moto). Types no AWS API creates (tls, random, command) and types moto does not emulate
// (DLM) are listed in `notEmulated` with how else they are checked.
import { AsyncLocalStorage } from "async_hooks";
import type { Captured } from "../helpers/pulumiMocks";
import { MOCK_AMI } from "../helpers/pulumiMocks";

/* eslint-disable @typescript-eslint/no-var-requires */
const SDK: { [service: string]: any } = {
    ec2: require("@aws-sdk/client-ec2"),
    iam: require("@aws-sdk/client-iam"),
    ssm: require("@aws-sdk/client-ssm"),
    s3: require("@aws-sdk/client-s3"),
    cloudwatch: require("@aws-sdk/client-cloudwatch"),
    logs: require("@aws-sdk/client-cloudwatch-logs"),
    sns: require("@aws-sdk/client-sns"),
    route53: require("@aws-sdk/client-route-53"),
    acm: require("@aws-sdk/client-acm"),
    kms: require("@aws-sdk/client-kms"),
    sts: require("@aws-sdk/client-sts"),
};
const CLIENT_CLASS: { [service: string]: string } = {
    ec2: "EC2Client", iam: "IAMClient", ssm: "SSMClient", s3: "S3Client", cloudwatch: "CloudWatchClient", logs: "CloudWatchLogsClient",
    sns: "SNSClient", route53: "Route53Client", acm: "ACMClient", kms: "KMSClient", sts: "STSClient",
};

export interface Rejection {
    resource: string;
    type: string;
    /** "ec2:CreateSecurityGroup" */
    call: string;
    error: string;
}

export interface ReplayReport {
    /** SDK calls made (accepted + rejected). */
    calls: number;
    rejected: Rejection[];
    /** Logical names replayed, in the order replayed. */
    replayed: string[];
    /** Resources no AWS API call creates, or the emulator lacks: named with how else they are checked. */
    notEmulated: { resource: string; type: string; how: string }[];
    /** Mock value → emulator value, for every reference mapped. */
    mapped: Map<string, string>;
}

export interface ReplayOptions {
    /** http://127.0.0.1:<port> */
    endpoint: string;
    region?: string;
    /** References to things that exist before the program runs (an existing VPC, a hosted zone): mock value → emulator value. */
    seed?: { [mock: string]: string };
    /** Merged into every SDK client's configuration (e.g. a requestHandler trusting the lab's CA, other credentials). */
    clientConfig?: { [key: string]: unknown };
}

/** Why a type gets no API call, and what checks it instead. */
export const NOT_EMULATED: { [typePrefix: string]: string } = {
    "aws:dlm/lifecyclePolicy:LifecyclePolicy": "moto has no Data Lifecycle Manager: its description, schedule names and tags are checked against the constraints table (components/model/awsConstraints.ts), its execution role is replayed in IAM, the policy pack's database-volume-backed-up judges its schedules",
    "tls:": "made on the deployer's machine by @pulumi/tls (no AWS call): tests/tls.test.ts checks the chain, the lab boots HAProxy/Nginx/MySQL with these certificates",
    "random:": "made on the deployer's machine by @pulumi/random (no AWS call): its result only reaches AWS as an SSM SecureString value, which is replayed",
    "command:": "runs on the deployer's machine (deploy gate, curl): tests/deployGate.test.ts runs the script against a local HTTPS server",
    "aws:ssm/association:Association": "moto 5.2.1 has no State Manager associations: its name and document name are checked against the constraints table, the document it runs is replayed (CreateDocument), the change matrix (tests/changeMatrix.test.ts) shows an app release changes only it and the release parameter and a scale change only the peers-update one and peer-list parameters, and the lab runs both rollouts' command (drill app-update, drill peers)",
    "aws:s3/bucketLogging:BucketLogging": "moto 5.2.1's PutBucketLogging fails on a valid target policy (HTTP 500 on a statement with Principal \"*\"; it also wants the exact prefix as Resource): the replay checks instead that both buckets exist and that the target bucket's policy lets logging.s3.amazonaws.com PutObject under the prefix for this source bucket, with IAM's wildcard matching",
};

/** Types with a handler that checks in the emulator instead of making the provider's call (reported as not replayed). */
const CHECKED_INSTEAD = new Set(["aws:s3/bucketLogging:BucketLogging"]);

const tagList = (tags: { [k: string]: string } | undefined) => Object.entries(tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
const tagSpec = (resourceType: string, tags: { [k: string]: string } | undefined) =>
    tags && Object.keys(tags).length ? [{ ResourceType: resourceType, Tags: tagList(tags) }] : undefined;
const drop = <T extends object>(o: T): T => JSON.parse(JSON.stringify(o));

/** Pulumi's wire marker of a secret value ({ <sig>: <secret sig>, value }). */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** The plain value, secrets unwrapped (the provider sends the value itself to AWS). */
export function unwrapSecrets(v: any): any {
    if (Array.isArray(v)) return v.map(unwrapSecrets);
    if (v && typeof v === "object") {
        if (SECRET_SIG in v) return unwrapSecrets(v.value);
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x)]));
    }
    return v;
}

/** Every string in a value, with `f` applied (objects and arrays walked). */
function mapStrings(v: any, f: (s: string) => string): any {
    if (typeof v === "string") return f(v);
    if (Array.isArray(v)) return v.map((x) => mapStrings(x, f));
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mapStrings(x, f)]));
    return v;
}

/**
 * The order to replay in: the order the program registered the resources. Pulumi registers a
 * resource only once every input it reads has resolved and every resource it dependsOn has been
 * registered, so that order already puts each resource after everything it needs — references
 * and explicit dependsOn alike (which no text search over the inputs could find).
 */
export function dependencyOrder(resources: Captured[]): Captured[] {
    return resources.filter((r) => r.custom);
}

export async function replay(resources: Captured[], options: ReplayOptions): Promise<ReplayReport> {
    const region = options.region ?? "us-east-1";
    const clients: { [service: string]: any } = {};
    const client = (service: string) => clients[service] ??= new SDK[service][CLIENT_CLASS[service]]({
        endpoint: options.endpoint, region, credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
        ...(service === "s3" ? { forcePathStyle: true } : {}), maxAttempts: 1, ...options.clientConfig,
    });
    const report: ReplayReport = { calls: 0, rejected: [], replayed: [], notEmulated: [], mapped: new Map(Object.entries(options.seed ?? {})) };
    // The resource being replayed (rejections name it).
    const als = new AsyncLocalStorage<Captured>();
    const current = () => als.getStore()!;
    /** One SDK call; a rejection is recorded and rethrown as Rejected so the resource's handler stops. */
    const call = async (service: string, op: string, input: object): Promise<any> => {
        report.calls++;
        try {
            return await client(service).send(new SDK[service][`${op}Command`](drop(input)));
        } catch (e) {
            const err = e as Error & { Code?: string };
            report.rejected.push({ resource: current().name, type: current().type, call: `${service}:${op}`, error: `${err.name ?? err.Code}: ${err.message}` });
            throw new Rejected();
        }
    };
    /** A check with no API call of its own (e.g. that a validation record exists). */
    const reject = (what: string, error: string) => {
        report.rejected.push({ resource: current().name, type: current().type, call: what, error });
        throw new Rejected();
    };
    const map = (mock: unknown, real: unknown) => {
        if (typeof mock === "string" && typeof real === "string" && mock && mock !== real) report.mapped.set(mock, real);
    };
    const keys = () => [...report.mapped.keys()].sort((a, b) => b.length - a.length);
    const resolve = (v: any) => {
        const ks = keys();
        return mapStrings(v, (s) => { for (const k of ks) if (s.includes(k)) s = s.split(k).join(report.mapped.get(k)!); return s; });
    };
    // Mock ids of the EC2 kind (vpc-…, sg-…) that must never reach the emulator unmapped.
    const mockIds = new Set(resources.filter((r) => r.custom && /^[a-z]+-[0-9a-f]{17}$/.test(r.id)).map((r) => r.id));

    // The image the mocks' getAmi returns → an x86_64 image moto knows (with its root device name).
    let ami: Promise<{ id: string; root: string }> | undefined;
    const image = () => ami ??= (async () => {
        const images = (await call("ec2", "DescribeImages", { Filters: [{ Name: "architecture", Values: ["x86_64"] }] })).Images ?? [];
        const img = images.find((i: any) => i.RootDeviceType === "ebs") ?? images[0];
        map(MOCK_AMI, img.ImageId);
        return { id: img.ImageId as string, root: (img.RootDeviceName ?? "/dev/sda1") as string };
    })();

    type Handler = (i: any, r: Captured) => Promise<void>;
    const H: { [type: string]: Handler } = {
        "aws:ec2/vpc:Vpc": async (i, r) => {
            const vpc = (await call("ec2", "CreateVpc", { CidrBlock: i.cidrBlock, InstanceTenancy: i.instanceTenancy, TagSpecifications: tagSpec("vpc", i.tags) })).Vpc;
            map(r.id, vpc.VpcId);
            if (i.enableDnsSupport !== undefined) await call("ec2", "ModifyVpcAttribute", { VpcId: vpc.VpcId, EnableDnsSupport: { Value: i.enableDnsSupport } });
            if (i.enableDnsHostnames !== undefined) await call("ec2", "ModifyVpcAttribute", { VpcId: vpc.VpcId, EnableDnsHostnames: { Value: i.enableDnsHostnames } });
        },
        "aws:ec2/internetGateway:InternetGateway": async (i, r) => {
            const igw = (await call("ec2", "CreateInternetGateway", { TagSpecifications: tagSpec("internet-gateway", i.tags) })).InternetGateway;
            map(r.id, igw.InternetGatewayId);
            if (i.vpcId) await call("ec2", "AttachInternetGateway", { InternetGatewayId: igw.InternetGatewayId, VpcId: i.vpcId });
        },
        "aws:ec2/subnet:Subnet": async (i, r) => {
            const s = (await call("ec2", "CreateSubnet", { VpcId: i.vpcId, CidrBlock: i.cidrBlock, AvailabilityZone: i.availabilityZone, TagSpecifications: tagSpec("subnet", i.tags) })).Subnet;
            map(r.id, s.SubnetId);
            if (i.mapPublicIpOnLaunch) await call("ec2", "ModifySubnetAttribute", { SubnetId: s.SubnetId, MapPublicIpOnLaunch: { Value: true } });
        },
        "aws:ec2/routeTable:RouteTable": async (i, r) => {
            const rt = (await call("ec2", "CreateRouteTable", { VpcId: i.vpcId, TagSpecifications: tagSpec("route-table", i.tags) })).RouteTable;
            map(r.id, rt.RouteTableId);
            for (const route of i.routes ?? []) {
                await call("ec2", "CreateRoute", {
                    RouteTableId: rt.RouteTableId, DestinationCidrBlock: route.cidrBlock, GatewayId: route.gatewayId, NatGatewayId: route.natGatewayId,
                });
            }
        },
        "aws:ec2/routeTableAssociation:RouteTableAssociation": async (i, r) => {
            map(r.id, (await call("ec2", "AssociateRouteTable", { SubnetId: i.subnetId, RouteTableId: i.routeTableId })).AssociationId);
        },
        "aws:ec2/eip:Eip": async (i, r) => {
            const a = await call("ec2", "AllocateAddress", { Domain: i.domain, TagSpecifications: tagSpec("elastic-ip", i.tags) });
            map(r.id, a.AllocationId);
            map(r.state.publicIp, a.PublicIp);
        },
        "aws:ec2/natGateway:NatGateway": async (i, r) => {
            const n = (await call("ec2", "CreateNatGateway", { AllocationId: i.allocationId, SubnetId: i.subnetId, ConnectivityType: i.connectivityType, TagSpecifications: tagSpec("natgateway", i.tags) })).NatGateway;
            map(r.id, n.NatGatewayId);
        },
        "aws:ec2/securityGroup:SecurityGroup": async (i, r) => {
            const g = await call("ec2", "CreateSecurityGroup", { GroupName: r.state.name, Description: i.description ?? "Managed by Pulumi", VpcId: i.vpcId, TagSpecifications: tagSpec("security-group", i.tags) });
            map(r.id, g.GroupId);
            // The provider removes the default allow-all egress rule of a new group (egress is then only what the program declares).
            await call("ec2", "RevokeSecurityGroupEgress", { GroupId: g.GroupId, IpPermissions: [{ IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] }] });
        },
        // Adopts the VPC's default group and, as the provider does, removes every rule the program does not declare.
        "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": async (i, r) => {
            const g = (await call("ec2", "DescribeSecurityGroups", { Filters: [{ Name: "vpc-id", Values: [i.vpcId] }, { Name: "group-name", Values: ["default"] }] })).SecurityGroups?.[0];
            if (!g) reject("ec2:DescribeSecurityGroups", `no default security group in ${i.vpcId}`);
            map(r.id, g.GroupId);
            const strip = (ps: any[]) => ps.map((p: any) => ({ IpProtocol: p.IpProtocol, FromPort: p.FromPort, ToPort: p.ToPort, IpRanges: p.IpRanges, Ipv6Ranges: p.Ipv6Ranges, UserIdGroupPairs: p.UserIdGroupPairs?.map((u: any) => ({ GroupId: u.GroupId })) }));
            if ((i.ingress ?? []).length || (i.egress ?? []).length) reject("(replay)", "rules on the default security group are not replayed: declare them as rule resources");
            if (g.IpPermissions?.length) await call("ec2", "RevokeSecurityGroupIngress", { GroupId: g.GroupId, IpPermissions: strip(g.IpPermissions) });
            if (g.IpPermissionsEgress?.length) await call("ec2", "RevokeSecurityGroupEgress", { GroupId: g.GroupId, IpPermissions: strip(g.IpPermissionsEgress) });
            if (i.tags && Object.keys(i.tags).length) await call("ec2", "CreateTags", { Resources: [g.GroupId], Tags: tagList(i.tags) });
        },
        "aws:ec2/flowLog:FlowLog": async (i, r) => {
            // moto 5.2.1 reads an S3 destination's key prefix as part of the bucket name ("bucket/prefix/ does
            // not exist"); AWS takes arn:aws:s3:::bucket/prefix/. The call goes with the bucket's ARN, the
            // prefix is checked here against AWS's rules for it.
            if (i.logDestinationType === "s3" && typeof i.logDestination === "string") {
                const [, bucket, prefix] = /^(arn:aws:s3:::[^/]+)\/?(.*)$/.exec(i.logDestination) ?? [];
                if (!bucket) reject("ec2:CreateFlowLogs (LogDestination)", `${i.logDestination} is not an S3 bucket ARN`);
                if (prefix && (prefix.startsWith("/") || /(^|\/)AWSLogs(\/|$)/.test(prefix))) reject("ec2:CreateFlowLogs (LogDestination)", `prefix ${prefix}: no leading "/", and no folder named AWSLogs`);
                i = { ...i, logDestination: bucket };
            }
            const out = await call("ec2", "CreateFlowLogs", {
                ResourceIds: [i.vpcId ?? i.subnetId ?? i.eniId], ResourceType: i.vpcId ? "VPC" : i.subnetId ? "Subnet" : "NetworkInterface",
                TrafficType: i.trafficType, LogDestinationType: i.logDestinationType, LogDestination: i.logDestination,
                LogGroupName: i.logGroupName, DeliverLogsPermissionArn: i.iamRoleArn, LogFormat: i.logFormat,
                MaxAggregationInterval: i.maxAggregationInterval, TagSpecifications: tagSpec("vpc-flow-log", i.tags),
            });
            if (out.Unsuccessful?.length) reject("ec2:CreateFlowLogs (Unsuccessful)", JSON.stringify(out.Unsuccessful));
            map(r.id, out.FlowLogIds?.[0]);
        },
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": (i, r) => rule("Ingress", i, r),
        "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": (i, r) => rule("Egress", i, r),
        "aws:ec2/instance:Instance": async (i, r) => {
            const img = await image();
            const imageId = i.ami === MOCK_AMI ? img.id : i.ami;
            const placement = i.associatePublicIpAddress !== undefined
                // As the provider does: a public address choice needs an explicit primary interface.
                ? { NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: i.subnetId, Groups: i.vpcSecurityGroupIds, PrivateIpAddress: i.privateIp, AssociatePublicIpAddress: i.associatePublicIpAddress, DeleteOnTermination: true }] }
                : { SubnetId: i.subnetId, SecurityGroupIds: i.vpcSecurityGroupIds, PrivateIpAddress: i.privateIp };
            const rb = i.rootBlockDevice;
            const run = await call("ec2", "RunInstances", {
                ImageId: imageId, InstanceType: i.instanceType, MinCount: 1, MaxCount: 1, ...placement,
                UserData: i.userDataBase64 ?? (i.userData !== undefined ? Buffer.from(i.userData).toString("base64") : undefined),
                IamInstanceProfile: i.iamInstanceProfile ? { Name: i.iamInstanceProfile } : undefined,
                KeyName: i.keyName, Monitoring: i.monitoring !== undefined ? { Enabled: i.monitoring } : undefined,
                DisableApiTermination: i.disableApiTermination,
                MetadataOptions: i.metadataOptions && {
                    HttpEndpoint: i.metadataOptions.httpEndpoint, HttpTokens: i.metadataOptions.httpTokens,
                    HttpPutResponseHopLimit: i.metadataOptions.httpPutResponseHopLimit, InstanceMetadataTags: i.metadataOptions.instanceMetadataTags,
                },
                CreditSpecification: i.creditSpecification ? { CpuCredits: i.creditSpecification.cpuCredits } : undefined,
                BlockDeviceMappings: rb ? [{ DeviceName: img.root, Ebs: { VolumeType: rb.volumeType, VolumeSize: rb.volumeSize, Encrypted: rb.encrypted, DeleteOnTermination: rb.deleteOnTermination, KmsKeyId: rb.kmsKeyId } }] : undefined,
                TagSpecifications: [...(tagSpec("instance", i.tags) ?? []), ...(tagSpec("volume", i.volumeTags) ?? [])],
            });
            const inst = run.Instances[0];
            map(r.id, inst.InstanceId);
            if (i.privateIp && inst.PrivateIpAddress !== i.privateIp) reject("ec2:RunInstances (private address)", `asked for ${i.privateIp}, got ${inst.PrivateIpAddress}`);
        },
        "aws:ebs/volume:Volume": async (i, r) => {
            const v = await call("ec2", "CreateVolume", {
                AvailabilityZone: i.availabilityZone, Size: i.size, VolumeType: i.type, Encrypted: i.encrypted, KmsKeyId: i.kmsKeyId,
                Iops: i.iops, Throughput: i.throughput, TagSpecifications: tagSpec("volume", i.tags),
            });
            map(r.id, v.VolumeId);
        },
        "aws:ec2/volumeAttachment:VolumeAttachment": async (i) => {
            await call("ec2", "AttachVolume", { Device: i.deviceName, InstanceId: i.instanceId, VolumeId: i.volumeId });
        },
        "aws:ec2/eipAssociation:EipAssociation": async (i, r) => {
            map(r.id, (await call("ec2", "AssociateAddress", { AllocationId: i.allocationId, InstanceId: i.instanceId, PrivateIpAddress: i.privateIpAddress })).AssociationId);
        },

        "aws:iam/role:Role": async (i, r) => {
            const role = (await call("iam", "CreateRole", {
                RoleName: r.state.name, Path: i.path, AssumeRolePolicyDocument: i.assumeRolePolicy, Description: i.description,
                MaxSessionDuration: i.maxSessionDuration, PermissionsBoundary: i.permissionsBoundary, Tags: tagList(i.tags),
            })).Role;
            map(r.state.arn, role.Arn);
            for (const arn of i.managedPolicyArns ?? []) await call("iam", "AttachRolePolicy", { RoleName: role.RoleName, PolicyArn: arn });
            for (const p of i.inlinePolicies ?? []) if (p.policy) await call("iam", "PutRolePolicy", { RoleName: role.RoleName, PolicyName: p.name, PolicyDocument: p.policy });
        },
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment": async (i) => {
            await call("iam", "AttachRolePolicy", { RoleName: i.role, PolicyArn: i.policyArn });
        },
        "aws:iam/rolePolicy:RolePolicy": async (i, r) => {
            await call("iam", "PutRolePolicy", { RoleName: i.role, PolicyName: r.state.name, PolicyDocument: i.policy });
        },
        "aws:iam/instanceProfile:InstanceProfile": async (i, r) => {
            const p = (await call("iam", "CreateInstanceProfile", { InstanceProfileName: r.state.name, Path: i.path, Tags: tagList(i.tags) })).InstanceProfile;
            map(r.state.arn, p.Arn);
            if (i.role) await call("iam", "AddRoleToInstanceProfile", { InstanceProfileName: r.state.name, RoleName: i.role });
        },
        "aws:iam/policy:Policy": async (i, r) => {
            const p = (await call("iam", "CreatePolicy", { PolicyName: r.state.name, Path: i.path, PolicyDocument: i.policy, Description: i.description, Tags: tagList(i.tags) })).Policy;
            map(r.id, p.Arn);
        },

        "aws:kms/key:Key": async (i, r) => {
            const k = (await call("kms", "CreateKey", {
                Description: i.description, KeyUsage: i.keyUsage, KeySpec: i.customerMasterKeySpec, Policy: i.policy,
                BypassPolicyLockoutSafetyCheck: i.bypassPolicyLockoutSafetyCheck, MultiRegion: i.multiRegion,
                Tags: Object.entries(i.tags ?? {}).map(([TagKey, TagValue]) => ({ TagKey, TagValue })),
            })).KeyMetadata;
            map(r.id, k.KeyId);
            map(r.state.arn, k.Arn);
            if (i.enableKeyRotation) await call("kms", "EnableKeyRotation", { KeyId: k.KeyId, RotationPeriodInDays: i.rotationPeriodInDays });
        },
        "aws:kms/alias:Alias": async (i, r) => {
            await call("kms", "CreateAlias", { AliasName: r.state.name, TargetKeyId: i.targetKeyId });
        },

        "aws:ssm/parameter:Parameter": async (i, r) => {
            await call("ssm", "PutParameter", {
                Name: r.state.name, Value: i.value ?? i.insecureValue, Type: i.type, Tier: i.tier, Description: i.description,
                KeyId: i.keyId, DataType: i.dataType, AllowedPattern: i.allowedPattern, Tags: tagList(i.tags).length ? tagList(i.tags) : undefined,
            });
        },

        "aws:ssm/document:Document": async (i, r) => {
            await call("ssm", "CreateDocument", {
                Name: r.state.name, Content: i.content, DocumentType: i.documentType, DocumentFormat: i.documentFormat,
                Tags: tagList(i.tags).length ? tagList(i.tags) : undefined,
            });
        },

        "aws:s3/bucket:Bucket": async (i, r) => {
            await call("s3", "CreateBucket", { Bucket: r.id, CreateBucketConfiguration: region === "us-east-1" ? undefined : { LocationConstraint: region } });
            if (i.tags && Object.keys(i.tags).length) await call("s3", "PutBucketTagging", { Bucket: r.id, Tagging: { TagSet: tagList(i.tags) } });
        },
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": async (i) => {
            await call("s3", "PutPublicAccessBlock", { Bucket: i.bucket, PublicAccessBlockConfiguration: {
                BlockPublicAcls: i.blockPublicAcls, BlockPublicPolicy: i.blockPublicPolicy, IgnorePublicAcls: i.ignorePublicAcls, RestrictPublicBuckets: i.restrictPublicBuckets,
            } });
        },
        "aws:s3/bucketVersioning:BucketVersioning": async (i) => {
            await call("s3", "PutBucketVersioning", { Bucket: i.bucket, VersioningConfiguration: { Status: i.versioningConfiguration.status, MFADelete: i.versioningConfiguration.mfaDelete } });
        },
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": async (i) => {
            await call("s3", "PutBucketEncryption", { Bucket: i.bucket, ServerSideEncryptionConfiguration: { Rules: i.rules.map((x: any) => ({
                ApplyServerSideEncryptionByDefault: x.applyServerSideEncryptionByDefault && {
                    SSEAlgorithm: x.applyServerSideEncryptionByDefault.sseAlgorithm, KMSMasterKeyID: x.applyServerSideEncryptionByDefault.kmsMasterKeyId,
                },
                BucketKeyEnabled: x.bucketKeyEnabled,
            })) } });
        },
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": async (i) => {
            await call("s3", "PutBucketLifecycleConfiguration", { Bucket: i.bucket, LifecycleConfiguration: { Rules: i.rules.map((x: any) => ({
                ID: x.id, Status: x.status,
                // The provider sends an empty filter as an empty prefix (the rule applies to every object).
                Filter: x.filter ? { Prefix: x.filter.prefix ?? "" } : undefined,
                Expiration: x.expiration && { Days: x.expiration.days, Date: x.expiration.date, ExpiredObjectDeleteMarker: x.expiration.expiredObjectDeleteMarker },
                NoncurrentVersionExpiration: x.noncurrentVersionExpiration && { NoncurrentDays: x.noncurrentVersionExpiration.noncurrentDays, NewerNoncurrentVersions: x.noncurrentVersionExpiration.newerNoncurrentVersions },
                AbortIncompleteMultipartUpload: x.abortIncompleteMultipartUpload && { DaysAfterInitiation: x.abortIncompleteMultipartUpload.daysAfterInitiation },
            })) } });
        },
        // Checked, not replayed (see CHECKED_INSTEAD): both buckets exist, and the target's policy lets
        // S3's logging service put objects under the prefix for this source, as AWS evaluates it.
        "aws:s3/bucketLogging:BucketLogging": async (i) => {
            await call("s3", "HeadBucket", { Bucket: i.bucket });
            await call("s3", "HeadBucket", { Bucket: i.targetBucket });
            const doc = JSON.parse((await call("s3", "GetBucketPolicy", { Bucket: i.targetBucket })).Policy);
            const glob = (pattern: string, value: string) => new RegExp(`^${pattern.split("*").map((x) => x.split("?").map((y) => y.replace(/[.+^${}()|[\]\\]/g, "\\$&")).join(".")).join(".*")}$`).test(value);
            const key = `arn:aws:s3:::${i.targetBucket}/${i.targetPrefix ?? ""}2026-11-30-00-00-00-0123456789ABCDEF`;
            const grants = [doc.Statement].flat().some((st: any) => st.Effect === "Allow" && [st.Principal?.Service].flat().includes("logging.s3.amazonaws.com")
                && [st.Action].flat().some((a: string) => glob(a, "s3:PutObject"))
                && [st.Resource].flat().some((r: string) => glob(r, key))
                && [st.Condition?.ArnLike?.["aws:SourceArn"] ?? st.Condition?.ArnEquals?.["aws:SourceArn"] ?? "*"].flat().some((a: string) => glob(a, `arn:aws:s3:::${i.bucket}`)));
            if (!grants) reject("s3:GetBucketPolicy (logging permission)", `the policy of ${i.targetBucket} does not let logging.s3.amazonaws.com put ${i.targetPrefix ?? ""}* for ${i.bucket}`);
        },
        "aws:s3/bucketPolicy:BucketPolicy": async (i) => {
            await call("s3", "PutBucketPolicy", { Bucket: i.bucket, Policy: i.policy });
        },

        "aws:route53/record:Record": async (i) => {
            await call("route53", "ChangeResourceRecordSets", { HostedZoneId: i.zoneId, ChangeBatch: { Changes: [{
                Action: i.allowOverwrite ? "UPSERT" : "CREATE",
                ResourceRecordSet: { Name: i.name, Type: i.type, TTL: i.ttl, ResourceRecords: (i.records ?? []).map((Value: string) => ({ Value })) },
            }] } });
        },
        "aws:acm/certificate:Certificate": async (i, r) => {
            const arn = (await call("acm", "RequestCertificate", {
                DomainName: i.domainName, SubjectAlternativeNames: i.subjectAlternativeNames?.length ? i.subjectAlternativeNames : undefined,
                ValidationMethod: i.validationMethod, KeyAlgorithm: i.keyAlgorithm,
                Options: i.options?.export ? { Export: i.options.export } : undefined, Tags: tagList(i.tags).length ? tagList(i.tags) : undefined,
            })).CertificateArn;
            map(r.id, arn);
            const cert = (await call("acm", "DescribeCertificate", { CertificateArn: arn })).Certificate;
            // The validation records the program creates from domainValidationOptions → moto's.
            for (const mock of r.state.domainValidationOptions ?? []) {
                const real = (cert.DomainValidationOptions ?? []).find((o: any) => o.DomainName === mock.domainName)?.ResourceRecord;
                if (!real) reject("acm:DescribeCertificate (DomainValidationOptions)", `no DNS validation record for ${mock.domainName}`);
                map(mock.resourceRecordName, real.Name);
                map(mock.resourceRecordValue, real.Value);
                // The record's fqdn output drops the trailing dot.
                map(String(mock.resourceRecordName).replace(/\.$/, ""), String(real.Name).replace(/\.$/, ""));
            }
        },
        // No API call of its own (the provider waits for ISSUED): the certificate exists and each validation record is in a zone.
        "aws:acm/certificateValidation:CertificateValidation": async (i) => {
            await call("acm", "DescribeCertificate", { CertificateArn: i.certificateArn });
            const zones = (await call("route53", "ListHostedZones", {})).HostedZones ?? [];
            for (const fqdn of i.validationRecordFqdns ?? []) {
                let found = false;
                for (const z of zones) {
                    const sets = (await call("route53", "ListResourceRecordSets", { HostedZoneId: z.Id })).ResourceRecordSets ?? [];
                    if (sets.some((s: any) => s.Name.replace(/\.$/, "") === String(fqdn).replace(/\.$/, ""))) found = true;
                }
                if (!found) reject("route53:ListResourceRecordSets", `validation record ${fqdn} is in no hosted zone`);
            }
        },

        "aws:cloudwatch/logGroup:LogGroup": async (i, r) => {
            await call("logs", "CreateLogGroup", { logGroupName: r.state.name, kmsKeyId: i.kmsKeyId, tags: i.tags && Object.keys(i.tags).length ? i.tags : undefined, logGroupClass: i.logGroupClass });
            if (i.retentionInDays) await call("logs", "PutRetentionPolicy", { logGroupName: r.state.name, retentionInDays: i.retentionInDays });
        },
        "aws:cloudwatch/metricAlarm:MetricAlarm": async (i, r) => {
            const dims = (d: { [k: string]: string } | undefined) => d ? Object.entries(d).map(([Name, Value]) => ({ Name, Value })) : undefined;
            await call("cloudwatch", "PutMetricAlarm", {
                AlarmName: r.state.name, AlarmDescription: i.alarmDescription, ActionsEnabled: i.actionsEnabled,
                AlarmActions: i.alarmActions, OKActions: i.okActions, InsufficientDataActions: i.insufficientDataActions,
                ComparisonOperator: i.comparisonOperator, EvaluationPeriods: i.evaluationPeriods, DatapointsToAlarm: i.datapointsToAlarm,
                Threshold: i.threshold, ThresholdMetricId: i.thresholdMetricId, TreatMissingData: i.treatMissingData,
                MetricName: i.metricName, Namespace: i.namespace, Statistic: i.statistic, ExtendedStatistic: i.extendedStatistic,
                Period: i.period, Unit: i.unit, Dimensions: dims(i.dimensions),
                Metrics: i.metricQueries?.map((q: any) => ({
                    Id: q.id, ReturnData: q.returnData, Label: q.label, Expression: q.expression, Period: q.period, AccountId: q.accountId,
                    MetricStat: q.metric && { Metric: { Namespace: q.metric.namespace, MetricName: q.metric.metricName, Dimensions: dims(q.metric.dimensions) }, Period: q.metric.period, Stat: q.metric.stat, Unit: q.metric.unit },
                })),
                Tags: tagList(i.tags).length ? tagList(i.tags) : undefined,
            });
        },
        "aws:cloudwatch/dashboard:Dashboard": async (i, r) => {
            const out = await call("cloudwatch", "PutDashboard", { DashboardName: r.state.dashboardName, DashboardBody: i.dashboardBody });
            if (out.DashboardValidationMessages?.length) reject("cloudwatch:PutDashboard (validation messages)", JSON.stringify(out.DashboardValidationMessages));
        },
        "aws:sns/topic:Topic": async (i, r) => {
            const arn = (await call("sns", "CreateTopic", { Name: r.state.name, Tags: tagList(i.tags).length ? tagList(i.tags) : undefined })).TopicArn;
            map(r.id, arn);
        },
        "aws:sns/topicSubscription:TopicSubscription": async (i, r) => {
            const out = await call("sns", "Subscribe", { TopicArn: i.topic, Protocol: i.protocol, Endpoint: i.endpoint, ReturnSubscriptionArn: true });
            map(r.id, out.SubscriptionArn);
        },
    };

    async function rule(direction: "Ingress" | "Egress", i: any, r: Captured) {
        const permission: any = { IpProtocol: i.ipProtocol, FromPort: i.fromPort, ToPort: i.toPort };
        if (i.cidrIpv4) permission.IpRanges = [{ CidrIp: i.cidrIpv4, Description: i.description }];
        if (i.cidrIpv6) permission.Ipv6Ranges = [{ CidrIpv6: i.cidrIpv6, Description: i.description }];
        if (i.prefixListId) permission.PrefixListIds = [{ PrefixListId: i.prefixListId, Description: i.description }];
        if (i.referencedSecurityGroupId) permission.UserIdGroupPairs = [{ GroupId: i.referencedSecurityGroupId, Description: i.description }];
        const out = await call("ec2", `AuthorizeSecurityGroup${direction}`, {
            GroupId: i.securityGroupId, IpPermissions: [permission], TagSpecifications: tagSpec("security-group-rule", i.tags),
        });
        map(r.id, out.SecurityGroupRules?.[0]?.SecurityGroupRuleId);
    }

    const one = async (r: Captured) => {
        const handler = H[r.type];
        if (!handler) {
            const how = Object.entries(NOT_EMULATED).find(([prefix]) => r.type.startsWith(prefix))?.[1];
            if (how) { report.notEmulated.push({ resource: r.name, type: r.type, how }); return; }
            report.rejected.push({ resource: r.name, type: r.type, call: "(replay)", error: `no replay for ${r.type}: add a handler to tests/aws/replay.ts or name it in NOT_EMULATED` });
            return;
        }
        const inputs = resolve(unwrapSecrets(r.inputs));
        // A reference to a resource that was not replayed (or failed) would reach the emulator as a mock id.
        const leftover = [...mockIds].filter((id) => id !== r.id && JSON.stringify(inputs).includes(id));
        if (leftover.length) {
            const owners = leftover.map((id) => resources.find((x) => x.id === id)!.name);
            report.rejected.push({ resource: r.name, type: r.type, call: "(references)", error: `refers to ${owners.join(", ")}, which has no emulator id (not replayed or rejected)` });
            return;
        }
        try {
            await als.run(r, () => handler(inputs, r));
            if (CHECKED_INSTEAD.has(r.type)) report.notEmulated.push({ resource: r.name, type: r.type, how: NOT_EMULATED[r.type] });
            else report.replayed.push(r.name);
        } catch (e) {
            if (!(e instanceof Rejected)) report.rejected.push({ resource: r.name, type: r.type, call: "(replay)", error: String((e as Error).stack ?? e) });
        }
    };
    for (const r of dependencyOrder(resources)) await one(r);
    for (const c of Object.values(clients)) c.destroy?.();
    return report;
}

class Rejected extends Error {}

/** One line per rejection: resource, call, error. */
export function formatRejections(rejected: Rejection[]): string {
    return rejected.map((x) => `${x.resource} (${x.type}) ${x.call}: ${x.error}`).join("\n");
}
