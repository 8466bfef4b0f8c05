import { ResourceValidationPolicy } from "@pulumi/policy";
import { explain } from "../lib/report";
import { describeServer, payloadOf, validateServer } from "../lib/servers";
import { findMarkers } from "../lib/userData";

const FIREWALL = {
    files: /^(\/etc\/nftables\.conf|\/etc\/nftables\.d\/.*|\/etc\/iptables\/rules\.v[46]|\/etc\/ufw\/user6?\.rules|\/etc\/firewalld\/zones\/.*)$/,
    runcmd: /\b(ufw\s+(--force\s+)?enable|nft\s+-f|iptables-restore|firewall-cmd)\b/,
};

const remediation =
    "Ship a default-deny host firewall in the user data (nftables: /etc/nftables.conf + `systemctl enable --now " +
    "nftables`) admitting only the server's flows. SecuredWebStack renders it from the same flows as the security groups.";

export const hostFirewallOnEveryServer: ResourceValidationPolicy = {
    name: "host-firewall-on-every-server",
    description: "[high] Every server configures a host firewall (nftables, iptables, ufw or firewalld) in its user data.",
    enforcementLevel: "advisory",
    severity: "high",
    remediationSteps: remediation,
    validateResource: validateServer((server, args, report) => {
        if (findMarkers(payloadOf(server, args), FIREWALL).length > 0) {
            return;
        }
        report(
            explain({
                found: `${describeServer(server)}'s user data configures no host firewall`,
                on: [server.name],
                why:
                    "the seed gives each server its own firewall so that unauthorized traffic is blocked on the host " +
                    "too; with only security groups, one permissive rule or a peer in the same group reaches every port.",
                fix: remediation,
            }),
        );
    }),
};
