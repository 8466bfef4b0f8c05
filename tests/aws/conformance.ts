// One configuration of the AWS conformance suite: what must exist first (a hosted zone, an
// existing VPC) is made in the emulator, the program runs under the provider-shaped mocks, every
// generated value is checked against the documented-constraints table, and every resource is
// replayed into the emulator. Timings are kept for the suite's output.
import type { Captured } from "../helpers/pulumiMocks";
import { checkConstraints, Violation } from "./constraintsCheck";
import type { Configuration, Prepared } from "./matrix";
import { TEST_ZONE_ID } from "./matrix";
import { replay, ReplayReport } from "./replay";

const EC2 = require("@aws-sdk/client-ec2");
const R53 = require("@aws-sdk/client-route-53");

const client = (mod: any, name: string, endpoint: string) =>
    new mod[name]({ endpoint, region: "us-east-1", credentials: { accessKeyId: "testing", secretAccessKey: "testing" }, maxAttempts: 1 });

/** Makes what the configuration needs before the program runs. */
export async function prepare(endpoint: string, needs: Configuration["needs"]): Promise<Prepared> {
    const out: Prepared = { seed: {}, existing: {} };
    if (needs.zone) {
        const r53 = client(R53, "Route53Client", endpoint);
        const zone = await r53.send(new R53.CreateHostedZoneCommand({ Name: needs.zone, CallerReference: `conformance-${Date.now()}` }));
        out.seed[TEST_ZONE_ID] = String(zone.HostedZone.Id).replace(/^\/hostedzone\//, "");
        r53.destroy();
    }
    if (needs.vpc) {
        const ec2 = client(EC2, "EC2Client", endpoint);
        const vpc = (await ec2.send(new EC2.CreateVpcCommand({ CidrBlock: needs.vpc.cidr }))).Vpc;
        const subnet = async (cidr: string) => (await ec2.send(new EC2.CreateSubnetCommand({ VpcId: vpc.VpcId, CidrBlock: cidr, AvailabilityZone: "us-east-1a" }))).Subnet.SubnetId;
        out.existing = { vpcId: vpc.VpcId, publicSubnetId: await subnet(needs.vpc.public), privateSubnetId: await subnet(needs.vpc.private) };
        ec2.destroy();
    }
    return out;
}

export interface ConfigurationResult {
    name: string;
    resources: Captured[];
    violations: Violation[];
    report: ReplayReport;
    ms: { capture: number; replay: number };
}

export async function runConfiguration(c: Configuration, endpoint: string): Promise<ConfigurationResult> {
    const prepared = await prepare(endpoint, c.needs);
    let t = Date.now();
    const resources = await c.capture(prepared);
    const capture = Date.now() - t;
    const violations = checkConstraints(resources);
    t = Date.now();
    const report = await replay(resources, { endpoint, seed: prepared.seed });
    return { name: c.name, resources, violations, report, ms: { capture, replay: Date.now() - t } };
}
