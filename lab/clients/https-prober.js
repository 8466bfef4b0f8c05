// Steady probe through the balancer, run by the lab inside the client's network namespace:
//   node https-prober.js <ip> <domain> <ca-bundle> <path> <durationMs> <intervalMs>
// Starts one GET every intervalMs (without waiting for the previous one, so a hang shows as
// latency, not as fewer samples) for durationMs, each with a 5 s timeout; at most 200 in flight.
// Prints {"samples":[[startMsSinceEpoch, status (0 = error/timeout), latencyMs, retried 0|1], ...]}.
"use strict";
const https = require("https");
const fs = require("fs");
const [ip, domain, caFile, path, durStr, ivStr] = process.argv.slice(2);
const dur = Math.min(Number(durStr), 120000);
const iv = Math.max(Number(ivStr), 5);
const agent = new https.Agent({ keepAlive: true, maxSockets: 200, ca: fs.readFileSync(caFile) });
const samples = [];
let inflight = 0;
const t0 = Date.now();
function one() {
  const start = Date.now();
  inflight++;
  let done = false;
  const finish = (status, retried) => {
    if (done) return;
    done = true;
    inflight--;
    samples.push([start, status, Date.now() - start, retried ? 1 : 0]);
  };
  // Like browsers and curl: a request that dies without an answer on a reused keep-alive
  // connection (the server side closed it, RFC 9112 §9.3.1) is retried once on a new connection.
  const send = (retried) => {
    const req = https.request({ host: ip, servername: domain, port: 443, path, agent, headers: { host: domain }, timeout: 5000 }, (res) => {
      res.resume();
      res.on("end", () => finish(res.statusCode, retried));
      res.on("error", () => finish(0, retried));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (e) => {
      if (!retried && req.reusedSocket && e.code === "ECONNRESET") send(true);
      else finish(0, retried);
    });
    req.end();
  };
  send(false);
}
const timer = setInterval(() => {
  if (Date.now() - t0 >= dur) {
    clearInterval(timer);
    const wait = setInterval(() => {
      if (inflight === 0 || Date.now() - t0 > dur + 6000) {
        clearInterval(wait);
        samples.sort((a, b) => a[0] - b[0]);
        process.stdout.write(JSON.stringify({ samples }));
        agent.destroy();
        process.exit(0);
      }
    }, 20);
    return;
  }
  if (inflight < 200) one();
}, iv);
