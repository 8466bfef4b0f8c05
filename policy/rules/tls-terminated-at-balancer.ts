import { StackValidationPolicy } from "@pulumi/policy";
import { backendServers, haproxyOf, terminatesTls } from "../lib/haproxy";
import { isLoopback } from "../lib/net";
import { explain } from "../lib/report";
import { label } from "../lib/resources";
import { validateIndexedStack } from "../lib/stack";

const remediation =
    "Re-encrypt from the balancer to the web tier: serve TLS on the web servers and give every backend " +
    "`server` line `ssl verify required ca-file <internal CA>` (or pass TLS through with `mode tcp`). " +
    "SecuredWebStack: set `hardening.endToEndTls: true` (HAProxy → Nginx → app re-encrypted with an internal CA, " +
    "verified on every hop).";

export const tlsTerminatedAtBalancer: StackValidationPolicy = {
    name: "tls-terminated-at-balancer",
    description: "[medium] Design: the balancer decrypts HTTPS and forwards plain HTTP to the web tier.",
    enforcementLevel: "advisory",
    severity: "medium",
    remediationSteps: remediation,
    validateStack: validateIndexedStack((stack, args, report) => {
        for (const lb of stack.servers) {
            const sections = haproxyOf(lb.payload);
            if (!sections || !terminatesTls(sections)) {
                continue;
            }
            const remote = backendServers(sections).filter((s) => !isLoopback(s.host));
            const plain = remote.filter((s) => !s.tls);
            const unverified = remote.filter((s) => s.tls && !s.verified);
            if (plain.length + unverified.length === 0) {
                continue;
            }
            const targets = stack.servers.filter((s) =>
                [...plain, ...unverified].some((b) => b.host === s.props.privateIp),
            );
            const found = [
                plain.length > 0 &&
                    `${lb.name} terminates TLS (\`bind ... ssl\`) and forwards plain HTTP to ${plain
                        .map((s) => `${s.name} ${s.address}`)
                        .join(", ")}`,
                unverified.length > 0 &&
                    `re-encrypts to ${unverified.map((s) => `${s.name} ${s.address}`).join(", ")} without verifying the certificate`,
            ].filter(Boolean);
            report(
                explain({
                    found: found.join("; "),
                    on: [label(lb), ...targets.map(label)],
                    why:
                        "traffic is decrypted at the load balancer before it is forwarded to the web server: an attacker " +
                        "who gains access to the balancer, or to the network between it and the web tier, can intercept " +
                        "and read it (passwords, credit card numbers).",
                    fix: remediation,
                }),
                lb.urn,
            );
        }
    }),
};
