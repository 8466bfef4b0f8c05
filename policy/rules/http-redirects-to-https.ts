import { ResourceValidationPolicy } from "@pulumi/policy";
import { binds, haproxyOf, redirectsToHttps } from "../lib/haproxy";
import { isLoopback } from "../lib/net";
import { explain } from "../lib/report";
import { payloadOf, validateServer } from "../lib/servers";

const remediation =
    "In every plain-HTTP frontend of the balancer, redirect to HTTPS before anything else: " +
    "`http-request redirect scheme https code 301 unless { ssl_fc }` (keep an ACME challenge exception if needed). " +
    "SecuredWebStack renders this redirect.";

export const httpRedirectsToHttps: ResourceValidationPolicy = {
    name: "http-redirects-to-https",
    description: "[medium] The balancer redirects plain HTTP to HTTPS.",
    enforcementLevel: "advisory",
    severity: "medium",
    remediationSteps: remediation,
    validateResource: validateServer((server, args, report) => {
        const sections = haproxyOf(payloadOf(server, args));
        if (!sections) {
            return args.notApplicable("the server runs no HAProxy");
        }
        const plain = binds(sections)
            .filter((b) => !b.tls && b.port !== undefined && !isLoopback(b.host))
            .filter((b) => !redirectsToHttps(b.section));
        if (plain.length === 0) {
            return;
        }
        report(
            explain({
                found: `frontend(s) ${[...new Set(plain.map((b) => b.section.name))].join(", ")} serve plain HTTP (${plain
                    .map((b) => `\`${b.line}\``)
                    .join(", ")}) without redirecting to HTTPS`,
                on: [server.name],
                why:
                    "visitors who type the bare domain or follow an http:// link stay on an unencrypted connection, where " +
                    "passwords and cookies can be read and pages altered.",
                fix: remediation,
            }),
        );
    }),
};
