// The import structure, checked with dpdm (a maintained dependency-graph tool) over every
// TypeScript source of the component, the lab, the policy pack and the program:
//   - no import cycle anywhere, type-only imports included (a cycle hides which layer owns what);
//   - imports flow one way: types → model (validation included) → flows → payload renderers →
//     AWS renderer / lab → component.
import * as assert from "assert";
import * as path from "path";
import { DependencyTree, parseCircular, parseDependencyTree } from "dpdm";

const ROOT = path.join(__dirname, "..");
const SOURCES = ["index.ts", "components/**/*.ts", "lab/**/*.ts", "policy/**/*.ts"];

let tree: DependencyTree | undefined;
async function dependencyTree(): Promise<DependencyTree> {
    // transform: false keeps type-only imports in the graph; node_modules are not followed.
    tree ??= await parseDependencyTree(SOURCES, {
        context: ROOT, cwd: ROOT, transform: false, skipDynamicImports: false,
        include: /\.(ts|js|json)$/, exclude: /node_modules|\.d\.ts$/, tsconfig: path.join(ROOT, "tsconfig.json"),
    });
    return tree;
}

/** Relative paths of the project files `file` imports. */
function importsOf(t: DependencyTree, file: string): string[] {
    return (t[file] ?? []).map((d) => d.id).filter((id): id is string => !!id && !id.includes("node_modules"));
}

describe("structure: imports (dpdm)", function () {
    this.timeout(60000);

    it("has no import cycle anywhere (type-only imports included)", async () => {
        const t = await dependencyTree();
        const files = Object.keys(t).filter((f) => !f.includes("node_modules"));
        assert.ok(files.length > 80, `dpdm saw only ${files.length} files`);
        assert.ok(files.includes("components/model/build.ts") && files.includes("lab/cli.ts"), "the graph covers the model and the lab");
        const cycles = parseCircular(t, false).map((c) => c.join(" → "));
        assert.deepStrictEqual(cycles, [], `import cycles:\n  ${cycles.join("\n  ")}`);
    });

    it("imports flow one way: types → model → flows → payloads → AWS renderer / lab → component", async () => {
        const t = await dependencyTree();
        // Layer of a file; a file may import only from its own layer or lower ones.
        const layer = (f: string): number | undefined => {
            if (f === "components/types.ts") return 0;
            // The model's shape and its validated sections; then the flows derived from them; then
            // buildModel (sections + flows) and the model's public face (components/model.ts).
            if (f === "components/model.ts" || f === "components/model/build.ts") return 2.5;
            if (f.startsWith("components/model/")) return 1;
            if (f === "components/flows.ts") return 2;
            if (f.startsWith("components/payloads/") || f === "components/render.ts") return 3;
            if (f.startsWith("components/aws/") || f.startsWith("lab/")) return 4;
            if (f === "components/securedWebStack.ts" || f === "components/index.ts" || f === "index.ts") return 5;
            return undefined;
        };
        const wrong: string[] = [];
        for (const f of Object.keys(t)) {
            const from = layer(f);
            if (from === undefined) continue;
            for (const dep of importsOf(t, f)) {
                const to = layer(dep);
                if (to !== undefined && to > from) wrong.push(`${f} (layer ${from}) imports ${dep} (layer ${to})`);
            }
        }
        // The model's shape is the bottom of the model layer: it imports only types.
        for (const dep of importsOf(t, "components/model/shape.ts")) if (dep !== "components/types.ts") wrong.push(`components/model/shape.ts imports ${dep}`);
        // The component and its renderers never import the lab or the policy pack.
        for (const f of Object.keys(t).filter((x) => x.startsWith("components/"))) {
            for (const dep of importsOf(t, f)) if (dep.startsWith("lab/") || dep.startsWith("policy/")) wrong.push(`${f} imports ${dep}`);
        }
        assert.deepStrictEqual(wrong, []);
    });
});
