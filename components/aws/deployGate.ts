// Deploy gate: `pulumi up` succeeds only when https://<domain><healthPath> answers 200 through
// the balancer. Retries with backoff; on timeout it fails with the last error it saw.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";

export const GATE_SCRIPT = `set -u
port=\${PORT:-443}; delay=\${FIRST_DELAY:-5}; last="no attempt"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
ca=""; if [ -n "\${CA_PEM:-}" ]; then ca="$tmp/ca.pem"; printf '%s\\n' "$CA_PEM" > "$ca"; fi
deadline=$(( $(date +%s) + TIMEOUT ))
while :; do
  if code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 10 --resolve "$DOMAIN:$port:$IP" \${ca:+--cacert "$ca"} "https://$DOMAIN:$port$HEALTH_PATH" 2>"$tmp/err"); then
    [ "$code" = 200 ] && { echo "deploy gate: https://$DOMAIN$HEALTH_PATH answered 200"; exit 0; }
    last="HTTP $code"
  else last=$(head -n 1 "$tmp/err"); fi
  [ "$(date +%s)" -ge "$deadline" ] && { echo "deploy gate: gave up after \${TIMEOUT}s; last error: $last" >&2; exit 1; }
  sleep "$delay"; delay=$(( delay * 2 > 60 ? 60 : delay * 2 ))
done`;

export function createDeployGate(
    name: string, args: { domain: string; healthPath: string; ip: pulumi.Input<string>; caPem?: pulumi.Input<string>; timeoutSeconds: number; triggers: pulumi.Input<any>[] },
    opts: pulumi.CustomResourceOptions,
): command.local.Command {
    return new command.local.Command(`${name}-deploy-gate`, {
        create: GATE_SCRIPT,
        interpreter: ["/bin/sh", "-c"],
        environment: {
            DOMAIN: args.domain, HEALTH_PATH: args.healthPath, IP: args.ip,
            CA_PEM: args.caPem ?? "", TIMEOUT: String(args.timeoutSeconds),
        },
        triggers: args.triggers,
    }, opts);
}
