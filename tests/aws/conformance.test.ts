// The AWS conformance suite (`npm run test:aws`, also part of `npm test`): what the program
// registers for Pulumi.dev.yaml, Pulumi.prod.yaml and an option matrix, replayed into moto (the
// AWS emulator) through the AWS SDK v3 and checked against AWS's documented input constraints
// (components/model/awsConstraints.ts). Zero rejected calls, zero violations. moto_server runs on a
// free loopback port for the whole file and is emptied between configurations (reset API).
// Without moto_server the suite fails under CI=true and is skipped, loudly, elsewhere.
import * as assert from "assert";
import { Moto, requireMoto, startMoto } from "./moto";
import { CONFIGURATIONS } from "./matrix";
import { ConfigurationResult, runConfiguration } from "./conformance";
import { formatRejections, NOT_EMULATED } from "./replay";
import { CONSTRAINED_TYPES, formatViolations } from "./constraintsCheck";

describe("AWS conformance: every resource the program registers, replayed into moto and checked against AWS's documented constraints", function () {
    this.timeout(600000);
    let moto: Moto | undefined;
    const results: ConfigurationResult[] = [];
    const t0 = Date.now();
    let motoStart = 0;

    before(async function () {
        if (!requireMoto(this)) return;
        const t = Date.now();
        moto = await startMoto();
        motoStart = Date.now() - t;
    });
    after(async () => {
        await moto?.stop();
        if (!results.length) return;
        const lines = results.map((r) => `    ${r.name.padEnd(40)} ${String(r.resources.filter((x) => x.custom).length).padStart(4)} resources ` +
            `${String(r.report.calls).padStart(4)} calls  capture ${(r.ms.capture / 1000).toFixed(1)} s  replay ${(r.ms.replay / 1000).toFixed(1)} s`);
        const types = new Map<string, string>();
        for (const r of results) for (const n of r.report.notEmulated) types.set(n.type, n.how);
        console.log([
            `\n  AWS conformance (moto_server started in ${(motoStart / 1000).toFixed(1)} s, whole suite ${((Date.now() - t0) / 1000).toFixed(1)} s):`, ...lines,
            "  Not replayed (no AWS API creates them, or moto lacks the service), and how else they are checked:",
            ...[...types].map(([type, how]) => `    ${type}: ${how}`),
        ].join("\n"));
    });

    for (const c of CONFIGURATIONS) {
        it(`${c.name}: ${c.covers}`, async () => {
            await moto!.reset();
            const r = await runConfiguration(c, moto!.endpoint);
            results.push(r);
            assert.deepStrictEqual(r.violations, [], `documented constraints broken:\n${formatViolations(r.violations)}`);
            assert.deepStrictEqual(r.report.rejected, [], `calls the emulator rejected:\n${formatRejections(r.report.rejected)}`);
            const custom = r.resources.filter((x) => x.custom);
            assert.strictEqual(r.report.replayed.length + r.report.notEmulated.length, custom.length, "every resource replayed or named as not emulated");
            assert.ok(r.report.replayed.length > 40, `${r.report.replayed.length} resources replayed`);
        });
    }

    it("every type the matrix registers is replayed, or named with how else it is checked; every AWS type has constraint rows or is listed as having none", function () {
        if (!results.length) this.skip();
        const types = new Set(results.flatMap((r) => r.resources.filter((x) => x.custom).map((x) => x.type)));
        const notEmulated = new Set(results.flatMap((r) => r.report.notEmulated.map((x) => x.type)));
        for (const t of notEmulated) assert.ok(Object.keys(NOT_EMULATED).some((p) => t.startsWith(p)), t);
        // AWS types whose generated values no documented constraint restricts beyond what moto checks.
        const UNCONSTRAINED = new Set([
            "aws:ec2/vpc:Vpc", "aws:ec2/internetGateway:InternetGateway", "aws:ec2/subnet:Subnet", "aws:ec2/routeTable:RouteTable",
            "aws:ec2/routeTableAssociation:RouteTableAssociation", "aws:ec2/eip:Eip", "aws:ec2/natGateway:NatGateway", "aws:ebs/volume:Volume",
            "aws:ec2/volumeAttachment:VolumeAttachment", "aws:ec2/eipAssociation:EipAssociation", "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "aws:s3/bucketVersioning:BucketVersioning",
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
            "aws:acm/certificateValidation:CertificateValidation", "aws:sns/topicSubscription:TopicSubscription",
            "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "aws:ec2/flowLog:FlowLog", "aws:s3/bucketLogging:BucketLogging",
        ]);
        const missing = [...types].filter((t) => t.startsWith("aws:") && !CONSTRAINED_TYPES.includes(t) && !UNCONSTRAINED.has(t));
        assert.deepStrictEqual(missing, [], "AWS types without constraint rows: add them to tests/aws/constraintsCheck.ts FIELDS (or to UNCONSTRAINED, saying why)");
    });
});
