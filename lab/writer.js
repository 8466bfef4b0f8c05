// Acknowledged writes through the balancer, run by the lab inside the client's network namespace:
//   node writer.js <ip> <domain> <note> <durationMs> <ca-bundle>
// POSTs /visit?note=<note> one after another for durationMs; prints {"attempted","acked","failed"}:
// "acked" counts 201 answers, which the app sends only after the database committed the row.
"use strict";
const https = require("https");
const fs = require("fs");
const [ip, domain, note, durStr, caFile] = process.argv.slice(2);
const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: fs.readFileSync(caFile) });
const until = Date.now() + Number(durStr);
let attempted = 0, acked = 0, failed = 0;
function post() {
  return new Promise((resolve) => {
    const req = https.request({ host: ip, servername: domain, port: 443, method: "POST", path: `/visit?note=${encodeURIComponent(note)}`, agent, headers: { host: domain }, timeout: 5000 }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => resolve(0));
    req.end();
  });
}
(async () => {
  while (Date.now() < until) {
    attempted++;
    const s = await post();
    if (s === 201) acked++;
    else {
      failed++;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  process.stdout.write(JSON.stringify({ attempted, acked, failed }));
  agent.destroy();
})();
