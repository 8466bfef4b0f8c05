// The configurations the AWS conformance suite replays: the program's own stacks (index.ts with
// Pulumi.dev.yaml / Pulumi.prod.yaml) and an option matrix over the component that covers every
// TLS mode, every monitoring sink, split and all-in-one, 1-3 web and app servers, hardening on
// and off, both network modes and an existing VPC (created in the emulator first). More than one
// app server or a replica needs end-to-end TLS (the database is then on the network).
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Captured } from "../helpers/pulumiMocks";
import type { SecuredWebStackArgs } from "../../components/types";
import { captureComponent, captureProgram, stackConfig } from "./capture";

/** Stands in for the user's hosted zone id in the configurations (mapped onto the emulator's zone). */
export const TEST_ZONE_ID = "Z04481532TESTZONE0001";

export interface Prepared {
    /** Mock value → emulator value (the hosted zone's id). */
    seed: { [mock: string]: string };
    /** Ids made in the emulator before the program runs (an existing VPC and its subnets). */
    existing: { vpcId?: string; publicSubnetId?: string; privateSubnetId?: string };
}

export interface Configuration {
    name: string;
    /** What it covers, for the suite's output. */
    covers: string;
    /** Things that exist before the program runs. */
    needs: { zone?: string; vpc?: { cidr: string; public: string; private: string } };
    capture(p: Prepared): Promise<Captured[]>;
}

/** A self-signed certificate + key for www.foobar.com (mode "imported" checks them at preview). */
function importedCertificate(): { cert: string; key: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sws-conformance-"));
    try {
        const key = path.join(dir, "k.pem");
        const crt = path.join(dir, "c.pem");
        execFileSync("openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key], { stdio: "pipe" });
        execFileSync("openssl", ["req", "-x509", "-new", "-key", key, "-days", "90", "-subj", "/CN=www.foobar.com", "-addext", "subjectAltName=DNS:www.foobar.com,DNS:foobar.com", "-out", crt], { stdio: "pipe" });
        return { cert: fs.readFileSync(crt, "utf8"), key: fs.readFileSync(key, "utf8") };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

const SEED: SecuredWebStackArgs = { domain: "www.foobar.com" };

export const CONFIGURATIONS: Configuration[] = [
    {
        name: "dev", covers: "Pulumi.dev.yaml through index.ts: self-signed, CloudWatch, split 1+1, hardening off, public subnets",
        needs: {},
        capture: () => captureProgram("dev", stackConfig("dev")),
    },
    {
        name: "prod", covers: "Pulumi.prod.yaml through index.ts: Let's Encrypt, CloudWatch + alarm e-mail, 2+2, end-to-end TLS + replica, NAT gateway, DNS, termination protection",
        needs: { zone: "foobar.com" },
        capture: () => captureProgram("prod", stackConfig("prod", { "secured-web-stack:dns": { hostedZoneId: TEST_ZONE_ID } })),
    },
    {
        name: "acm-sumologic-3web", covers: "ACM (RSA, apex SAN) validated in Route 53, Sumo Logic sink, 3 web + 1 app, hardening off, public subnets, the app from the user's S3 bucket under the user's KMS key, with its runtime packages",
        needs: { zone: "foobar.com" },
        capture: () => captureComponent("sws-m1", {
            ...SEED, environment: "m1", webServers: 3, appServers: 1,
            tls: { mode: "acm", keyAlgorithm: "RSA", redirectApex: true }, dns: { hostedZoneId: TEST_ZONE_ID },
            monitoring: { sink: "sumologic", sumoLogicUrl: "https://endpoint4.collection.sumologic.com/receiver/v1/otlp/ZaVnC4dhaV3uTKlVd" },
            network: { mode: "public-subnets", vpcCidr: "10.41.0.0/16" },
            app: {
                artifactUrl: "s3://m1-releases/shop/app-2.0.0.tar.gz", artifactSha256: "d".repeat(64), startCommand: "/usr/bin/node server.js",
                packages: ["nodejs", "node-mysql"], artifactKmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            },
        }),
    },
    {
        name: "imported-amp-e2e-3app-debian", covers: "imported certificate, Prometheus remote write with SigV4 (AMP), end-to-end TLS only, 1 web + 3 app, NAT gateway, Debian 12",
        needs: {},
        capture: () => {
            const c = importedCertificate();
            return captureComponent("sws-m2", {
                ...SEED, environment: "m2", os: "debian-12", appServers: 3,
                tls: { mode: "imported", certificatePem: c.cert, privateKeyPem: c.key },
                monitoring: { sink: "prometheus-remote-write", remoteWriteUrl: "https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-0123abcd-4567-89ef-0123-456789abcdef/api/v1/remote_write", remoteWriteSigV4: true },
                hardening: { endToEndTls: true }, network: { mode: "nat-gateway", vpcCidr: "10.42.0.0/16" },
            });
        },
    },
    {
        name: "letsencrypt-none-replica-existing-vpc", covers: "Let's Encrypt (staging), no monitoring sink, database replica (with the end-to-end TLS it requires), 2 web + 1 app, an existing VPC with a private subnet (NAT mode), SSH from an admin network",
        needs: { zone: "foobar.com", vpc: { cidr: "10.43.0.0/16", public: "10.43.0.0/24", private: "10.43.1.0/24" } },
        capture: (p) => captureComponent("sws-m3", {
            ...SEED, environment: "m3", webServers: 2, hardening: { databaseReplica: true, endToEndTls: true },
            tls: { mode: "lets-encrypt", email: "ops@foobar.com", acmeDirectory: "staging" }, dns: { hostedZoneId: TEST_ZONE_ID },
            monitoring: { sink: "none" }, adminCidrs: ["198.51.100.0/24"],
            network: {
                mode: "nat-gateway", vpcCidr: "10.43.0.0/16", publicSubnetCidr: "10.43.0.0/24", privateSubnetCidr: "10.43.1.0/24",
                existingVpcId: p.existing.vpcId, existingPublicSubnetId: p.existing.publicSubnetId, existingPrivateSubnetId: p.existing.privateSubnetId,
            },
        }),
    },
    {
        name: "all-in-one-existing-vpc", covers: "all-in-one layout, self-signed, CloudWatch + alarm e-mail, an existing VPC (public subnets only), user tags",
        needs: { vpc: { cidr: "10.44.0.0/16", public: "10.44.0.0/24", private: "10.44.1.0/24" } },
        capture: (p) => captureComponent("sws-m4", {
            ...SEED, environment: "m4", layout: "all-in-one",
            monitoring: { sink: "cloudwatch", alarmEmail: "ops@foobar.com" }, tags: { team: "web platform", "cost-center": "cc-1234" },
            network: {
                mode: "public-subnets", vpcCidr: "10.44.0.0/16", publicSubnetCidr: "10.44.0.0/24", privateSubnetCidr: "10.44.1.0/24",
                existingVpcId: p.existing.vpcId, existingPublicSubnetId: p.existing.publicSubnetId, existingPrivateSubnetId: p.existing.privateSubnetId,
            },
        }),
    },
];
