// Send exactly N HTTPS requests through the balancer, run by the lab inside the client's network
// namespace:  node https-burst.js <ip> <domain> <path> <N> <concurrency> <ca-bundle>
// Prints {"sent":N,"statuses":{"200":N},"ms":...}. Certificates are verified against the lab CA bundle.
"use strict";
const https = require("https");
const fs = require("fs");
const [ip, domain, path, nStr, cStr, caFile] = process.argv.slice(2);
const N = Number(nStr);
const C = Number(cStr);
const agent = new https.Agent({ keepAlive: true, maxSockets: C, ca: fs.readFileSync(caFile) });
const statuses = {};
let next = 0;
let errors = 0;
function one() {
  return new Promise((resolve) => {
    const req = https.request({ host: ip, servername: domain, port: 443, path, agent, headers: { host: domain } }, (res) => {
      res.resume();
      res.on("end", () => {
        statuses[res.statusCode] = (statuses[res.statusCode] || 0) + 1;
        resolve();
      });
    });
    req.on("error", () => {
      errors++;
      resolve();
    });
    req.end();
  });
}
async function worker() {
  while (next < N) {
    next++;
    await one();
  }
}
const t0 = Date.now();
Promise.all(Array.from({ length: C }, worker)).then(() => {
  process.stdout.write(JSON.stringify({ sent: N, statuses, errors, ms: Date.now() - t0 }));
  agent.destroy();
});
