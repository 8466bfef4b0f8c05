// The supervisor proper: the state of every unit of one server and the jobs on it — start (with
// ExecStartPre/ExecStartPost, oneshot, notify readiness), stop (ExecStop, KillSignal, SIGKILL after
// the timeout), reload, the reaction to a main process's exit (restartPolicy.ts) — serialised per
// unit. Where unit files come from (unitFiles.ts), how commands are spawned (spawn.ts) and the
// systemctl verbs (systemctl.ts) live beside it.
import { ChildProcess } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ExecCommand, MergedUnit, parseExec, ServiceSpec, serviceSpec } from "../units";
import { mkdirp } from "../files";
import { alive, childrenOf, signal, sleep } from "../processes";
import { supervisorPidsFile } from "./paths";
import { ServerRoot } from "./serverRoot";
import { loadUnit, UnitNotFound } from "./unitFiles";
import { unitFileState } from "./enablement";
import { bootTransaction, JobRecord, runBoot } from "./boot";
import { commandArgv, hasListeningSocket, prepareDirectories, serviceEnvironment, spawnIn } from "./spawn";
import { killCgroup, killCgroupNow, removeServerCgroups, unitCgroup } from "./cgroup";
import { afterExit, START_LIMIT_BURST, START_LIMIT_INTERVAL_MS } from "./restartPolicy";

export type ActiveState = "inactive" | "activating" | "active" | "deactivating" | "failed" | "reloading";

export interface UnitState {
  name: string;
  state: ActiveState;
  sub: string;
  spec?: ServiceSpec;
  merged?: MergedUnit;
  wrapper?: ChildProcess;
  mainPid?: number;
  stopping: boolean;
  starts: number[];
  restarts: number;
  restartTimer?: NodeJS.Timeout;
  lastExit?: string;
  note?: string;
  chain: Promise<unknown>;
}

export class Supervisor {
  readonly units = new Map<string, UnitState>();
  readonly order: string[] = [];
  readonly root: ServerRoot;
  readonly journal: string;
  /** The boot transaction's jobs, when this supervisor was started in boot mode (main.ts --boot). */
  bootRecord?: { startedAt: number; finishedAt?: number; error?: string; order: string[]; missing: Record<string, string[]>; jobs: JobRecord[] };

  constructor(readonly server: string) {
    this.root = new ServerRoot(server);
    this.journal = path.join(this.root.paths.logs, "sws-lab");
    mkdirp(this.journal);
  }

  log(msg: string): void {
    process.stdout.write(`${new Date().toISOString()} ${msg}\n`);
  }

  writePids(): void {
    const pids: Record<string, number[]> = { supervisor: [process.pid], anchor: this.root.anchor?.pid ? [this.root.anchor.pid] : [] };
    for (const u of this.units.values()) {
      const l = [u.wrapper?.pid, u.mainPid].filter((x): x is number => !!x);
      if (l.length) pids[u.name] = l;
    }
    try {
      fs.writeFileSync(supervisorPidsFile(this.server), JSON.stringify(pids));
    } catch {
      /* best effort */
    }
  }

  unit(name: string): UnitState {
    let u = this.units.get(name);
    if (!u) {
      u = { name, state: "inactive", sub: "dead", stopping: false, starts: [], restarts: 0, chain: Promise.resolve() };
      this.units.set(name, u);
    }
    return u;
  }

  /** Serialise operations on one unit. */
  op<T>(u: UnitState, fn: () => Promise<T>): Promise<T> {
    const p = u.chain.then(fn, fn);
    u.chain = p.catch(() => undefined);
    return p;
  }

  /** The unit's cgroup (cgroup.ts): every process its commands start. */
  cgroup(u: UnitState): string {
    return unitCgroup(this.server, u.name);
  }

  /** $MAINPID as the unit's commands see it: the main process's pid in the server's PID namespace. */
  nsPid(hostPid: number | undefined): string {
    if (!hostPid) return "";
    try {
      const m = /^NSpid:\s+(.+)$/m.exec(fs.readFileSync(`/proc/${hostPid}/status`, "utf8"));
      return m ? m[1].trim().split(/\s+/).pop()! : "";
    } catch {
      return "";
    }
  }

  /** Run a command of a unit to completion. */
  async runToEnd(u: UnitState, raw: string, env: Record<string, string>): Promise<{ ok: boolean; cmd: ExecCommand; status: string }> {
    const cmd = parseExec(raw, env, { n: u.name, N: u.name.replace(/\.[^.]+$/, ""), p: u.name.replace(/\.[^.]+$/, ""), t: "/run" });
    const argv = commandArgv(this.root, u.spec!, cmd, env, this.cgroup(u));
    this.appendJournal(u, `+ ${cmd.argv.join(" ")}`);
    const child = spawnIn(this.root, this.journal, u, argv);
    const [code, sig] = await new Promise<[number | null, string | null]>((res) => {
      child.on("exit", (c, s) => res([c, s]));
      child.on("error", () => res([127, null]));
    });
    const ok = cmd.ignoreFailure || code === 0;
    return { ok, cmd, status: sig ? `signal ${sig}` : `exit ${code}` };
  }

