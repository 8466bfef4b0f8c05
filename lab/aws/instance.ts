/**
 * What EC2 gives an instance before its user data runs, done to a server's root by the lab (each
 * a stand-in, listed by `check`'s "aws" section):
 *   - DHCP options: /etc/resolv.conf names the VPC resolver (VPC base + 2);
 *   - AWS's endpoints are publicly trusted: the lab CA joins the root's system CA bundle (as
 *     update-ca-certificates adds a local CA), so boto3/botocore and Go verify the lab's AWS host;
 *   - the EBS data volume is attached: a directory of the root bound at the data mount point
 *     (sws-db-init sees the mount and skips the device search, as on a second boot).
 */
import * as fs from "fs";
import { DATA_MOUNT } from "../../components/payloads/database";
import { LAB_CA } from "../acme";
import { inRoot, writeInRoot } from "../root";

export const LAB_CA_IN_ROOT = "/usr/local/share/ca-certificates/sws-lab-ca.crt";
/** Debian's system CA bundle (certifi in Debian points botocore here; Go reads it first). */
export const SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";
/** Where the data volume's stand-in lives inside the root (on the root's own upper layer, on disk). */
export const EBS_STANDIN_DIR = "/var/lib/sws-lab-ebs";

export interface StandIn {
  what: string;
  why: string;
}

/** The lab's stand-ins for EC2/AWS behaviour (printed by check's "aws" section). */
export const INSTANCE_STAND_INS: StandIn[] = [
  { what: "/etc/resolv.conf → the VPC resolver", why: "EC2 sets it through DHCP; there is no DHCP in the lab" },
  { what: "lab CA in each server's system CA bundle", why: "AWS's endpoints carry publicly trusted certificates; the lab's AWS host can only have one from the lab CA" },
  { what: "data volume = a directory bound at the data mount point", why: "no EBS device can be attached to a namespace; sws-db-init then skips its device search (as on a second boot)" },
  { what: "VPC resolver = pebble-challtestsrv with exact A records for the AWS endpoint names", why: "the lab has no Route 53 Resolver; every other name is unknown to it" },
];

export function prepareInstance(server: string, resolverIp: string, dataVolumeId?: string): void {
  writeInRoot(server, "/etc/resolv.conf", `# sws-lab: the VPC resolver (EC2 sets this through DHCP)\nnameserver ${resolverIp}\n`, "0644", "root:root");
  // What `update-ca-certificates` makes of a local CA (the machine's bundle + it), written directly:
  // the tool takes ~4 s per root here; a later run in the root keeps the CA (it is in its source directory).
  const ca = fs.readFileSync(LAB_CA, "utf8");
  writeInRoot(server, LAB_CA_IN_ROOT, ca, "0644", "root:root");
  writeInRoot(server, SYSTEM_BUNDLE, fs.readFileSync(SYSTEM_BUNDLE, "utf8").replace(/\n*$/, "\n") + ca, "0644", "root:root");
  if (dataVolumeId) {
    if (!/^vol-[0-9a-f]+$/.test(dataVolumeId)) throw new Error(`${server}: data volume id ${JSON.stringify(dataVolumeId)} is not an EBS volume id`);
    const src = `${EBS_STANDIN_DIR}/${dataVolumeId}`;
    const m = inRoot(server, ["/bin/sh", "-ec", 'mountpoint -q "$2" && exit 0; mkdir -p "$1" "$2"; mount --bind "$1" "$2"', "sh", src, DATA_MOUNT]);
    if (m.code !== 0) throw new Error(`${server}: data volume stand-in at ${DATA_MOUNT}: ${m.stderr}`);
  }
}
