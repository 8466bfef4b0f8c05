// Server 3, application: the bundled Node.js app (app/server.js) or the user's own artifact,
// as a systemd service with Restart=always. The database password is read from tmpfs.
import * as fs from "fs";
import * as path from "path";
import { Ports, Role, isCluster, serversWith } from "../model";
import { INTERNAL_CA, PayloadPart, RenderContext, envFile, file, mergeParts, script, toolkit, unit } from "./part";
import { SOCKET } from "./database";
import { systemdExecArg, systemdLiteral } from "./escape";
import { dbProxyPart } from "./dbProxy";

export const APP_DIR = "/opt/sws-app";

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
        ...model.app.environment,
        PORT: model.hardening.appPort,
        BIND_ADDR: listen,
        WORKERS: model.app.workers,
        // Local database: its socket. Remote: TCP, with TLS verified against the internal CA.
        ...(local ? { DB_SOCKET: SOCKET } : { DB_HOST: dbHost, DB_PORT: Ports.mysql, ...(tls || cluster ? { DB_SSL_CA: INTERNAL_CA } : {}) }),
        ...(tls ? { TLS_CERT_FILE: "/run/sws/secrets/internal-tls-app.pem" } : {}),
        DB_NAME: model.database.name,
        DB_USER: model.database.user,
        DB_PASSWORD_FILE: "/run/sws/secrets/db-app-password",
        SWS_DOMAIN: model.domain,
        NODE_PATH: "/usr/share/nodejs:/usr/lib/nodejs",
    });
    const files = [file("/etc/sws/app.env", env)];
    let exec: string;
    const packages: string[] = [];
    const runcmd: string[][] = [];
    if (model.app.custom) {
        // The user's artifact: downloaded at boot, verified against its SHA-256, unpacked.
        files.push(script("sws-app-fetch"), file("/etc/sws/app-artifact.env", envFile({
            ARTIFACT_URL: model.app.artifactUrl!, ARTIFACT_SHA256: model.app.artifactSha256!, APP_DIR,
            AWS_REGION: ctx.deploy.region,
        })));
        packages.push("curl", "python3-boto3");
        runcmd.push(["/usr/local/sbin/sws-app-fetch"]);
        // The user's command is a shell command line run as sws-app; systemd must pass it to sh
        // untouched (no specifier or variable expansion of its own).
        exec = `/bin/sh -c ${systemdExecArg(`exec ${model.app.startCommand}`)}`;
    } else {
        const source = fs.readFileSync(path.join(__dirname, "..", "..", "app", "server.js"), "utf8");
        files.push(toolkit(`${APP_DIR}/server.js`, source));
        packages.push("nodejs", "node-mysql");
        exec = `/usr/bin/node ${APP_DIR}/server.js`;
    }
    files.push(script("sws-app-use-db"));
    files.push(file("/etc/systemd/system/sws-app.service", unit({
        Unit: [["Description", systemdLiteral(`Application server for ${model.domain}`)],
            ["After", `network-online.target sws-fetch.service mysql.service mariadb.service${cluster ? " sws-db-proxy.service" : ""}`],
            ["Wants", "network-online.target"]],
        Service: [["Type", "simple"], ["User", "sws-app"], ["Group", "sws-app"],
            // app.env is rendered; app-db.env (optional) is written by sws-app-use-db after a promotion.
            ["EnvironmentFile", "/etc/sws/app.env"], ["EnvironmentFile", "-/etc/sws/app-db.env"], ["WorkingDirectory", APP_DIR],
            ["ExecStart", exec], ["Restart", "always"], ["RestartSec", "500ms"],
            ["NoNewPrivileges", "yes"], ["ProtectSystem", "strict"], ["ProtectHome", "yes"], ["PrivateTmp", "yes"]],
        Install: [["WantedBy", "multi-user.target"]],
    })));
    runcmd.push(["systemctl", "enable", "--now", "sws-app.service"]);
    const app: PayloadPart = { packages, files, runcmd, users: ["sws-app"] };
    return cluster ? mergeParts([dbProxyPart(ctx), app]) : app;
}