  appendJournal(u: UnitState, line: string): void {
    fs.appendFileSync(path.join(this.journal, `${u.name}.log`), `-- sws-lab ${new Date().toISOString()} ${line}\n`);
  }

  ensureSpec(u: UnitState): ServiceSpec {
    if (!u.spec) {
      const m = loadUnit(this.root, u.name);
      if (!m) throw new UnitNotFound(u.name);
      u.merged = m;
      u.spec = serviceSpec(m);
    }
    return u.spec;
  }

  async startUnit(u: UnitState, out: string[]): Promise<boolean> {
    if (!u.name.endsWith(".service")) {
      if (!loadUnit(this.root, u.name)) throw new UnitNotFound(u.name);
      u.state = "active";
      u.sub = u.name.endsWith(".timer") ? "waiting (the lab does not fire timers)" : "active";
      return true;
    }
    if (u.state === "active" || u.state === "reloading") return true;
    const spec = this.ensureSpec(u);
    if (!this.order.includes(u.name)) this.order.push(u.name);
    u.state = "activating";
    u.sub = "start";
    u.stopping = false;
    try {
      prepareDirectories(this.root, spec);
      const env = serviceEnvironment(this.root, u.spec!);
      for (const pre of spec.execStartPre) {
        const r = await this.runToEnd(u, pre, env);
        if (!r.ok) throw new Error(`ExecStartPre ${r.cmd.argv.join(" ")} failed (${r.status})`);
      }
      if (spec.type === "oneshot") {
        for (const s of spec.execStart) {
          const r = await this.runToEnd(u, s, env);
          if (!r.ok) throw new Error(`ExecStart ${r.cmd.argv.join(" ")} failed (${r.status})`);
        }
        u.state = spec.remainAfterExit ? "active" : "inactive";
        u.sub = spec.remainAfterExit ? "exited" : "dead";
        this.log(`${u.name}: oneshot done`);
        return true;
      }
      if (spec.execStart.length !== 1) throw new Error(`${u.name}: expected exactly one ExecStart= for Type=${spec.type}, found ${spec.execStart.length}`);
      if (spec.type === "forking") out.push(`warning: ${u.name} is Type=forking; the lab runs it in the foreground like Type=simple`);
      const cmd = parseExec(spec.execStart[0], env, { n: u.name, N: u.name.replace(/\.[^.]+$/, ""), p: u.name.replace(/\.[^.]+$/, ""), t: "/run" });
      const argv = commandArgv(this.root, u.spec!, cmd, env, this.cgroup(u));
      this.appendJournal(u, `start: ${cmd.argv.join(" ")}`);
      const child = spawnIn(this.root, this.journal, u, argv, true);
      u.wrapper = child;
      u.starts.push(Date.now());
      child.on("exit", (code, sig) => this.onExit(u, child, code, sig));
      // The daemon is the child of nsenter (which forks to enter the server's PID namespace); remember its host pid.
      const t0 = Date.now();
      while (Date.now() - t0 < 3000 && child.exitCode === null && child.signalCode === null) {
        const c = childrenOf(child.pid!);
        if (c.length) {
          u.mainPid = c[0];
          break;
        }
        await sleep(10);
      }
      this.writePids();
      if (spec.type === "notify" || spec.type === "forking") {
        const ready = await this.waitListening(u, 30000);
        if (!ready && (child.exitCode !== null || child.signalCode !== null)) throw new Error(`${u.name} exited during start-up (see ${this.journal}/${u.name}.log)`);
        if (!ready) out.push(`note: ${u.name} (Type=notify) has not opened a listening socket after 30 s; treating it as started`);
      } else {
        await sleep(50);
        if (child.exitCode !== null || child.signalCode !== null) {
          if (child.exitCode !== 0) throw new Error(`${u.name} exited at once (${child.exitCode ?? child.signalCode}; see ${this.journal}/${u.name}.log)`);
        }
      }
      if (u.wrapper === child && (child.exitCode === null && child.signalCode === null)) {
        u.state = "active";
        u.sub = "running";
      }
      for (const post of spec.execStartPost) {
        const r = await this.runToEnd(u, post, { ...env, MAINPID: this.nsPid(u.mainPid) });
        if (!r.ok) out.push(`note: ${u.name}: ExecStartPost ${r.cmd.argv.join(" ")} failed (${r.status}); the service stays up`);
      }
      this.log(`${u.name}: started, main pid ${u.mainPid}`);
      return true;
    } catch (e) {
      u.state = "failed";
      u.sub = "failed";
      u.lastExit = String((e as Error).message);
      this.log(`${u.name}: start failed: ${u.lastExit}`);
      if (e instanceof UnitNotFound) throw e;
      out.push(`Job for ${u.name} failed: ${(e as Error).message}`);
      return false;
    }
  }

