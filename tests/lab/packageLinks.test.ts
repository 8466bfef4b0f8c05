// Which enablement links a server's root keeps (lab/packageLinks.ts): those the postinst scripts of
// its own packages and their dependencies made, not those of the machine's other packages, and
// not the base system's. Pure: a dpkg-query fixture and a list of links.
import * as assert from "assert";
import { dependencyClosure, parseDpkgQuery, serverUnitLinks } from "../../lab/packageLinks";

// ${Package}\t${Priority}\t${Depends}\t${Pre-Depends}\t${Provides}\t${db:Status-Status}
const DPKG = [
  "nginx\toptional\tnginx-common (= 1.22.1-9), libc6 (>= 2.34)\t\t\tinstalled",
  "nginx-common\toptional\tlsb-base | sysvinit-utils (>= 3.05-4~)\t\thttpd\tinstalled",
  "sysvinit-utils\trequired\tlibc6\t\t\tinstalled",
  "libc6\trequired\t\t\t\tinstalled",
  "mariadb-server\toptional\tmariadb-server-core, default-mysql-client | virtual-mysql-client\t\tvirtual-mysql-server\tinstalled",
  "mariadb-server-core\toptional\tlibc6\t\t\tinstalled",
  "mariadb-client\toptional\tlibc6\t\tvirtual-mysql-client\tinstalled",
  "dpkg\trequired\t\t\t\tinstalled",
  "curl\toptional\tlibc6\tdpkg\t\tinstalled",
  "postgresql-common\toptional\tlibc6\t\t\tinstalled",
  "removed-pkg\toptional\t\t\t\tconfig-files",
].join("\n");

const LINKS = [
  { link: "/etc/systemd/system/multi-user.target.wants/nginx.service", target: "/lib/systemd/system/nginx.service", owner: "nginx-common" },
  { link: "/etc/systemd/system/multi-user.target.wants/mariadb.service", target: "/lib/systemd/system/mariadb.service", owner: "mariadb-server" },
  { link: "/etc/systemd/system/multi-user.target.wants/postgresql.service", target: "/lib/systemd/system/postgresql.service", owner: "postgresql-common" },
  { link: "/etc/systemd/system/timers.target.wants/dpkg-db-backup.timer", target: "/lib/systemd/system/dpkg-db-backup.timer", owner: "dpkg" },
];

describe("lab: the enablement links a server's packages leave in its root", () => {
  const pkgs = parseDpkgQuery(DPKG);
  it("reads installed packages only, with Depends and Pre-Depends as alternatives", () => {
    assert.ok(!pkgs.has("removed-pkg"));
    assert.deepStrictEqual(pkgs.get("curl")!.depends, [["libc6"], ["dpkg"]]);
    assert.deepStrictEqual(pkgs.get("nginx-common")!.depends, [["lsb-base", "sysvinit-utils"]]);
  });
  it("follows dependencies to the package that ships the unit (nginx → nginx-common), alternatives through Provides", () => {
    assert.deepStrictEqual([...dependencyClosure(pkgs, ["nginx"])].sort(), ["libc6", "nginx", "nginx-common", "sysvinit-utils"]);
    assert.ok(dependencyClosure(pkgs, ["mariadb-server"]).has("mariadb-client"), "virtual-mysql-client is provided by mariadb-client");
  });
  it("keeps the links of the server's own packages; drops other servers' packages and the base system's", () => {
    assert.deepStrictEqual(serverUnitLinks(pkgs, ["nginx", "curl"], LINKS).map((l) => l.owner), ["nginx-common"]);
    assert.deepStrictEqual(serverUnitLinks(pkgs, ["mariadb-server", "curl"], LINKS).map((l) => l.owner), ["mariadb-server"]);
    assert.deepStrictEqual(serverUnitLinks(pkgs, ["curl"], LINKS), [], "curl pulls in dpkg, whose timer is the base system's");
  });
});
