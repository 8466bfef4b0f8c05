// The prototype's writer (galera-prototype.sh): node writer.js <host> <tag> <seconds> <out.json>
// sequential acknowledged inserts on one persistent connection to one node (2 s timeout per
// statement), reconnecting after an error; records the acknowledged ids and the longest gap
// between two acknowledgements.
const mysql = require("/usr/share/nodejs/mysql");
const [host, tag, secs, out] = process.argv.slice(2);
const acked = []; let errors = 0, lastOk = Date.now(), maxGap = 0, conn = null;
const end = Date.now() + Number(secs) * 1000;
function connect() { conn = mysql.createConnection({ host, user: "proto", password: "pw", database: "app", connectTimeout: 1000 }); conn.on("error", () => {}); }
function q(sql, args) { return new Promise((res, rej) => { const t = setTimeout(() => rej(new Error("timeout")), 2000); conn.query(sql, args, (e, r) => { clearTimeout(t); e ? rej(e) : res(r); }); }); }
(async () => {
  connect();
  while (Date.now() < end) {
    try { const r = await q("INSERT INTO t(node) VALUES (?)", [tag]); acked.push(r.insertId); const now = Date.now(); maxGap = Math.max(maxGap, now - lastOk); lastOk = now; }
    catch (e) { errors++; try { conn.destroy(); } catch {} await new Promise((r) => setTimeout(r, 100)); connect(); }
  }
  require("fs").writeFileSync(out, JSON.stringify({ tag, acked, errors, maxGap }));
  conn.destroy();
})();
