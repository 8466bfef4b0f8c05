import { ResourceValidationPolicy } from "@pulumi/policy";
import { configOf } from "../lib/config";
import { binds, haproxyOf, hstsMaxAge } from "../lib/haproxy";
import { reportProblems } from "../lib/report";
import { payloadOf, validateServer } from "../lib/servers";

const configSchema = {
    properties: {
        minMaxAgeSeconds: {
            type: "integer" as const,
            minimum: 0,
            default: 31536000,
            description: "Shortest Strict-Transport-Security max-age accepted (one year by default).",
        },
    },
};

const remediation =
    'In every HTTPS frontend: `http-response set-header Strict-Transport-Security "max-age=63072000"` ' +
    "(two years; SecuredWebStack sets it).";

export const hstsEnabled: ResourceValidationPolicy = {
    name: "hsts-enabled",
    description: "[medium] HTTPS frontends of the balancer send Strict-Transport-Security with a long max-age.",
    enforcementLevel: "advisory",
    severity: "medium",
    configSchema,
    remediationSteps: remediation,
    validateResource: validateServer((server, args, report) => {
        const { minMaxAgeSeconds } = configOf<{ minMaxAgeSeconds: number }>(args, configSchema);
        const sections = haproxyOf(payloadOf(server, args));
        if (!sections) {
            return args.notApplicable("the server runs no HAProxy");
        }
        const frontends = [...new Set(binds(sections).filter((b) => b.tls).map((b) => b.section))];
        const problems = frontends.flatMap((f) => {
            const maxAge = hstsMaxAge(sections, f);
            if (maxAge === undefined) {
                return [`frontend ${f.name} sets no Strict-Transport-Security header`];
            }
            return maxAge < minMaxAgeSeconds ? [`frontend ${f.name} sets max-age=${maxAge} (< ${minMaxAgeSeconds})`] : [];
        });
        reportProblems(report, problems, {
            on: [server.name],
            why:
                "without HSTS a browser's first request (or any http:// link) goes out in plain text and can be " +
                "intercepted and kept on HTTP by an attacker on the network (SSL stripping).",
            fix: remediation,
        });
    }),
};
