// Acknowledged inserts through the balancer, run by the lab inside the client's network namespace:
//   node inserts.js <ip> <domain> <note> <count> <maxMs> <ca-bundle>
// POSTs /visit?note=<note> one after another, exactly <count> attempts (or until maxMs), each with
// a 5 s timeout; "acked" counts 201 answers, which the app sends only after the database committed.
// Prints a progress line {"acked":N} every 50 acknowledgements, then the result as the last line:
// {"attempted","acked","failed","statuses":{...},"failedMaxMs","failedP50Ms"}.
"use strict";
const https = require("https");
const fs = require("fs");
const { postVisit } = require("./visit");
const [ip, domain, note, countStr, maxStr, caFile] = process.argv.slice(2);
const count = Math.min(Number(countStr), 10000);
const until = Date.now() + Math.min(Number(maxStr), 120000);
const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: fs.readFileSync(caFile) });
let attempted = 0, acked = 0, failed = 0;
const statuses = {};
const failedMs = [];
const post = () => postVisit({ ip, domain, note, timeoutMs: 5000, agent });
(async () => {
  while (attempted < count && Date.now() < until) {
    attempted++;
    const t = Date.now();
    const s = await post();
    statuses[s] = (statuses[s] || 0) + 1;
    if (s === 201) {
      acked++;
      if (acked % 50 === 0) process.stdout.write(JSON.stringify({ acked }) + "\n");
    } else {
      failed++;
      failedMs.push(Date.now() - t);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  failedMs.sort((a, b) => a - b);
  process.stdout.write(JSON.stringify({ attempted, acked, failed, statuses, failedMaxMs: failedMs.length ? failedMs[failedMs.length - 1] : null, failedP50Ms: failedMs.length ? failedMs[Math.floor(failedMs.length / 2)] : null }) + "\n");
  agent.destroy();
})();
