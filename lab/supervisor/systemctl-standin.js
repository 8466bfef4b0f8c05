#!/usr/bin/node
// The lab's `systemctl` stand-in, bind-mounted over /usr/bin/systemctl inside every server root.
// There is no systemd in the lab: this forwards the command line to the server's supervisor
// (lab/supervisor/main.ts) over its unix socket (a root-only directory bound into the server at
// /run/sws-lab-systemd), and relays its output and exit status.
"use strict";
const net = require("net");
const sock = net.createConnection("/run/sws-lab-systemd/systemd.sock");
let buf = "";
sock.on("connect", () => sock.write(JSON.stringify({ argv: process.argv.slice(2) }) + "\n"));
sock.on("data", (d) => (buf += d));
sock.on("end", () => {
  let r;
  try {
    r = JSON.parse(buf);
  } catch (e) {
    process.stderr.write("systemctl (sws-lab): bad reply from supervisor\n");
    process.exit(1);
  }
  if (r.stdout) process.stdout.write(r.stdout);
  if (r.stderr) process.stderr.write(r.stderr);
  process.exitCode = r.code;
});
sock.on("error", (e) => {
  process.stderr.write(`systemctl (sws-lab): supervisor unreachable: ${e.message}\n`);
  process.exit(1);
});
