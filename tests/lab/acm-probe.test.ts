import * as assert from "assert";
import * as cp from "child_process";
import * as path from "path";
import { requireTool } from "../helpers/tools";

// The lab has no `acm` profile because moto cannot play ACM's export (lab/README.md, "ACM"). This
// runs the probe the README names and asserts the very facts that claim rests on, so the claim
// cannot outlive them: when a moto release signs its certificates under the returned chain,
// honours KeyAlgorithm and keeps the export working, this test fails — build the profile then.

describe("lab: moto's ACM export, as the README describes it (lab/aws/acm-export-probe.py)", function () {
    this.timeout(120000);

    it("exports a key that matches, under a chain that does not verify the certificate, RSA whatever was asked, with moto's own ARNs", function () {
        requireTool(this, "Python 3 with moto", ["python3", "-c", "import moto"], "pip install 'moto[server]==5.2.1'");
        const r = cp.spawnSync("python3", [path.join(__dirname, "..", "..", "lab", "aws", "acm-export-probe.py")], { encoding: "utf8" });
        assert.strictEqual(r.status, 0, r.stderr);
        const p = JSON.parse(r.stdout);
        console.log(`      moto ${p.moto}: chain verifies the certificate: ${p.chainVerifiesCertificate}; key algorithm issued: ${p.keyAlgorithmIssued} (asked EC_prime256v1); exported while ${p.statusWhenExported}`);
        assert.strictEqual(p.exportedKeyMatchesCertificate, true, "the export itself works (key and certificate belong together)");
        const stale = "moto changed: the lab README's reason for having no acm profile no longer holds";
        assert.strictEqual(p.chainVerifiesCertificate, false, `${stale} (the returned chain now verifies the certificate)`);
        assert.strictEqual(p.certificateSignedByItsOwnKey, true, stale);
        assert.strictEqual(p.keyAlgorithmIssued, "RSA_2048", `${stale} (KeyAlgorithm ${p.keyAlgorithmIssued})`);
        assert.match(p.arnSource, /mock_random\.uuid4\(\)/, `${stale} (ACM ARNs: ${p.arnSource})`);
    });
});
