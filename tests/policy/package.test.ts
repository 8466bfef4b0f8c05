// The policy pack as a package of its own (what `pulumi policy publish` uploads and Pulumi Cloud
// installs with `npm install` in policy/): every module the pack imports is one of its own
// dependencies, its lockfile matches its package.json, and it pins the very versions this
// repository's tests run the policies with (the root lockfile).
import * as assert from "node:assert";
import { builtinModules } from "node:module";
import * as fs from "fs";
import * as path from "path";
import * as semver from "semver";

const POLICY = path.join(__dirname, "../../policy");
const pkg = JSON.parse(fs.readFileSync(path.join(POLICY, "package.json"), "utf8"));
const lock = JSON.parse(fs.readFileSync(path.join(POLICY, "package-lock.json"), "utf8"));
const rootLock = JSON.parse(fs.readFileSync(path.join(__dirname, "../../package-lock.json"), "utf8"));

function sources(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.name === "node_modules" ? [] : e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : []);
}

/** Package names a source imports (`from "x"`, `require("x")`), relative paths and Node built-ins left out. */
function importedPackages(text: string): string[] {
    const specifiers = [...text.matchAll(/(?:from\s+|require\(\s*|import\(\s*)["']([^"']+)["']/g)].map((m) => m[1]);
    return specifiers
        .filter((s) => !s.startsWith(".") && !s.startsWith("node:") && !builtinModules.includes(s.split("/")[0]))
        .map((s) => (s.startsWith("@") ? s.split("/").slice(0, 2).join("/") : s.split("/")[0]));
}

describe("policy pack package (policy/package.json + package-lock.json)", () => {
    it("declares every package the pack's sources import, and what the CLI needs to compile it (typescript, ts-node, @types/node)", () => {
        const imported = new Set(sources(POLICY).flatMap((f) => importedPackages(fs.readFileSync(f, "utf8"))));
        assert.ok(imported.has("@pulumi/policy") && imported.has("yaml"), [...imported].join(", "));
        const declared = Object.keys(pkg.dependencies ?? {});
        for (const name of [...imported, "typescript", "ts-node", "@types/node", "@pulumi/pulumi"]) {
            assert.ok(declared.includes(name), `policy/package.json does not declare ${name}`);
        }
        assert.match(pkg.dependencies.typescript, /^~5\.9\./, "TypeScript stays pinned to 5.9.x");
        assert.strictEqual(pkg.main, "index.ts");
        assert.ok(pkg.version && pkg.name, "name and version (pulumi policy publish uses the pack's version)");
    });

    it("has a lockfile that matches package.json", () => {
        assert.strictEqual(lock.lockfileVersion, 3);
        assert.strictEqual(lock.name, pkg.name);
        assert.deepStrictEqual(lock.packages[""].dependencies, pkg.dependencies);
        for (const [name, range] of Object.entries<string>(pkg.dependencies)) {
            const locked = lock.packages[`node_modules/${name}`];
            assert.ok(locked, `${name} missing from policy/package-lock.json`);
            assert.ok(semver.satisfies(locked.version, range), `${name} ${locked.version} does not satisfy ${range}`);
            assert.match(locked.integrity ?? "", /^sha512-/, `${name}: no integrity hash`);
        }
    });

    it("locks the same versions of its direct dependencies as the root lockfile the tests run with", () => {
        for (const name of Object.keys(pkg.dependencies)) {
            const root = rootLock.packages[`node_modules/${name}`];
            assert.ok(root, `${name} is not installed at the root: the policy tests could not import it`);
            assert.strictEqual(lock.packages[`node_modules/${name}`].version, root.version, name);
        }
    });

    it("asks for the Node version @pulumi/pulumi requires", () => {
        const sdkEngines = lock.packages["node_modules/@pulumi/pulumi"].engines?.node;
        assert.ok(sdkEngines, "the locked @pulumi/pulumi declares engines.node");
        assert.strictEqual(semver.minVersion(pkg.engines.node)!.version, semver.minVersion(sdkEngines)!.version, `${pkg.engines.node} vs ${sdkEngines}`);
    });
});
