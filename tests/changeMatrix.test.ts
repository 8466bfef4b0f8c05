// The change matrix: for every row of the README's replacement table (tests/helpers/changeRows.ts)
// two runs of the component under the mocks, diffed the way the engine would (created, deleted,
// replaced, updated in place; tests/helpers/changeMatrix.ts). Asserts what no change may ever do,
// and that the README's table is the one these runs produce (`npm run docs:changes` writes it).
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { ASSOCIATION, PEERS_ASSOCIATION, ROWS, RowResult, STACK, computeRow, peerListOwner, readmeTable, setUp, summary, tableOf } from "./helpers/changeRows";
import { Change, REPLACE_ON_CHANGE, RunResource, addressConflicts, changedInputs, diffRuns } from "./helpers/changeMatrix";

const r = (key: string, inputs: any, extra: Partial<RunResource> = {}): RunResource => {
    const [type, name] = key.split("::");
    return { key, type, name, id: `${name}-id`, inputs, state: {}, aliases: [], deleteBeforeReplace: false, replaceOnChanges: [], ignoreChanges: [], retainOnDelete: false, protect: false, ...extra };
};
const SG = "aws:ec2/securityGroup:SecurityGroup";
const EC2 = "aws:ec2/instance:Instance";
const VOL = "aws:ebs/volume:Volume";

describe("change matrix: the diff itself", () => {
    it("tells replace-on-change inputs from in-place ones, per the provider table", () => {
        const c = diffRuns(
            [r(`${EC2}::a`, { instanceType: "t3.small", privateIp: "10.0.0.1" }), r(`${EC2}::b`, { instanceType: "t3.small", privateIp: "10.0.0.2" })],
            [r(`${EC2}::a`, { instanceType: "t3.large", privateIp: "10.0.0.1" }), r(`${EC2}::b`, { instanceType: "t3.small", privateIp: "10.0.0.3" })],
        );
        assert.deepStrictEqual(c.updated, [{ key: `${EC2}::a`, inputs: ["instanceType"] }]);
        assert.deepStrictEqual(c.replaced.map((x) => [x.key, x.because]), [[`${EC2}::b`, ["privateIp"]]]);
    });

    it("replaces on user data only with userDataReplaceOnChange, and never for ignored inputs", () => {
        const a = (ud: string, extra: any = {}) => r(`${EC2}::a`, { userDataBase64: ud, ami: "ami-1", ...extra }, { ignoreChanges: ["ami"] });
        assert.deepStrictEqual(diffRuns([a("x")], [a("y")]).updated.map((x) => x.inputs), [["userDataBase64"]]);
        assert.deepStrictEqual(diffRuns([a("x", { userDataReplaceOnChange: true })], [a("y", { userDataReplaceOnChange: true })]).replaced.map((x) => x.because), [["userDataBase64"]]);
        assert.deepStrictEqual(diffRuns([a("x")], [a("x", { ami: "ami-2" })]), { created: [], deleted: [], released: [], replaced: [], updated: [], renamed: [] });
    });

    it("propagates a replacement to every input that carried the old resource's id", () => {
        const before = [r(`${SG}::sg`, { description: "one", vpcId: "vpc-1" }), r(`${EC2}::i`, { vpcSecurityGroupIds: ["sg-id"] })];
        before[0].id = "sg-id";
        const after = [r(`${SG}::sg`, { description: "two", vpcId: "vpc-1" }), r(`${EC2}::i`, { vpcSecurityGroupIds: ["sg-id"] })];
        after[0].id = "sg-id";
        const c = diffRuns(before, after);
        assert.deepStrictEqual(c.replaced.map((x) => x.key), [`${SG}::sg`]);
        assert.deepStrictEqual(c.updated, [{ key: `${EC2}::i`, inputs: ["vpcSecurityGroupIds"] }], "the instance takes the new group in place");
    });

    it("follows aliases (kept, renamed), honours replaceOnChanges, and releases retainOnDelete resources", () => {
        const c = diffRuns(
            [r(`${VOL}::old`, { size: 20 }, { retainOnDelete: true }), r(`${VOL}::gone`, { size: 20 }, { retainOnDelete: true }), r(`${EC2}::x`, { tags: { os: "a" } })],
            [r(`${VOL}::new`, { size: 20 }, { aliases: [`${VOL}::old`] }), r(`${EC2}::x`, { tags: { os: "b" } }, { replaceOnChanges: ["tags.os"] })],
        );
        assert.deepStrictEqual(c.renamed, [{ from: `${VOL}::old`, to: `${VOL}::new` }]);
        assert.deepStrictEqual([c.created, c.deleted, c.released], [[], [], [`${VOL}::gone`]]);
        assert.deepStrictEqual(c.replaced.map((x) => [x.key, x.because]), [[`${EC2}::x`, ["tags.os"]]]);
    });

    it("sees two instances claiming one fixed address", () => {
        const before = [r(`${EC2}::web`, { privateIp: "10.0.0.20" })];
        const after = [r(`${EC2}::web-1`, { privateIp: "10.0.0.20" })];
        assert.match(addressConflicts(before, after, diffRuns(before, after)).join(), /web-1 is created with 10\.0\.0\.20 while .*::web still holds it/);
        const createFirst = [r(`${EC2}::web`, { privateIp: "10.0.0.20", subnetId: "b" })];
        assert.match(addressConflicts(before.map((x) => ({ ...x, inputs: { ...x.inputs, subnetId: "a" } })), createFirst, diffRuns(before.map((x) => ({ ...x, inputs: { ...x.inputs, subnetId: "a" } })), createFirst)).join(), /create-before-delete/);
    });

    it("knows every changed path, nested ones included", () => {
        assert.deepStrictEqual(changedInputs({ a: 1, t: { x: "1", y: "2" } }, { a: 1, t: { x: "1", y: "3" }, n: true }), ["n", "t.y"]);
    });
});

