// `npm run awsguard -- <folder where @pulumi/awsguard is installed>`: runs Pulumi's awsguard pack
// (every policy it registers, all enabled at its default "advisory") over the resources the prod
// stack registers (Pulumi.prod.yaml through index.ts under the provider-shaped mocks), with the
// same harness as tests/policy-stacks.test.ts, and prints what fires.
// awsguard 0.3.1 depends on @pulumi/aws ^4 and aws-sdk v2, so it is not a dependency of this
// repository: install it apart, e.g. `npm install --prefix /tmp/awsguard @pulumi/awsguard@0.3.1`.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, settle } from "../tests/helpers/pulumiMocks";
import { runPack } from "../tests/helpers/policyHarness";

const ROOT = path.join(__dirname, "..");

async function main(): Promise<void> {
    const prefix = process.argv[2];
    if (!prefix) throw new Error("usage: npm run awsguard -- <folder with node_modules/@pulumi/awsguard>");
    const guardDir = path.join(path.resolve(prefix), "node_modules", "@pulumi", "awsguard");
    const version = JSON.parse(fs.readFileSync(path.join(guardDir, "package.json"), "utf8")).version;
    // Every module of the pack registers its policies; collect the exported policy objects.
    const policies = ["apiGateway", "compute", "database", "elasticsearch", "network", "security", "storage"]
        .flatMap((m) => Object.values(require(path.join(guardDir, m)) as Record<string, any>))
        .filter((p) => p && typeof p.name === "string" && (p.validateResource || p.validateStack));

    const doc = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8")).config;
    const config = Object.fromEntries(Object.entries(doc).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
    const resources = installMocks("secured-web-stack", "prod", config as Record<string, string>);
    const program = require(path.join(ROOT, "index"));
    await new Promise((r) => pulumi.output(program.instanceIds).apply(r));
    await settle(resources, 150);

    const report = await runPack(resources.filter((r) => r.custom).map((r) => ({ type: r.type, name: r.name, urn: r.urn, props: r.state, id: r.id })),
        undefined, { policies });
    console.log(`awsguard ${version}: ${policies.length} policies over ${resources.length} resources of the prod stack`);
    const byPolicy = new Map<string, string[]>();
    for (const v of report.violations) byPolicy.set(v.policyName, [...(byPolicy.get(v.policyName) ?? []), `${v.urn?.split("::").pop()}: ${v.detail}`]);
    for (const [name, found] of byPolicy) console.log(`  ${name} (${found.length}):\n    ${found.slice(0, 12).join("\n    ")}`);
    if (byPolicy.size === 0) console.log("  no violation");
    for (const s of report.previewSkips) console.log(`  skipped ${s.policyName}: ${s.detail}`);
}

main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
