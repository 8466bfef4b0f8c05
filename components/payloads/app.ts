// Server 3, application: the bundled Node.js app (app/server.js) or the user's own artifact,
// as a systemd service with Restart=always. The database password is read from tmpfs.
// The application's own settings — app.environment, app.workers, the artifact URL and SHA-256 —
// are its *release*: /etc/sws/app-release.env, a live file (one SSM parameter for the stack,
// fetched at boot but outside the user data), rolled out to running servers one at a time by
// sws-app-update through the stack's SSM State Manager association (aws/appRollout.ts). A new
// release therefore never replaces a server; the rest of app.env (ports, database) is the
// server's own and rides in the user data.
import * as fs from "fs";
import * as path from "path";
import { Ports, Role, isCluster, serversWith } from "../model";
import type { Model } from "../model";
import { INTERNAL_CA, PayloadPart, RenderContext, envFile, file, live, mergeParts, script, toolkit, unit } from "./part";
import { SOCKET } from "./database";
import { systemdExecArg, systemdLiteral } from "./escape";
import { dbProxyPart } from "./dbProxy";

export const APP_DIR = "/opt/sws-app";
/** The bundled app's runtime: Debian's/Ubuntu's Node.js and its MySQL client (found through NODE_PATH). */
export const BUNDLED_APP_PACKAGES = ["nodejs", "node-mysql"];
/** The application's release (its own settings and artifact): a live file, see above. */
export const APP_RELEASE = "/etc/sws/app-release.env";

/** The release file: what a new app version or app setting changes, and nothing else. */
export function renderAppRelease(model: Model): string {
    return envFile({
        ...model.app.environment,
        WORKERS: model.app.workers,
        // What sws-app-update checks on this release (the URL's scheme, host and port are the server's).
        SWS_HEALTH_PATH: model.app.healthPath,
        ...(model.app.custom ? { ARTIFACT_URL: model.app.artifactUrl!, ARTIFACT_SHA256: model.app.artifactSha256! } : {}),
    });
}

export function appPart(ctx: RenderContext): PayloadPart {
    const { model, server } = ctx;
    const cluster = isCluster(model);
    const db = serversWith(model, Role.Database)[0];
    const local = db.name === server.name;
    // A cluster is reached through this server's own HAProxy (dbProxy.ts), which knows the live nodes.
    const dbHost = cluster ? "127.0.0.1" : db.privateIp;
    const tls = model.hardening.endToEndTls;
    const listen = server.roles.includes(Role.Web) ? "127.0.0.1" : server.privateIp;
    const env = envFile({
        PORT: model.hardening.appPort,
        BIND_ADDR: listen,
        // Local database: its socket. Remote: TCP, with TLS verified against the internal CA.
        ...(local ? { DB_SOCKET: SOCKET } : { DB_HOST: dbHost, DB_PORT: Ports.mysql, ...(tls || cluster ? { DB_SSL_CA: INTERNAL_CA } : {}) }),
        ...(tls ? { TLS_CERT_FILE: "/run/sws/secrets/internal-tls-app.pem" } : {}),
        DB_NAME: model.database.name,
        DB_USER: model.database.user,
        DB_PASSWORD_FILE: "/run/sws/secrets/db-app-password",
        SWS_DOMAIN: model.domain,
        NODE_PATH: "/usr/share/nodejs:/usr/lib/nodejs",
    });
    const files = [file("/etc/sws/app.env", env), live(APP_RELEASE, renderAppRelease(model))];
    // What sws-app-update checks after a switch: the health path on this server's own listener.
    const healthHost = tls ? "app.sws.internal" : listen;
    files.push(file("/etc/sws/app-update.env", envFile({
        HEALTH_BASE: `${tls ? "https" : "http"}://${healthHost}:${model.hardening.appPort}`,
        ...(tls ? { HEALTH_RESOLVE: `${healthHost}:${model.hardening.appPort}:${listen}`, HEALTH_CA: INTERNAL_CA } : {}),
        APP_DIR, AWS_REGION: ctx.deploy.region,
    })));
    files.push(script("sws-app-update"));
    // curl and boto3: sws-app-update's download (https / s3). The app's own runtime follows.
    const packages: string[] = ["curl", "python3-boto3"];
    let exec: string;
    const runcmd: string[][] = [];
    if (model.app.custom) {
        // The release's artifact: downloaded, verified against its SHA-256 and unpacked at first
        // boot (later releases: sws-app-update through the association).
        runcmd.push(["/usr/local/sbin/sws-app-update", "--boot"]);
        // What the artifact needs to run (app.packages, names validated by the model): cloud-init's
        // package module installs them before runcmd, so before the first start. They ride in the
        // user data, not in the release: sws-app-update installs no packages, so a changed list
        // reaches a server by its replacement only (README, "Which changes replace which server").
        for (const pkg of model.app.packages) if (!packages.includes(pkg)) packages.push(pkg);
        // The user's command is a shell command line run as sws-app; systemd must pass it to sh
        // untouched (no specifier or variable expansion of its own).
        exec = `/bin/sh -c ${systemdExecArg(`exec ${model.app.startCommand}`)}`;
    } else {
        const source = fs.readFileSync(path.join(__dirname, "..", "..", "app", "server.js"), "utf8");
        files.push(toolkit(`${APP_DIR}/server.js`, source));
        packages.push(...BUNDLED_APP_PACKAGES);
        exec = `/usr/bin/node ${APP_DIR}/server.js`;
    }
    files.push(script("sws-app-use-db"));
    files.push(file("/etc/systemd/system/sws-app.service", unit({
        Unit: [["Description", systemdLiteral(`Application server for ${model.domain}`)],
            ["After", `network-online.target sws-fetch.service mysql.service mariadb.service${cluster ? " sws-db-proxy.service" : ""}`],
            ["Wants", "network-online.target"]],
        Service: [["Type", "simple"], ["User", "sws-app"], ["Group", "sws-app"],
            // app.env is rendered; the release is live (sws-app-update); app-db.env (optional) is
            // written by sws-app-use-db after a promotion.
            ["EnvironmentFile", "/etc/sws/app.env"], ["EnvironmentFile", APP_RELEASE], ["EnvironmentFile", "-/etc/sws/app-db.env"], ["WorkingDirectory", APP_DIR],
            ["ExecStart", exec], ["Restart", "always"], ["RestartSec", "500ms"],
            ["NoNewPrivileges", "yes"], ["ProtectSystem", "strict"], ["ProtectHome", "yes"], ["PrivateTmp", "yes"]],
        Install: [["WantedBy", "multi-user.target"]],
    })));
    runcmd.push(["systemctl", "enable", "--now", "sws-app.service"]);
    const app: PayloadPart = { packages, files, runcmd, users: ["sws-app"] };
    return cluster ? mergeParts([dbProxyPart(ctx), app]) : app;
}
