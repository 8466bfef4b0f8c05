// `npm run test:clone`: what `pulumi package add` and `pulumi policy publish` do with this
// repository, from a fresh clone, without the Pulumi CLI (it cannot be installed here):
//   1. git clone <this repository> (its committed HEAD: commit first) into a temporary folder;
//   2. npm ci there, as the CLI's Node.js language host installs a source-based plugin;
//   3. start the plugin as the language host does — node node_modules/@pulumi/pulumi/cmd/run-plugin
//      <folder> — which requires the package (package.json `main`), finds the exported
//      ComponentResource and serves it over gRPC; ask it GetSchema (ComponentProvider.getSchema)
//      and compare the schema with the reviewed snapshot tests/__snapshots__/schema.json;
//   4. copy policy/ out of the clone (so nothing can resolve from the root's node_modules), npm ci
//      in it, start it as the CLI starts a policy pack — run-policy-pack <engine> <folder> — and
//      ask GetAnalyzerInfo (what `pulumi policy publish` reads: name, version, policies); compare
//      the policy names with policy/policies.ts.
// Exits non-zero with the reason on any difference. Prints the time of each step.
"use strict";
const cp = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");
const { createRequire } = require("module");

const ROOT = path.join(__dirname, "..");
const keep = process.argv.includes("--keep");
// --ref <commit>: check that commit instead of HEAD (e.g. to see an older layout fail).
const refAt = process.argv.indexOf("--ref");
const ref = refAt > 0 ? process.argv[refAt + 1] : "HEAD";
const started = Date.now();
const step = (what) => console.log(`== ${what} (${((Date.now() - started) / 1000).toFixed(1)} s)`);

function run(cmd, args, cwd) {
    const r = cp.spawnSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, npm_config_fund: "false", npm_config_audit: "false" } });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} (in ${cwd}) exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
}

/** Starts a Pulumi plugin process and resolves with its gRPC port (the first line it prints). */
function startPlugin(args, cwd) {
    return new Promise((resolve, reject) => {
        const child = cp.spawn(process.execPath, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        let err = "";
        const timer = setTimeout(() => { child.kill(); reject(new Error(`no port after 300 s:\n${out}\n${err}`)); }, 300000);
        child.stdout.on("data", (d) => {
            out += d;
            const m = /^(\d+)\s*$/m.exec(out);
            if (m) { clearTimeout(timer); resolve({ child, port: Number(m[1]), stderr: () => err }); }
        });
        child.stderr.on("data", (d) => (err += d));
        child.on("exit", (code) => { clearTimeout(timer); reject(new Error(`${args[0]} exited ${code} before serving:\n${out}\n${err}`)); });
    });
}

function grpcCall(req, client, method, request) {
    return new Promise((resolve, reject) => client[method](request, (e, res) => (e ? reject(e) : resolve(res))));
}

async function main() {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sws-clone-"));
    const dir = path.join(tmp, "secured-web-stack");
    const children = [];
    try {
        const commit = run("git", ["rev-parse", ref], ROOT).trim();
        step(`git clone ${ROOT} at ${ref} (${commit.slice(0, 10)})`);
        run("git", ["clone", "--quiet", "--no-hardlinks", ROOT, dir], tmp);
        run("git", ["checkout", "--quiet", commit], dir);
        for (const f of ["components/index.js", "node_modules"]) {
            if (fs.existsSync(path.join(dir, f))) throw new Error(`${f} exists right after the clone: the check would not be from a fresh clone`);
        }

        step("npm ci (the language host installs the plugin's dependencies)");
        run("npm", ["ci", "--prefer-offline"], dir);

        step("run-plugin: the plugin host loads the package and serves the component");
        const req = createRequire(path.join(dir, "package.json"));
        const grpc = req("@grpc/grpc-js");
        const providerRpc = req("@pulumi/pulumi/proto/provider_grpc_pb");
        const providerPb = req("@pulumi/pulumi/proto/provider_pb");
        const plugin = await startPlugin([req.resolve("@pulumi/pulumi/cmd/run-plugin"), dir], dir);
        children.push(plugin.child);
        const client = new providerRpc.ResourceProviderClient(`127.0.0.1:${plugin.port}`, grpc.credentials.createInsecure());
        step(`GetSchema on port ${plugin.port}`);
        const schemaRes = await grpcCall(req, client, "getSchema", new providerPb.GetSchemaRequest());
        const schema = JSON.parse(schemaRes.getSchema());
        const snapshot = JSON.parse(fs.readFileSync(path.join(ROOT, "tests", "__snapshots__", "schema.json"), "utf8"));
        if (JSON.stringify(schema) !== JSON.stringify(snapshot)) {
            fs.writeFileSync(path.join(tmp, "schema.json"), JSON.stringify(schema, null, 2) + "\n");
            throw new Error(`the clone's schema differs from tests/__snapshots__/schema.json (written to ${path.join(tmp, "schema.json")})`);
        }
        const token = Object.keys(schema.resources)[0];
        console.log(`   schema: ${schema.name} ${schema.version}, resource ${token} (${Object.keys(schema.resources[token].inputProperties).length} inputs, ${Object.keys(schema.resources[token].properties).length} outputs), ${Object.keys(schema.types ?? {}).length} types — equal to the snapshot`);
        plugin.child.kill();

        step("policy pack: copied out of the clone, npm ci with its own package.json and lockfile");
        const pack = path.join(tmp, "policy");
        fs.cpSync(path.join(dir, "policy"), pack, { recursive: true });
        run("npm", ["ci", "--prefer-offline"], pack);
        const preq = createRequire(path.join(pack, "package.json"));
        const analyzerRpc = preq("@pulumi/pulumi/proto/analyzer_grpc_pb");
        const emptyPb = preq("google-protobuf/google/protobuf/empty_pb");
        step("run-policy-pack: the pack as the CLI starts it");
        const analyzer = await startPlugin([preq.resolve("@pulumi/pulumi/cmd/run-policy-pack"), "127.0.0.1:1", pack], pack);
        children.push(analyzer.child);
        const aclient = new analyzerRpc.AnalyzerClient(`127.0.0.1:${analyzer.port}`, preq("@grpc/grpc-js").credentials.createInsecure());
        const info = await grpcCall(preq, aclient, "getAnalyzerInfo", new emptyPb.Empty());
        const names = info.getPoliciesList().map((p) => p.getName()).sort();
        const expected = JSON.parse(run(process.execPath, ["-r", "ts-node/register/transpile-only", "-e",
            "console.log(JSON.stringify(require('./policy/policies').policies.map((p) => p.name).sort()))"], dir));
        if (JSON.stringify(names) !== JSON.stringify(expected)) throw new Error(`the running pack's policies ${names} differ from policy/policies.ts ${expected}`);
        console.log(`   pack: ${info.getName()} ${info.getVersion() || "(version from package.json at publish)"}, ${names.length} policies — as policy/policies.ts`);
        analyzer.child.kill();
        step("ok");
    } finally {
        for (const c of children) if (c.exitCode === null) c.kill();
        if (keep) console.log(`kept ${tmp}`);
        else fs.rmSync(tmp, { recursive: true, force: true });
    }
}

main().then(() => process.exit(0), (e) => { console.error(`fresh-clone check FAILED: ${e.message}`); process.exit(1); });
