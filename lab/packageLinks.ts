/**
 * The enablement links a server's packages leave in its root, as on EC2.
 *
 * On an instance, cloud-init's `packages` step installs the payload's packages and their
 * postinst scripts enable their units (deb-systemd-helper: nginx, haproxy, mariadb,
 * prometheus-*-exporter, unattended-upgrades …; nftables' does not). A lab root is an overlay of
 * this machine's `/`, which has every payload's packages installed, so it inherits every package's
 * links (mariadb enabled on the web server, PostgreSQL on all of them). The lab's `packages` step
 * (payload.ts) therefore replaces the root's /etc/systemd/system/<target>.wants|.requires links with
 * the ones the machine's postinst scripts made for the units of the server's own packages and what
 * they depend on (Depends/Pre-Depends, over installed packages; the machine installs without
 * Recommends, as `up` does). Units of the base system (Priority required/important: dpkg's,
 * e2fsprogs', systemd's own) are the machine's, which the lab does not run; they are left out.
 */
import * as fs from "fs";
import * as path from "path";
import { run } from "./shell";

export interface InstalledPackage {
  name: string;
  priority: string;
  /** Depends and Pre-Depends: each entry a list of alternatives. */
  depends: string[][];
  provides: string[];
}

/** Parse `dpkg-query -W -f '${Package}\t${Priority}\t${Depends}\t${Pre-Depends}\t${Provides}\t${db:Status-Status}\n'`. */
export function parseDpkgQuery(text: string): Map<string, InstalledPackage> {
  const out = new Map<string, InstalledPackage>();
  const names = (field: string) => field.split(",").map((x) => x.trim()).filter(Boolean);
  for (const line of text.split("\n")) {
    const f = line.split("\t");
    if (f.length < 6 || f[5] !== "installed") continue;
    out.set(f[0], {
      name: f[0],
      priority: f[1],
      depends: [...names(f[2]), ...names(f[3])].map((alt) => alt.split("|").map((a) => a.trim().split(/[\s:(]/)[0])),
      provides: names(f[4]).map((p) => p.split(/[\s(]/)[0]),
    });
  }
  return out;
}

/** The installed packages `roots` pull in through Depends/Pre-Depends (for alternatives, the first one installed or provided). */
export function dependencyClosure(pkgs: Map<string, InstalledPackage>, roots: string[]): Set<string> {
  const providers = new Map<string, string>();
  for (const p of pkgs.values()) for (const v of p.provides) if (!providers.has(v)) providers.set(v, p.name);
  const seen = new Set<string>();
  const queue = roots.filter((r) => pkgs.has(r));
  while (queue.length) {
    const n = queue.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    for (const alts of pkgs.get(n)!.depends) {
      const hit = alts.find((a) => pkgs.has(a)) ?? alts.map((a) => providers.get(a)).find((x) => x !== undefined);
      if (hit) queue.push(hit);
    }
  }
  return seen;
}

export interface UnitLink {
  /** e.g. /etc/systemd/system/multi-user.target.wants/nginx.service */
  link: string;
  /** e.g. /lib/systemd/system/nginx.service */
  target: string;
  /** The package whose unit file it is. */
  owner: string;
}

const ENABLE_DIR = "/etc/systemd/system";
const BASE_PRIORITIES = new Set(["required", "important"]);

/** The machine's enablement links (made by its packages' postinst scripts), with the package each unit file belongs to. */
export function machineUnitLinks(etc = ENABLE_DIR): UnitLink[] {
  const links: Array<{ link: string; target: string }> = [];
  for (const d of fs.readdirSync(etc).filter((x) => x.endsWith(".wants") || x.endsWith(".requires"))) {
    for (const f of fs.readdirSync(path.join(etc, d))) {
      const l = path.join(etc, d, f);
      try {
        links.push({ link: `${ENABLE_DIR}/${d}/${f}`, target: fs.readlinkSync(l) });
      } catch {
        /* not a link */
      }
    }
  }
  if (!links.length) return [];
  // One dpkg-query for every target ("pkg: /path" lines; a path no package owns is left out).
  const r = run("dpkg-query", ["-S", ...new Set(links.map((l) => l.target))]);
  const owner = new Map<string, string>();
  for (const line of r.stdout.split("\n")) {
    const m = /^([^:,\s]+)(?::\S+)?(?:, [^:]+)?: (\/.+)$/.exec(line);
    if (m) owner.set(m[2], m[1]);
  }
  return links.filter((l) => owner.has(l.target)).map((l) => ({ ...l, owner: owner.get(l.target)! }));
}

/** The links the server's packages' postinst scripts leave: those of `links` whose unit belongs to the closure of `packages`, base system excluded. */
export function serverUnitLinks(pkgs: Map<string, InstalledPackage>, packages: string[], links: UnitLink[]): UnitLink[] {
  const closure = dependencyClosure(pkgs, packages);
  return links.filter((l) => closure.has(l.owner) && !BASE_PRIORITIES.has(pkgs.get(l.owner)?.priority ?? ""));
}

/**
 * Make the root's (host path `merged`) enablement links those of the server's packages: every
 * inherited <target>.wants|.requires link is removed (a whiteout in the root's upper layer), then
 * the server's are made. Returns the links made.
 */
export function applyPackageLinks(merged: string, packages: string[]): UnitLink[] {
  const q = run("dpkg-query", ["-W", "-f", "${Package}\\t${Priority}\\t${Depends}\\t${Pre-Depends}\\t${Provides}\\t${db:Status-Status}\\n"]);
  if (q.code !== 0) throw new Error(`dpkg-query: ${q.stderr}`);
  const wanted = serverUnitLinks(parseDpkgQuery(q.stdout), packages, machineUnitLinks());
  const etc = path.join(merged, ENABLE_DIR);
  for (const d of fs.existsSync(etc) ? fs.readdirSync(etc) : []) {
    if (!d.endsWith(".wants") && !d.endsWith(".requires")) continue;
    for (const f of fs.readdirSync(path.join(etc, d))) {
      const p = path.join(etc, d, f);
      if (fs.lstatSync(p).isSymbolicLink()) fs.rmSync(p);
    }
  }
  for (const l of wanted) {
    const p = path.join(merged, l.link);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.symlinkSync(l.target, p);
  }
  return wanted;
}
