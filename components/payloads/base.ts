// What every server gets whatever its roles: identity, secrets from SSM, host firewall, node
// exporter, unattended security upgrades, log rotation.
import { Ports, needsInternalCa } from "../model";
import * as fs from "fs";
import * as path from "path";
import { INTERNAL_CA, PayloadPart, RenderContext, envFile, file, unit } from "./part";
import { firewallPart } from "./firewall";
import { housekeepingFiles, housekeepingRuncmd } from "./housekeeping";

export function basePart(ctx: RenderContext): PayloadPart {
    const { model, server } = ctx;
    const files = [
        file("/etc/sws/sws.env", envFile({
            AWS_REGION: ctx.deploy.region,
            SWS_STACK: model.name,
            SWS_ENVIRONMENT: model.environment,
            SWS_SERVER: server.name,
            SWS_ROLES: server.roles.join(","),
            SWS_DOMAIN: model.domain,
        })),
        // The fetcher itself rides in the user data; what it fetches is listed in /etc/sws/fetch.list (render.ts).
        file("/usr/local/sbin/sws-fetch", fs.readFileSync(path.join(__dirname, "scripts", "sws-fetch"), "utf8"), "0755"),
        file("/etc/systemd/system/sws-fetch.service", unit({
            Unit: [["Description", "Fetch this server's secrets and toolkit files from SSM Parameter Store (every boot)"],
                ["Wants", "network-online.target"], ["After", "network-online.target"]],
            Service: [["Type", "oneshot"], ["RemainAfterExit", "yes"], ["ExecStart", "/usr/local/sbin/sws-fetch"]],
            Install: [["WantedBy", "multi-user.target"]],
        })),
        file("/etc/default/prometheus-node-exporter", envFile({
            ARGS: `--web.listen-address=127.0.0.1:${Ports.local.nodeExporter} --collector.systemd --collector.textfile.directory=/var/lib/prometheus/node-exporter`,
        })),
        // Unattended upgrades (reboot policy and window), time sync, journal cap.
        ...housekeepingFiles(model.patching),
    ];
    if (needsInternalCa(model)) {
        if (!ctx.deploy.internalCaPem) throw new Error("hardening.endToEndTls / database.topology \"cluster\": the internal CA certificate was not provided to the renderer");
        files.push(file(INTERNAL_CA, ctx.deploy.internalCaPem));
    }
    const base: PayloadPart = {
        packages: ["python3-boto3", "prometheus-node-exporter", "unattended-upgrades"],
        files,
        runcmd: [
            ["systemctl", "daemon-reload"],
            ["systemctl", "enable", "sws-fetch.service"],
            ["systemctl", "enable", "--now", "prometheus-node-exporter.service"],
            ...housekeepingRuncmd(),
        ],
    };
    const fw = firewallPart(model, server.name);
    return {
        packages: [...base.packages, ...fw.packages],
        files: [...base.files, ...fw.files],
        // First the fetch (secrets, toolkit scripts, static units and the peer lists the firewall
        // includes; sws-fetch.service repeats it at every later boot: /run is tmpfs), then the
        // firewall: nothing this payload starts listens before its rules are in place.
        runcmd: [["/usr/local/sbin/sws-fetch"], ...fw.runcmd, ...base.runcmd],
    };
}
