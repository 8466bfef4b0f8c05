// Hostile clients against the balancer, run by the lab inside the client's network namespace:
//   node hostile.js <ip> <domain> <ca-bundle> <slowlorisConnections> <slowlorisMaxMs>
// Every case is bounded: a fixed number of connections, each closed by us after at most its
// deadline. Prints {"cases":[{name, kind, status, closedByServer, ms, fromBalancer, head}], "slowloris":{...}}.
// "fromBalancer": the answer has no Server header (HAProxy's own answers have none; everything
// that passed Nginx carries "Server: nginx"). "responses": how many status lines came back (a
// second one would mean a smuggled request was answered).
"use strict";
const tls = require("tls");
const fs = require("fs");
const [ip, domain, caFile, slowNStr, slowMsStr] = process.argv.slice(2);
const ca = fs.readFileSync(caFile);
const SLOW_N = Math.min(Number(slowNStr || 40), 200);
const SLOW_MS = Math.min(Number(slowMsStr || 15000), 30000);

function connect() {
  return tls.connect({ host: ip, port: 443, servername: domain, ca, ALPNProtocols: ["http/1.1"] });
}

// Send raw bytes once connected; collect the answer until the server closes or the deadline.
function raw(name, kind, payload, deadlineMs = 5000) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const s = connect();
    let buf = "";
    let closedByServer = false;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(buf);
      resolve({
        name, kind, status: m ? Number(m[1]) : 0, closedByServer, ms: Date.now() - t0,
        responses: (buf.match(/HTTP\/1\.[01] \d{3} /g) || []).length,
        fromBalancer: !!m && !/\r\nserver:/i.test(buf.split("\r\n\r\n")[0]),
        head: buf.split("\r\n")[0].slice(0, 80),
      });
    };
    const timer = setTimeout(finish, deadlineMs);
    s.on("secureConnect", () => s.write(payload));
    s.on("data", (d) => {
      buf += d.toString("latin1");
    });
    s.on("end", () => {
      closedByServer = true;
      finish();
    });
    s.on("close", () => finish());
    s.on("error", () => finish());
  });
}

const H = `Host: ${domain}\r\n`;
const big = "a".repeat(64 * 1024);
const cases = [
  ["oversized header (one 64 KiB header)", "oversized", `GET / HTTP/1.1\r\n${H}X-Big: ${big}\r\n\r\n`],
  ["oversized request line (64 KiB URI)", "oversized", `GET /${big} HTTP/1.1\r\n${H}\r\n`],
  ["too many headers (200)", "oversized", `GET / HTTP/1.1\r\n${H}${Array.from({ length: 200 }, (_, i) => `X-H${i}: v\r\n`).join("")}\r\n`],
  ["invalid method (non-token characters)", "method", `G(E)T / HTTP/1.1\r\n${H}\r\n`],
  ["invalid method (control byte)", "method", `GE\x01T / HTTP/1.1\r\n${H}\r\n`],
  ["TRACE", "method", `TRACE / HTTP/1.1\r\n${H}Connection: close\r\n\r\n`],
  ["CONNECT", "method", `CONNECT ${domain}:443 HTTP/1.1\r\n${H}Connection: close\r\n\r\n`],
  ["smuggling: Content-Length + Transfer-Encoding (CL.TE)", "smuggling",
    `POST /visit HTTP/1.1\r\n${H}Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG`],
  ["smuggling: Transfer-Encoding + Content-Length (TE.CL)", "smuggling",
    `POST /visit HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n`],
  ["smuggling: two different Content-Length", "smuggling",
    `POST /visit HTTP/1.1\r\n${H}Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!`],
  ["smuggling: obfuscated Transfer-Encoding (xchunked)", "smuggling",
    `POST /visit HTTP/1.1\r\n${H}Content-Length: 4\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n`],
  ["smuggling: Transfer-Encoding: chunked, identity", "smuggling",
    `POST /visit HTTP/1.1\r\n${H}Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n`],
  ["smuggling: space before colon (Transfer-Encoding :)", "smuggling",
    `POST /visit HTTP/1.1\r\n${H}Transfer-Encoding : chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n`],
  ["smuggling: Transfer-Encoding on HTTP/1.0", "smuggling",
    `POST /visit HTTP/1.0\r\n${H}Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n`],
];

// Slowloris: SLOW_N connections that send a request line and then one header line every 2 s,
// never finishing the request; we give up on each after SLOW_MS.
function slowloris() {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const results = [];
    let pending = SLOW_N;
    for (let i = 0; i < SLOW_N; i++) {
      const s = connect();
      let buf = "";
      let closedByServer = false;
      let done = false;
      let iv = null;
      const finish = () => {
        if (done) return;
        done = true;
        clearInterval(iv);
        clearTimeout(timer);
        s.destroy();
        const m = /^HTTP\/1\.[01] (\d{3})/.exec(buf);
        results.push({ closedByServer, status: m ? Number(m[1]) : 0, ms: Date.now() - t0 });
        if (--pending === 0) resolve(results);
      };
      const timer = setTimeout(finish, SLOW_MS);
      s.on("secureConnect", () => {
        s.write(`GET / HTTP/1.1\r\n${H}`);
        iv = setInterval(() => s.write(`X-Slow-${Date.now() % 100000}: 1\r\n`), 2000);
      });
      s.on("data", (d) => (buf += d.toString("latin1")));
      s.on("end", () => {
        closedByServer = true;
        finish();
      });
      s.on("close", finish);
      s.on("error", finish);
    }
  });
}

(async () => {
  const slow = slowloris();
  const out = [];
  for (const [name, kind, payload] of cases) out.push(await raw(name, kind, payload));
  const sl = await slow;
  const closed = sl.filter((r) => r.closedByServer);
  process.stdout.write(JSON.stringify({
    cases: out,
    slowloris: {
      connections: SLOW_N, giveUpMs: SLOW_MS, closedByServer: closed.length,
      statuses: sl.reduce((a, r) => ((a[r.status] = (a[r.status] || 0) + 1), a), {}),
      closedAfterMs: closed.length ? { min: Math.min(...closed.map((r) => r.ms)), max: Math.max(...closed.map((r) => r.ms)) } : null,
    },
  }));
  process.exit(0);
})();
