/**
 * The internal CA of hardening.endToEndTls, made by the lab with openssl (the component makes it
 * with @pulumi/tls: components/aws/tls.ts), and one key + certificate per server that serves TLS
 * inside the stack, with the same names: SANs internalNames(server) plus the server's address,
 * ECDSA P-256, certificate then key in one PEM — the value of the `<prefix>/internal-tls/<server>`
 * parameter that sws-fetch installs. The program's @pulumi/tls resources answer with these when it
 * runs under the mocks for the lab (aws/program.ts), so SSM holds them and the user data names this CA.
 */
import * as fs from "fs";
import * as path from "path";
import { internalNames } from "../components/payloads/part";
import { mkdirp, STATE } from "./files";
import { must } from "./shell";

export const INTERNAL_CA_DIR = path.join(STATE, "ca", "internal");
export const INTERNAL_CA = path.join(INTERNAL_CA_DIR, "internal-ca.pem");
const INTERNAL_CA_KEY = path.join(INTERNAL_CA_DIR, "internal-ca.key");

/** The internal CA certificate (PEM) if the lab has made one. */
export function readInternalCa(): string {
  try {
    return fs.readFileSync(INTERNAL_CA, "utf8");
  } catch {
    throw new Error(`hardening.endToEndTls: no internal CA yet (${INTERNAL_CA}); \`up\` makes it`);
  }
}

/** Make the internal CA (kept while the lab's state lives); returns its certificate. */
export function ensureInternalCa(domain: string): string {
  mkdirp(INTERNAL_CA_DIR, 0o700);
  if (!fs.existsSync(INTERNAL_CA) || !fs.existsSync(INTERNAL_CA_KEY)) {
    must("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", INTERNAL_CA_KEY, "-out", INTERNAL_CA,
      "-days", "30", "-subj", `/O=secured-web-stack/CN=${domain} internal CA (lab)`, "-addext", "basicConstraints=critical,CA:TRUE",
      "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
  }
  return fs.readFileSync(INTERNAL_CA, "utf8");
}

/** One server's certificate + key (PEM), signed by the internal CA; made once per lab state. */
export function serverPem(server: { name: string; roles: string[]; privateIp: string }): string {
  const dir = path.join(INTERNAL_CA_DIR, server.name);
  const out = path.join(dir, "server.pem");
  if (fs.existsSync(out)) return fs.readFileSync(out, "utf8");
  mkdirp(dir, 0o700);
  const key = path.join(dir, "key.pem");
  const csr = path.join(dir, "csr.pem");
  const crt = path.join(dir, "cert.pem");
  const ext = path.join(dir, "ext.cnf");
  must("openssl", ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", csr, "-subj", `/CN=${server.name}.sws.internal`]);
  const sans = [...internalNames(server).map((n) => `DNS:${n}`), `IP:${server.privateIp}`].join(",");
  fs.writeFileSync(ext, `subjectAltName=${sans}\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=CA:FALSE\n`);
  must("openssl", ["x509", "-req", "-in", csr, "-CA", INTERNAL_CA, "-CAkey", INTERNAL_CA_KEY, "-CAcreateserial", "-days", "30", "-extfile", ext, "-out", crt]);
  const pem = fs.readFileSync(crt, "utf8") + fs.readFileSync(key, "utf8");
  fs.writeFileSync(out, pem, { mode: 0o600 });
  return pem;
}
