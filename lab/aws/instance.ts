/**
 * What EC2 gives an instance before its user data runs, done to a server's root by the lab (each
 * a stand-in, listed by `check`'s "aws" section):
 *   - DHCP options: /etc/resolv.conf names the VPC resolver (VPC base + 2);
 *   - AWS's endpoints are publicly trusted: the lab CA joins the root's system CA bundle (as
 *     update-ca-certificates adds a local CA), so boto3/botocore and Go verify the lab's AWS host;
 *   - the EBS data volume is attached: the lab's directory for that volume id, outside every root
 *     (VOLUMES_DIR/<vol-id>), bound at the data mount point, so the volume outlives the root as an
 *     EBS volume outlives its instance (sws-db-init sees the mount and skips the device search).
 */
import * as fs from "fs";
import * as path from "path";
import { DATA_MOUNT } from "../../components/payloads/database";
import { LAB_CA } from "../acme";
import { mkdirp, VOLUMES_DIR } from "../files";
import { inRoot, writeInRoot } from "../root";

export const LAB_CA_IN_ROOT = "/usr/local/share/ca-certificates/sws-lab-ca.crt";
/** Debian's system CA bundle (certifi in Debian points botocore here; Go reads it first). */
export const SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";
/** Where root-setup.sh makes the lab's volumes reachable inside a root until the instance step detaches them. */
const VOLUMES_IN_ROOT = "/run/sws-lab-volumes";

const VOLUME_ID = /^vol-[0-9a-f]+$/;

/** The host directory that stands for one EBS volume (outside every server's root). */
export function volumeDir(volumeId: string): string {
  if (!VOLUME_ID.test(volumeId)) throw new Error(`data volume id ${JSON.stringify(volumeId)} is not an EBS volume id (vol-<hex>)`);
  return path.join(VOLUMES_DIR, volumeId);
}

export interface StandIn {
  what: string;
  why: string;
}

/** The lab's stand-ins for EC2/AWS behaviour (printed by check's "aws" section). */
export const INSTANCE_STAND_INS: StandIn[] = [
  { what: "/etc/resolv.conf → the VPC resolver", why: "EC2 sets it through DHCP; there is no DHCP in the lab" },
  { what: "lab CA in each server's system CA bundle", why: "AWS's endpoints carry publicly trusted certificates; the lab's AWS host can only have one from the lab CA" },
  { what: `data volume = a lab directory outside the server's root (${VOLUMES_DIR}/<vol-id>, the host's file system) bound at the data mount point`, why: "no EBS device can be attached to a namespace; sws-db-init then skips its device search and mkfs (as on a second boot); like a volume it outlives the root (drill replacement), `down` deletes it" },
  { what: "VPC resolver = pebble-challtestsrv with exact A records for the AWS endpoint names", why: "the lab has no Route 53 Resolver; every other name is unknown to it" },
];

export function prepareInstance(server: string, resolverIp: string, dataVolumeId?: string): void {
  writeInRoot(server, "/etc/resolv.conf", `# sws-lab: the VPC resolver (EC2 sets this through DHCP)\nnameserver ${resolverIp}\n`, "0644", "root:root");
  // What `update-ca-certificates` makes of a local CA (the machine's bundle + it), written directly:
  // the tool takes ~4 s per root here; a later run in the root keeps the CA (it is in its source directory).
  const ca = fs.readFileSync(LAB_CA, "utf8");
  writeInRoot(server, LAB_CA_IN_ROOT, ca, "0644", "root:root");
  writeInRoot(server, SYSTEM_BUNDLE, fs.readFileSync(SYSTEM_BUNDLE, "utf8").replace(/\n*$/, "\n") + ca, "0644", "root:root");
  // Attach the data volume (when the server has one), then detach the lab-wide volumes directory
  // root-setup.sh bound: the server sees its own volume only, as an instance sees its attachments.
  let src = "";
  if (dataVolumeId) {
    const dir = volumeDir(dataVolumeId);
    // A volume the lab has not seen yet is a new, empty one (what CreateVolume gives).
    mkdirp(dir, 0o755);
    src = `${VOLUMES_IN_ROOT}/${dataVolumeId}`;
  }
  const script = [
    'if [ -n "$1" ] && ! mountpoint -q "$2"; then mkdir -p "$2"; mount --bind "$1" "$2"; fi',
    'if mountpoint -q "$3"; then umount "$3"; fi',
    'rmdir "$3" 2>/dev/null || true',
  ].join("\n");
  const m = inRoot(server, ["/bin/sh", "-ec", script, "sh", src, DATA_MOUNT, VOLUMES_IN_ROOT]);
  if (m.code !== 0) throw new Error(`${server}: data volume stand-in at ${DATA_MOUNT}: ${m.stderr}`);
}
