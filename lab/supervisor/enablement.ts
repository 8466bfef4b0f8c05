// Enablement as systemd keeps it: symlinks in the server's root, not a flag in the supervisor's
// memory. `systemctl enable` reads the unit's [Install] section and links the unit file from
// /etc/systemd/system/<target>.wants/ (WantedBy=) or <target>.requires/ (RequiredBy=); disable
// removes those links; is-enabled answers from them. The links live on the root's disk (its
// overlay upper layer), so they survive a reboot, and a boot (boot.ts) starts what they name.
import * as fs from "fs";
import * as path from "path";
import { getAll, MergedUnit } from "../units";
import { loadUnit, RootView } from "./unitFiles";

/** Where `systemctl enable` puts its links (the administrator's directory, as systemd does). */
export const ENABLE_DIR = "/etc/systemd/system";

export interface InstallSection {
  wantedBy: string[];
  requiredBy: string[];
  also: string[];
}

/** The [Install] section's WantedBy=/RequiredBy=/Also= (each may hold several space-separated names). */
export function installSection(m: MergedUnit): InstallSection {
  const words = (k: string) => getAll(m, "Install", k).flatMap((v) => v.split(/\s+/)).filter(Boolean);
  return { wantedBy: words("WantedBy"), requiredBy: words("RequiredBy"), also: words("Also") };
}

/** The links `systemctl enable <name>` creates: link path (inside the root) → the unit file it points at. */
export function installLinks(m: MergedUnit): Array<{ link: string; target: string }> {
  const inst = installSection(m);
  const file = m.sources[0];
  return [
    ...inst.wantedBy.map((t) => ({ link: `${ENABLE_DIR}/${t}.wants/${m.name}`, target: file })),
    ...inst.requiredBy.map((t) => ({ link: `${ENABLE_DIR}/${t}.requires/${m.name}`, target: file })),
  ];
}

/** Every enablement link of a unit in the root: /etc/systemd/system/<anything>.wants|.requires/<name>. */
export function enabledLinks(root: RootView, name: string): string[] {
  let dirs: string[] = [];
  try {
    dirs = fs.readdirSync(root.r(ENABLE_DIR)).filter((d) => d.endsWith(".wants") || d.endsWith(".requires"));
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const d of dirs.sort()) {
    const link = `${ENABLE_DIR}/${d}/${name}`;
    try {
      fs.lstatSync(root.r(link));
      out.push(link);
    } catch {
      /* not linked from this target */
    }
  }
  return out;
}

export type UnitFileState = "enabled" | "disabled" | "static" | "not-found";

/**
 * What `systemctl is-enabled` answers: enabled when a link names the unit, static when it has no
 * [Install] section (it can only be pulled in by another unit), disabled otherwise.
 */
export function unitFileState(root: RootView, name: string): UnitFileState {
  if (enabledLinks(root, name).length) return "enabled";
  const m = loadUnit(root, name);
  if (!m) return "not-found";
  const inst = installSection(m);
  return inst.wantedBy.length || inst.requiredBy.length || inst.also.length ? "disabled" : "static";
}

/**
 * `systemctl enable`: the links of the unit and of its Also= units. Returns systemd's
 * "Created symlink" lines; a unit without [Install] gets systemd's note and no link.
 */
export function enableUnit(root: RootView, name: string, seen = new Set<string>()): string[] {
  if (seen.has(name)) return [];
  seen.add(name);
  const m = loadUnit(root, name);
  if (!m) throw new Error(`Unit ${name} not found.`);
  const out: string[] = [];
  const links = installLinks(m);
  const also = installSection(m).also;
  if (!links.length && !also.length) {
    out.push(`The unit files have no installation config (WantedBy=, RequiredBy=, Also=, Alias= settings in the [Install] section, and DefaultInstance= for template units). ${name} is static.`);
  }
  for (const l of links) {
    const host = root.r(l.link);
    fs.mkdirSync(path.dirname(host), { recursive: true });
    try {
      if (fs.readlinkSync(host) === l.target) continue; // already enabled: systemd says nothing
      fs.rmSync(host, { force: true });
    } catch {
      /* no link yet */
    }
    fs.symlinkSync(l.target, host);
    out.push(`Created symlink ${l.link} → ${l.target}.`);
  }
  for (const a of also) out.push(...enableUnit(root, a, seen));
  return out;
}

/** `systemctl disable`: every enablement link of the unit goes (and those of its Also= units). */
export function disableUnit(root: RootView, name: string, seen = new Set<string>()): string[] {
  if (seen.has(name)) return [];
  seen.add(name);
  const out: string[] = [];
  for (const l of enabledLinks(root, name)) {
    fs.rmSync(root.r(l), { force: true });
    out.push(`Removed "${l}".`);
  }
  const m = loadUnit(root, name);
  for (const a of m ? installSection(m).also : []) out.push(...disableUnit(root, a, seen));
  return out;
}

/**
 * The units a target pulls in through enablement links: /etc/systemd/system/<target>.wants/ and
 * .requires/. (Only the administrator's directory: the distribution's /lib/systemd/system/<target>.wants/
 * holds the machine's own units — logind, getty, journald's helpers — which the lab does not run.)
 */
export function linkedDependencies(root: RootView, target: string): { wants: string[]; requires: string[] } {
  const list = (suffix: string) => {
    try {
      return fs.readdirSync(root.r(`${ENABLE_DIR}/${target}.${suffix}`)).sort();
    } catch {
      return [];
    }
  };
  return { wants: list("wants"), requires: list("requires") };
}
