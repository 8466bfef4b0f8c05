/**
 * The lab's stand-in for systemd, one long-running process per server.
 *
 * It runs in the server's network namespace, listens on a unix socket that the server's root sees
 * at /run/sws-lab-systemd/systemd.sock (its `systemctl` stand-in), and starts every service from the unit files
 * found inside the server's root: the distribution unit (/lib/systemd/system), drop-ins
 * (<unit>.d/*.conf) and the payload's own units (/etc/systemd/system). Each daemon runs in the
 * server's mount/UTS namespaces, in its own PID namespace, as the unit's User/Group.
 *
 * Usage: node -r ts-node/register/transpile-only lab/supervisor.ts <server>
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import * as YAML from "yaml";
import {
  ExecCommand, mergeUnit, MergedUnit, normaliseUnitName, parseEnvironmentAssignments, parseEnvironmentFile,
  parseExec, ServiceSpec, serviceSpec, shouldRestart,
} from "./units";
import { rootPaths } from "./root";
import { alive, childrenOf, mkdirp, signal, sleep, STATE } from "./util";

/** Host directory of a server's supervisor socket (0700 root), bound into the server's root at /run/sws-lab-systemd. */
export function supervisorDir(server: string): string {
  return path.join(STATE, "run", server);
}
export function supervisorSocket(server: string): string {
  return path.join(supervisorDir(server), "systemd.sock");
}
export function supervisorPidsFile(server: string): string {
  return path.join(STATE, "run", `${server}.pids.json`);
}

/** The OpenTelemetry Collector unit of the payload; the lab runs Prometheus in agent mode instead. */
export const COLLECTOR_UNIT = "sws-collector.service";
/** Port of the collector's own telemetry (Ports.local.collector); the agent's web listener takes it. */
const COLLECTOR_PORT = 8888;
/** The lab scrapes at most this often apart, so that the monitoring check does not wait minutes. */
const LAB_MAX_SCRAPE_INTERVAL_S = 5;

/** This process's hard RLIMIT_NOFILE: the most any service can get on this machine. */
export const HARD_NOFILE = (() => {
  const m = /^Max open files\s+\S+\s+(\S+)/m.exec(fs.readFileSync("/proc/self/limits", "utf8"));
  return m && m[1] !== "unlimited" ? Number(m[1]) : 1048576;
})();

type ActiveState = "inactive" | "activating" | "active" | "deactivating" | "failed" | "reloading";

interface UnitState {
  name: string;
  enabled: boolean;
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

interface Reply {
  stdout: string;
  stderr: string;
  code: number;
}

const UNIT_DIRS = ["/etc/systemd/system", "/run/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system"];
const BASE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

class Supervisor {
  readonly units = new Map<string, UnitState>();
  readonly order: string[] = [];
  anchor?: ChildProcess;
  readonly paths;
  readonly journal: string;

  constructor(readonly server: string) {
    this.paths = rootPaths(server);
    this.journal = path.join(this.paths.logs, "sws-lab");
    mkdirp(this.journal);
  }

  log(msg: string): void {
    process.stdout.write(`${new Date().toISOString()} ${msg}\n`);
  }

  /** A path inside the server's root, seen through the anchor process (includes /run, /tmp). */
  r(p: string): string {
    return `/proc/${this.anchor!.pid}/root${p}`;
  }

  start(): Promise<void> {
    this.anchor = spawn("nsenter", [`--mount=${this.paths.mntNs}`, `--uts=${this.paths.utsNs}`, "--", "/bin/sleep", "infinity"], { stdio: "ignore" });
    return new Promise((resolve) => setTimeout(resolve, 100));
  }

