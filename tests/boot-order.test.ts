// At every boot after the first, systemd starts the enabled units on its own (cloud-init's runcmd
// runs once per instance), and /run is a new, empty tmpfs until sws-fetch.service has fetched the
// secrets again. So every unit whose daemon reads a file under /run/sws must be ordered after
// sws-fetch.service (directly, or after sws-db-init.service, which requires and follows it).
// The lab's reboot drill (npm run lab -- drill reboot) shows the same on running servers.
import * as assert from "assert";
import { buildModel } from "../components/model";
import { renderServerPart } from "../components/render";
import type { SecuredWebStackArgs } from "../components/types";
import { mergeUnit, getAll } from "../lab/units";

const INTERNAL_CA_PEM = "-----BEGIN CERTIFICATE-----\n" + "B".repeat(560) + "\n-----END CERTIFICATE-----\n";
const deploy = { region: "us-east-1", dataVolumeId: "vol-0123456789abcdef0", acmCertificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/x", internalCaPem: INTERNAL_CA_PEM };
const SEED: SecuredWebStackArgs = { domain: "www.foobar.com", tls: { mode: "lets-encrypt", email: "ops@foobar.com" } };

/** Which unit's daemon reads each payload file (a file that names /run/sws and is missing here fails the test). */
const READER: Array<[RegExp, (dbUnit: string) => string]> = [
  [/^\/etc\/nginx\/nginx\.conf$/, () => "nginx.service"],
  [/^\/etc\/mysql\/(mariadb|mysql)\.conf\.d\/[^/]+\.cnf$/, (db) => db],
  [/^\/etc\/default\/prometheus-mysqld-exporter$/, () => "prometheus-mysqld-exporter.service"],
  [/^\/etc\/sws\/app\.env$|^\/opt\/sws-app\/server\.js$/, () => "sws-app.service"],
  [/^\/etc\/sws\/collector\.yaml$/, () => "sws-collector.service"],
  [/^\/etc\/haproxy\/haproxy\.cfg$/, () => "haproxy.service"],
];
// Files that name /run/sws but are no daemon's configuration: the fetch's own list, scripts run by units listed above.
const NOT_A_READER = /^\/etc\/sws\/fetch\.list$|^\/usr\/local\/sbin\//;

const CASES: Array<[string, SecuredWebStackArgs]> = [
  ["default", SEED],
  ["hardened (endToEndTls, two web and app servers, replica)", { ...SEED, webServers: 2, appServers: 2, hardening: { endToEndTls: true, databaseReplica: true } } as SecuredWebStackArgs],
  ["cluster", { ...SEED, database: { topology: "cluster" } } as SecuredWebStackArgs],
  ["sumologic sink", { ...SEED, monitoring: { sink: "sumologic", sumoLogicUrl: "https://collectors.sumologic.com/receiver/v1/otlp/x" } } as SecuredWebStackArgs],
];

describe("payloads: units reading fetched files start after sws-fetch.service at every boot", () => {
  for (const os of ["debian-12", "ubuntu-24.04"] as const) {
    for (const [label, args] of CASES) {
      it(`${os}, ${label}`, () => {
        const model = buildModel({ ...args, os });
        const dbUnit = model.dbEngine === "mariadb" ? "mariadb.service" : "mysql.service";
        let readers = 0;
        for (const server of model.servers) {
          const part = renderServerPart(model, server, deploy);
          // The unit's ordering as the payload sets it: its own file and drop-ins (the distribution's unit orders nothing after the fetch).
          const after = (u: string) => {
            const texts = part.files.filter((f) => f.path === `/etc/systemd/system/${u}` || f.path.startsWith(`/etc/systemd/system/${u}.d/`));
            return getAll(mergeUnit(u, texts.map((f) => ({ path: f.path, text: f.content }))), "Unit", "After").flatMap((v) => v.split(/\s+/));
          };
          for (const f of part.files.filter((x) => x.content.includes("/run/sws/") && !NOT_A_READER.test(x.path))) {
            const r = READER.find(([re]) => re.test(f.path));
            assert.ok(r, `${server.name}: ${f.path} names /run/sws but this test does not know which unit reads it`);
            const u = r[1](dbUnit);
            const a = after(u);
            readers++;
            assert.ok(a.includes("sws-fetch.service") || a.includes("sws-db-init.service"), `${server.name}: ${u} reads ${f.path} (which names /run/sws) but is not ordered after sws-fetch.service (After=${a.join(" ")})`);
            if (!a.includes("sws-fetch.service")) {
              const init = part.files.find((x) => x.path === "/etc/systemd/system/sws-db-init.service")!;
              const m = mergeUnit("sws-db-init.service", [{ path: init.path, text: init.content }]);
              assert.ok(getAll(m, "Unit", "After").join(" ").includes("sws-fetch.service") && getAll(m, "Unit", "Requires").join(" ").includes("sws-fetch.service"), `${server.name}: sws-db-init.service must require and follow sws-fetch.service`);
            }
          }
        }
        // The default stack's app reads its database password from /run/sws: there is always at least one reader.
        assert.ok(readers > 0, "no unit reads /run/sws: the test would check nothing");
        if (args.hardening?.databaseReplica) assert.ok(model.servers.some((s) => s.name === "db-replica"), "the hardened case has its replica");
      });
    }
  }
});
