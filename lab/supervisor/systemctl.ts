// The systemctl verbs the payloads and the lab use (daemon-reload, enable/disable, start/stop/
// restart/try-restart/reload/reload-or-restart, is-active/is-failed/is-enabled, status, show,
// list-units/list-timers, cat; mask/unmask/reset-failed/preset accepted as no-ops), plus the lab's
// own sws-lab-dump and sws-lab-stop-all. `--no-block` queues the job and returns at once.
import { normaliseUnitName } from "../units";
import type { Supervisor, UnitState } from "./supervisor";
import { loadUnit, UnitNotFound } from "./unitFiles";
import { disableUnit, enableUnit, unitFileState } from "./enablement";

export interface Reply {
  stdout: string;
  stderr: string;
  code: number;
}

/** Handle one systemctl command line (what the stand-in /usr/bin/systemctl forwards). */
export async function systemctl(sup: Supervisor, argv: string[]): Promise<Reply> {
  const opts = new Set<string>();
  const props: string[] = [];
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "-p" || a === "--property") props.push(...(argv[++i] ?? "").split(","));
    else if (a.startsWith("--property=")) props.push(...a.slice(11).split(","));
    else if (a === "-n" || a === "--lines") i++;
    else if (a.startsWith("-")) opts.add(a);
    else args.push(a);
  }
  const verb = args.shift() ?? "list-units";
  const quiet = opts.has("-q") || opts.has("--quiet");
  const names = args.map(normaliseUnitName);
  const out: string[] = [];
  const err: string[] = [];
  let code = 0;
  const noBlock = opts.has("--no-block");
  const each = async (fn: (u: UnitState) => Promise<boolean | void>) => {
    for (const n of names) {
      const u = sup.unit(n);
      if (noBlock) {
        // Queue the job and return at once, like `systemctl --no-block`.
        if (!u.name.endsWith(".service") || loadUnit(sup.root, u.name)) {
          void sup.op(u, () => fn(u)).catch((e) => sup.log(`${n}: ${(e as Error).message}`));
        } else {
          err.push(`Failed to ${verb} ${n}: Unit ${n} not found.`);
          code = 5;
        }
        continue;
      }
      try {
        const ok = await sup.op(u, () => fn(u));
        if (ok === false) code = 1;
      } catch (e) {
        if (e instanceof UnitNotFound) {
          err.push(`Failed to ${verb} ${n}: Unit ${n} not found.`);
          code = 5;
        } else {
          err.push(`Failed to ${verb} ${n}: ${(e as Error).message}`);
          code = 1;
        }
      }
    }
  };
  switch (verb) {
    case "daemon-reload":
    case "daemon-reexec":
      for (const u of sup.units.values()) {
        const m = loadUnit(sup.root, u.name);
        if (m && u.name.endsWith(".service")) {
          u.merged = m;
          u.spec = undefined;
          try {
            sup.ensureSpec(u);
          } catch {
            /* reported on use */
          }
        }
      }
      break;
    case "enable":
    case "reenable":
      // As systemd: the [Install] links in the root (enablement.ts), which the next boot starts.
      await each(async (u) => {
        if (!loadUnit(sup.root, u.name)) throw new UnitNotFound(u.name);
        if (verb === "reenable") disableUnit(sup.root, u.name);
        const lines = enableUnit(sup.root, u.name);
        if (!quiet) err.push(...lines);
        if (opts.has("--now")) return sup.startUnit(u, err);
        return true;
      });
      break;
    case "disable":
      await each(async (u) => {
        const lines = disableUnit(sup.root, u.name);
        if (!quiet) err.push(...lines);
        if (opts.has("--now")) await sup.stopUnit(u);
      });
      break;
    case "start":
      await each((u) => sup.startUnit(u, err));
      break;
    case "stop":
      await each((u) => sup.stopUnit(u));
      break;
    case "restart":
      await each(async (u) => {
        await sup.stopUnit(u);
        u.spec = undefined;
        return sup.startUnit(u, err);
      });
      break;
    case "try-restart":
    case "condrestart":
      await each(async (u) => {
        if (u.state !== "active") return true;
        await sup.stopUnit(u);
        u.spec = undefined;
        return sup.startUnit(u, err);
      });
      break;
    case "reload":
      await each((u) => sup.reloadUnit(u, err));
      break;
    case "reload-or-restart":
    case "try-reload-or-restart":
      await each(async (u) => {
        if (u.state !== "active") return verb === "try-reload-or-restart" ? true : sup.startUnit(u, err);
        const spec = sup.ensureSpec(u);
        if (spec.execReload.length) return sup.reloadUnit(u, err);
        await sup.stopUnit(u);
        return sup.startUnit(u, err);
      });
      break;
    case "is-active":
      for (const n of names) {
        const u = sup.units.get(n);
        const st = u ? (u.state === "reloading" ? "active" : u.state) : "inactive";
        if (!quiet) out.push(st);
        if (st !== "active") code = 3;
      }
      break;
    case "is-failed":
      for (const n of names) {
        const st = sup.units.get(n)?.state ?? "inactive";
        if (!quiet) out.push(st);
        if (st !== "failed") code = 1;
      }
      break;
    case "is-enabled":
      // From the links, as systemd: enabled and static answer 0, disabled 1, an unknown unit 1 with an error.
      for (const n of names) {
        const st = unitFileState(sup.root, n);
        if (st === "not-found") {
          err.push(`Failed to get unit file state for ${n}: No such file or directory`);
          code = 1;
          continue;
        }
        if (!quiet) out.push(st);
        if (st === "disabled") code = 1;
      }
      break;
    case "status":
      for (const n of names.length ? names : [...sup.units.keys()]) {
        const u = sup.units.get(n);
        if (!u) {
          err.push(`Unit ${n} could not be found.`);
          code = 4;
          continue;
        }
        out.push(sup.statusText(u));
        if (u.state !== "active") code = 3;
      }
      break;
    case "show":
      for (const n of names) {
        const u = sup.unit(n);
        const all: Record<string, string> = {
          Id: n, ActiveState: u.state === "reloading" ? "active" : u.state, SubState: u.sub,
          MainPID: String(u.mainPid ?? 0), UnitFileState: unitFileState(sup.root, n),
          NRestarts: String(u.restarts),
        };
        for (const [k, v] of Object.entries(all)) if (!props.length || props.includes(k)) out.push(`${k}=${v}`);
      }
      break;
    case "list-units":
    case "list-unit-files":
      for (const u of sup.units.values()) out.push(`${u.name.padEnd(40)} ${unitFileState(sup.root, u.name).padEnd(8)} ${u.state} ${u.sub}`);
      break;
    case "list-timers":
      for (const u of sup.units.values()) if (u.name.endsWith(".timer")) out.push(`${u.name.padEnd(40)} ${unitFileState(sup.root, u.name)} ${u.state} (the lab records timers; it does not fire them)`);
      break;
    case "cat":
      for (const n of names) {
        const m = loadUnit(sup.root, n);
        if (!m) {
          err.push(`No files found for ${n}.`);
          code = 1;
          continue;
        }
        for (const src of m.sources) out.push(`# ${src}`, (sup.root.readRoot(src) ?? "").trimEnd(), "");
      }
      break;
    case "sws-lab-dump":
      out.push(JSON.stringify(sup.dump()));
      break;
    case "sws-lab-stop-all":
      await sup.stopAll();
      break;
    case "mask":
    case "unmask":
    case "reset-failed":
    case "preset":
      break;
    default:
      err.push(`systemctl ${verb}: not supported by the sws-lab supervisor`);
      code = 1;
  }
  sup.writePids();
  return { stdout: out.length ? out.join("\n") + "\n" : "", stderr: err.length ? err.join("\n") + "\n" : "", code };
}
