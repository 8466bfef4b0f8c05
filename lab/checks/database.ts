/**
 * The database servers' accounts, on the real MariaDB of the lab: root@localhost authenticates by
 * socket only (no password login, not even an empty one over TCP), no root account for other
 * hosts, and the exporter's grants are what mysqld_exporter needs (PROCESS, REPLICATION CLIENT,
 * SLAVE MONITOR, SELECT on performance_schema) — no SELECT ON *.*, and it still scrapes.
 */
import { inRoot } from "../root";
import { CheckContext, CheckResult, timedCheck } from "./common";

export function databaseCheck(ctx: CheckContext): Promise<CheckResult> {
  return timedCheck("database accounts", async () => {
    const lines: string[] = [];
    const details: Record<string, unknown> = {};
    let ok = true;
    const expect = (cond: boolean, what: string) => {
      if (!cond) ok = false;
      lines.push(`${cond ? "✓" : "✗"} ${what}`);
    };
    const dbServers = ctx.rendered.model.servers.filter((s) => s.roles.includes("database") || s.roles.includes("replica"));
    const exporter = ctx.rendered.model.database.exporterUser;
    for (const s of dbServers) {
      const sql = (q: string) => inRoot(s.name, ["mariadb", "--protocol=socket", "-Nse", q]);
      const root = sql("SHOW CREATE USER 'root'@'localhost'");
      expect(root.code === 0 && /unix_socket/.test(root.stdout) && !/USING '\*[0-9A-F]{40}'/.test(root.stdout),
        `${s.name}: root@localhost is socket-authenticated (${root.stdout.trim() || root.stderr.trim()})`);
      const remoteRoot = sql("SELECT COUNT(*) FROM mysql.user WHERE user='root' AND host <> 'localhost'");
      expect(remoteRoot.stdout.trim() === "0", `${s.name}: no root account for another host (${remoteRoot.stdout.trim()})`);
      const tcp = inRoot(s.name, ["mariadb", "--protocol=tcp", "-h", "127.0.0.1", "-u", "root", "--password=", "-Nse", "SELECT 1"]);
      expect(tcp.code !== 0, `${s.name}: root with an empty password over TCP is refused (${(tcp.stderr || tcp.stdout).trim().split("\n")[0]})`);
      const grants = sql(`SHOW GRANTS FOR '${exporter}'@'localhost'`);
      const g = grants.stdout.trim().split("\n");
      details[s.name] = { root: root.stdout.trim(), exporterGrants: g };
      expect(grants.code === 0 && !g.some((l) => /^GRANT .*\bSELECT\b.* ON \*\.\* /.test(l)), `${s.name}: ${exporter} has no SELECT ON *.*`);
      expect(g.some((l) => /PROCESS/.test(l) && /(REPLICATION CLIENT|BINLOG MONITOR)/.test(l) && /SLAVE MONITOR/.test(l)), `${s.name}: ${exporter} has PROCESS, REPLICATION CLIENT, SLAVE MONITOR`);
      expect(g.some((l) => /GRANT SELECT ON `performance_schema`\.\*/.test(l)), `${s.name}: ${exporter} may read performance_schema`);
      const scrape = inRoot(s.name, ["curl", "-s", "http://127.0.0.1:9104/metrics"]);
      const up = /^mysql_up 1$/m.test(scrape.stdout);
      expect(up, `${s.name}: mysqld_exporter scrapes with these grants (mysql_up ${up ? 1 : 0})`);
    }
    return { ok, summary: `${dbServers.length} database server(s): root socket-only, exporter least privilege`, lines, details };
  });
}
