// What sws-db-init does with the database's own accounts, read from the script the payload ships
// (the lab's "database accounts" check proves the MariaDB side on the real server).
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";

const script = fs.readFileSync(path.join(__dirname, "..", "components", "payloads", "scripts", "sws-db-init"), "utf8");

describe("database accounts (sws-db-init)", () => {
    it("MySQL: root switches to auth_socket during --initialize-insecure (init file), before the server listens", () => {
        assert.match(script, /mysqld --initialize-insecure [^\n]*--init-file="\$init"/);
        assert.match(script, /ALTER USER 'root'@'localhost' IDENTIFIED WITH auth_socket/);
    });
    it("both engines: root's socket authentication is asserted on every boot before any user is applied", () => {
        // The check is its own toolkit file (each toolkit file is one SSM parameter of at most 8 KB).
        const main = script.slice(script.lastIndexOf("\nmount_volume\n"));
        for (const branch of main.split(/\nfi\n/)) {
            const at = branch.indexOf("/usr/local/sbin/sws-db-secure-root");
            const users = branch.search(/apply_users|start_replication/);
            assert.ok(at > 0 && at < users, branch);
        }
        const check = fs.readFileSync(path.join(__dirname, "..", "components", "payloads", "scripts", "sws-db-secure-root"), "utf8");
        assert.match(check, /grep -q "unix_socket"/);
        assert.match(check, /host NOT IN \('localhost'\)/);
    });
    it("the exporter gets what mysqld_exporter needs, never SELECT ON *.*", () => {
        const grants = script.split("\n").filter((l) => /GRANT .*EXPORTER_USER/.test(l));
        assert.ok(grants.length >= 3, grants.join("\n"));
        for (const g of grants) assert.ok(!/GRANT [^"]*SELECT[^"]* ON \*\.\*/.test(g), g);
        assert.ok(grants.some((g) => /GRANT PROCESS, REPLICATION CLIENT ON \*\.\*/.test(g)));
        assert.ok(grants.some((g) => /GRANT SELECT ON performance_schema\.\*/.test(g)));
        assert.ok(grants.some((g) => /SLAVE MONITOR/.test(g)));
        assert.match(script, /REVOKE SELECT ON \*\.\* FROM '\$EXPORTER_USER'@'localhost'/);
    });
});
