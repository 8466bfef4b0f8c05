// The pull-request workflow (.github/workflows/policy.yml): linted by actionlint (workflow syntax,
// expressions, contexts, action inputs), and the properties that make it work on its first run
// asserted one by one.
import * as assert from "assert";
import * as cp from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as semver from "semver";
import * as YAML from "yaml";
import { requireTool } from "./helpers/tools";
import { OTLP_PROTO_PIP } from "../lab/sink";

const ROOT = path.join(__dirname, "..");
const WORKFLOW = path.join(ROOT, ".github", "workflows", "policy.yml");
const wf = YAML.parse(fs.readFileSync(WORKFLOW, "utf8"));
const ciRun = fs.readFileSync(path.join(ROOT, ".ci", "run"), "utf8");
const steps = (job: string): any[] => wf.jobs[job].steps;
const uses = (job: string, action: string) => steps(job).filter((s) => typeof s.uses === "string" && s.uses.startsWith(`${action}@`));
const runText = (job: string) => steps(job).map((s) => s.run ?? "").join("\n");

describe("pull-request workflow", () => {
    it("passes actionlint", function () {
        this.timeout(60000);
        requireTool(this, "actionlint", ["actionlint", "-version"],
            `go install github.com/rhysd/actionlint/cmd/actionlint@${wf.env.ACTIONLINT_VERSION} (Go module proxy; .ci/run does it)`);
        const r = cp.spawnSync("actionlint", ["-no-color", "-oneline", ...fs.readdirSync(path.dirname(WORKFLOW)).map((f) => path.join(path.dirname(WORKFLOW), f))], { encoding: "utf8" });
        assert.strictEqual(r.status, 0, `actionlint:\n${r.stdout}${r.stderr}`);
    });

    it("pins the same actionlint version as .ci/run", () => {
        assert.match(wf.env.ACTIONLINT_VERSION, /^v\d+\.\d+\.\d+$/);
        assert.ok(ciRun.includes(`ACTIONLINT_VERSION=${wf.env.ACTIONLINT_VERSION}\n`), ".ci/run installs another actionlint");
    });

    it("runs the Node version @pulumi/pulumi requires, as package.json's engines says", () => {
        const sdk = JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules/@pulumi/pulumi/package.json"), "utf8")).engines.node;
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).engines.node;
        assert.strictEqual(semver.minVersion(pkg)!.version, semver.minVersion(sdk)!.version, `package.json engines.node ${pkg} vs @pulumi/pulumi ${sdk}`);
        assert.strictEqual(Number(wf.env.NODE_VERSION), semver.minVersion(sdk)!.major);
        // And no direct dependency asks for more than package.json promises.
        const deps = Object.keys(JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).dependencies);
        for (const d of deps) {
            const wanted = JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules", d, "package.json"), "utf8")).engines?.node;
            if (wanted) assert.ok(semver.gte(semver.minVersion(pkg)!, semver.minVersion(wanted)!), `${d} needs Node ${wanted}; package.json says ${pkg}`);
        }
        for (const job of ["test", "preview"]) {
            for (const s of uses(job, "actions/setup-node")) assert.strictEqual(s.with["node-version"], "${{ env.NODE_VERSION }}", job);
        }
    });

    it("creates missing stacks, runs the pack with each stack's config and posts the findings on the pull request", () => {
        const [pulumi] = uses("preview", "pulumi/actions");
        assert.ok(pulumi, "pulumi/actions in preview");
        assert.strictEqual(pulumi.with.command, "preview");
        assert.strictEqual(pulumi.with.upsert, true);
        assert.strictEqual(pulumi.with.policyPacks, "policy");
        assert.strictEqual(pulumi.with.policyPackConfigs, "policy/config.${{ matrix.stack }}.json");
        assert.strictEqual(pulumi.with["comment-on-pr"], true);
        assert.deepStrictEqual(wf.jobs.preview.strategy.matrix.stack, ["dev", "prod"]);
        for (const stack of wf.jobs.preview.strategy.matrix.stack) assert.ok(fs.existsSync(path.join(ROOT, `Pulumi.${stack}.yaml`)), stack);
        assert.strictEqual(wf.jobs.preview.permissions["pull-requests"], "write");
        assert.match(runText("preview"), /npm ci .*--prefix policy/, "the pack's own dependencies are installed");
    });

    it("gets AWS credentials through OIDC, never stored keys", () => {
        const [aws] = uses("preview", "aws-actions/configure-aws-credentials");
        assert.ok(aws.with["role-to-assume"], "role-to-assume");
        assert.ok(!("aws-access-key-id" in aws.with) && !("aws-secret-access-key" in aws.with));
        assert.strictEqual(wf.jobs.preview.permissions["id-token"], "write");
        assert.doesNotMatch(fs.readFileSync(WORKFLOW, "utf8"), /AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY/);
        assert.deepStrictEqual(wf.permissions, {}, "no default token permissions; each job asks for its own");
    });

    it("guards fork pull requests: tests without secrets, a preview only on a maintainer's label, at the labelled commit", () => {
        assert.deepStrictEqual(wf.on.pull_request_target, { types: ["labeled"] }, "pull_request_target only on labeled (a push never re-runs it)");
        assert.strictEqual(wf.jobs.test.if, "github.event_name == 'pull_request'");
        assert.doesNotMatch(JSON.stringify(wf.jobs.test), /secrets\./, "the test job uses no secret");
        const cond: string = wf.jobs.preview.if;
        assert.match(cond, /github\.event_name == 'pull_request' && github\.event\.pull_request\.head\.repo\.full_name == github\.repository/);
        assert.match(cond, /github\.event_name == 'pull_request_target' && github\.event\.label\.name == 'safe-to-preview' &&\s+github\.event\.pull_request\.head\.repo\.full_name != github\.repository/);
        assert.match(wf.jobs.preview.environment, /'fork-preview'/, "a fork's preview waits for the environment's reviewers");
        const [checkout] = uses("preview", "actions/checkout");
        assert.strictEqual(checkout.with.ref, "${{ github.event.pull_request.head.sha }}");
        for (const job of ["test", "preview"]) assert.strictEqual(uses(job, "actions/checkout")[0].with["persist-credentials"], false, job);
    });

    it("installs every tool .ci/run installs for npm test, and caches npm, pip, Go and Pulumi plugins", () => {
        const aptLine = /apt-get install -y -q --no-install-recommends ([a-z0-9 -]+?)\s*(?:>|$)/m;
        const ciTools = aptLine.exec(ciRun)![1].trim().split(/\s+/).sort();
        const wfTools = aptLine.exec(runText("test"))![1].trim().split(/\s+/).sort();
        assert.deepStrictEqual(wfTools, ciTools);
        assert.match(runText("test"), /pip install -q "moto\[server\]==5\.2\.1"/);
        assert.match(ciRun, /moto\[server\]==5\.2\.1/);
        // The lab's Sumo Logic receiver decodes OTLP with it (tests/lab/otlp-receiver.test.ts).
        assert.match(runText("test"), /"opentelemetry-proto==1\.45\.2"/);
        assert.match(ciRun, /"opentelemetry-proto==1\.45\.2"/);
        assert.strictEqual(OTLP_PROTO_PIP, "opentelemetry-proto==1.45.2", "the lab installs the same pin when it is missing (lab/sink.ts)");
        assert.match(runText("test"), /go install "github\.com\/rhysd\/actionlint\/cmd\/actionlint@\$\{ACTIONLINT_VERSION\}"/);
        for (const job of ["test", "preview"]) assert.strictEqual(uses(job, "actions/setup-node")[0].with.cache, "npm", job);
        assert.strictEqual(uses("test", "actions/setup-python")[0].with.cache, "pip");
        assert.ok(uses("test", "actions/cache").some((s) => s.with.path === "~/go/bin/actionlint"));
        assert.ok(uses("preview", "actions/cache").some((s) => s.with.path === "~/.pulumi/plugins"));
        assert.match(runText("test"), /^npm test$/m);
        assert.match(runText("test"), /^npm run test:clone$/m, "the fresh-clone check runs in the workflow");
        assert.match(ciRun, /npm run -s test:clone/, "and in .ci/run");
    });
});
