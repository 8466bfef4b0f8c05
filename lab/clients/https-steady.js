// A steady client through the balancer, run by the lab inside the client's network namespace:
//   node https-steady.js <ip> <domain> <path> <req/s> <durationMs> <ca-bundle>
// Starts one HTTPS request every 1000/<req/s> ms whatever the previous ones do (open loop, kept-
// alive connections, 5 s timeout each). On stdin, a line "mark" records the time of an event
// (the lab sends it when it kills a server); a line "stop" ends the run early (a drill whose event
// lasts as long as it lasts stops the client once it is over). Prints {"t0","marks":[ms],"requests":[{at,ms,status,error}]}
// with times in ms since the client's start (status 0 = no HTTP answer).
"use strict";
const https = require("https");
const fs = require("fs");
const [ip, domain, path, rpsStr, durStr, caFile] = process.argv.slice(2);
const rps = Number(rpsStr);
const agent = new https.Agent({ keepAlive: true, maxSockets: 16, ca: fs.readFileSync(caFile) });
const t0 = Date.now();
const requests = [];
const marks = [];
let pending = 0;
let dur = Number(durStr);
process.stdin.setEncoding("utf8");
process.stdin.on("data", (d) => {
  for (const l of d.split("\n")) {
    if (l.trim() === "mark") marks.push(Date.now() - t0);
    else if (l.trim() === "stop") dur = Math.min(dur, Date.now() - t0);
  }
});
function one() {
  const r = { at: Date.now() - t0, ms: 0, status: 0, error: "" };
  requests.push(r);
  pending++;
  const done = () => {
    r.ms = Date.now() - t0 - r.at;
    pending--;
  };
  const req = https.request({ host: ip, servername: domain, port: 443, path, agent, headers: { host: domain }, timeout: 5000 }, (res) => {
    res.resume();
    res.on("end", () => {
      r.status = res.statusCode;
      done();
    });
  });
  req.on("timeout", () => req.destroy(new Error("timeout")));
  req.on("error", (e) => {
    if (!r.error) {
      r.error = e.code || e.message;
      done();
    }
  });
  req.end();
}
const timer = setInterval(() => {
  if (Date.now() - t0 >= dur) {
    clearInterval(timer);
    const wait = setInterval(() => {
      if (pending === 0 || Date.now() - t0 > dur + 6000) {
        clearInterval(wait);
        process.stdout.write(JSON.stringify({ t0, marks, requests }));
        agent.destroy();
        process.exit(0);
      }
    }, 20);
    return;
  }
  one();
}, 1000 / rps);
