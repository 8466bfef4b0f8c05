// One acknowledged insert through the balancer: POST /visit?note=<note> (the app answers 201 only
// after the database committed). Resolves with the HTTP status, or 0 for an error or a timeout.
// Shared by inserts.js (a counted series) and steady-inserts.js (a series across a reboot).
"use strict";
const https = require("https");

/** opts: { ip, domain, note, timeoutMs, agent } or { ..., ca } for a new connection each time (agent: false). */
function postVisit(opts) {
  return new Promise((resolve) => {
    const req = https.request({
      host: opts.ip, servername: opts.domain, port: 443, method: "POST", path: `/visit?note=${encodeURIComponent(opts.note)}`,
      agent: opts.agent ?? false, ...(opts.ca ? { ca: opts.ca } : {}), headers: { host: opts.domain }, timeout: opts.timeoutMs,
    }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode));
      res.on("error", () => resolve(0));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => resolve(0));
    req.end();
  });
}

module.exports = { postVisit };
