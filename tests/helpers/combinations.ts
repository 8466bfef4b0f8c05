// Every option combination that changes what a payload contains (the size and schema tests
// render each of them).
import type { SecuredWebStackArgs } from "../../components/types";

export function combinations(): [string, SecuredWebStackArgs][] {
    const out: [string, SecuredWebStackArgs][] = [];
    const tlsModes: SecuredWebStackArgs["tls"][] = [
        { mode: "self-signed" }, { mode: "lets-encrypt", email: "ops@foobar.com", redirectApex: true, acmeCaPem: "-----BEGIN CERTIFICATE-----\n" + "A".repeat(600) + "\n-----END CERTIFICATE-----\n" },
        { mode: "acm", keyAlgorithm: "RSA" }, { mode: "imported", certificatePem: "c", privateKeyPem: "k" },
    ];
    const sinks: SecuredWebStackArgs["monitoring"][] = [
        { sink: "cloudwatch" }, { sink: "sumologic", sumoLogicUrl: "s" }, { sink: "prometheus-remote-write", remoteWriteUrl: "https://aps.example.com:8443/api/v1/write", remoteWriteSigV4: true }, { sink: "none" },
    ];
    for (const osName of ["ubuntu-24.04", "debian-12"] as const)
        for (const layout of ["split", "all-in-one"] as const)
            for (const tls of tlsModes)
                for (const monitoring of sinks)
                    for (const extra of [{}, { webServers: 3, adminCidrs: ["203.0.113.0/24", "198.51.100.7/32"], environment: "prod" }, { app: { artifactUrl: "https://artifacts.example.com/app-1.2.3.tar.gz", artifactSha256: "b".repeat(64), startCommand: "node server.js --port $PORT", environment: { FEATURE_X: "on" } } },
                        ...(layout === "split" ? [{ hardening: { endToEndTls: true, databaseReplica: true }, webServers: 2, appServers: 2 }] : [])])
                        out.push([`${osName}/${layout}/${tls!.mode}/${monitoring!.sink}/${Object.keys(extra).join("+") || "plain"}`,
                            { domain: "www.foobar.com", os: osName, layout, tls, monitoring, dns: { hostedZoneId: "Z0123456789ABCDEFGHIJ" }, ...extra }]);
    return out;
}