  writePids(): void {
    const pids: Record<string, number[]> = { supervisor: [process.pid], anchor: this.anchor?.pid ? [this.anchor.pid] : [] };
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

  readRoot(p: string): string | undefined {
    try {
      return fs.readFileSync(this.r(p), "utf8");
    } catch {
      return undefined;
    }
  }

  /** Find the unit file and its drop-ins inside the root, as systemd would. */
  loadUnit(name: string): MergedUnit | undefined {
    let main: { path: string; text: string } | undefined;
    for (const d of UNIT_DIRS) {
      const p = `${d}/${name}`;
      // (No realpath here: /proc/PID/root is a magic link that realpath would resolve to the host's /.)
      try {
        if (fs.lstatSync(this.r(p)).isSymbolicLink() && fs.readlinkSync(this.r(p)) === "/dev/null") return undefined; // masked
      } catch {
        continue;
      }
      const t = this.readRoot(p);
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
        files = fs.readdirSync(this.r(dir)).filter((f) => f.endsWith(".conf"));
      } catch {
        continue;
      }
      for (const f of files) {
        const t = this.readRoot(`${dir}/${f}`);
        if (t !== undefined) dropins.set(f, { path: `${dir}/${f}`, text: t }); // /etc overrides /lib for the same name
      }
    }
    const sorted = [...dropins.keys()].sort().map((k) => dropins.get(k)!);
    return mergeUnit(name, [main, ...sorted]);
  }

