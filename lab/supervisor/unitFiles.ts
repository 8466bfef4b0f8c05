// Unit loading: a unit file and its drop-ins found inside the server's root, in systemd's search
// order, merged by units.ts.
import * as fs from "fs";
import { mergeUnit, MergedUnit } from "../units";

/** What unit loading needs of a server's root: a host path for a path inside it, and its files' text. */
export interface RootView {
  /** The host path through which a path inside the root is reached. */
  r(p: string): string;
  readRoot(p: string): string | undefined;
}

/** A root that is a plain host directory (unit tests; a root seen from the host side). */
export function dirRoot(dir: string): RootView {
  return {
    r: (p) => `${dir}${p}`,
    readRoot: (p) => {
      try {
        return fs.readFileSync(`${dir}${p}`, "utf8");
      } catch {
        return undefined;
      }
    },
  };
}

export const UNIT_DIRS = ["/etc/systemd/system", "/run/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system"];
export class UnitNotFound extends Error {
  constructor(name: string) {
    super(`Unit ${name} not found.`);
  }
}

/** Find the unit file and its drop-ins inside the root, as systemd would. */
export function loadUnit(root: RootView, name: string): MergedUnit | undefined {
  let main: { path: string; text: string } | undefined;
  for (const d of UNIT_DIRS) {
    const p = `${d}/${name}`;
    // (No realpath here: /proc/PID/root is a magic link that realpath would resolve to the host's /.)
    try {
      if (fs.lstatSync(root.r(p)).isSymbolicLink() && fs.readlinkSync(root.r(p)) === "/dev/null") return undefined; // masked
    } catch {
      continue;
    }
    const t = root.readRoot(p);
    if (t !== undefined) {
      main = { path: p, text: t };
      break;
    }
  }
  if (!main) return undefined;
  const dropins = new Map<string, { path: string; text: string }>();
  for (const d of [...UNIT_DIRS].reverse()) {
    const dir = `${d}/${name}.d`;
    let files: string[] = [];
    try {
      files = fs.readdirSync(root.r(dir)).filter((f) => f.endsWith(".conf"));
    } catch {
      continue;
    }
    for (const f of files) {
      const t = root.readRoot(`${dir}/${f}`);
      if (t !== undefined) dropins.set(f, { path: `${dir}/${f}`, text: t }); // /etc overrides /lib for the same name
    }
  }
  const sorted = [...dropins.keys()].sort().map((k) => dropins.get(k)!);
  return mergeUnit(name, [main, ...sorted]);
}
