// Effective permissions of every instance role, as AWS would evaluate them: every policy the
// component attaches to a role (inline and managed — managed documents from moto's bundled copy
// of AWS's managed policies, version printed), the KMS key policy and the backup bucket policy as
// resource policies, evaluated by @cloud-copilot/iam-simulate. Three stacks live in one account
// under the provider-shaped mocks, so "another stack's secret" is a real parameter of a real stack.
import * as assert from "assert";
import { runSimulation, runUnsafeSimulation, Simulation } from "@cloud-copilot/iam-simulate";
import { createValidatedPolicy, validateResourcePolicy } from "@cloud-copilot/iam-policy";
import { Captured, installMocks, ofType, settle, valueOf } from "./helpers/pulumiMocks";
import { MOTO_PROBE, ManagedPolicySource, managedPolicyDocuments } from "./helpers/managedPolicies";
import { requireTool } from "./helpers/tools";
import { buildModel, Model, Role } from "../components/model";
import { fetchedFiles, renderServerPart } from "../components/render";
import type { SecuredWebStackArgs } from "../components/types";

const ACCOUNT = "123456789012";
const REGION = "us-east-1";
const SSM_VIA = `ssm.${REGION}.amazonaws.com`;

/** The Pulumi stack the mocks run the three components in (installMocks' default): part of their physical names. */
const MOCK_STACK = "dev";