  /** Readiness for Type=notify (no sd_notify in the lab): a listening socket in the daemon's process tree. */
  async waitListening(u: UnitState, timeoutMs: number): Promise<boolean> {
    const t0 = Date.now();
    const child = u.wrapper!;
    while (Date.now() - t0 < timeoutMs) {
      if (child.exitCode !== null || child.signalCode !== null) return false;
      if (u.mainPid && hasListeningSocket(u.mainPid)) return true;
      await sleep(50);
    }
    return false;
  }

  onExit(u: UnitState, child: ChildProcess, code: number | null, sig: string | null): void {
    if (u.wrapper !== child) return;
    u.wrapper = undefined;
    const mainPid = u.mainPid;
    u.mainPid = undefined;
    const status = sig ? `signal ${sig}` : `exit ${code}`;
    u.lastExit = status;
    this.appendJournal(u, `main process ${mainPid} ended: ${status}`);
    // As systemd (KillMode=control-group): what the main process left behind dies with it, now,
    // before any restart puts new processes into the cgroup.
    killCgroupNow(this.cgroup(u));
    this.writePids();
    if (u.stopping) {
      u.state = "inactive";
      u.sub = "dead";
      return;
    }
    const spec = u.spec!;
    const next = afterExit(spec, u.starts, code, sig, Date.now());
    if (next.action === "stay-down") {
      u.state = next.state;
      u.sub = u.state === "failed" ? "failed" : "dead";
      this.log(`${u.name}: ${status}; not restarted (Restart=${spec.restart})`);
      return;
    }
    u.starts = next.starts;
    if (next.action === "start-limit-hit") {
      u.state = "failed";
      u.sub = "start-limit-hit";
      this.log(`${u.name}: ${status}; start limit hit (${START_LIMIT_BURST} starts in ${START_LIMIT_INTERVAL_MS / 1000} s), not restarting`);
      return;
    }
    u.state = "activating";
    u.sub = "auto-restart";
    const delay = next.delayMs;
    this.log(`${u.name}: ${status}; Restart=${spec.restart}: restarting in ${delay} ms`);
    u.restartTimer = setTimeout(() => {
      u.restartTimer = undefined;
      if (u.stopping || u.state !== "activating") return;
      u.restarts++;
      u.state = "inactive";
      void this.op(u, () => this.startUnit(u, []));
    }, delay);
  }

  async stopUnit(u: UnitState): Promise<void> {
    u.stopping = true;
    if (u.restartTimer) {
      clearTimeout(u.restartTimer);
      u.restartTimer = undefined;
    }
    if (!u.name.endsWith(".service")) {
      u.state = "inactive";
      u.sub = "dead";
      return;
    }
    const spec = u.spec;
    const child = u.wrapper;
    if (!child || !spec) {
      if (spec && spec.type === "oneshot" && u.state === "active") {
        const env = serviceEnvironment(this.root, u.spec!);
        for (const s of spec.execStop) await this.runToEnd(u, s, env);
      }
      u.state = "inactive";
      u.sub = "dead";
      return;
    }
    u.state = "deactivating";
    const main = u.mainPid;
    try {
      const env = { ...serviceEnvironment(this.root, u.spec!), MAINPID: this.nsPid(main) };
      if (main && alive(main)) for (const s of spec.execStop) await this.runToEnd(u, s, env);
    } catch (e) {
      this.log(`${u.name}: ExecStop: ${(e as Error).message}`);
    }
    const exited = new Promise<void>((res) => {
      if (child.exitCode !== null || child.signalCode !== null) res();
      else child.once("exit", () => res());
    });
    if (main && alive(main)) signal(main, spec.killSignal.replace(/^(SIG)?/, "SIG") as NodeJS.Signals);
    const t0 = Date.now();
    const limit = Math.min(spec.timeoutStopMs, 5000);
    while (alive(main) && Date.now() - t0 < limit) await sleep(25);
    if (main && alive(main)) {
      this.appendJournal(u, `stop: ${main} ignored ${spec.killSignal} for ${limit} ms, sending SIGKILL`);
      signal(main, "SIGKILL");
    }
    // KillMode=control-group: the rest of the unit's processes (workers, helpers) go too.
    await killCgroup(this.cgroup(u));
    await Promise.race([exited, sleep(3000)]);
    if (child.exitCode === null && child.signalCode === null && child.pid) signal(child.pid, "SIGKILL");
    u.state = "inactive";
    u.sub = "dead";
  }

