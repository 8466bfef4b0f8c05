#!/usr/bin/env node
// The default application server of secured-web-stack: one page that writes a row and reads it
// back, and /healthz that checks the database. Plain Node.js + the distribution's `mysql` module
// (Debian/Ubuntu package node-mysql), so the server needs nothing from the npm registry at boot.
"use strict";
const http = require("http");
const https = require("https");
const fs = require("fs");
const cluster = require("cluster");
const mysql = require("mysql");

const env = process.env;
const PORT = Number(env.PORT || 3000);
const WORKERS = Number(env.WORKERS || 1);

if (cluster.isPrimary && WORKERS > 1) {
  for (let i = 0; i < WORKERS; i++) cluster.fork();
  cluster.on("exit", () => cluster.fork());
  return;
}

const dbOptions = {
  // A local database is reached through its socket; a remote one over TCP, with TLS when a CA is given.
  ...(env.DB_SOCKET ? { socketPath: env.DB_SOCKET } : { host: env.DB_HOST || "127.0.0.1", port: Number(env.DB_PORT || 3306) }),
  ...(env.DB_SSL_CA ? { ssl: { ca: fs.readFileSync(env.DB_SSL_CA, "utf8") } } : {}),
  user: env.DB_USER || "app",
  password: fs.readFileSync(env.DB_PASSWORD_FILE || "/run/sws/secrets/db-app-password", "utf8").trim(),
  database: env.DB_NAME || "app",
  connectTimeout: 2000,
};
const pool = mysql.createPool({
  ...dbOptions,
  connectionLimit: Number(env.DB_POOL_SIZE || 16),
  acquireTimeout: 2000,
  waitForConnections: true,
  queueLimit: 256,
});

function query(conn, sql, args) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("database timeout")), 3000);
    conn.query(sql, args, (err, rows) => {
      clearTimeout(timer);
      if (err) reject(err); else resolve(rows);
    });
  });
}

// A request's database: one pooled connection, taken at its first statement and used for all of
// them (pool.query would take and return one per statement: measured ~20 % of the app's CPU per
// page), returned when the answer is sent; after an error or a timeout it is destroyed instead,
// since its state is unknown. A request that needs no database never takes one.
function requestDb() {
  let conn = null;
  let failed = false;
  return {
    q(sql, args) {
      conn = conn || new Promise((resolve, reject) => pool.getConnection((err, c) => (err ? reject(err) : resolve(c))));
      return conn.then((c) => query(c, sql, args)).catch((e) => {
        failed = true;
        throw e;
      });
    },
    done() {
      if (conn) conn.then((c) => (failed ? c.destroy() : c.release()), () => {});
    },
  };
}

let schemaReady = null;
function ensureSchema(db) {
  if (!schemaReady) {
    schemaReady = db.q(
      "CREATE TABLE IF NOT EXISTS visits (id BIGINT AUTO_INCREMENT PRIMARY KEY, " +
      "at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), client VARCHAR(64) NOT NULL, " +
      "note VARCHAR(255) NOT NULL DEFAULT '') ENGINE=InnoDB").catch((e) => { schemaReady = null; throw e; });
  }
  return schemaReady;
}

function send(res, status, type, body) {
  res.writeHead(status, { "Content-Type": type, "Content-Length": Buffer.byteLength(body), "Cache-Control": "no-store" });
  res.end(body);
}

// X-Forwarded-For is "client, balancer" (the balancer drops what clients claim): the first entry.
const clientOf = (req) => String(req.headers["x-forwarded-for"] || req.socket.remoteAddress || "").split(",")[0].trim().slice(0, 64);
const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function handle(req, res, db) {
  // The request target as a path on this app: "//x" or an absolute-form target must not be read
  // as a URL of its own (new URL("//", base) throws, which answered 503 with the parser's message).
  const target = String(req.url || "/").replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, "");
  const url = new URL(`http://app${target.startsWith("/") ? "" : "/"}${target}`);
  if (url.pathname === "/healthz") {
    await db.q("SELECT 1");
    return send(res, 200, "text/plain", "ok\n");
  }
  if (url.pathname === "/visit" && req.method === "POST") {
    // Acknowledged insert: 201 only after the commit returned (used by the lab's durability drill).
    await ensureSchema(db);
    const note = (url.searchParams.get("note") || "").slice(0, 255);
    const r = await db.q("INSERT INTO visits (client, note) VALUES (?, ?)", [clientOf(req), note]);
    return send(res, 201, "application/json", JSON.stringify({ id: r.insertId }) + "\n");
  }
  if (url.pathname === "/count") {
    await ensureSchema(db);
    const note = url.searchParams.get("note");
    const rows = note === null ? await db.q("SELECT COUNT(*) AS n FROM visits") : await db.q("SELECT COUNT(*) AS n FROM visits WHERE note = ?", [note]);
    return send(res, 200, "application/json", JSON.stringify({ count: rows[0].n }) + "\n");
  }
  if (url.pathname === "/" && (req.method === "GET" || req.method === "HEAD")) {
    await ensureSchema(db);
    const r = await db.q("INSERT INTO visits (client) VALUES (?)", [clientOf(req)]);
    const rows = await db.q("SELECT id, at, client FROM visits WHERE id = ?", [r.insertId]);
    const row = rows[0];
    return send(res, 200, "text/html; charset=utf-8",
      `<!doctype html><title>secured-web-stack</title><h1>Hello from ${escapeHtml(env.SWS_DOMAIN || "the app")}</h1>` +
      `<p id="row" data-id="${row.id}">wrote and read row ${row.id} at ${escapeHtml(new Date(row.at).toISOString())} for ${escapeHtml(row.client)}</p>\n`);
  }
  return send(res, 404, "text/plain", "not found\n");
}

function onRequest(req, res) {
  const db = requestDb();
  handle(req, res, db).catch((err) => {
    // The database is down or slow: answer 503 at once instead of hanging. The cause goes to the
    // journal, never to the client.
    console.error(`request ${req.method} failed: ${err.code || err.message}`);
    if (!res.headersSent) send(res, 503, "text/plain", "database unavailable\n");
  }).finally(() => db.done());
}
// With TLS_CERT_FILE (key and certificate in one PEM, from the stack's internal CA) it serves HTTPS.
const server = env.TLS_CERT_FILE
  ? https.createServer({ key: fs.readFileSync(env.TLS_CERT_FILE), cert: fs.readFileSync(env.TLS_CERT_FILE) }, onRequest)
  : http.createServer(onRequest);
server.keepAliveTimeout = 75000; // longer than Nginx's upstream keep-alive, so Nginx closes first
server.listen(PORT, env.BIND_ADDR || "0.0.0.0", () => console.log(`app listening on ${env.BIND_ADDR || "0.0.0.0"}:${PORT}`));
for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => server.close(() => pool.end(() => process.exit(0))));