  unit(name: string): UnitState {
    let u = this.units.get(name);
    if (!u) {
      u = { name, enabled: false, state: "inactive", sub: "dead", stopping: false, starts: [], restarts: 0, chain: Promise.resolve() };
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

  passwd(user: string): { uid: number; gid: number; home: string; shell: string } | undefined {
    const t = this.readRoot("/etc/passwd") ?? "";
    for (const l of t.split("\n")) {
      const f = l.split(":");
      if (f[0] === user || f[2] === user) return { uid: Number(f[2]), gid: Number(f[3]), home: f[5], shell: f[6] };
    }
    return undefined;
  }

  groupId(group: string): number | undefined {
    if (/^\d+$/.test(group)) return Number(group);
    const t = this.readRoot("/etc/group") ?? "";
    for (const l of t.split("\n")) {
      const f = l.split(":");
      if (f[0] === group) return Number(f[2]);
    }
    return undefined;
  }

  /** Collector substitution: Prometheus in agent mode with the payload collector's scrape targets. */
  collectorSpec(spec: ServiceSpec): ServiceSpec {
    const text = this.readRoot("/etc/sws/collector.yaml");
    if (!text) throw new Error("/etc/sws/collector.yaml not found in the payload");
    const doc = YAML.parse(text.replace(/\$\$/g, "$")) ?? {};
    const scrape: Array<Record<string, unknown>> = [];
    for (const [k, v] of Object.entries<Record<string, any>>(doc.receivers ?? {})) {
      if (k === "prometheus" || k.startsWith("prometheus/")) scrape.push(...(v?.config?.scrape_configs ?? []));
    }
    let url: string | undefined;
    for (const [k, v] of Object.entries<Record<string, any>>(doc.exporters ?? {})) {
      if (k.startsWith("prometheusremotewrite") && v?.endpoint) url = v.endpoint;
    }
    for (const s of scrape) {
      const iv = typeof s.scrape_interval === "string" ? parseInt(s.scrape_interval, 10) : undefined;
      if (!iv || iv > LAB_MAX_SCRAPE_INTERVAL_S) s.scrape_interval = `${LAB_MAX_SCRAPE_INTERVAL_S}s`;
      if (s.scrape_timeout) delete s.scrape_timeout;
    }
    const conf = {
      global: { scrape_interval: `${LAB_MAX_SCRAPE_INTERVAL_S}s`, external_labels: { sws_lab_server: this.server } }, // which server's collector sent it
      scrape_configs: scrape,
      remote_write: url ? [{ url, queue_config: { batch_send_deadline: "1s", max_backoff: "2s" } }] : [],
    };
    const dir = "/run/sws-lab-collector";
    mkdirp(this.r(dir));
    fs.writeFileSync(this.r(`${dir}/prometheus.yml`), YAML.stringify(conf));
    mkdirp(this.r(`${dir}/data`));
    const pw = this.passwd("prometheus");
    if (pw) {
      fs.chownSync(this.r(dir), pw.uid, pw.gid);
      fs.chownSync(this.r(`${dir}/data`), pw.uid, pw.gid);
    }
    this.log(`${COLLECTOR_UNIT}: no OpenTelemetry Collector can be installed here: running Prometheus in agent mode with the payload collector's ${scrape.length} scrape job(s) → ${url ?? "(no remote-write endpoint)"}`);
    return {
      ...spec,
      type: "simple",
      user: pw ? "prometheus" : undefined,
      group: undefined,
      environmentFiles: [],
      environment: [],
      execStartPre: [],
      execStartPost: [],
      execReload: ["/bin/kill -HUP $MAINPID"],
      execStop: [],
      execStart: [
        `/usr/bin/prometheus --enable-feature=agent --config.file=${dir}/prometheus.yml --storage.agent.path=${dir}/data --web.listen-address=127.0.0.1:${COLLECTOR_PORT}`,
      ],
      runtimeDirectory: [],
      stateDirectory: [],
      logsDirectory: [],
      cacheDirectory: [],
      workingDirectory: undefined,
      restart: "always",
    };
  }

  /** Environment of a service: systemd's base, Environment=, EnvironmentFile= (later wins). */
  environment(u: UnitState): Record<string, string> {
    const spec = u.spec!;
    const env: Record<string, string> = { PATH: BASE_PATH, LANG: "C.UTF-8" };
    if (spec.user) {
      const pw = this.passwd(spec.user);
      env.USER = spec.user;
      env.LOGNAME = spec.user;
      if (pw) {
        env.HOME = pw.home;
        env.SHELL = pw.shell;
      }
    }
    if (spec.runtimeDirectory.length) env.RUNTIME_DIRECTORY = spec.runtimeDirectory.map((d) => `/run/${d}`).join(":");
    if (spec.stateDirectory.length) env.STATE_DIRECTORY = spec.stateDirectory.map((d) => `/var/lib/${d}`).join(":");
    if (spec.logsDirectory.length) env.LOGS_DIRECTORY = spec.logsDirectory.map((d) => `/var/log/${d}`).join(":");
    Object.assign(env, parseEnvironmentAssignments(spec.environment));
    for (const f of spec.environmentFiles) {
      const t = this.readRoot(f.path);
      if (t === undefined) {
        if (!f.optional) throw new Error(`EnvironmentFile ${f.path} not found`);
        continue;
      }
      Object.assign(env, parseEnvironmentFile(t));
    }
    return env;
  }

  /** Create RuntimeDirectory=, StateDirectory=, LogsDirectory=, CacheDirectory= owned by the service user. */
  prepareDirectories(spec: ServiceSpec): void {
    const pw = spec.user ? this.passwd(spec.user) : undefined;
    const uid = pw?.uid ?? 0;
    const gid = spec.group ? this.groupId(spec.group) ?? pw?.gid ?? 0 : pw?.gid ?? 0;
    const mk = (base: string, dirs: string[], mode: number) => {
      for (const d of dirs) {
        const p = this.r(`${base}/${d}`);
        mkdirp(p);
        fs.chmodSync(p, mode);
        fs.chownSync(p, uid, gid);
      }
    };
    mk("/run", spec.runtimeDirectory, parseInt(spec.runtimeDirectoryMode, 8));
    mk("/var/lib", spec.stateDirectory, 0o755);
    mk("/var/log", spec.logsDirectory, 0o755);
    mk("/var/cache", spec.cacheDirectory, 0o755);
  }

  /**
   * argv that runs one command of a unit inside the server: in the daemon's own PID namespace
   * when `inPidNsOf` is given (ExecReload/ExecStop: $MAINPID is 1 there), else in a fresh one.
   */
  commandArgv(u: UnitState, cmd: ExecCommand, env: Record<string, string>, inPidNsOf?: number): string[] {
    const spec = u.spec!;
    const enter = inPidNsOf
      ? ["nsenter", `--target=${inPidNsOf}`, "--pid", "--mount", "--uts", "--"]
      : ["nsenter", `--mount=${this.paths.mntNs}`, `--uts=${this.paths.utsNs}`, "--", "unshare", "--pid", "--fork", "--kill-child", "--"];
    const creds: string[] = [];
    if (spec.user && !cmd.privileged) {
      const pw = this.passwd(spec.user);
      if (!pw) throw new Error(`User=${spec.user} does not exist in the root`);
      const gid = spec.group ? this.groupId(spec.group) : pw.gid;
      if (gid === undefined) throw new Error(`Group=${spec.group} does not exist in the root`);
      const extra = spec.supplementaryGroups.map((g) => this.groupId(g)).filter((g): g is number => g !== undefined);
      creds.push("setpriv", `--reuid=${pw.uid}`, `--regid=${gid}`, extra.length ? `--groups=${extra.join(",")}` : "--init-groups", "--");
    }
    let wd = spec.workingDirectory?.replace(/^-/, "");
    if (wd === "~") wd = env.HOME ?? "/";
    const envArgs = ["env", "-i", ...(wd ? ["-C", wd] : []), ...Object.entries(env).map(([k, v]) => `${k}=${v}`)];
    // systemd's defaults for services: LimitNOFILE=1024:524288 (HAProxy raises its soft limit
    // itself), capped at this machine's hard limit (no CAP_SYS_RESOURCE here to go beyond it).
    const cap = (n: string) => String(Math.min(n === "infinity" ? 1048576 : Number(n), HARD_NOFILE));
    const [soft, hard] = (spec.limitNofile ?? "1024:524288").split(":");
    const limits = ["prlimit", `--nofile=${cap(soft)}:${cap(hard ?? soft)}`, "--"];
    return [...enter, ...limits, ...creds, ...envArgs, ...cmd.argv];
  }

  /** Open the target of StandardOutput=/StandardError= (inside the root); the journal stand-in otherwise. */
  outputFd(setting: string | undefined, journalFd: number, opened: number[]): number {
    const m = /^(append|file|truncate):(.+)$/.exec(setting ?? "");
    if (m) {
      try {
        mkdirp(path.dirname(this.r(m[2])));
        const fd = fs.openSync(this.r(m[2]), m[1] === "truncate" ? "w" : "a");
        opened.push(fd);
        return fd;
      } catch {
        return journalFd;
      }
    }
    if (setting === "null") {
      const fd = fs.openSync("/dev/null", "w");
      opened.push(fd);
      return fd;
    }
    return journalFd;
  }

  spawnIn(u: UnitState, argv: string[], main = false): ChildProcess {
    const jfd = fs.openSync(path.join(this.journal, `${u.name}.log`), "a");
    const opened = [jfd];
    const out = main ? this.outputFd(u.spec?.standardOutput, jfd, opened) : jfd;
    const err = main && u.spec?.standardError && u.spec.standardError !== "inherit" ? this.outputFd(u.spec.standardError, jfd, opened) : out;
    const old = u.spec?.umask ? process.umask(parseInt(u.spec.umask, 8)) : undefined;
    try {
      return spawn(argv[0], argv.slice(1), { stdio: ["ignore", out, err] });
    } finally {
      if (old !== undefined) process.umask(old);
      for (const fd of opened) fs.closeSync(fd);
    }
  }

  /** Run a command of a unit to completion. */
  async runToEnd(u: UnitState, raw: string, env: Record<string, string>, inPidNsOf?: number): Promise<{ ok: boolean; cmd: ExecCommand; status: string }> {
    const cmd = parseExec(raw, env, { n: u.name, N: u.name.replace(/\.[^.]+$/, ""), p: u.name.replace(/\.[^.]+$/, ""), t: "/run" });
    const argv = this.commandArgv(u, cmd, env, inPidNsOf);
    this.appendJournal(u, `+ ${cmd.argv.join(" ")}`);
    const child = this.spawnIn(u, argv);
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
      const m = this.loadUnit(u.name);
      if (!m) throw new UnitNotFound(u.name);
      u.merged = m;
      let spec = serviceSpec(m);
      if (u.name === COLLECTOR_UNIT) {
        spec = this.collectorSpec(spec);
        u.note = "OpenTelemetry Collector substituted by Prometheus (agent mode)";
      }
      u.spec = spec;
    }
    return u.spec;
  }

  async startUnit(u: UnitState, out: string[]): Promise<boolean> {
    if (!u.name.endsWith(".service")) {
      if (!this.loadUnit(u.name)) throw new UnitNotFound(u.name);
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
      this.prepareDirectories(spec);
      const env = this.environment(u);
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
      const argv = this.commandArgv(u, cmd, env);
      this.appendJournal(u, `start: ${cmd.argv.join(" ")}`);
      const child = this.spawnIn(u, argv, true);
      u.wrapper = child;
      u.starts.push(Date.now());
      child.on("exit", (code, sig) => this.onExit(u, child, code, sig));
      // The daemon is the child of `unshare --fork` (PID 1 in its namespace); remember its host pid.
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
        const r = await this.runToEnd(u, post, { ...env, MAINPID: String(u.mainPid ?? "") });
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
    this.writePids();
    if (u.stopping) {
      u.state = "inactive";
      u.sub = "dead";
      return;
    }
    const spec = u.spec!;
    if (shouldRestart(spec.restart, code, sig)) {
      const now = Date.now();
      u.starts = u.starts.filter((t) => now - t < 10000);
      if (u.starts.length >= 5) {
        u.state = "failed";
        u.sub = "start-limit-hit";
        this.log(`${u.name}: ${status}; start limit hit (5 starts in 10 s), not restarting`);
        return;
      }
      u.state = "activating";
      u.sub = "auto-restart";
      const delay = Math.max(spec.restartSec, 100);
      this.log(`${u.name}: ${status}; Restart=${spec.restart}: restarting in ${delay} ms`);
      u.restartTimer = setTimeout(() => {
        u.restartTimer = undefined;
        if (u.stopping || u.state !== "activating") return;
        u.restarts++;
        u.state = "inactive";
        void this.op(u, () => this.startUnit(u, []));
      }, delay);
    } else {
      u.state = code === 0 && !sig ? "inactive" : "failed";
      u.sub = u.state === "failed" ? "failed" : "dead";
      this.log(`${u.name}: ${status}; not restarted (Restart=${spec.restart})`);
    }
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
        const env = this.environment(u);
        for (const s of spec.execStop) await this.runToEnd(u, s, env);
      }
      u.state = "inactive";
      u.sub = "dead";
      return;
    }
    u.state = "deactivating";
    const main = u.mainPid;
    try {
      const env = { ...this.environment(u), MAINPID: "1" };
      if (main && alive(main)) for (const s of spec.execStop) await this.runToEnd(u, s, env, main);
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
    const env = { ...this.environment(u), MAINPID: main ? "1" : "" };
    u.state = "reloading";
    try {
      for (const s of spec.execReload) {
        const r = await this.runToEnd(u, s, env, main);
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
      `     Loaded: ${u.merged ? `loaded (${u.merged.sources.join(", ")}; ${u.enabled ? "enabled" : "disabled"})` : "not loaded"}`,
      `     Active: ${u.state} (${u.sub})${u.lastExit ? `; last exit: ${u.lastExit}` : ""}${u.restarts ? `; restarts: ${u.restarts}` : ""}`,
      `   Main PID: ${u.mainPid ?? "-"} (host pid; PID 1 in its own PID namespace)`,
      `        Log: ${this.journal}/${u.name}.log (inside the server: /var/log/sws-lab/${u.name}.log)`,
      "",
    ].join("\n");
  }

  dump(): unknown {
    return {
      server: this.server,
      supervisorPid: process.pid,
      anchorPid: this.anchor?.pid,
      units: [...this.units.values()].map((u) => ({
        name: u.name, enabled: u.enabled, state: u.state, sub: u.sub, mainPid: u.mainPid ?? null,
        wrapperPid: u.wrapper?.pid ?? null, restarts: u.restarts, lastExit: u.lastExit ?? null, note: u.note ?? null,
        log: `${this.journal}/${u.name}.log`,
      })),
    };
  }

  /** Handle one systemctl command line. */
  async command(argv: string[]): Promise<Reply> {
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
        const u = this.unit(n);
        if (noBlock) {
          // Queue the job and return at once, like `systemctl --no-block`.
          if (!u.name.endsWith(".service") || this.loadUnit(u.name)) {
            void this.op(u, () => fn(u)).catch((e) => this.log(`${n}: ${(e as Error).message}`));
          } else {
            err.push(`Failed to ${verb} ${n}: Unit ${n} not found.`);
            code = 5;
          }
          continue;
        }
        try {
          const ok = await this.op(u, () => fn(u));
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
        for (const u of this.units.values()) {
          const m = this.loadUnit(u.name);
          if (m && u.name.endsWith(".service")) {
            u.merged = m;
            u.spec = undefined;
            try {
              this.ensureSpec(u);
            } catch {
              /* reported on use */
            }
          }
        }
        break;
      case "enable":
      case "reenable":
        await each(async (u) => {
          if (!this.loadUnit(u.name)) throw new UnitNotFound(u.name);
          u.enabled = true;
          if (!quiet) err.push(`Enabled ${u.name} (the lab records it; there is no next boot).`);
          if (opts.has("--now")) return this.startUnit(u, err);
          return true;
        });
        break;
      case "disable":
        await each(async (u) => {
          u.enabled = false;
          if (opts.has("--now")) await this.stopUnit(u);
        });
        break;
      case "start":
        await each((u) => this.startUnit(u, err));
        break;
      case "stop":
        await each((u) => this.stopUnit(u));
        break;
      case "restart":
        await each(async (u) => {
          await this.stopUnit(u);
          u.spec = undefined;
          return this.startUnit(u, err);
        });
        break;
      case "try-restart":
      case "condrestart":
        await each(async (u) => {
          if (u.state !== "active") return true;
          await this.stopUnit(u);
          u.spec = undefined;
          return this.startUnit(u, err);
        });
        break;
      case "reload":
        await each((u) => this.reloadUnit(u, err));
        break;
      case "reload-or-restart":
      case "try-reload-or-restart":
        await each(async (u) => {
          if (u.state !== "active") return verb === "try-reload-or-restart" ? true : this.startUnit(u, err);
          const spec = this.ensureSpec(u);
          if (spec.execReload.length) return this.reloadUnit(u, err);
          await this.stopUnit(u);
          return this.startUnit(u, err);
        });
        break;
      case "is-active":
        for (const n of names) {
          const u = this.units.get(n);
          const st = u ? (u.state === "reloading" ? "active" : u.state) : "inactive";
          if (!quiet) out.push(st);
          if (st !== "active") code = 3;
        }
        break;
      case "is-failed":
        for (const n of names) {
          const st = this.units.get(n)?.state ?? "inactive";
          if (!quiet) out.push(st);
          if (st !== "failed") code = 1;
        }
        break;
      case "is-enabled":
        for (const n of names) {
          const e = this.units.get(n)?.enabled ?? false;
          if (!quiet) out.push(e ? "enabled" : "disabled");
          if (!e) code = 1;
        }
        break;
      case "status":
        for (const n of names.length ? names : [...this.units.keys()]) {
          const u = this.units.get(n);
          if (!u) {
            err.push(`Unit ${n} could not be found.`);
            code = 4;
            continue;
          }
          out.push(this.statusText(u));
          if (u.state !== "active") code = 3;
        }
        break;
      case "show":
        for (const n of names) {
          const u = this.unit(n);
          const all: Record<string, string> = {
            Id: n, ActiveState: u.state === "reloading" ? "active" : u.state, SubState: u.sub,
            MainPID: String(u.mainPid ?? 0), UnitFileState: u.enabled ? "enabled" : "disabled",
            NRestarts: String(u.restarts),
          };
          for (const [k, v] of Object.entries(all)) if (!props.length || props.includes(k)) out.push(`${k}=${v}`);
        }
        break;
      case "list-units":
      case "list-unit-files":
        for (const u of this.units.values()) out.push(`${u.name.padEnd(40)} ${u.enabled ? "enabled " : "disabled"} ${u.state} ${u.sub}`);
        break;
      case "list-timers":
        for (const u of this.units.values()) if (u.name.endsWith(".timer")) out.push(`${u.name.padEnd(40)} ${u.enabled ? "enabled" : "disabled"} ${u.state} (the lab records timers; it does not fire them)`);
        break;
      case "cat":
        for (const n of names) {
          const m = this.loadUnit(n);
          if (!m) {
            err.push(`No files found for ${n}.`);
            code = 1;
            continue;
          }
          for (const src of m.sources) out.push(`# ${src}`, (this.readRoot(src) ?? "").trimEnd(), "");
        }
        break;
      case "sws-lab-dump":
        out.push(JSON.stringify(this.dump()));
        break;
      case "sws-lab-stop-all":
        await this.stopAll();
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
    this.writePids();
    return { stdout: out.length ? out.join("\n") + "\n" : "", stderr: err.length ? err.join("\n") + "\n" : "", code };
  }

  async stopAll(): Promise<void> {
    const names = [...this.order].reverse();
    for (const n of names) {
      const u = this.units.get(n);
      if (u && (u.wrapper || u.restartTimer)) await this.op(u, () => this.stopUnit(u));
    }
  }
}

class UnitNotFound extends Error {
  constructor(name: string) {
    super(`Unit ${name} not found.`);
  }
}

/** Whether any process in the tree of `pid` holds a listening TCP or unix socket. */
export function hasListeningSocket(pid: number): boolean {
  const pids = [pid];
  for (let i = 0; i < pids.length && pids.length < 200; i++) pids.push(...childrenOf(pids[i]));
  const listening = new Set<string>();
  for (const f of ["tcp", "tcp6"]) {
    try {
      for (const l of fs.readFileSync(`/proc/${pid}/net/${f}`, "utf8").split("\n").slice(1)) {
        const c = l.trim().split(/\s+/);
        if (c[3] === "0A") listening.add(c[9]);
      }
    } catch {
      /* ignore */
    }
  }
  try {
    for (const l of fs.readFileSync(`/proc/${pid}/net/unix`, "utf8").split("\n").slice(1)) {
      const c = l.trim().split(/\s+/);
      if (c[3] === "00010000") listening.add(c[6]);
    }
  } catch {
    /* ignore */
  }
  for (const p of pids) {
    let fds: string[] = [];
    try {
      fds = fs.readdirSync(`/proc/${p}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${p}/fd/${fd}`));
        if (m && listening.has(m[1])) return true;
      } catch {
        /* raced */
      }
    }
  }
  return false;
}

async function main(): Promise<void> {
  const server = process.argv[2];
  if (!server) throw new Error("usage: supervisor.ts <server>");
  const sup = new Supervisor(server);
  await sup.start();
  mkdirp(path.join(STATE, "run"));
  const handler = (sock: net.Socket) => {
    let buf = "";
    sock.on("data", (d) => {
      buf += d;
      const nl = buf.indexOf("\n");
      if (nl < 0) return;
      let req: { argv: string[] };
      try {
        req = JSON.parse(buf.slice(0, nl));
      } catch {
        sock.end(JSON.stringify({ stdout: "", stderr: "bad request\n", code: 1 }));
        return;
      }
      sup.log(`systemctl ${req.argv.join(" ")}`);
      sup.command(req.argv).then(
        (r) => sock.end(JSON.stringify(r)),
        (e) => sock.end(JSON.stringify({ stdout: "", stderr: `${(e as Error).stack}\n`, code: 1 })),
      );
    });
    sock.on("error", () => undefined);
  };
  // One socket, in a root-only directory: the CLI reaches it on the host, the server's
  // `systemctl` stand-in through the bind mount at /run/sws-lab-systemd (so, as with systemd,
  // only root inside the server can start or stop services).
  mkdirp(supervisorDir(server), 0o700);
  const file = supervisorSocket(server);
  try {
    fs.unlinkSync(file);
  } catch {
    /* none */
  }
  const pathServer = net.createServer(handler);
  pathServer.listen(file);
  sup.writePids();
  let exiting = false;
  const shutdown = async () => {
    if (exiting) return;
    exiting = true;
    sup.log("stopping every service");
    await sup.stopAll();
    if (sup.anchor?.pid) signal(sup.anchor.pid, "SIGKILL");
    pathServer.close();
    try {
      fs.unlinkSync(file);
    } catch {
      /* gone */
    }
    sup.log("supervisor exits");
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown());
  process.on("SIGINT", () => void shutdown());
  sup.log(`supervisor for ${server} ready (pid ${process.pid})`);
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`${(e as Error).stack}\n`);
    process.exit(1);
  });
}
