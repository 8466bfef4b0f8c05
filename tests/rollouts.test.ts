// The stack's two rolling commands, as registered: app releases (app-update, the app servers) and
// peer lists (peers-update, every server). Each is one SSM Command document running one fixed
// toolkit command whose only argument is a pattern-constrained parameter, and one State Manager
// association that runs it by tag on one server at a time (maxConcurrency 1) and stops at the
// first failure (maxErrors 0). The inputs are pinned here in full, so a change to the mechanism
// both share (aws/rollingCommand.ts) that alters either one fails.
import * as assert from "assert";
import * as crypto from "crypto";
import { captureComponent } from "./aws/capture";
import type { Captured } from "./helpers/pulumiMocks";

const ARGS = { domain: "www.foobar.com", webServers: 2, appServers: 2, hardening: { endToEndTls: true } };
/** "<physical name>-<environment>": captureComponent's stack "conformance" makes the physical name sws-conformance, and is the environment too. */
const PHYSICAL = "sws-conformance-conformance";
/** A parameter's value as the mocks capture it: the provider marks every Parameter value secret (a wrapped value). */
const plain = (v: any): string => (typeof v === "string" ? v : v.value);

describe("rolling commands (app-update, peers-update): one document and one association each", function () {
    this.timeout(120000);
    let rs: Captured[];
    before(async () => { rs = await captureComponent("sws", ARGS); });
    const one = (type: string, name: string) => {
        const found = rs.filter((r) => r.type === type && r.name === name);
        assert.strictEqual(found.length, 1, `${type} ${name}`);
        return found[0];
    };

    it("app-update: the document runs sws-app-update with the release's SHA-256, after first boot", () => {
        const doc = one("aws:ssm/document:Document", "sws-app-update");
        assert.deepStrictEqual({ ...doc.inputs, content: undefined, tags: undefined }, {
            name: `${PHYSICAL}-app-update`, documentType: "Command", documentFormat: "JSON", content: undefined, tags: undefined,
        });
        assert.strictEqual(doc.inputs.content, JSON.stringify({
            schemaVersion: "2.2",
            description: "secured-web-stack: roll this application server to the release in SSM (sws-app-update); exit 1 = rolled back",
            parameters: { release: { type: "String", description: "SHA-256 of the release (/etc/sws/app-release.env) to roll out", allowedPattern: "^[0-9a-f]{64}$" } },
            mainSteps: [{ action: "aws:runShellScript", name: "swsAppUpdate", inputs: { timeoutSeconds: "900",
                runCommand: ["cloud-init status --wait >/dev/null || true", "exec /usr/local/sbin/sws-app-update '{{ release }}'"] } }],
        }), "the document's content, byte for byte");
    });

    it("app-update: the association targets the app servers' tag, one at a time, stops at the first failure, and names the live release", () => {
        const assoc = one("aws:ssm/association:Association", "sws-app-update");
        const release = one("aws:ssm/parameter:Parameter", "sws-live-etc-sws-app-release-env");
        assert.deepStrictEqual(assoc.inputs, {
            name: `${PHYSICAL}-app-update`, associationName: `${PHYSICAL}-app-update`,
            targets: [{ key: "tag:sws:app-update", values: [PHYSICAL] }],
            parameters: { release: crypto.createHash("sha256").update(plain(release.inputs.value), "utf8").digest("hex") },
            maxConcurrency: "1", maxErrors: "0", complianceSeverity: "HIGH", waitForSuccessTimeoutSeconds: 1800,
        });
        const tagged = rs.filter((r) => r.type === "aws:ec2/instance:Instance" && r.inputs.tags?.["sws:app-update"] === PHYSICAL).map((r) => r.name);
        assert.deepStrictEqual(tagged.sort(), ["sws-app-1", "sws-app-2"]);
    });

    it("peers-update: the document runs sws-peers with every server's peer-list digest, after first boot", () => {
        const doc = one("aws:ssm/document:Document", "sws-peers-update");
        assert.deepStrictEqual({ ...doc.inputs, content: undefined, tags: undefined }, {
            name: `${PHYSICAL}-peers-update`, documentType: "Command", documentFormat: "JSON", content: undefined, tags: undefined,
        });
        assert.strictEqual(doc.inputs.content, JSON.stringify({
            schemaVersion: "2.2",
            description: "secured-web-stack: apply this server's peer lists from SSM in place (sws-peers); exit 1 = refused, previous lists kept",
            parameters: { peers: { type: "String", description: "<server>:<SHA-256 of its peer lists> for every server of the stack",
                allowedPattern: "^[a-z0-9-]{1,32}:[0-9a-f]{64}( [a-z0-9-]{1,32}:[0-9a-f]{64}){0,63}$" } },
            mainSteps: [{ action: "aws:runShellScript", name: "swsPeers", inputs: { timeoutSeconds: "300",
                runCommand: ["cloud-init status --wait >/dev/null || true", "exec /usr/local/sbin/sws-peers {{ peers }}"] } }],
        }), "the document's content, byte for byte");
    });

    it("peers-update: the association targets every server's tag, one at a time, stops at the first failure, and lists every server in the model's order", () => {
        const assoc = one("aws:ssm/association:Association", "sws-peers-update");
        const { parameters, ...rest } = assoc.inputs;
        assert.deepStrictEqual(rest, {
            name: `${PHYSICAL}-peers-update`, associationName: `${PHYSICAL}-peers-update`,
            targets: [{ key: "tag:sws:peers-update", values: [PHYSICAL] }],
            maxConcurrency: "1", maxErrors: "0", complianceSeverity: "HIGH", waitForSuccessTimeoutSeconds: 1800,
        });
        assert.deepStrictEqual(Object.keys(parameters), ["peers"]);
        assert.deepStrictEqual(parameters.peers.split(" ").map((e: string) => e.split(":")[0]), ["lb", "web-1", "web-2", "app-1", "app-2"]);
        const pattern = new RegExp(JSON.parse(one("aws:ssm/document:Document", "sws-peers-update").inputs.content).parameters.peers.allowedPattern);
        assert.match(parameters.peers, pattern, "SSM accepts the argument");
        const tagged = rs.filter((r) => r.type === "aws:ec2/instance:Instance" && r.inputs.tags?.["sws:peers-update"] === PHYSICAL).map((r) => r.name);
        assert.deepStrictEqual(tagged.sort(), ["sws-app-1", "sws-app-2", "sws-lb", "sws-web-1", "sws-web-2"]);
    });

    it("the parameters' patterns refuse anything a shell would read as more than the argument", () => {
        for (const name of ["sws-app-update", "sws-peers-update"]) {
            const params = JSON.parse(one("aws:ssm/document:Document", name).inputs.content).parameters;
            for (const p of Object.values<any>(params)) {
                const re = new RegExp(p.allowedPattern);
                for (const bad of ["a".repeat(64) + "; reboot", "$(reboot)", `lb:${"a".repeat(64)}\nreboot`, `lb:${"a".repeat(64)} `, "' || reboot '"]) {
                    assert.doesNotMatch(bad, re, `${name}: ${JSON.stringify(bad)}`);
                }
            }
        }
    });
});
