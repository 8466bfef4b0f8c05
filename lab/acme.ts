/**
 * ACME for real, offline: a small lab CA signs the certificate of a local pebble; pebble asks
 * pebble-challtestsrv for DNS, which answers every name with the balancer's address, so the
 * HTTP-01 validation reaches HAProxy exactly as Let's Encrypt would reach it on EC2.
 */
import * as fs from "fs";
import * as path from "path";
import { startHelper } from "./helperDaemons";
import { inNetns } from "./namespaces";
import { mkdirp, STATE, writeJson } from "./files";
import { must } from "./shell";
import { waitFor } from "./processes";

export const CA_DIR = path.join(STATE, "ca");
export const LAB_CA = path.join(CA_DIR, "lab-ca.pem");
export const CA_BUNDLE = path.join(STATE, "ca-bundle.pem");

export interface AcmeSettings {
  name: string;
  ip: string;
  port: number;
  managementPort: number;
  dnsPort: number;
}

/** The lab CA (kept across `up`s while the state directory lives) and pebble's certificate. */
export function ensureCa(acme: AcmeSettings): string {
  mkdirp(CA_DIR, 0o700);
  const key = path.join(CA_DIR, "lab-ca.key");
  if (!fs.existsSync(LAB_CA) || !fs.existsSync(key)) {
    must("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", LAB_CA,
      "-days", "30", "-subj", "/CN=secured-web-stack lab CA", "-addext", "basicConstraints=critical,CA:TRUE",
      "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
  }
  const pk = path.join(CA_DIR, "pebble.key");
  const crt = path.join(CA_DIR, "pebble.pem");
  if (!fs.existsSync(crt)) {
    const csr = path.join(CA_DIR, "pebble.csr");
    const ext = path.join(CA_DIR, "pebble.ext");
    must("openssl", ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", pk, "-out", csr, "-subj", "/CN=pebble"]);
    fs.writeFileSync(ext, `subjectAltName=IP:${acme.ip},DNS:pebble\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`);
    must("openssl", ["x509", "-req", "-in", csr, "-CA", LAB_CA, "-CAkey", key, "-CAcreateserial", "-days", "30", "-extfile", ext, "-out", crt]);
  }
  return fs.readFileSync(LAB_CA, "utf8");
}

export async function startAcme(acme: AcmeSettings, balancerIp: string): Promise<void> {
  const dir = path.join(STATE, "acme");
  mkdirp(dir);
  const cfg = path.join(dir, "pebble-config.json");
  writeJson(cfg, {
    pebble: {
      listenAddress: `0.0.0.0:${acme.port}`,
      managementListenAddress: `0.0.0.0:${acme.managementPort}`,
      certificate: path.join(CA_DIR, "pebble.pem"),
      privateKey: path.join(CA_DIR, "pebble.key"),
      httpPort: 80,
      tlsPort: 443,
      ocspResponderURL: "",
      externalAccountBindingRequired: false,
    },
  });
  // DNS for pebble only: every name resolves to the balancer (no /etc/hosts edits anywhere).
  startHelper("pebble-challtestsrv", acme.name, [
    "/usr/bin/pebble-challtestsrv", "-defaultIPv4", balancerIp, "-defaultIPv6", "", "-dns01", `127.0.0.1:${acme.dnsPort}`,
    "-http01", "", "-https01", "", "-tlsalpn01", "", "-management", "127.0.0.1:8055",
  ]);
  startHelper("pebble", acme.name, ["/usr/bin/pebble", "-config", cfg, "-dnsserver", `127.0.0.1:${acme.dnsPort}`],
    { PEBBLE_VA_NOSLEEP: "1", PEBBLE_WFE_NONCEREJECT: "0" });
  await waitFor("pebble's directory", () => inNetns(acme.name, "curl", ["-sf", "--cacert", LAB_CA, `https://${acme.ip}:${acme.port}/dir`]).code === 0, 20000, 200);
}

/** Pebble's current root (generated at its start): what a browser would trust for the site. */
export function fetchAcmeRoots(acme: AcmeSettings): string {
  const r = inNetns(acme.name, "curl", ["-sf", "--cacert", LAB_CA, `https://${acme.ip}:${acme.managementPort}/roots/0`]);
  if (r.code !== 0 || !r.stdout.includes("BEGIN CERTIFICATE")) throw new Error(`cannot fetch pebble's root: ${r.stderr}`);
  return r.stdout.trim() + "\n";
}
