// Pulumi mock runtime for the component: records every resource with its resolved inputs and
// answers the few data-source calls the component makes. Install BEFORE importing anything that
// creates resources (see DESIGN.md: a resource created earlier never resolves).
import * as pulumi from "@pulumi/pulumi";

export interface Captured {
    type: string;
    name: string;
    urn: string;
    inputs: any;
    state: any;
}

/** Recognisable values for generated secrets, so tests can search every output for them. */
export const MOCK_SECRET_PREFIX = "MOCKSECRETvalue";
export const MOCK_PRIVATE_KEY = "-----BEGIN PRIVATE KEY-----\nMOCKPRIVATEKEYMATERIAL\n-----END PRIVATE KEY-----\n";

export function installMocks(project = "secured-web-stack", stack = "dev", config: { [k: string]: string } = {}): Captured[] {
    const resources: Captured[] = [];
    let n = 0;
    pulumi.runtime.setAllConfig(config);
    pulumi.runtime.setMocks({
        newResource(args: pulumi.runtime.MockResourceArgs) {
            const state: any = { ...args.inputs };
            let id = `${args.name}-id`;
            switch (args.type) {
                case "aws:ec2/eip:Eip": state.publicIp = "203.0.113.10"; state.allocationId = `eipalloc-${++n}`; break;
                case "aws:ssm/parameter:Parameter": state.arn = `arn:aws:ssm:us-east-1:123456789012:parameter${args.inputs.name}`; break;
                case "aws:ebs/volume:Volume": id = "vol-0123456789abcdef0"; break;
                case "random:index/randomPassword:RandomPassword": state.result = `${MOCK_SECRET_PREFIX}${++n}`; break;
                case "tls:index/privateKey:PrivateKey": state.privateKeyPem = MOCK_PRIVATE_KEY; state.publicKeyPem = "-----BEGIN PUBLIC KEY-----\nMOCK\n-----END PUBLIC KEY-----\n"; break;
                case "tls:index/selfSignedCert:SelfSignedCert":
                case "tls:index/locallySignedCert:LocallySignedCert": state.certPem = `-----BEGIN CERTIFICATE-----\nMOCKCERT${args.name}\n-----END CERTIFICATE-----\n`; break;
                case "tls:index/certRequest:CertRequest": state.certRequestPem = "-----BEGIN CERTIFICATE REQUEST-----\nMOCK\n-----END CERTIFICATE REQUEST-----\n"; break;
                case "aws:acm/certificate:Certificate":
                    state.arn = "arn:aws:acm:us-east-1:123456789012:certificate/mock";
                    state.domainValidationOptions = [args.inputs.domainName, ...(args.inputs.subjectAlternativeNames ?? [])].map((d: string) => ({
                        domainName: d, resourceRecordName: `_x.${d}.`, resourceRecordType: "CNAME", resourceRecordValue: "_y.acm-validations.aws.",
                    }));
                    break;
                case "aws:acm/certificateValidation:CertificateValidation": state.certificateArn = args.inputs.certificateArn; break;
                case "aws:iam/role:Role": state.arn = `arn:aws:iam::123456789012:role/${args.name}`; state.name = args.name; break;
                case "aws:iam/instanceProfile:InstanceProfile": state.name = args.name; break;
                case "aws:route53/record:Record": state.fqdn = args.inputs.name; break;
                case "aws:cloudwatch/dashboard:Dashboard": state.dashboardName = args.inputs.dashboardName ?? args.name; break;
            }
            resources.push({ type: args.type, name: args.name, urn: `urn:pulumi:${stack}::${project}::${args.type}::${args.name}`, inputs: args.inputs, state });
            return { id, state };
        },
        call(args: pulumi.runtime.MockCallArgs) {
            switch (args.token) {
                case "aws:index/getRegion:getRegion": return { name: "us-east-1", region: "us-east-1", id: "us-east-1" };
                case "aws:index/getCallerIdentity:getCallerIdentity": return { accountId: "123456789012", arn: "arn:aws:iam::123456789012:user/t", userId: "t", id: "t" };
                case "aws:ec2/getAmi:getAmi": return { id: "ami-0123456789abcdef0", imageId: "ami-0123456789abcdef0" };
                case "aws:index/getAvailabilityZones:getAvailabilityZones": return { names: ["us-east-1a", "us-east-1b"], zoneIds: ["use1-az1", "use1-az2"], id: "us-east-1" };
                case "aws:ec2/getSubnet:getSubnet": return { id: args.inputs.id, availabilityZone: "us-east-1a", vpcId: "vpc-0123456789abcdef0" };
                default: return args.inputs;
            }
        },
    }, project, stack, false);
    return resources;
}

export function valueOf<T>(o: pulumi.Output<T> | pulumi.Input<T>): Promise<T> {
    return new Promise((resolve) => pulumi.output(o).apply((v) => { resolve(v as T); return v; }));
}

/** Waits until no new resource has been registered for a while (applies resolve asynchronously). */
export async function settle(resources: Captured[], quietMs = 100): Promise<void> {
    let last = -1;
    while (last !== resources.length) {
        last = resources.length;
        await new Promise((r) => setTimeout(r, quietMs));
    }
}

export function ofType(resources: Captured[], type: string): Captured[] {
    return resources.filter((r) => r.type === type);
}