const STACKS: { [name: string]: SecuredWebStackArgs } = {
    // The seed's dev stack: self-signed TLS, CloudWatch sink.
    shop: { domain: "www.foobar.com", environment: "dev" },
    // Everything that adds secrets or readers: internal TLS, a replica, two app and two web servers,
    // ACM (passphrase + export), Sumo Logic (a secret every server reads).
    big: {
        domain: "www.foobar.com", environment: "prod", webServers: 2, appServers: 2,
        hardening: { endToEndTls: true, databaseReplica: true },
        tls: { mode: "acm" }, dns: { hostedZoneId: "Z04481532TESTZONE0001" },
        monitoring: { sink: "sumologic", sumoLogicUrl: "https://collectors.sumologic.com/receiver/v1/otlp/TOKEN" },
        // The application from the user's own bucket: the app servers read that one object.
        // Encrypted with the user's own KMS key (SSE-KMS): the app servers decrypt with it as S3 does for that object.
        app: { artifactUrl: "s3://big-releases/shop/app-1.4.2.tar.gz", artifactSha256: "c".repeat(64), startCommand: "node server.js", artifactKmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" },
    },
    // SigV4 remote write to one AMP workspace, Debian (MariaDB), Let's Encrypt.
    amp: {
        domain: "shop.example.org", environment: "staging", os: "debian-12",
        tls: { mode: "lets-encrypt", email: "ops@example.org" },
        monitoring: {
            sink: "prometheus-remote-write", remoteWriteSigV4: true,
            remoteWriteUrl: "https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-0a1b2c3d-4e5f/api/v1/remote_write",
        },
    },
};

interface RoleUnderTest {
    stack: string;
    server: string;
    roles: string[];
    arn: string;
    policies: { name: string; policy: any }[];
}

interface StackFacts {
    model: Model;
    keyArn: string;
    keyPolicy: any;
    bucketArn: string;
    bucketPolicy: any;
    /** SecureString parameters: ARN → servers that read it. */
    secrets: Map<string, string[]>;
    /** String (toolkit) parameters of the stack. */
    toolkit: string[];
    /** Every String parameter of the stack (toolkit files, the live release, peer lists): ARN → name. */
    strings: Map<string, string>;
    /** What each server's sws-fetch installs from SSM, by parameter name (the payload's fetch list, not the IAM policy). */
    fetches: Map<string, Set<string>>;
    acmArn?: string;
}

let resources: Captured[];
let managed: ManagedPolicySource;
const roles: RoleUnderTest[] = [];
const facts: { [stack: string]: StackFacts } = {};

type Decision = "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied";
let simulations = 0;

async function evaluate(role: RoleUnderTest, action: string, resource: string, context: Record<string, string | string[]> = {}, resourcePolicy?: any): Promise<Decision> {
    const roleName = role.arn.split("/").pop()!;
    const sim: Simulation = {
        request: {
            // An instance profile's credentials are an assumed-role session of the role.
            principal: `arn:aws:sts::${ACCOUNT}:assumed-role/${roleName}/i-0123456789abcdef0`,
            action, resource: { resource, accountId: resource.startsWith("arn:aws:s3:::") ? ACCOUNT : resource.split(":")[4] || ACCOUNT },
            contextVariables: { "aws:PrincipalArn": role.arn, "aws:PrincipalAccount": ACCOUNT, "aws:SecureTransport": "true", ...context },
        },
        identityPolicies: role.policies,
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        ...(resourcePolicy ? { resourcePolicy } : {}),
    };
    simulations++;
    // runSimulation validates the policies, the action, the resource type and the context keys.
    const r = await runSimulation(sim, {});
    if (r.resultType === "error") throw new Error(`${action} on ${resource}: simulation error ${JSON.stringify(r.errors)}`);
    if (!Object.keys(context).some((k) => k.startsWith("kms:EncryptionContext:"))) return r.overallResult as Decision;
    // iam-simulate 0.1.173 recognises variable context keys only in the "prefix/name" form and so
    // drops kms:EncryptionContext:<key> from a validated request (the condition then fails as
    // missing). The same request through the same evaluation core without that input filter (the
    // resource policy goes in pre-validated: the unsafe entry point reads its name from metadata).
    const named = { ...sim, resourcePolicy: resourcePolicy && createValidatedPolicy(resourcePolicy, validateResourcePolicy, { name: "resource-policy" }) };
    return runUnsafeSimulation(named, {}) as Decision;
}

const facts$ = (role: RoleUnderTest) => facts[role.stack];
/** kms:Decrypt exactly as SSM calls it for a SecureString (GetParameter WithDecryption). */
const decryptAsSsm = (role: RoleUnderTest, keyArn: string, parameterArn: string, keyPolicy: any) =>
    evaluate(role, "kms:Decrypt", keyArn, { "kms:EncryptionContext:PARAMETER_ARN": parameterArn, "kms:ViaService": SSM_VIA, "kms:CallerAccount": ACCOUNT }, keyPolicy);

describe("effective permissions of the instance roles (IAM policy evaluator)", function () {
    this.timeout(120000);

    before(async function () {
        requireTool(this, "Python 3 with moto (AWS managed policy documents)", MOTO_PROBE, "pip install 'moto[server]==5.2.1'");
        resources = installMocks("secured-web-stack", MOCK_STACK);
        const { SecuredWebStack } = require("../components/securedWebStack");
        const stacks = Object.entries(STACKS).map(([name, args]) => new SecuredWebStack(name, args));
        for (const s of stacks) await valueOf(s.url);
        await settle(resources, 200);

        // Every role trusted by EC2, and every policy attached to it (inline, managed, both forms).
        const attachments = ofType(resources, "aws:iam/rolePolicyAttachment:RolePolicyAttachment");
        const inline = ofType(resources, "aws:iam/rolePolicy:RolePolicy");
        const instanceRoles = ofType(resources, "aws:iam/role:Role").filter((r) => JSON.parse(r.inputs.assumeRolePolicy).Statement
            .some((s: any) => s.Principal?.Service === "ec2.amazonaws.com"));
        const refersTo = (ref: unknown, r: Captured) => [r.id, r.state.name, r.state.arn].includes(ref);
        const managedArns = new Set<string>();
        const pending: { role: Captured; arns: string[]; inline: { name: string; policy: any }[] }[] = [];
        for (const r of instanceRoles) {
            const arns = [...attachments.filter((a) => refersTo(a.inputs.role, r)).map((a) => a.inputs.policyArn), ...(r.inputs.managedPolicyArns ?? [])];
            arns.forEach((a) => managedArns.add(a));
            pending.push({
                role: r, arns,
                inline: [...inline.filter((p) => refersTo(p.inputs.role, r)).map((p) => ({ name: p.name, policy: JSON.parse(p.inputs.policy) })),
                    ...(r.inputs.inlinePolicies ?? []).map((p: any) => ({ name: p.name, policy: JSON.parse(p.policy) }))],
            });
        }
        managed = managedPolicyDocuments([...managedArns]);
        console.log(`      managed policy documents: ${managed.version} (${managedArns.size} attached: ${[...managedArns].join(", ") || "none"})`);
        for (const p of pending) {
            const [stack, ...rest] = p.role.name.replace(/-role$/, "").split("-");
            const server = rest.join("-");
            const model = buildModel(STACKS[stack], stack, { stack: MOCK_STACK });
            roles.push({
                stack, server, roles: model.servers.find((s) => s.name === server)!.roles, arn: p.role.state.arn,
                policies: [...p.inline, ...p.arns.map((a) => ({ name: a, policy: managed.documents[a] }))],
            });
        }

        for (const name of Object.keys(STACKS)) {
            const model = buildModel(STACKS[name], name, { stack: MOCK_STACK });
            const key = ofType(resources, "aws:kms/key:Key").find((k) => k.name === `${name}-secrets-key`)!;
            const bucket = ofType(resources, "aws:s3/bucket:Bucket").find((b) => b.name === `${name}-backups`)!;
            const bucketPolicy = ofType(resources, "aws:s3/bucketPolicy:BucketPolicy").find((b) => b.name === `${name}-backups-policy`)!;
            const params = ofType(resources, "aws:ssm/parameter:Parameter").filter((p) => p.inputs.name.startsWith(`${model.parameterPrefix}/`));
            const secrets = new Map<string, string[]>();
            for (const p of params.filter((x) => x.inputs.type === "SecureString")) {
                assert.strictEqual(p.inputs.keyId, key.state.arn, `${p.inputs.name} is encrypted with the stack's own key`);
                secrets.set(p.state.arn, [...new Set(model.secrets.filter((s) => s.parameter === p.inputs.name).flatMap((s) => s.servers))]);
            }
            facts[name] = {
                model, keyArn: key.state.arn, keyPolicy: JSON.parse(key.inputs.policy), bucketArn: bucket.state.arn,
                bucketPolicy: JSON.parse(bucketPolicy.inputs.policy), secrets,
                toolkit: params.filter((x) => x.inputs.type === "String").map((x) => x.state.arn),
                strings: new Map(params.filter((x) => x.inputs.type === "String").map((x) => [x.state.arn, x.inputs.name])),
                fetches: new Map(model.servers.map((s) => [s.name,
                    new Set(fetchedFiles(model, s, renderServerPart(model, s, { region: REGION, internalCaPem: "any" })).map((f) => f.parameter))])),
                acmArn: ofType(resources, "aws:acm/certificate:Certificate").find((c) => c.name.startsWith(`${name}-`))?.state.arn,
            };
        }
    });

    after(() => console.log(`      ${simulations} simulated requests over ${roles.length} instance roles`));

    it("finds every server's role, and attaches no AWS managed policy to any of them", () => {
        for (const name of Object.keys(STACKS)) {
            assert.deepStrictEqual(roles.filter((r) => r.stack === name).map((r) => r.server).sort(),
                buildModel(STACKS[name], name, { stack: MOCK_STACK }).servers.map((s) => s.name).sort(), name);
        }
        assert.strictEqual(roles.length, 3 + 6 + 3);
        for (const r of roles) assert.deepStrictEqual(r.policies.filter((p) => p.name.startsWith("arn:")).map((p) => p.name), [], `${r.stack}/${r.server}`);
    });

    it("the SSM agent's actions are AmazonSSMManagedInstanceCore's, minus its parameter reads on *", async () => {
        const core = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore";
        const doc = managedPolicyDocuments([core]).documents[core];
        const actions = doc.Statement.flatMap((s: any) => [s.Action].flat()).sort();
        const { SSM_AGENT_ACTIONS } = require("../components/aws/iam");
        assert.deepStrictEqual([...SSM_AGENT_ACTIONS].sort(), actions.filter((a: string) => !["ssm:GetParameter", "ssm:GetParameters"].includes(a)));
        // The agent can register and open Session Manager channels on every server.
        for (const r of roles) {
            assert.strictEqual(await evaluate(r, "ssm:UpdateInstanceInformation", `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0123456789abcdef0`), "Allowed", `${r.stack}/${r.server}`);
            // These take no resource type: AWS evaluates them against "*".
            for (const a of ["ssmmessages:CreateControlChannel", "ssmmessages:OpenDataChannel", "ec2messages:GetMessages"]) {
                assert.strictEqual(await evaluate(r, a, "*"), "Allowed", `${r.stack}/${r.server} ${a}`);
            }
        }
    });

    it("every (role, secret) pair: GetParameter(s) and kms:Decrypt as SSM calls it are allowed exactly for the secret's own readers", async () => {
        let pairs = 0;
        for (const r of roles) {
            for (const [stack, f] of Object.entries(facts)) {
                for (const [arn, readers] of f.secrets) {
                    const own = stack === r.stack && readers.includes(r.server);
                    const want: Decision[] = own ? ["Allowed"] : ["ImplicitlyDenied", "ExplicitlyDenied"];
                    const what = `${r.stack}/${r.server} → ${arn}`;
                    assert.ok(want.includes(await evaluate(r, "ssm:GetParameter", arn)), `ssm:GetParameter ${what}`);
                    assert.ok(want.includes(await evaluate(r, "ssm:GetParameters", arn)), `ssm:GetParameters ${what}`);
                    assert.ok(want.includes(await decryptAsSsm(r, f.keyArn, arn, f.keyPolicy)), `kms:Decrypt ${what}`);
                    pairs++;
                }
            }
        }
        const secretCount = Object.values(facts).reduce((n, f) => n + f.secrets.size, 0);
        assert.strictEqual(pairs, roles.length * secretCount);
        console.log(`      ${pairs} (role, secret) pairs over ${secretCount} SecureStrings in 3 stacks`);
    });

    it("kms:Decrypt needs the PARAMETER_ARN context of an own parameter and SSM as the caller", async () => {
        let checked = 0;
        for (const r of roles) {
            const f = facts$(r);
            const mine = [...f.secrets].find(([, readers]) => readers.includes(r.server));
            if (!mine) continue; // e.g. the dev stack's web server reads no secret at all
            checked++;
            const own = mine[0];
            assert.strictEqual(await decryptAsSsm(r, f.keyArn, own, f.keyPolicy), "Allowed");
            const deny = async (ctx: Record<string, string>, why: string) =>
                assert.notStrictEqual(await evaluate(r, "kms:Decrypt", f.keyArn, { "kms:CallerAccount": ACCOUNT, ...ctx }, f.keyPolicy), "Allowed", `${r.stack}/${r.server}: ${why}`);
            await deny({}, "no encryption context");
            await deny({ "kms:EncryptionContext:PARAMETER_ARN": own }, "not through SSM");
            await deny({ "kms:EncryptionContext:PARAMETER_ARN": own, "kms:ViaService": "s3.us-east-1.amazonaws.com" }, "through S3");
            await deny({ "kms:EncryptionContext:PARAMETER_ARN": `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/other/prod/db-app-password`, "kms:ViaService": SSM_VIA }, "another stack's parameter");
            for (const a of ["kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:CreateGrant", "kms:ScheduleKeyDeletion", "kms:PutKeyPolicy"]) {
                assert.notStrictEqual(await evaluate(r, a, f.keyArn, {}, f.keyPolicy), "Allowed", `${r.stack}/${r.server} ${a}`);
            }
        }
        assert.ok(checked >= 9, `${checked} roles read secrets`);
    });

    it("each server reads its own toolkit parameters, and no other stack's", async () => {
        for (const r of roles) {
            const ownToolkit = r.policies.flatMap((p) => p.policy.Statement).filter((s: any) => s.Sid === "OwnParameters").flatMap((s: any) => s.Resource)
                .filter((a: string) => facts$(r).toolkit.includes(a));
            assert.ok(ownToolkit.length > 0, `${r.stack}/${r.server} reads toolkit files`);
            for (const a of ownToolkit) assert.strictEqual(await evaluate(r, "ssm:GetParameter", a), "Allowed");
            for (const [stack, f] of Object.entries(facts)) {
                if (stack === r.stack) continue;
                for (const a of f.toolkit.slice(0, 3)) assert.notStrictEqual(await evaluate(r, "ssm:GetParameter", a), "Allowed", `${r.stack}/${r.server} → ${a}`);
            }
        }
    });

    /**
     * Every (role, peer-list parameter) pair of the three stacks where the decision is not "this
     * server's own list": peer lists live at /<prefix>/peers/<server>/<path>, and only <server>
     * may read them (sws-fetch at boot, sws-peers through the peers-update association).
     */
    async function peerListViolations(r: RoleUnderTest): Promise<string[]> {
        const out: string[] = [];
        for (const [stack, f] of Object.entries(facts)) {
            for (const [arn, name] of f.strings) {
                const owner = new RegExp(`^${f.model.parameterPrefix}/peers/([a-z0-9-]+)/`).exec(name)?.[1];
                if (!owner) continue;
                const own = stack === r.stack && owner === r.server;
                for (const action of ["ssm:GetParameter", "ssm:GetParameters"]) {
                    const got = await evaluate(r, action, arn);
                    if ((got === "Allowed") !== own) out.push(`${r.stack}/${r.server} ${action} ${name}: ${got}`);
                }
            }
        }
        return out;
    }

    it("peer lists: each server reads its own /<prefix>/peers/<server>/… parameters, and no other server's, in its stack or another", async () => {
        let lists = 0;
        for (const [stack, f] of Object.entries(facts)) {
            // The registered peer-list parameters are exactly the lists each server's payload fetches.
            for (const server of f.model.servers) {
                const prefix = `${f.model.parameterPrefix}/peers/${server.name}/`;
                const registered = [...f.strings.values()].filter((n) => n.startsWith(prefix)).sort();
                const fetched = [...f.fetches.get(server.name)!].filter((n) => n.startsWith(prefix)).sort();
                assert.deepStrictEqual(registered, fetched, `${stack}/${server.name}: registered peer lists = the ones it fetches`);
                lists += registered.length;
            }
        }
        // Every server of every stack has peer lists (its host firewall's rules to and from the others at least).
        for (const r of roles) assert.ok([...facts$(r).strings.values()].some((n) => n.startsWith(`${facts$(r).model.parameterPrefix}/peers/${r.server}/`)), `${r.stack}/${r.server} has peer lists`);
        const violations: string[] = [];
        for (const r of roles) violations.push(...await peerListViolations(r));
        assert.deepStrictEqual(violations, []);
        console.log(`      ${lists} peer-list parameters × ${roles.length} roles × 2 actions`);
    });

    it("the peer-list check has teeth: a role whose grant is widened to its stack's peers/* — or to the other app server's lists — fails it", async () => {
        const app1 = roles.find((r) => r.stack === "big" && r.server === "app-1")!;
        assert.deepStrictEqual(await peerListViolations(app1), []);
        const prefixArn = `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${facts.big.model.parameterPrefix}`;
        const widened = (resource: string): RoleUnderTest => ({
            ...app1, policies: [...app1.policies, { name: "widened", policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["ssm:GetParameter", "ssm:GetParameters"], Resource: resource }] } }],
        });
        const all = await peerListViolations(widened(`${prefixArn}/peers/*`));
        for (const other of ["lb", "web-1", "web-2", "app-2", "db-replica"]) {
            assert.ok(all.some((v) => v.includes(`/peers/${other}/`)), `peers/* lets app-1 read ${other}'s lists: ${all.join(" | ")}`);
        }
        // A pattern that looks like "app-1's own" but also matches app-2's lists.
        const sibling = await peerListViolations(widened(`${prefixArn}/peers/app-*`));
        assert.ok(sibling.length > 0 && sibling.every((v) => v.includes("/peers/app-2/")), sibling.join(" | "));
    });

    it("every String parameter (toolkit files, the live app release, peer lists): a server reads exactly those its sws-fetch installs", async () => {
        let pairs = 0;
        const problems: string[] = [];
        for (const r of roles) {
            for (const [stack, f] of Object.entries(facts)) {
                for (const [arn, name] of f.strings) {
                    const want = stack === r.stack && f.fetches.get(r.server)!.has(name);
                    const got = await evaluate(r, "ssm:GetParameter", arn);
                    if ((got === "Allowed") !== want) problems.push(`${r.stack}/${r.server} ssm:GetParameter ${name}: ${got}`);
                    pairs++;
                }
            }
        }
        assert.deepStrictEqual(problems, []);
        // The release, by name: the app servers read it (sws-app-update), no other server does.
        for (const [stack, f] of Object.entries(facts)) {
            const release = [...f.strings].find(([, n]) => n === `${f.model.parameterPrefix}/live/etc/sws/app-release.env`);
            assert.ok(release, `${stack} has the release parameter`);
            for (const r of roles.filter((x) => x.stack === stack)) {
                assert.strictEqual(await evaluate(r, "ssm:GetParameter", release![0]) === "Allowed", r.roles.includes(Role.App), `${stack}/${r.server} reads the app release`);
            }
        }
        console.log(`      ${pairs} (role, String parameter) pairs`);
    });

    it("the backup bucket is writable by the database servers only, each under its own prefix", async () => {
        for (const r of roles) {
            for (const [stack, f] of Object.entries(facts)) {
                for (const prefix of f.model.servers.map((s) => s.name)) {
                    const want = stack === r.stack && prefix === r.server && r.roles.includes(Role.Database);
                    const got = await evaluate(r, "s3:PutObject", `${f.bucketArn}/${prefix}/full/2026-11-30.sql.gz`, {}, f.bucketPolicy);
                    assert.strictEqual(got === "Allowed", want, `${r.stack}/${r.server} s3:PutObject ${f.bucketArn}/${prefix}/…: ${got}`);
                }
                // Never anything outside a server prefix, never delete (versioning keeps what was overwritten).
                assert.notStrictEqual(await evaluate(r, "s3:PutObject", `${f.bucketArn}/other.txt`, {}, f.bucketPolicy), "Allowed");
                assert.notStrictEqual(await evaluate(r, "s3:DeleteObjectVersion", `${f.bucketArn}/${r.server}/x`, {}, f.bucketPolicy), "Allowed");
                assert.notStrictEqual(await evaluate(r, "s3:PutBucketPolicy", f.bucketArn, {}, f.bucketPolicy), "Allowed");
            }
            // Over plain HTTP nothing is written, not even by the database server.
            const f = facts$(r);
            assert.notStrictEqual(await evaluate(r, "s3:PutObject", `${f.bucketArn}/${r.server}/x`, { "aws:SecureTransport": "false" }, f.bucketPolicy), "Allowed");
        }
    });

    it("logs: each server writes its own log stream (named after it) and no other host's", async () => {
        for (const r of roles.filter((x) => facts$(x).model.monitoring.sink === "cloudwatch")) {
            const f = facts$(r);
            for (const group of ["metrics", "logs"].map((g) => `/sws/${f.model.name}/${f.model.environment}/${g}`)) {
                for (const host of f.model.servers.map((s) => s.name)) {
                    const stream = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${group}:log-stream:${host}`;
                    for (const a of ["logs:PutLogEvents", "logs:CreateLogStream"]) {
                        assert.strictEqual(await evaluate(r, a, stream) === "Allowed", host === r.server, `${r.stack}/${r.server} ${a} ${stream}`);
                    }
                }
            }
        }
    });

    it("remote write: aps:RemoteWrite on the configured workspace only", async () => {
        const amp = roles.filter((x) => x.stack === "amp");
        assert.ok(amp.length === 3);
        for (const r of roles) {
            const want = r.stack === "amp";
            assert.strictEqual(await evaluate(r, "aps:RemoteWrite", `arn:aws:aps:eu-west-1:${ACCOUNT}:workspace/ws-0a1b2c3d-4e5f`) === "Allowed", want, `${r.stack}/${r.server}`);
            assert.notStrictEqual(await evaluate(r, "aps:RemoteWrite", `arn:aws:aps:eu-west-1:${ACCOUNT}:workspace/ws-ffffffff-0000`), "Allowed");
            assert.notStrictEqual(await evaluate(r, "aps:RemoteWrite", `arn:aws:aps:us-east-1:${ACCOUNT}:workspace/ws-0a1b2c3d-4e5f`), "Allowed");
        }
    });

    it("ACM export: the acm stack's balancer, its own certificate only", async () => {
        const cert = facts.big.acmArn!;
        assert.ok(cert);
        for (const r of roles) {
            assert.strictEqual(await evaluate(r, "acm:ExportCertificate", cert) === "Allowed", r.stack === "big" && r.roles.includes(Role.Balancer), `${r.stack}/${r.server}`);
            assert.notStrictEqual(await evaluate(r, "acm:ExportCertificate", `arn:aws:acm:${REGION}:${ACCOUNT}:certificate/another`), "Allowed");
        }
    });

    it("s3:// app artifact: the acm stack's app servers read exactly that object, and nothing else of its bucket", async () => {
        const object = "arn:aws:s3:::big-releases/shop/app-1.4.2.tar.gz";
        const readers = roles.filter((r) => r.stack === "big" && r.roles.includes(Role.App)).map((r) => r.server);
        assert.deepStrictEqual(readers.sort(), ["app-1", "app-2"]);
        // A GetObject (boto3's download_file: HeadObject + GetObject, both authorised as s3:GetObject).
        for (const r of roles) {
            const want = r.stack === "big" && r.roles.includes(Role.App);
            assert.strictEqual(await evaluate(r, "s3:GetObject", object) === "Allowed", want, `${r.stack}/${r.server} s3:GetObject ${object}`);
            const others: [string, string][] = [
                ["s3:GetObject", "arn:aws:s3:::big-releases/shop/app-1.4.3.tar.gz"], // the next release: only once the stack names it
                ["s3:GetObject", "arn:aws:s3:::big-releases/shop/app-1.4.2.tar.gz.sig"],
                ["s3:GetObject", "arn:aws:s3:::big-releases/other/app-1.4.2.tar.gz"],
                ["s3:GetObject", "arn:aws:s3:::big-releases-copy/shop/app-1.4.2.tar.gz"],
                ["s3:GetObjectVersion", object],
                ["s3:PutObject", object],
                ["s3:DeleteObject", object],
                ["s3:PutObjectAcl", object],
                ["s3:ListBucket", "arn:aws:s3:::big-releases"],
                ["s3:GetBucketPolicy", "arn:aws:s3:::big-releases"],
            ];
            for (const [action, resource] of others) assert.notStrictEqual(await evaluate(r, action, resource), "Allowed", `${r.stack}/${r.server} ${action} ${resource}`);
        }
    });

    it("s3:// artifact under the user's KMS key: only the acm stack's app servers decrypt with it, only through S3, only for that object or its bucket's Bucket Key", async () => {
        const key = STACKS.big.app!.artifactKmsKeyArn!;
        // The user's key with AWS's default key policy (the account's IAM policies decide).
        const keyPolicy = { Version: "2012-10-17", Statement: [{ Sid: "EnableIamPolicies", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" }] };
        const object = "arn:aws:s3:::big-releases/shop/app-1.4.2.tar.gz";
        const bucket = "arn:aws:s3:::big-releases";
        const asS3 = (s3Arn: string, via = `s3.${REGION}.amazonaws.com`) => ({ "kms:EncryptionContext:aws:s3:arn": s3Arn, "kms:ViaService": via, "kms:CallerAccount": ACCOUNT });
        const decrypt = (r: RoleUnderTest, ctx: Record<string, string>, k = key) => evaluate(r, "kms:Decrypt", k, ctx, keyPolicy);
        for (const r of roles) {
            const want = r.stack === "big" && r.roles.includes(Role.App);
            // GetObject of the artifact: S3 asks KMS with the object's ARN, or the bucket's with an S3 Bucket Key.
            for (const ctx of [object, bucket]) assert.strictEqual(await decrypt(r, asS3(ctx)) === "Allowed", want, `${r.stack}/${r.server} kms:Decrypt as S3 for ${ctx}`);
            const denied: [string, Record<string, string>, string?][] = [
                ["another object of the bucket", asS3("arn:aws:s3:::big-releases/shop/app-1.4.3.tar.gz")],
                ["another bucket", asS3("arn:aws:s3:::big-releases-copy/shop/app-1.4.2.tar.gz")],
                ["no encryption context, through S3", { "kms:ViaService": `s3.${REGION}.amazonaws.com`, "kms:CallerAccount": ACCOUNT }],
                ["not through S3 (a direct call)", { "kms:EncryptionContext:aws:s3:arn": object, "kms:CallerAccount": ACCOUNT }],
                ["through SSM", asS3(object, `ssm.${REGION}.amazonaws.com`)],
                ["through S3 in another region", asS3(object, "s3.eu-west-1.amazonaws.com")],
                ["another key, same context", asS3(object), `arn:aws:kms:${REGION}:${ACCOUNT}:key/99999999-aaaa-bbbb-cccc-dddddddddddd`],
            ];
            for (const [what, ctx, k] of denied) assert.notStrictEqual(await decrypt(r, ctx, k), "Allowed", `${r.stack}/${r.server} kms:Decrypt: ${what}`);
            for (const a of ["kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:CreateGrant", "kms:PutKeyPolicy"]) {
                assert.notStrictEqual(await evaluate(r, a, key, asS3(object), keyPolicy), "Allowed", `${r.stack}/${r.server} ${a}`);
            }
        }
        // Teeth: the same grant without its encryption-context condition decrypts another object's data key.
        const app1 = roles.find((r) => r.stack === "big" && r.server === "app-1")!;
        const loose: RoleUnderTest = { ...app1, policies: app1.policies.map((p) => ({ ...p, policy: { ...p.policy, Statement: p.policy.Statement.map((s: any) =>
            s.Sid === "AppArtifactDecrypt" ? { ...s, Condition: { StringEquals: { "kms:ViaService": s.Condition.StringEquals["kms:ViaService"] } } } : s) } })) };
        assert.strictEqual(await decrypt(loose, asS3("arn:aws:s3:::big-releases/shop/app-1.4.3.tar.gz")), "Allowed");
    });

    it("nothing else in the account is reachable (a sample of other resources and dangerous actions)", async () => {
        const denied: [string, string, Record<string, string>?][] = [
            ["ssm:GetParameter", `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/prod/payments/db-password`],
            ["ssm:GetParametersByPath", `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/shop-dev/dev`],
            ["ssm:PutParameter", `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/shop-dev/dev/db-app-password`],
            ["ssm:DeleteParameter", `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/shop-dev/dev/tls-pem`],
            ["ssm:SendCommand", `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0fedcba9876543210`],
            ["ssm:StartSession", `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0fedcba9876543210`],
            ["kms:Decrypt", `arn:aws:kms:${REGION}:${ACCOUNT}:key/99999999-aaaa-bbbb-cccc-dddddddddddd`, { "kms:EncryptionContext:PARAMETER_ARN": `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/shop-dev/dev/db-app-password`, "kms:ViaService": SSM_VIA }],
            ["s3:PutObject", "arn:aws:s3:::another-bucket/app/x"],
            ["s3:GetObject", "arn:aws:s3:::another-bucket/app/x"],
            ["s3:ListBucket", "arn:aws:s3:::another-bucket"],
            ["logs:PutLogEvents", `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/payments:log-stream:app`],
            ["logs:CreateLogGroup", `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/sws/shop-dev/dev/metrics`],
            ["logs:DeleteLogGroup", `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/sws/shop-dev/dev/logs`],
            ["logs:PutRetentionPolicy", `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/sws/shop-dev/dev/logs`],
            ["cloudwatch:PutMetricData", "*", { "cloudwatch:namespace": "SecuredWebStack" }],
            ["cloudwatch:PutMetricData", "*", { "cloudwatch:namespace": "AWS/EC2" }],
            ["cloudwatch:DeleteAlarms", `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:shop-dev-dev-backend-down`],
            ["iam:PassRole", `arn:aws:iam::${ACCOUNT}:role/admin`],
            ["iam:CreateUser", `arn:aws:iam::${ACCOUNT}:user/x`],
            ["iam:PutRolePolicy", `arn:aws:iam::${ACCOUNT}:role/shop-app-role`],
            ["sts:AssumeRole", `arn:aws:iam::${ACCOUNT}:role/admin`],
            ["ec2:RunInstances", `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/*`],
            ["ec2:TerminateInstances", `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0fedcba9876543210`],
            ["ec2:AuthorizeSecurityGroupIngress", `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group/sg-0123`],
            ["ec2:CreateSnapshot", `arn:aws:ec2:${REGION}:${ACCOUNT}:volume/vol-0123456789abcdef0`],
            ["secretsmanager:GetSecretValue", `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:prod/db-AbCdEf`],
            ["route53:ChangeResourceRecordSets", "arn:aws:route53:::hostedzone/Z04481532TESTZONE0001"],
            ["dynamodb:Scan", `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/customers`],
        ];
        for (const r of roles) {
            for (const [action, resource, ctx] of denied) {
                assert.notStrictEqual(await evaluate(r, action, resource, ctx ?? {}), "Allowed", `${r.stack}/${r.server} ${action} ${resource}`);
            }
        }
    });

    it("the evaluator has teeth: with AmazonSSMManagedInstanceCore attached (the old design) the balancer reads the database password", async () => {
        const core = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore";
        const lb = roles.find((r) => r.stack === "shop" && r.server === "lb")!;
        const old: RoleUnderTest = { ...lb, policies: [...lb.policies, { name: core, policy: managedPolicyDocuments([core]).documents[core] }] };
        const dbPassword = [...facts.shop.secrets.keys()].find((a) => a.endsWith("/db-app-password"))!;
        assert.strictEqual(await evaluate(lb, "ssm:GetParameter", dbPassword), "ImplicitlyDenied");
        assert.strictEqual(await evaluate(old, "ssm:GetParameter", dbPassword), "Allowed");
    });
});