describe("change matrix: every row of the README's table", function () {
    this.timeout(600000);
    const results: RowResult[] = [];
    before(async () => {
        setUp();
        for (const row of ROWS) results.push(await computeRow(row));
    });

    it("knows the replace-on-change inputs of every resource type the component registers", () => {
        const types = new Set(results.flatMap((x) => [...x.before, ...x.after].map((res) => res.type)));
        const missing = [...types].filter((t) => !REPLACE_ON_CHANGE[t]);
        assert.deepStrictEqual(missing, [], "add them to REPLACE_ON_CHANGE with the provider's schema as source");
    });

    it("never deletes or replaces a database data volume", () => {
        for (const x of results) {
            const data = new Set([...x.before, ...x.after].filter((res) => res.type === VOL && res.inputs.tags?.["sws:data"]).map((res) => res.key));
            const hit = [...x.change.deleted, ...x.change.replaced.map((c) => c.key)].filter((k) => data.has(k));
            assert.deepStrictEqual(hit, [], x.row.change);
            for (const k of data) {
                const res = [...x.after, ...x.before].find((y) => y.key === k)!;
                assert.ok(res.retainOnDelete, `${k}: a data volume is retained when it leaves the stack`);
            }
        }
    });

    it("never lets two instances claim one fixed address at the same time", () => {
        for (const x of results) assert.deepStrictEqual(x.conflicts, [], x.row.change);
        for (const x of results) for (const c of x.change.replaced.filter((y) => y.key.startsWith(`${EC2}::`))) {
            assert.ok(c.deleteFirst, `${x.row.change}: ${c.key} is replaced delete-before-replace (its address is fixed)`);
        }
    });

    it("scaling out and back never renames, re-addresses or deletes an existing server, nor deletes or replaces its group, role, profile or volume", () => {
        for (const x of results.filter((y) => /^scale /.test(y.row.group))) {
            const servers = (rs: RunResource[]) => new Map(rs.filter((res) => res.type === EC2).map((res) => [res.name, res.inputs.privateIp]));
            const a = servers(x.before), b = servers(x.after);
            const both = [...a.keys()].filter((n) => b.has(n));
            assert.ok(both.length >= 3, `${x.row.change}: the balancer and the first web and app server are in both runs`);
            for (const n of both) assert.strictEqual(b.get(n), a.get(n), `${x.row.change}: ${n} keeps its address`);
            assert.deepStrictEqual(x.change.renamed, [], x.row.change);
            const own = (key: string) => both.some((n) => {
                const [type, name] = key.split("::");
                // (A replaced instance takes its volume attachment with it: detached, attached again.)
                return [SG, "aws:iam/role:Role", "aws:iam/instanceProfile:InstanceProfile", VOL].includes(type)
                    && (name.startsWith(`${n}-`));
            });
            const touched = [...x.change.deleted, ...x.change.replaced.map((c) => c.key)].filter(own);
            assert.deepStrictEqual(touched, [], x.row.change);
            assert.deepStrictEqual(x.change.deleted.filter((k) => k.startsWith(`${EC2}::`) && both.includes(k.split("::")[1])), [], x.row.change);
        }
    });

    it("scaling replaces NO existing server, changes none of their user data, and reaches the neighbours through their peer lists in place", () => {
        const scale = results.filter((y) => /^scale /.test(y.row.group));
        assert.strictEqual(scale.length, 6, "web and app, 1 → 2 → 3 → 1");
        for (const x of scale) {
            const existing = x.before.filter((res) => res.type === EC2 && x.after.some((a) => a.key === res.key)).map((res) => res.key);
            assert.ok(existing.length >= 3, x.row.change);
            // Nothing is replaced: no instance, nor anything else — but the deploy gate, a local command
            // that re-runs (by design) whenever the set of instances changes, to check the new servers.
            assert.deepStrictEqual(x.change.replaced.map((c) => c.key).filter((k) => k !== `command:local:Command::${STACK}-deploy-gate`), [], x.row.change);
            for (const k of existing) {
                const u = x.change.updated.find((y) => y.key === k);
                assert.ok(!u, `${x.row.change}: ${k} is not even updated in place (${u?.inputs.join(", ")})`);
                const ud = (rs: RunResource[]) => rs.find((res) => res.key === k)!.inputs.userDataBase64;
                assert.strictEqual(ud(x.after), ud(x.before), `${x.row.change}: ${k} keeps its user data byte for byte`);
            }
            // The neighbours' peer lists change in place, and the peers-update association runs again with them.
            const owners = [...new Set(x.change.updated.map((u) => peerListOwner(u.key)).filter(Boolean))];
            assert.ok(owners.length >= 1, `${x.row.change}: some existing server's peer lists change`);
            for (const u of x.change.updated.filter((y) => peerListOwner(y.key))) assert.ok(u.inputs.every((i) => /^value(\.|$)/.test(i)), `${x.row.change}: ${u.key} changes only its value (${u.inputs.join(", ")})`);
            const assoc = x.change.updated.find((u) => u.key === PEERS_ASSOCIATION);
            assert.deepStrictEqual(assoc?.inputs, ["parameters.peers"], x.row.change);
            const after = x.after.find((r) => r.key === PEERS_ASSOCIATION)!;
            assert.deepStrictEqual([after.inputs.maxConcurrency, after.inputs.maxErrors, after.inputs.targets], ["1", "0", [{ key: "tag:sws:peers-update", values: ["sws-dev-dev"] }]]);
            // Every server of run B is a target and has its own entry in the document's argument.
            const servers = x.after.filter((r) => r.type === EC2).map((r) => r.name.slice(STACK.length + 1));
            assert.deepStrictEqual(after.inputs.parameters.peers.split(" ").map((e: string) => e.split(":")[0]).sort(), servers.sort(), x.row.change);
            for (const r of x.after.filter((y) => y.type === EC2)) assert.strictEqual(r.inputs.tags["sws:peers-update"], "sws-dev-dev", r.key);
        }
    });

    it("the tightened scaling check would fail if a neighbour were replaced (the check itself)", () => {
        const x = results.find((y) => y.row.change === "`webServers` 1 → 2")!;
        const lb = `${EC2}::${STACK}-lb`;
        const tampered = x.after.map((r) => (r.key === lb ? { ...r, inputs: { ...r.inputs, userDataBase64: "changed" } } : r));
        const c = diffRuns(x.before, tampered);
        assert.ok(c.replaced.some((y) => y.key === lb), "a neighbour whose user data changed is replaced, and the check above reads replaced");
    });

    it("keeps the database server and its data volume under their names", () => {
        const names = [`${EC2}::${STACK}-app-1`, `${VOL}::${STACK}-app-1-data`];
        for (const x of results) {
            for (const k of names) {
                assert.ok(x.before.some((res) => res.key === k) && x.after.some((res) => res.key === k), `${x.row.change}: ${k} in both runs`);
                assert.ok(!x.change.deleted.includes(k) && !x.change.renamed.some((m) => m.from === k || m.to === k), `${x.row.change}: ${k}`);
            }
            assert.deepStrictEqual(x.after.find((res) => res.key === names[0])!.inputs.tags.role, "app+database", x.row.change);
        }
    });

    it("changes an instance type in place and ignores a newer AMI", () => {
        for (const x of results.filter((y) => y.row.group === "instance type" || y.row.group === "ami")) {
            assert.deepStrictEqual(summary(x).replaced, [], x.row.change);
            if (x.row.group === "instance type") {
                const inPlace = x.change.updated.filter((u) => u.key.startsWith(`${EC2}::`));
                assert.deepStrictEqual(inPlace.map((u) => u.inputs), [["instanceType"]], x.row.change);
            }
        }
    });

    it("replaces every server when the operating system changes (another image, although `ami` is ignored)", () => {
        const x = results.find((y) => y.row.group === "os")!;
        assert.deepStrictEqual(summary(x).replaced.sort(), ["app-1", "lb", "web-1"]);
    });

    it("an app release (settings, artifact) replaces nothing: the release parameter and the association change in place, one app server at a time", () => {
        for (const x of results.filter((y) => ["`app.environment`", "`app.workers`", "a new `app.artifactUrl` + `artifactSha256`"].includes(y.row.change))) {
            assert.deepStrictEqual(x.change.replaced, [], x.row.change);
            assert.deepStrictEqual([x.change.created, x.change.deleted], [[], []], x.row.change);
            const updated = Object.fromEntries(x.change.updated.map((u) => [u.key, u.inputs]));
            assert.deepStrictEqual(Object.keys(updated).sort(), [ASSOCIATION, "aws:ssm/parameter:Parameter::sws-live-etc-sws-app-release-env"].sort(), x.row.change);
            assert.deepStrictEqual(updated[ASSOCIATION], ["parameters.release"], x.row.change);
            const assoc = x.after.find((r) => r.key === ASSOCIATION)!;
            assert.deepStrictEqual([assoc.inputs.maxConcurrency, assoc.inputs.maxErrors, assoc.inputs.targets], ["1", "0", [{ key: "tag:sws:app-update", values: ["sws-dev-dev"] }]]);
            assert.match(assoc.inputs.parameters.release, /^[0-9a-f]{64}$/);
        }
    });

    it("a new s3:// artifact replaces nothing: the app servers' role policies move to the new object in place", () => {
        const x = results.find((y) => y.row.change === "a new `s3://` `app.artifactUrl` + `artifactSha256`")!;
        assert.deepStrictEqual([x.change.replaced, x.change.created, x.change.deleted], [[], [], []]);
        const updated = Object.fromEntries(x.change.updated.map((u) => [u.key, u.inputs]));
        const policies = Object.keys(updated).filter((k) => k.startsWith("aws:iam/rolePolicy:RolePolicy::"));
        assert.deepStrictEqual(policies.sort(), ["aws:iam/rolePolicy:RolePolicy::sws-app-1-policy"]);
        assert.deepStrictEqual(updated[policies[0]], ["policy"]);
        assert.deepStrictEqual(Object.keys(updated).filter((k) => !policies.includes(k)).sort(), [ASSOCIATION, "aws:ssm/parameter:Parameter::sws-live-etc-sws-app-release-env"].sort());
        const artifactRead = (rs: typeof x.after) => JSON.parse(rs.find((r) => r.key === policies[0])!.inputs.policy).Statement.filter((st: any) => st.Sid === "AppArtifact").map((st: any) => st.Resource);
        assert.deepStrictEqual([artifactRead(x.before), artifactRead(x.after)], [["arn:aws:s3:::releases-bucket/app-1.tgz"], ["arn:aws:s3:::releases-bucket/app-2.tgz"]]);
    });

    it("README: the replacement table is the one these runs produce (npm run docs:changes)", () => {
        const readme = fs.readFileSync(path.join(__dirname, "..", "README.md"), "utf8");
        const shown = readmeTable(readme);
        assert.ok(shown !== undefined, "README.md has no change-matrix block; run `npm run docs:changes`");
        assert.strictEqual(shown, tableOf(results), "README.md's replacement table is stale; run `npm run docs:changes`");
    });
});

export type { Change };
