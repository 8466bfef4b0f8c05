// Deploy gate: `pulumi up` succeeds only when https://<domain><healthPath> answers 200 through
// the balancer. Retries with backoff; on timeout it fails with the last error it saw. The check is
// a Node script (deploy-gate.cjs): no shell or curl on the deploying machine.
import * as fs from "fs";
import * as path from "path";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";

/** The gate itself (deploy-gate.cjs beside this file), run as `node -e <script>`: the same text on every machine. */
export const GATE_SCRIPT = fs.readFileSync(path.join(__dirname, "deploy-gate.cjs"), "utf8");

export function createDeployGate(
    name: string, args: { domain: string; healthPath: string; ip: pulumi.Input<string>; caPem?: pulumi.Input<string>; timeoutSeconds: number; triggers: pulumi.Input<any>[] },
    opts: pulumi.CustomResourceOptions,
): command.local.Command {
    return new command.local.Command(`${name}-deploy-gate`, {
        create: GATE_SCRIPT,
        // Node is on every machine that runs this program; no shell is involved.
        interpreter: ["node", "-e"],
        environment: {
            DOMAIN: args.domain, HEALTH_PATH: args.healthPath, IP: args.ip,
            CA_PEM: args.caPem ?? "", TIMEOUT: String(args.timeoutSeconds),
        },
        triggers: args.triggers,
    }, opts);
}
