// Every option combination that changes what a payload contains (the size and schema tests
// render each of them).
import type { SecuredWebStackArgs } from "../../components/types";

/** A throw-away self-signed pair for www.foobar.com (valid until 2126): the model checks an imported pair given as strings. */
export const IMPORTED_CERT = `-----BEGIN CERTIFICATE-----
MIIBpDCCAUqgAwIBAgIUTI+/jxWNHO3cKGwczV6zoBRZIgkwCgYIKoZIzj0EAwIw
GTEXMBUGA1UEAwwOd3d3LmZvb2Jhci5jb20wIBcNMjYxMTMwMDk1MzA2WhgPMjEy
NjExMDYwOTUzMDZaMBkxFzAVBgNVBAMMDnd3dy5mb29iYXIuY29tMFkwEwYHKoZI
zj0CAQYIKoZIzj0DAQcDQgAEovWWEQ5dmpldECB50mJKcalzvhEaMWhL4EquOmxd
MPRhchKc650cnxlgKYU8lFNrA2zidN7Nc/FbxOqf4nooXKNuMGwwHQYDVR0OBBYE
FBwCjqEwJqA+fdNxzTxtKltFDYK4MB8GA1UdIwQYMBaAFBwCjqEwJqA+fdNxzTxt
KltFDYK4MA8GA1UdEwEB/wQFMAMBAf8wGQYDVR0RBBIwEIIOd3d3LmZvb2Jhci5j
b20wCgYIKoZIzj0EAwIDSAAwRQIhAJuead1VuHEbM02LW+ZNdFTu5YtMF1TUChdN
+O8fCl6rAiBkcSuDAuH+c3zEQft8PN5jduhjIFtJE9pWFhS/72QoGg==
-----END CERTIFICATE-----
`;
export const IMPORTED_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgi3KuwaPA1Xe2fPjg
uQWFHhQTm5KIQx+fX1AGTfbcuBmhRANCAASi9ZYRDl2amV0QIHnSYkpxqXO+ERox
aEvgSq46bF0w9GFyEpzrnRyfGWAphTyUU2sDbOJ03s1z8VvE6p/ieihc
-----END PRIVATE KEY-----
`;

export function combinations(): [string, SecuredWebStackArgs][] {
    const out: [string, SecuredWebStackArgs][] = [];
    const tlsModes: SecuredWebStackArgs["tls"][] = [
        { mode: "self-signed" }, { mode: "lets-encrypt", email: "ops@foobar.com", redirectApex: true, acmeCaPem: "-----BEGIN CERTIFICATE-----\n" + "A".repeat(600) + "\n-----END CERTIFICATE-----\n" },
        { mode: "acm", keyAlgorithm: "RSA" }, { mode: "imported", certificatePem: IMPORTED_CERT, privateKeyPem: IMPORTED_KEY },
    ];
    const sinks: SecuredWebStackArgs["monitoring"][] = [
        { sink: "cloudwatch" }, { sink: "sumologic", sumoLogicUrl: "s" }, { sink: "prometheus-remote-write", remoteWriteUrl: "https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-0a1b2c3d-4e5f/api/v1/remote_write", remoteWriteSigV4: true }, { sink: "none" },
    ];
    for (const osName of ["ubuntu-24.04", "debian-12"] as const)
        for (const layout of ["split", "all-in-one"] as const)
            for (const tls of tlsModes)
                for (const monitoring of sinks)
                    for (const extra of [{}, { webServers: 3, adminCidrs: ["203.0.113.0/24", "198.51.100.7/32"], environment: "prod" }, { app: { artifactUrl: "https://artifacts.example.com/app-1.2.3.tar.gz", artifactSha256: "b".repeat(64), startCommand: "node server.js --port $PORT", environment: { FEATURE_X: "on" }, packages: ["nodejs", "node-mysql", "libstdc++6", "python3.11"] } },
                        ...(layout === "split" ? [{ hardening: { endToEndTls: true, databaseReplica: true }, webServers: 2, appServers: 2 }] : [])])
                        out.push([`${osName}/${layout}/${tls!.mode}/${monitoring!.sink}/${Object.keys(extra).join("+") || "plain"}`,
                            { domain: "www.foobar.com", os: osName, layout, tls, monitoring, dns: { hostedZoneId: "Z04481532TESTZONE0001" }, ...extra }]);
    return out;
}
