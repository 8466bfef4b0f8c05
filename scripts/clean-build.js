// Removes what `npm run build` compiled in place (components/**/*.js, *.d.ts): the build sits
// beside the sources only so that the packed `main` resolves to its TypeScript for
// `pulumi package add`; left behind, it would shadow the sources in tests.
const fs = require("fs");
const path = require("path");
function walk(dir) {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (/\.(js|d\.ts)$/.test(e.name) && fs.existsSync(p.replace(/\.(js|d\.ts)$/, ".ts"))) fs.rmSync(p);
    }
}
walk(path.join(__dirname, "..", "components"));
