// AWS managed policy documents for the effective-permission tests, from a maintained, versioned
// source: moto's bundled copy of AWS's managed policies (moto.iam.aws_managed_policies, refreshed
// from AWS by moto's maintainers on each release). The version printed with every run says which
// copy was judged. Needs Python 3 with moto (on the machine image; .ci/run installs it otherwise).
import * as cp from "child_process";

export const MOTO_PROBE = ["python3", "-c", "import moto.iam.aws_managed_policies"];

export interface ManagedPolicySource {
    /** "moto 5.2.1" */
    version: string;
    /** Default-version documents by policy ARN. */
    documents: { [arn: string]: any };
}

const SCRIPT = `
import json, sys, moto
from moto.iam.aws_managed_policies import aws_managed_policies_data
d = json.loads(aws_managed_policies_data)
out = {}
for arn in sys.argv[1:]:
    name = arn.split("/")[-1]
    if name in d and arn.startswith("arn:aws:iam::aws:policy/"):
        out[arn] = d[name]["Document"]
print(json.dumps({"version": "moto " + moto.__version__, "documents": out}))
`;

/** The documents of the given managed policy ARNs; an ARN moto does not know is an error. */
export function managedPolicyDocuments(arns: string[]): ManagedPolicySource {
    const r = cp.spawnSync("python3", ["-c", SCRIPT, ...arns], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`moto's managed policies could not be read: ${r.error?.message ?? r.stderr}`);
    const src = JSON.parse(r.stdout) as ManagedPolicySource;
    const unknown = arns.filter((a) => !src.documents[a]);
    if (unknown.length) throw new Error(`no document for managed polic${unknown.length > 1 ? "ies" : "y"} ${unknown.join(", ")} in ${src.version}`);
    return src;
}
