// A steady client of acknowledged inserts through the balancer while a server reboots, run by the
// lab inside the client's network namespace:
//   node steady-inserts.js <ip> <domain> <note> <intervalMs> <maxMs> <ca-bundle> <stop-file>
// POSTs /visit?note=<note> one after another (a new one at most every <intervalMs>, each with a
// 3 s timeout; no keep-alive, so a rebooted balancer is met with a new connection at once) until
// <stop-file> exists or <maxMs> passed. "acked" counts 201 answers, which the app sends only after
// the database committed. The last line is the result:
// {"attempted","acked","failed","statuses":{...},"firstFailMs","lastFailMs","longestGapMs","startedAt"}
// — times in ms since the start; longestGapMs is the longest span without an acknowledged insert
// (the outage window as this client saw it: from the last ack before it to the first after).
"use strict";
const fs = require("fs");
const { postVisit } = require("./visit");
const [ip, domain, note, intervalStr, maxStr, caFile, stopFile] = process.argv.slice(2);
const interval = Math.max(Number(intervalStr), 20);
const t0 = Date.now();
const until = t0 + Math.min(Number(maxStr), 600000);
const ca = fs.readFileSync(caFile);
let attempted = 0, acked = 0, failed = 0, firstFail = null, lastFail = null, lastAck = t0, longestGap = 0;
const statuses = {};
// No keep-alive (agent: false): a rebooted balancer is met with a new connection at once.
const post = () => postVisit({ ip, domain, note, timeoutMs: 3000, ca });
(async () => {
  while (Date.now() < until && !fs.existsSync(stopFile)) {
    const t = Date.now();
    attempted++;
    const s = await post();
    statuses[s] = (statuses[s] || 0) + 1;
    const now = Date.now();
    if (s === 201) {
      acked++;
      longestGap = Math.max(longestGap, now - lastAck);
      lastAck = now;
    } else {
      failed++;
      if (firstFail === null) firstFail = t - t0;
      lastFail = now - t0;
    }
    const wait = interval - (Date.now() - t);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  // A client stopped before the site acknowledged again still saw the outage up to its end.
  longestGap = Math.max(longestGap, Date.now() - lastAck);
  process.stdout.write(JSON.stringify({ attempted, acked, failed, statuses, firstFailMs: firstFail, lastFailMs: lastFail, longestGapMs: longestGap, startedAt: t0 }) + "\n");
})();
