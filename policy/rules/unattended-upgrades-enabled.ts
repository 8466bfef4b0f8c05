import { ResourceValidationPolicy } from "@pulumi/policy";
import { explain } from "../lib/report";
import { describeServer, payloadOf, validateServer } from "../lib/servers";
import { Payload } from "../lib/userData";

const SETTING = /APT::Periodic::Unattended-Upgrade\s+"(\d+)"/;

const remediation =
    "Install `unattended-upgrades` (cloud-config `packages:`) and enable it with an apt.conf.d file setting " +
    '`APT::Periodic::Update-Package-Lists "1";` and `APT::Periodic::Unattended-Upgrade "1";` ' +
    "(SecuredWebStack writes /etc/apt/apt.conf.d/52sws-unattended-upgrades on every server).";

/** The last `APT::Periodic::Unattended-Upgrade` value the payload's apt.conf.d files set, in apt's (path) order. */
function periodicSetting(payload: Payload): string | undefined {
    return [...payload.files.entries()]
        .filter(([path]) => path.startsWith("/etc/apt/apt.conf.d/"))
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([, content]) => SETTING.exec(content)?.[1])
        .filter((v): v is string => v !== undefined)
        .pop();
}

export const unattendedUpgradesEnabled: ResourceValidationPolicy = {
    name: "unattended-upgrades-enabled",
    description: "[medium] Every server's user data installs and enables unattended-upgrades (automatic security updates).",
    enforcementLevel: "advisory",
    severity: "medium",
    remediationSteps: remediation,
    validateResource: validateServer((server, args, report) => {
        const payload = payloadOf(server, args);
        const installed = payload.packages.includes("unattended-upgrades");
        const setting = periodicSetting(payload);
        const enabled = setting !== undefined ? setting !== "0" : payload.runcmd.some((c) => /unattended-upgrades/.test(c));
        if (installed && enabled) {
            return;
        }
        const found = !installed
            ? "does not install unattended-upgrades"
            : setting === "0"
              ? 'installs unattended-upgrades but disables it (APT::Periodic::Unattended-Upgrade "0")'
              : "installs unattended-upgrades but never enables it (no APT::Periodic::Unattended-Upgrade setting)";
        report(
            explain({
                found: `${describeServer(server)}'s user data ${found}`,
                on: [server.name],
                why:
                    "security fixes for HAProxy, Nginx, MySQL, OpenSSL and the kernel then wait for someone to log in " +
                    "and upgrade by hand; known vulnerabilities stay exploitable for weeks.",
                fix: remediation,
            }),
        );
    }),
};
