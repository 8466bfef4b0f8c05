// The deploy gate, run by `node -e` on the machine that runs `pulumi up` (no shell, no curl: it
// works wherever Node does, Windows included). Waits until https://$DOMAIN$HEALTH_PATH, reached at
// $IP:$PORT with the TLS name $DOMAIN, answers 200, verifying the certificate against $CA_PEM (or the
// system's roots when empty). Retries with doubling waits (FIRST_DELAY seconds up to 60); after
// TIMEOUT seconds it exits 1 with the last error it saw. Node built-ins only.
"use strict";
const https = require("https");
const tls = require("tls");

const env = process.env;
const domain = env.DOMAIN;
const ip = env.IP;
const port = Number(env.PORT || 443);
const healthPath = env.HEALTH_PATH || "/healthz";
const timeoutSeconds = Number(env.TIMEOUT);
const ca = env.CA_PEM ? env.CA_PEM : undefined;
let delay = Number(env.FIRST_DELAY || 5);

function attempt() {
    return new Promise((resolve) => {
        const req = https.request({
            host: ip, port, path: healthPath, method: "GET", headers: { Host: domain },
            servername: domain, ca, rejectUnauthorized: true, agent: false,
            checkServerIdentity: (_host, cert) => tls.checkServerIdentity(domain, cert),
        }, (res) => {
            res.resume();
            resolve({ status: res.statusCode });
        });
        req.setTimeout(10000, () => req.destroy(Object.assign(new Error("no answer within 10 s"), { code: "TIMEOUT" })));
        req.on("error", (e) => resolve({ error: `${e.code ? `${e.code}: ` : ""}${e.message}` }));
        req.end();
    });
}

async function main() {
    if (!domain || !ip || !Number.isFinite(timeoutSeconds)) {
        console.error("deploy gate: DOMAIN, IP and TIMEOUT are required");
        return 2;
    }
    const deadline = Date.now() + timeoutSeconds * 1000;
    let last = "no attempt";
    for (;;) {
        const r = await attempt();
        if (r.status === 200) {
            console.log(`deploy gate: https://${domain}${healthPath} answered 200`);
            return 0;
        }
        last = r.error ?? `HTTP ${r.status}`;
        if (Date.now() >= deadline) {
            console.error(`deploy gate: gave up after ${timeoutSeconds}s; last error: ${last}`);
            return 1;
        }
        await new Promise((r2) => setTimeout(r2, delay * 1000));
        delay = Math.min(delay * 2, 60);
    }
}

main().then((code) => process.exit(code));
