// Resource type tokens and the plain resource shape every policy works on.

import { ResourceValidation, ResourceValidationArgs, ReportViolation } from "@pulumi/policy";
import { Props, Unknown, containsUnknown, snapshot, str } from "./props";

export const TYPES = {
    instance: "aws:ec2/instance:Instance",
    securityGroup: "aws:ec2/securityGroup:SecurityGroup",
    securityGroupRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
    ingressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    egressRule: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    volume: "aws:ebs/volume:Volume",
    volumeAttachment: "aws:ec2/volumeAttachment:VolumeAttachment",
    subnet: "aws:ec2/subnet:Subnet",
    eip: "aws:ec2/eip:Eip",
    eipAssociation: "aws:ec2/eipAssociation:EipAssociation",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    iamPolicy: "aws:iam/policy:Policy",
    rolePolicyAttachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    ssmParameter: "aws:ssm/parameter:Parameter",
    lifecyclePolicy: "aws:dlm/lifecyclePolicy:LifecyclePolicy",
    rdsInstance: "aws:rds/instance:Instance",
    bucket: "aws:s3/bucket:Bucket",
    bucketV2: "aws:s3/bucketV2:BucketV2",
    bucketLogging: "aws:s3/bucketLogging:BucketLogging",
    bucketLoggingV2: "aws:s3/bucketLoggingV2:BucketLoggingV2",
    bucketPublicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    accountPublicAccessBlock: "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock",
    bucketSse: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    bucketSseV2: "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
    bucketAcl: "aws:s3/bucketAcl:BucketAcl",
    bucketAclV2: "aws:s3/bucketAclV2:BucketAclV2",
    bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
    vpc: "aws:ec2/vpc:Vpc",
    flowLog: "aws:ec2/flowLog:FlowLog",
    defaultSecurityGroup: "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
    kmsKey: "aws:kms/key:Key",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
    snsTopic: "aws:sns/topic:Topic",
} as const;

/** Both S3 bucket resources (`aws.s3.Bucket` and the older `aws.s3.BucketV2`). */
export const BUCKET_TYPES: string[] = [TYPES.bucket, TYPES.bucketV2];

/** A resource as the policies see it: a plain snapshot of its properties. */
export interface Resource {
    type: string;
    urn: string;
    name: string;
    props: Props;
    /** Property name → URNs of the resources that property's value came from (stack validation). */
    propertyDependencies?: Record<string, string[]>;
}

/** `name (type)`, for messages. */
export function label(r: Pick<Resource, "name" | "type">): string {
    return `${r.name} (${r.type.split(":").pop()})`;
}

/** The cloud id of a resource: `id` when the outputs carry it, else the tail of its ARN. */
export function idOf(r: Resource): string | undefined {
    const id = str(r.props.id);
    if (id) {
        return id;
    }
    const arn = str(r.props.arn);
    return arn ? arn.split("/").pop() : undefined;
}

export type Check<T> = (subject: T, args: ResourceValidationArgs, report: ReportViolation) => void;

/**
 * A resource validation for resources of `types`, handed a plain snapshot of the resource. Like
 * the SDK's `validateResourceOfType`, a single type is attached for the engine's fast filter.
 */
export function validateTypes(types: string[], check: Check<Resource>): ResourceValidation {
    const validation: ResourceValidation = (args, report) => {
        if (!types.includes(args.type)) {
            args.notApplicable(`applies to ${types.join(", ")}`);
        }
        check({ type: args.type, urn: args.urn, name: args.name, props: snapshot(args.props) }, args, report);
    };
    if (types.length === 1) {
        (validation as any).__pulumiType = types[0];
    }
    return validation;
}

/** `value`, or the check is not applicable when the engine does not know it yet (preview). */
export function knownOrSkip<T>(args: Pick<ResourceValidationArgs, "notApplicable">, value: T, what: string): Exclude<T, Unknown> {
    if (containsUnknown(value)) {
        args.notApplicable(`${what} is not known yet (preview)`);
    }
    return value as Exclude<T, Unknown>;
}
