import * as assert from "assert";
import {
  mergeUnit, parseEnvironmentAssignments, parseEnvironmentFile, parseExec, parseTimespan, parseUnitText,
  serviceSpec, shouldRestart, splitWords, normaliseUnitName,
} from "../../lab/units";

// Pure tests of the lab's systemd unit reader: no root, no daemons.

const HAPROXY = `[Unit]
Description=HAProxy Load Balancer
[Service]
EnvironmentFile=-/etc/default/haproxy
Environment="CONFIG=/etc/haproxy/haproxy.cfg" "PIDFILE=/run/haproxy.pid" "EXTRAOPTS=-S /run/haproxy-master.sock"
ExecStart=/usr/sbin/haproxy -Ws -f $CONFIG -p $PIDFILE $EXTRAOPTS
ExecReload=/usr/sbin/haproxy -Ws -f $CONFIG -c -q $EXTRAOPTS
ExecReload=/bin/kill -USR2 $MAINPID
Restart=always
Type=notify
`;

const MARIADB = `[Service]
Type=notify
User=mysql
ExecStart=/bin/sh -c "set -f; [ ! -e /usr/bin/galera_recovery ] && VAR= || \\
 VAR=\`/usr/bin/galera_recovery\`; [ $? -eq 0 ] || exit 1; \\
 exec /usr/sbin/mariadbd $MYSQLD_OPTS $_WSREP_NEW_CLUSTER $VAR"
ExecStartPost=!/etc/mysql/debian-start
Restart=on-abnormal
RestartSec=5s
`;

describe("lab/units: systemd unit reader", () => {
  it("parses sections, comments and line continuations", () => {
    const u = parseUnitText(MARIADB);
    const svc = u.sections.get("Service")!;
    const start = svc.find(([k]) => k === "ExecStart")![1];
    assert.ok(/galera_recovery \] && VAR= \|\|\s+VAR=/.test(start), start);
    assert.ok(start.endsWith('$VAR"'));
    assert.strictEqual(svc.find(([k]) => k === "User")![1], "mysql");
  });

  it("an empty ExecStart= in a drop-in resets the list; scalars: last wins", () => {
    const m = mergeUnit("nginx.service", [
      { path: "/lib/systemd/system/nginx.service", text: "[Service]\nType=forking\nExecStartPre=/usr/sbin/nginx -t\nExecStart=/usr/sbin/nginx -g 'daemon on;'\n" },
      { path: "/etc/systemd/system/nginx.service.d/sws.conf", text: "[Service]\nType=exec\nExecStart=\nExecStart=/usr/sbin/nginx -g 'daemon off;'\nRestart=always\n" },
    ]);
    const s = serviceSpec(m);
    assert.strictEqual(s.type, "exec");
    assert.deepStrictEqual(s.execStart, ["/usr/sbin/nginx -g 'daemon off;'"]);
    assert.deepStrictEqual(s.execStartPre, ["/usr/sbin/nginx -t"]);
    assert.strictEqual(s.restart, "always");
  });

  it("expands $VAR as split words and ${VAR} inline, keeps quoted words whole", () => {
    const u = mergeUnit("haproxy.service", [{ path: "x", text: HAPROXY }]);
    const s = serviceSpec(u);
    const env = parseEnvironmentAssignments(s.environment);
    assert.strictEqual(env.EXTRAOPTS, "-S /run/haproxy-master.sock");
    const cmd = parseExec(s.execStart[0], env);
    assert.deepStrictEqual(cmd.argv, ["/usr/sbin/haproxy", "-Ws", "-f", "/etc/haproxy/haproxy.cfg", "-p", "/run/haproxy.pid", "-S", "/run/haproxy-master.sock"]);
    const reload = parseExec(s.execReload[1], { ...env, MAINPID: "1" });
    assert.deepStrictEqual(reload.argv, ["/bin/kill", "-USR2", "1"]);
    assert.deepStrictEqual(parseExec("/usr/bin/x $EMPTY --a=${A}b", { A: "z" }).argv, ["/usr/bin/x", "--a=zb"]);
    assert.deepStrictEqual(parseExec("/usr/sbin/nginx -g 'daemon off; master_process on;'", {}).argv, ["/usr/sbin/nginx", "-g", "daemon off; master_process on;"]);
  });

  it("decodes exec prefixes", () => {
    assert.strictEqual(parseExec("-/bin/false", {}).ignoreFailure, true);
    const p = parseExec("!/etc/mysql/debian-start", {});
    assert.strictEqual(p.privileged, true);
    assert.deepStrictEqual(p.argv, ["/etc/mysql/debian-start"]);
    assert.deepStrictEqual(parseExec("@/bin/sh sh -c true", {}).argv, ["/bin/sh", "-c", "true"]);
  });

  it("keeps a multi-line sh -c script as one argument", () => {
    const u = mergeUnit("mariadb.service", [{ path: "x", text: MARIADB }]);
    const s = serviceSpec(u);
    const argv = parseExec(s.execStart[0], {}).argv;
    assert.strictEqual(argv.length, 3);
    assert.deepStrictEqual(argv.slice(0, 2), ["/bin/sh", "-c"]);
    assert.ok(argv[2].includes("exec /usr/sbin/mariadbd $MYSQLD_OPTS"));
    assert.strictEqual(s.restartSec, 5000);
    assert.strictEqual(s.user, "mysql");
  });

  it("parses environment files as systemd does (env-file.c)", () => {
    const env = parseEnvironmentFile('# c\n; c2\nARGS="-web.listen-address=:9113 -nginx.scrape-uri=http://127.0.0.1/stub"\nB=\'x y\'\nC=plain # not a comment  \n' +
      'D=\'it\'"\'"\'s\'\nE=\'$(x) ${Y} `z`\'\nF="a\\$b\\q"\nG=\'a\'\\\'\'b\'\nH=\nI=\'\'\n  J = \' sp \' \n');
    assert.deepStrictEqual(env, {
      ARGS: "-web.listen-address=:9113 -nginx.scrape-uri=http://127.0.0.1/stub", B: "x y", C: "plain # not a comment",
      D: "it's", E: "$(x) ${Y} `z`", F: "a$b\\q",
      // The shell idiom '\'' is NOT read back by systemd: after the escaped quote the value is unquoted.
      G: "a''b'", H: "", I: "", J: " sp ",
    });
  });

  it("splits words, time spans, restart policy, unit names", () => {
    assert.deepStrictEqual(splitWords(`a "b c" 'd e' f\\ g`), ["a", "b c", "d e", "f g"]);
    assert.strictEqual(parseTimespan("1min 30s", 0), 90000);
    assert.strictEqual(parseTimespan("200ms", 0), 200);
    assert.strictEqual(parseTimespan("2", 0), 2000);
    assert.strictEqual(shouldRestart("always", 0, null), true);
    assert.strictEqual(shouldRestart("on-failure", 0, null), false);
    assert.strictEqual(shouldRestart("on-failure", null, "SIGKILL"), true);
    assert.strictEqual(shouldRestart("on-abnormal", 1, null), false);
    assert.strictEqual(shouldRestart("no", null, "SIGKILL"), false);
    assert.strictEqual(normaliseUnitName("nginx"), "nginx.service");
    assert.strictEqual(normaliseUnitName("certbot.timer"), "certbot.timer");
  });
});
