// The multi-language schema `pulumi package add` generates for the component: produced here the way
// the plugin host produces it (ComponentProvider.getSchema over this folder, package name and
// namespace derived from package.json as cmd/run-plugin derives them), pinned by a reviewed snapshot
// (scripts/fresh-clone-check.js compares a fresh clone's plugin host against the same file), and the
// properties other languages rely on asserted by name.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { matchSnapshot } from "./helpers/snapshot";

const ROOT = path.join(__dirname, "..");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));

/** The provider name and namespace cmd/run-plugin derives from package.json's name. */
export function providerIdentity(name: string): { name: string; namespace?: string } {
    const m = /(@.*?\/)?(.+)/.exec(name)!;
    return { name: m[2].replace(/[^-a-zA-Z0-9_]/g, "-"), namespace: m[1] ? m[1].slice(1, -1) : undefined };
}

describe("multi-language schema (pulumi package add)", function () {
    this.timeout(180000); // the analyzer type-checks the whole tsconfig program: ~10 s quiet, over a minute on the loaded machine
    let schema: any;
    before(async () => {
        const { ComponentProvider } = require("@pulumi/pulumi/provider/experimental/provider");
        const { SecuredWebStack } = require("../components/securedWebStack");
        const provider = new ComponentProvider({ ...providerIdentity(pkg.name), dirname: ROOT, components: [SecuredWebStack] });
        schema = JSON.parse(await provider.getSchema());
    });

    it("matches the reviewed snapshot (UPDATE_SNAPSHOTS=1 rewrites it; review the diff)", () => {
        matchSnapshot("schema.json", JSON.stringify(schema, null, 2) + "\n");
    });

    it("describes the package's one component, its type token and the resource itself", () => {
        assert.strictEqual(schema.name, "secured-web-stack");
        assert.strictEqual(schema.namespace, "foobar");
        assert.deepStrictEqual(Object.keys(schema.resources), ["secured-web-stack:index:SecuredWebStack"]);
        const r = schema.resources["secured-web-stack:index:SecuredWebStack"];
        assert.strictEqual(r.isComponent, true);
        assert.match(r.description ?? "", /three-server web stack/, "the resource has a description");
        assert.deepStrictEqual(r.requiredInputs, ["domain"]);
    });

    it("takes ids and names of existing things as inputs (outputs of other resources), everything that shapes the topology as plain values", () => {
        const r = schema.resources["secured-web-stack:index:SecuredWebStack"];
        const t = (name: string) => schema.types[`secured-web-stack:index:${name}`].properties;
        const inputs = [t("NetworkArgs").existingVpcId, t("NetworkArgs").existingPublicSubnetId, t("NetworkArgs").existingPrivateSubnetId,
            t("DnsArgs").hostedZoneId, t("MonitoringArgs").alarmEmail, r.inputProperties.sshKeyName];
        for (const p of inputs) assert.ok(p.type === "string" && p.plain === undefined, JSON.stringify(p));
        for (const p of [r.inputProperties.webServers, r.inputProperties.layout, t("NetworkArgs").mode, t("NetworkArgs").vpcCidr, t("MonitoringArgs").sink]) {
            assert.strictEqual(p.plain, true, JSON.stringify(p));
        }
    });

    it("hands out the network, security groups and roles by server, the alarm topic, log groups and keys", () => {
        const out = schema.resources["secured-web-stack:index:SecuredWebStack"].properties;
        for (const name of ["vpcId", "publicSubnetId", "privateSubnetId", "alarmTopicArn", "secretsKeyArn", "telemetryKeyArn", "logBucketName"]) {
            assert.strictEqual(out[name]?.type, "string", name);
        }
        for (const name of ["securityGroupIds", "roleArns"]) assert.deepStrictEqual(out[name].additionalProperties, { type: "string" }, name);
        assert.deepStrictEqual(out.logGroupNames.items, { type: "string" });
    });

    it("offers app.packages to other languages as a plain list of strings", () => {
        const p = schema.types["secured-web-stack:index:AppArgs"].properties.packages;
        assert.deepStrictEqual({ type: p.type, items: p.items, optional: p.optional, plain: p.plain }, { type: "array", items: { type: "string", plain: true }, optional: true, plain: true });
    });

    it("maps counts and ports to number: the analyzer has no integer (see README)", () => {
        const r = schema.resources["secured-web-stack:index:SecuredWebStack"];
        assert.strictEqual(r.inputProperties.webServers.type, "number");
    });

    // Type-level descriptions (interfaces, the enums' own JSDoc) are dropped by @pulumi/pulumi's
    // generateSchema (3.270 and 3.276 alike): only properties and enum members carry one.
    it("gives every input, output, object property and enum member a description", () => {
        const r = schema.resources["secured-web-stack:index:SecuredWebStack"];
        const missing: string[] = [];
        const props = (where: string, p: Record<string, any>) => { for (const [k, v] of Object.entries(p ?? {})) if (!v.description) missing.push(`${where}.${k}`); };
        props("inputs", r.inputProperties);
        props("outputs", r.properties);
        for (const [token, t] of Object.entries<any>(schema.types)) {
            if (t.enum) for (const m of t.enum) if (!m.description) missing.push(`${token}.${m.name}`);
            props(token, t.properties);
        }
        assert.deepStrictEqual(missing, []);
    });
});