  async reloadUnit(u: UnitState, out: string[]): Promise<boolean> {
    const spec = this.ensureSpec(u);
    if (!spec.execReload.length) {
      out.push(`Failed to reload ${u.name}: Job type reload is not applicable for unit ${u.name}.`);
      return false;
    }
    if (u.state !== "active") {
      out.push(`${u.name} is not active, cannot reload.`);
      return false;
    }
    const main = u.mainPid && alive(u.mainPid) ? u.mainPid : undefined;
    const env = { ...serviceEnvironment(this.root, u.spec!), MAINPID: this.nsPid(main) };
    u.state = "reloading";
    try {
      for (const s of spec.execReload) {
        const r = await this.runToEnd(u, s, env);
        if (!r.ok) {
          out.push(`Job for ${u.name} failed: ExecReload ${r.cmd.argv.join(" ")} (${r.status})`);
          return false;
        }
      }
      return true;
    } finally {
      if (u.state === "reloading") u.state = "active";
    }
  }

  statusText(u: UnitState): string {
    return [
      `● ${u.name}${u.note ? ` (${u.note})` : ""}`,
      `     Loaded: ${u.merged ? `loaded (${u.merged.sources.join(", ")}; ${unitFileState(this.root, u.name)})` : "not loaded"}`,
      `     Active: ${u.state} (${u.sub})${u.lastExit ? `; last exit: ${u.lastExit}` : ""}${u.restarts ? `; restarts: ${u.restarts}` : ""}`,
      `   Main PID: ${u.mainPid ?? "-"} (host pid${u.mainPid ? `; ${this.nsPid(u.mainPid)} in the server's PID namespace` : ""})`,
      `        Log: ${this.journal}/${u.name}.log (inside the server: /var/log/sws-lab/${u.name}.log)`,
      "",
    ].join("\n");
  }

  dump(): unknown {
    return {
      server: this.server,
      supervisorPid: process.pid,
      anchorPid: this.root.anchor?.pid,
      boot: this.bootRecord ?? null,
      units: [...this.units.values()].map((u) => ({
        name: u.name, enabled: unitFileState(this.root, u.name) === "enabled", state: u.state, sub: u.sub, mainPid: u.mainPid ?? null,
        wrapperPid: u.wrapper?.pid ?? null, restarts: u.restarts, lastExit: u.lastExit ?? null, note: u.note ?? null,
        log: `${this.journal}/${u.name}.log`,
      })),
    };
  }

  /**
   * Boot mode: start what the root's enablement links pull into multi-user.target, in systemd's
   * order (boot.ts). The record (every job's start, end and result) goes to the dump and to
   * <journal>/boot-jobs.json.
   */
  async boot(): Promise<void> {
    const rec: NonNullable<Supervisor["bootRecord"]> = { startedAt: Date.now(), order: [], missing: {}, jobs: [] };
    this.bootRecord = rec;
    const save = () => fs.writeFileSync(path.join(this.journal, "boot-jobs.json"), JSON.stringify(rec, null, 2));
    try {
      const tx = bootTransaction(this.root);
      rec.order = tx.order;
      rec.missing = Object.fromEntries(tx.missing);
      this.log(`boot: ${tx.order.length} jobs for ${tx.goal}: ${tx.order.join(" ")}`);
      rec.jobs = await runBoot(tx, (name) => {
        const u = this.unit(name);
        const out: string[] = [];
        return this.op(u, () => this.startUnit(u, out)).finally(() => out.forEach((l) => this.log(`boot: ${l}`)));
      });
      for (const j of rec.jobs) if (j.result !== "done") this.log(`boot: ${j.name} ${j.result}${j.note ? ` (${j.note})` : ""}`);
    } catch (e) {
      rec.error = (e as Error).message;
      this.log(`boot: ${rec.error}`);
    }
    rec.finishedAt = Date.now();
    save();
    this.writePids();
    this.log(`boot: finished in ${rec.finishedAt - rec.startedAt} ms`);
  }

  async stopAll(): Promise<void> {
    const names = [...this.order].reverse();
    for (const n of names) {
      const u = this.units.get(n);
      if (u && (u.wrapper || u.restartTimer)) await this.op(u, () => this.stopUnit(u));
    }
    // Oneshot leftovers too, then the (now empty) cgroups.
    for (const u of this.units.values()) if (u.name.endsWith(".service")) await killCgroup(this.cgroup(u));
    removeServerCgroups(this.server);
  }
}
