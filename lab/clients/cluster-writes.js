// Acknowledged writes through the balancer for the cluster drills, run inside the client's
// network namespace:  node cluster-writes.js <ip> <domain> <note> <count> <maxMs> <ca-bundle>
// POSTs /visit?note=<note> one after another (exactly <count> attempts, or until maxMs), each with
// a 5 s timeout; a 201 carries the row id the app committed. Prints {"acked":N} every 50
// acknowledgements, then the result as the last line: attempted, acked, the acknowledged ids,
// answers by status, the longest failure window (from sending the first failed request of a run
// of failures to sending the next request that succeeded) and the slowest successful request.
"use strict";
const https = require("https");
const fs = require("fs");
const [ip, domain, note, countStr, maxStr, caFile] = process.argv.slice(2);
const count = Math.min(Number(countStr), 10000);
const until = Date.now() + Math.min(Number(maxStr), 180000);
const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: fs.readFileSync(caFile) });
const statuses = {};
const ids = [];
let attempted = 0, failStart = null, longestWindowMs = 0, failures = 0, slowestOkMs = 0, windowAt = null;
function post() {
  return new Promise((resolve) => {
    const req = https.request({ host: ip, servername: domain, port: 443, method: "POST", path: `/visit?note=${encodeURIComponent(note)}`, agent, headers: { host: domain }, timeout: 5000 }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode, body }));
      res.on("error", () => resolve({ status: 0, body: "" }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => resolve({ status: 0, body: "" }));
    req.end();
  });
}
(async () => {
  while (attempted < count && Date.now() < until) {
    attempted++;
    const t = Date.now();
    const r = await post();
    statuses[r.status] = (statuses[r.status] || 0) + 1;
    if (r.status === 201) {
      const id = Number(/"id":(\d+)/.exec(r.body)?.[1]);
      if (id) ids.push(id);
      slowestOkMs = Math.max(slowestOkMs, Date.now() - t);
      if (failStart !== null) {
        if (t - failStart > longestWindowMs) { longestWindowMs = t - failStart; windowAt = failStart; }
        failStart = null;
      }
      if (ids.length % 50 === 0) process.stdout.write(JSON.stringify({ acked: ids.length }) + "\n");
    } else {
      failures++;
      if (failStart === null) failStart = t;
      await new Promise((res) => setTimeout(res, 20));
    }
  }
  if (failStart !== null) longestWindowMs = Math.max(longestWindowMs, Date.now() - failStart);
  process.stdout.write(JSON.stringify({ attempted, acked: ids.length, failed: failures, statuses, ids, longestWindowMs, windowAt, slowestOkMs, endedUnrecovered: failStart !== null }) + "\n");
  agent.destroy();
})();
