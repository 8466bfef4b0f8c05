// Every secret detector of the policy pack (policy/lib/secrets.ts, used by no-secrets-in-user-data
// and the other user-data policies): one text it must flag and a look-alike it must not. The kinds
// are listed here by hand, so a detector that disappears fails its positive case, and a new
// detector without cases fails the coverage check.
import * as assert from "assert";
import { findSecrets, SECRET_KINDS } from "../../policy/lib/secrets";

const CASES: { kind: string; positive: string; negative: string }[] = [
    {
        kind: "private key",
        positive: "write_files:\n  - content: |\n      -----BEGIN EC PRIVATE KEY-----\n      MHcCAQEE\n",
        negative: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n# BEGIN PRIVATE notes\n",
    },
    { kind: "AWS access key id", positive: "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", negative: "AKIA-not-a-key and AKIAIOSFODNN7 (too short)" },
    {
        kind: "AWS secret access key",
        positive: "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        negative: "aws_secret_access_key = ${SECRET_FROM_SSM}",
    },
    {
        kind: "database password in SQL",
        positive: "CREATE USER 'app'@'%' IDENTIFIED BY 'hunter2-long';",
        negative: "CREATE USER 'app'@'%' IDENTIFIED BY '$(cat /run/sws/secrets/db-app-password)';",
    },
    { kind: "credentials in a URL", positive: "remote_write: https://user:s3cretpass@prom.example.com/api/v1/write", negative: "remote_write: https://prom.example.com:8443/api/v1/write" },
    {
        kind: "password or token assignment",
        positive: "DB_PASSWORD=correct-horse-battery",
        negative: "DB_PASSWORD_FILE=/run/sws/secrets/db-app-password\napi_key: ${API_KEY}\nrequire_secret: true",
    },
];

describe("policy pack: every secret detector, a positive and a negative case", () => {
    it("has cases for exactly the detectors the pack defines", () => {
        assert.deepStrictEqual(CASES.map((c) => c.kind).sort(), [...SECRET_KINDS].sort());
    });
    for (const c of CASES) {
        it(`${c.kind}: flags the secret, not its look-alike`, () => {
            const hit = findSecrets(c.positive, "user data");
            assert.ok(hit.some((f) => f.kind === c.kind), `${c.kind} missed: ${JSON.stringify(hit.map((f) => f.kind))}`);
            assert.deepStrictEqual(findSecrets(c.negative, "user data").filter((f) => f.kind === c.kind), [], `${c.kind} flagged the look-alike`);
        });
    }
    it("names the kind and the line, never the secret itself in the kind or place", () => {
        const [f] = findSecrets("line one\nDB_PASSWORD=correct-horse-battery\n", "the app's user data");
        assert.deepStrictEqual([f.kind, f.where, f.line], ["password or token assignment", "the app's user data", 2]);
    });
});
