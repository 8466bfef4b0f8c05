// app.packages: what a custom artifact needs to run reaches the app servers' cloud-config
// `packages:` (cloud-init installs them before runcmd starts the app), exactly as validated, as
// YAML strings, on the app servers only — and the lab's default profile, whose S3 artifact is the
// bundled app's server.js, declares the runtime that file needs.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as YAML from "yaml";
import { renderStack } from "../components/render";
import { BUNDLED_APP_PACKAGES } from "../components/payloads/app";
import type { SecuredWebStackArgs } from "../components/types";
import { loadConfig } from "../lab/config";
import { requireTool } from "./helpers/tools";

const CUSTOM = { artifactUrl: "https://artifacts.example.com/app-1.tar.gz", artifactSha256: "b".repeat(64), startCommand: "node server.js" };

/** Each server's parsed #cloud-config `packages:` (the document cloud-init reads). */
function packagesByServer(args: SecuredWebStackArgs): Map<string, unknown[]> {
    const rendered = renderStack(args, { region: "us-east-1", internalCaPem: "-----BEGIN CERTIFICATE-----\nTEST\n-----END CERTIFICATE-----\n" });
    return new Map(rendered.servers.map((s) => [s.name, YAML.parse(s.userData).packages as unknown[]]));
}

describe("app.packages in the rendered cloud-config", () => {
    it("a custom artifact's packages are installed on every app server, and on no other server", () => {
        const wanted = ["nodejs", "node-mysql", "openjdk-17-jre-headless"];
        const byServer = packagesByServer({ domain: "www.foobar.com", webServers: 2, appServers: 2, hardening: { endToEndTls: true }, app: { ...CUSTOM, packages: wanted } });
        assert.deepStrictEqual([...byServer.keys()], ["lb", "web-1", "web-2", "app-1", "app-2"]);
        for (const [server, pkgs] of byServer) {
            for (const p of wanted) {
                if (server.startsWith("app-")) assert.ok(pkgs.includes(p), `${server}'s cloud-config packages lack ${p}: ${JSON.stringify(pkgs)}`);
                else assert.ok(!pkgs.includes(p), `${server} is no app server but installs ${p}`);
            }
        }
    });

    it("without app.packages a custom artifact gets the download tools only — nothing is guessed from startCommand", () => {
        const app1 = packagesByServer({ domain: "www.foobar.com", app: CUSTOM }).get("app-1")!;
        for (const p of BUNDLED_APP_PACKAGES) assert.ok(!app1.includes(p), `${p} installed though nobody asked for it`);
        assert.ok(app1.includes("curl") && app1.includes("python3-boto3"), "sws-app-update's download tools");
    });

    it("the bundled app installs its own runtime", () => {
        const app1 = packagesByServer({ domain: "www.foobar.com" }).get("app-1")!;
        for (const p of BUNDLED_APP_PACKAGES) assert.ok(app1.includes(p), `bundled app without ${p}`);
    });

    it("names YAML would read as something else reach cloud-init's own YAML reader (PyYAML, YAML 1.1) as the same strings", function () {
        requireTool(this, "PyYAML (the YAML reader cloud-init uses)", ["/usr/bin/python3", "-c", "import yaml"], "apt-get install python3-yaml (cloud-init depends on it)");
        // All valid Debian package names. Unquoted, YAML 1.2 reads the first five as numbers or
        // null, YAML 1.1 also reads on/no/yes/off as booleans, 0b101 and 012 as integers, the date as a timestamp.
        const tricky = ["123", "1.50", "0x10", "1e5", "null", "no", "on", "off", "yes", "0b101", "012", "2001-12-14", "0ad", "libstdc++6"];
        const rendered = renderStack({ domain: "www.foobar.com", app: { ...CUSTOM, packages: tricky } }).servers.find((s) => s.name === "app-1")!;
        const read = JSON.parse(execFileSync("/usr/bin/python3", ["-c", "import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)['packages'], default=repr))"], { input: rendered.userData, encoding: "utf8" }));
        for (const p of tricky) assert.ok(read.includes(p), `PyYAML does not read ${JSON.stringify(p)} back: ${JSON.stringify(read)}`);
        assert.ok(read.every((p: unknown) => typeof p === "string"), `every package is a string to PyYAML: ${JSON.stringify(read)}`);
        // The names that need no quotes keep the library's plain style (user data of existing stacks keeps its bytes).
        assert.match(rendered.userData, /^ {2}- curl$/m);
        assert.match(rendered.userData, /^ {2}- "on"$/m);
    });

    it("a cluster's app servers (their HAProxy part merged with the app's) keep the app's packages", () => {
        const byServer = packagesByServer({ domain: "www.foobar.com", hardening: { endToEndTls: true }, database: { topology: "cluster" }, app: { ...CUSTOM, packages: ["python3-flask"] } });
        assert.ok(byServer.get("app-1")!.includes("python3-flask"));
        for (const db of ["db-1", "db-2", "db-3"]) assert.ok(!byServer.get(db)!.includes("python3-flask"), db);
    });

    it("the lab's default profile (its S3 artifact is app/server.js) declares the bundled app's runtime, and its app server installs it", () => {
        const cfg = loadConfig("default");
        assert.ok(cfg.stack.app?.artifactUrl?.startsWith("s3://"), "the default profile's app is a custom S3 artifact");
        assert.deepStrictEqual([...(cfg.stack.app?.packages ?? [])].sort(), [...BUNDLED_APP_PACKAGES].sort(), "the profile's app.packages");
        const app1 = packagesByServer(cfg.stack).get("app-1")!;
        for (const p of BUNDLED_APP_PACKAGES) assert.ok(app1.includes(p), `the lab's app-1 cloud-config lacks ${p}`);
    });
});
