import * as assert from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import { labArtifact, packArtifact, withArtifactSha256 } from "../../lab/aws/artifact";
import { releaseParameter, releaseWithArtifact } from "../../lab/aws/rollout";
import { endpointNames } from "../../lab/aws/endpoints";
import { loadConfig, render } from "../../lab/config";
import { parseCloudConfig } from "../../lab/payload";

// The default profile's application comes from S3 as a user's artifact (lab/aws/artifact.ts):
// what the lab packs, the SHA-256 it gives the stack, and what the app server is told to fetch.
// No root: the download itself is proven by `npm run lab -- check` (section "aws").

const sha256 = (b: Buffer | string) => crypto.createHash("sha256").update(b).digest("hex");

/** The names and contents of a (ustar) tar's regular files. */
function untar(tgz: Buffer): Map<string, Buffer> {
  const tar = zlib.gunzipSync(tgz);
  const out = new Map<string, Buffer>();
  for (let off = 0; off + 512 <= tar.length && tar[off] !== 0;) {
    const name = tar.subarray(off, off + 100).toString("utf8").replace(/\0.*$/s, "");
    const size = parseInt(tar.subarray(off + 124, off + 136).toString("utf8").replace(/\0.*$/s, "").trim(), 8);
    if (tar[off + 156] === 0x30 || tar[off + 156] === 0) out.set(name, tar.subarray(off + 512, off + 512 + size));
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

describe("lab: the app artifact from S3 (default profile)", () => {
  const cfg = loadConfig();

  it("packs app/server.js reproducibly: the same bytes every time, the file at the tarball's top level", () => {
    const a = packArtifact(["app/server.js"]);
    const b = packArtifact(["app/server.js"]);
    assert.ok(a.equals(b), "two packs differ");
    const files = untar(a);
    assert.deepStrictEqual([...files.keys()], ["server.js"]);
    assert.ok(files.get("server.js")!.equals(fs.readFileSync(path.join(__dirname, "..", "..", "app", "server.js"))));
  });

  it("gives the stack the tarball's SHA-256 for its s3:// artifactUrl, and refuses another one", () => {
    const art = labArtifact(cfg.stack, cfg.lab.appArtifact)!;
    assert.ok(art, "the default profile has an s3:// artifact");
    assert.strictEqual(art.url, "s3://sws-lab-releases/app/server-js.tar.gz");
    assert.deepStrictEqual([art.bucket, art.key], ["sws-lab-releases", "app/server-js.tar.gz"]);
    assert.strictEqual(cfg.stack.app!.artifactSha256, sha256(art.bytes));
    assert.strictEqual(art.sha256, sha256(art.bytes));
    assert.throws(() => withArtifactSha256({ ...cfg.stack, app: { ...cfg.stack.app, artifactSha256: "0".repeat(64) } }, cfg.lab.appArtifact), /app\.artifactSha256 is 0{64}, but the lab's tarball/);
    assert.throws(() => withArtifactSha256(cfg.stack, undefined), /lab\.appArtifact\.files/);
  });

  it("the app server's release names that object and digest; its user data boots sws-app-update --boot; its bucket resolves in the lab", () => {
    const rendered = render(cfg, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    const app = rendered.servers.find((s) => s.name === "app-1")!;
    const cc = parseCloudConfig(app.userData);
    assert.ok((cc.runcmd ?? []).some((r) => Array.isArray(r) && r.join(" ") === "/usr/local/sbin/sws-app-update --boot"), "first boot installs the artifact");
    const model = rendered.model;
    assert.strictEqual(model.app.artifactUrl, "s3://sws-lab-releases/app/server-js.tar.gz");
    assert.strictEqual(model.app.artifactSha256, cfg.stack.app!.artifactSha256);
    const names = endpointNames("us-east-1", ["sws-lab-releases"]).dns;
    assert.ok(names.includes("sws-lab-releases.s3.amazonaws.com"));
  });

  it("a rollout's release: only the artifact lines change; the live parameter is read from fetch.list's ~ line", () => {
    const rendered = render(cfg, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    const cc = parseCloudConfig(rendered.servers.find((s) => s.name === "app-1")!.userData);
    const release = "WORKERS='1'\nSWS_HEALTH_PATH='/healthz'\nARTIFACT_URL='s3://sws-lab-releases/app/server-js.tar.gz'\nARTIFACT_SHA256='" + "a".repeat(64) + "'\n";
    const next = releaseWithArtifact(release, "s3://sws-lab-releases/app/server-js-next.tar.gz", "b".repeat(64));
    assert.strictEqual(next, "WORKERS='1'\nSWS_HEALTH_PATH='/healthz'\nARTIFACT_URL='s3://sws-lab-releases/app/server-js-next.tar.gz'\nARTIFACT_SHA256='" + "b".repeat(64) + "'\n");
    const fetchList = (cc.write_files ?? []).find((f) => f.path === "/etc/sws/fetch.list")?.content ?? "";
    const param = releaseParameter(fetchList);
    assert.ok(param && param.endsWith("/etc/sws/app-release.env"), `live release parameter: ${param}`);
    assert.strictEqual(releaseParameter("/x/etc/sws/app-release.env /etc/sws/app-release.env root 0644 +\n"), undefined, "a toolkit (+) line is not the live release");
  });
});
