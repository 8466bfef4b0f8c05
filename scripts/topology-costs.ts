// Monthly cost of the three database topologies side by side (README "Database topologies"):
// the component's own output estimatedMonthlyCostUsd (components/aws/cost.ts over
// components/aws/prices.json, with the alarms and custom metrics the component really creates),
// computed under the provider-shaped mocks for each topology on the dev and prod settings.
//   npx ts-node --transpile-only scripts/topology-costs.ts
import { installMocks, settle, valueOf } from "../tests/helpers/pulumiMocks";
import type { SecuredWebStackArgs } from "../components/types";
import prices = require("../components/aws/prices.json");

const captured = installMocks();
// Only now: the component registers resources when constructed.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { SecuredWebStack } = require("../components/securedWebStack") as typeof import("../components/securedWebStack");

const settings: Record<string, SecuredWebStackArgs> = {
    "dev (public subnets, 1 app server)": { domain: "www.foobar.com", environment: "dev" },
    "prod (NAT gateway, end-to-end TLS, 2 web + 2 app, alarms e-mailed)": {
        domain: "www.foobar.com", environment: "prod", webServers: 2, appServers: 2, hardening: { endToEndTls: true },
        monitoring: { alarmEmail: "ops@foobar.com" }, database: { volumeGiB: 50 },
    },
};

(async () => {
    console.log(`monthly cost, USD (on-demand list prices, ${prices.region}, ${prices.date}; data transfer excluded)`);
    for (const [what, base] of Object.entries(settings)) {
        const row: string[] = [];
        for (const topology of ["single", "replica", "cluster"] as const) {
            captured.length = 0;
            // A replica needs endToEndTls (its replication runs over the internal CA's TLS).
            const hardening = { ...base.hardening, endToEndTls: base.hardening?.endToEndTls || topology === "replica" };
            const s = new SecuredWebStack(`sws-${topology}`, { ...base, hardening, database: { ...base.database, topology } });
            const usd = await valueOf(s.estimatedMonthlyCostUsd);
            await settle(captured);
            const servers = captured.filter((r) => r.type === "aws:ec2/instance:Instance").length;
            row.push(`${topology} ${usd.toFixed(2)} (${servers} servers)`);
        }
        console.log(`${what}: ${row.join(" | ")}`);
    }
})().catch((e) => { console.error(e); process.exit(1); });
