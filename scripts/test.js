// `npm test`: the type check (tsc --noEmit) and the mocha suite (transpile-only), side by side on
// the two cores; fails if either fails. Each keeps its own output block.
const { spawn } = require("child_process");
const bin = (name) => require.resolve(`.bin/${name}`, { paths: [require("path").join(__dirname, "..", "node_modules")] });
function run(label, cmd, args) {
    return new Promise((resolve) => {
        const p = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        p.stdout.on("data", (d) => (out += d));
        p.stderr.on("data", (d) => (out += d));
        p.on("close", (code) => resolve({ label, code, out }));
    });
}
const started = Date.now();
Promise.all([
    run("typecheck (tsc --noEmit)", bin("tsc"), ["--noEmit", "-p", "tsconfig.json"]),
    run("unit tests (mocha)", bin("mocha"), process.argv.slice(2)),
]).then((results) => {
    for (const r of results) process.stdout.write(`\n=== ${r.label}: ${r.code === 0 ? "ok" : `FAILED (exit ${r.code})`}\n${r.out}`);
    const mocha = results[1].out;
    const count = (re) => Number((re.exec(mocha) || [0, 0])[1]);
    const passed = count(/(\d+) passing/) + (results[0].code === 0 ? 1 : 0);
    const failed = count(/(\d+) failing/) + (results[0].code === 0 ? 0 : 1);
    console.log(`\nnpm test: ${((Date.now() - started) / 1000).toFixed(1)} s (the type check counts as one test)`);
    console.log(`${passed} passed, ${failed} failed`);
    process.exit(results.some((r) => r.code !== 0) ? 1 : 0);
});
