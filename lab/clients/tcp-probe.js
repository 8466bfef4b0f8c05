// TCP reachability probe, run by the lab inside one host's network namespace:
//   node tcp-probe.js '[{"ip":"10.20.0.20","port":8080}, ...]' [timeoutMs]
// Prints one JSON array: each target with state "open" (connected), "refused" (RST: nothing
// listens, or an nftables reject) or "filtered" (no answer within the timeout: dropped).
"use strict";
const net = require("net");
const targets = JSON.parse(process.argv[2]);
const timeout = Number(process.argv[3] || 1500);
function probe(t) {
  return new Promise((resolve) => {
    const s = net.createConnection({ host: t.ip, port: t.port });
    const done = (state) => {
      s.destroy();
      resolve({ ...t, state });
    };
    s.setTimeout(timeout, () => done("filtered"));
    s.on("connect", () => done("open"));
    s.on("error", (e) => done(e.code === "ECONNREFUSED" ? "refused" : e.code === "EHOSTUNREACH" || e.code === "ENETUNREACH" ? "unreachable" : "filtered"));
  });
}
Promise.all(targets.map(probe)).then((r) => process.stdout.write(JSON.stringify(r)));
