import { ResourceValidationPolicy } from "@pulumi/policy";
import { configOf } from "../lib/config";
import { binds, haproxyOf, minimumTlsVersion, tlsRank } from "../lib/haproxy";
import { NGINX_CONF, nginxTls } from "../lib/nginx";
import { reportProblems } from "../lib/report";
import { payloadOf, validateServer } from "../lib/servers";

const configSchema = {
    properties: {
        minimumVersion: {
            type: "string" as const,
            enum: ["TLSv1.2", "TLSv1.3"],
            default: "TLSv1.2",
            description: "Lowest TLS version a listener may offer.",
        },
    },
};

const remediation =
    "Offer TLS 1.2 and 1.3 only: in HAProxy's `global`, `ssl-default-bind-options ssl-min-ver TLSv1.2` " +
    "(SecuredWebStack renders the Mozilla intermediate profile); in Nginx, `ssl_protocols TLSv1.2 TLSv1.3;`.";

export const tlsMinimumVersion: ResourceValidationPolicy = {
    name: "tls-minimum-version",
    description: "[high] No TLS listener offers TLS below 1.2 (HAProxy binds, Nginx servers).",
    enforcementLevel: "advisory",
    severity: "high",
    configSchema,
    remediationSteps: remediation,
    validateResource: validateServer((server, args, report) => {
        const { minimumVersion } = configOf<{ minimumVersion: string }>(args, configSchema);
        const payload = payloadOf(server, args);
        const problems: string[] = [];
        const sections = haproxyOf(payload) ?? [];
        for (const bind of binds(sections).filter((b) => b.tls)) {
            const lowest = minimumTlsVersion(sections, bind);
            if (lowest === undefined) {
                problems.push(`HAProxy \`${bind.line}\` sets no minimum version (neither ssl-min-ver nor ssl-default-bind-options)`);
            } else if (tlsRank(lowest) < tlsRank(minimumVersion)) {
                problems.push(`HAProxy \`${bind.line}\` accepts ${lowest}`);
            }
        }
        for (const [path, text] of payload.files) {
            const nginx = NGINX_CONF.test(path) ? nginxTls(text) : undefined;
            if (!nginx?.listensTls) {
                continue;
            }
            const old = (nginx.protocols ?? ["TLSv1", "TLSv1.1 (nginx default)"]).filter(
                (p) => tlsRank(p.split(" ")[0]) < tlsRank(minimumVersion),
            );
            if (old.length > 0) {
                problems.push(`Nginx ${path} offers ${old.join(", ")}`);
            }
        }
        reportProblems(report, problems, {
            on: [server.name],
            why:
                `TLS below ${minimumVersion} has known weaknesses (BEAST, POODLE-style downgrades, SHA-1 MACs) and is ` +
                "forbidden by PCI DSS; a client can be pushed down to it (Trivy AVD-AWS-0047 for ELB).",
            fix: remediation,
        });
    }),
};
