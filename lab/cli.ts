/**
 * The local three-host lab:  npm run lab -- up | down | check [--json] | status [--json]
 *
 * `up` boots the very payloads the component renders (Debian 12 variant) in one network
 * namespace + root per server, with a local ACME server and monitoring sink; `check` proves they
 * work end to end; `down` removes every process, namespace and mount the lab created.
 */
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { CA_BUNDLE, ensureCa, fetchAcmeRoots, LAB_CA, startAcme } from "./acme";
import { helpers, HELPER_LOGS, startHelper, stopHelpers } from "./helperDaemons";
import { configFile, DEFAULT_PROFILE, LabConfig, labHosts, loadConfig, render } from "./config";
import { LabState, readState, RENDERED_FILE, runningProfile, STATE_FILE, statusJson, writeState } from "./state";
import { supervisorDump } from "./supervisor/client";
import { ensureInternalCa, serverPem } from "./internal-ca";
import { createNetwork, destroyNetwork, existingNetns } from "./namespaces";
import { bootServer, FETCH_STEP, parseCloudConfig } from "./payload";
import { watchBootHealth } from "./bootHealth";
import { awsHosts, awsSettings } from "./aws/hosts";
import { labArtifact } from "./aws/artifact";
import { runProgram } from "./aws/program";
import { COMPONENT, prepareInstances, PROGRAM_FILE, programUserData, startLabAws } from "./aws/setup";
import { createRoot, destroyRoot, listRoots, rootPaths, stopInit } from "./root";
import { startSink } from "./sink";
import { prepareCollectors } from "./collector";
import { machineAdaptation, startSupervisor, UP_HOOKS } from "./serverStart";
import { supervisorPidsFile, supervisorSocket } from "./supervisor/paths";
import { alive, signal, sleep, waitFor } from "./processes";
import { fmtSecs, log, setQuiet, step } from "./progress";
import { inNetns, netnsName } from "./namespaces";
import { isMounted, mkdirp, NS_DIR, readJson, STATE, writeJson } from "./files";
import { run } from "./shell";

void helpers;
void startHelper;

/** Tools the lab itself needs, beyond the payloads' packages. */
const LAB_TOOLS = ["pebble", "prometheus", "testssl.sh", "wrk", "nghttp2-client", "cloud-init", "curl", "openssl", "iproute2", "nftables", "util-linux", "procps", "python3-boto3", "ca-certificates"];

function requireRoot(): void {
  if (process.getuid && process.getuid() !== 0) {
    process.stderr.write("The lab needs root (network namespaces, mounts): run `sudo npm run lab -- <command>`.\n");
    process.exit(2);
  }
}

function installed(pkgs: string[]): Set<string> {
  const r = run("dpkg-query", ["-W", "-f", "${Package} ${Status}\n", ...pkgs]);
  return new Set(r.stdout.split("\n").filter((l) => l.endsWith(" install ok installed")).map((l) => l.split(" ")[0]));
}

function ensurePackages(wanted: string[]): string[] {
  const notes: string[] = [];
  const have = installed(wanted);
  const missing = wanted.filter((p) => !have.has(p));
  if (!missing.length) {
    log(`    all ${wanted.length} packages present: ${wanted.join(" ")}`);
    log("    (the payloads' package_update is not run: the roots share this machine's /usr, which must not change while a lab runs)");
    return notes;
  }
  const possible: string[] = [];
  for (const p of missing) {
    const pol = run("apt-cache", ["policy", p]).stdout;
    const cand = /Candidate:\s*(\S+)/.exec(pol)?.[1];
    if (cand && cand !== "(none)") possible.push(p);
    else notes.push(`package ${p} cannot exist here (no installation candidate in this machine's Debian archive)`);
  }
  if (possible.length) {
    log(`    installing ${possible.join(" ")} …`);
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    // Packages must not start their daemons on the machine itself (its own network): the usual
    // policy-rc.d "101: action forbidden", only for the install and only if none is in place.
    const policy = "/usr/sbin/policy-rc.d";
    const ours = !fs.existsSync(policy);
    if (ours) fs.writeFileSync(policy, "#!/bin/sh\n# sws-lab: no service starts while the lab installs packages\nexit 101\n", { mode: 0o755 });
    try {
      let r = run("apt-get", ["install", "-y", "-q", "--no-install-recommends", ...possible], { env });
      if (r.code !== 0) {
        log("    apt-get install failed; running apt-get update and retrying …");
        run("apt-get", ["update", "-q"], { env });
        r = run("apt-get", ["install", "-y", "-q", "--no-install-recommends", ...possible], { env });
      }
      if (r.code !== 0) throw new Error(`apt-get install ${possible.join(" ")} failed:\n${r.stderr.slice(-2000)}`);
    } finally {
      if (ours) fs.rmSync(policy, { force: true });
    }
  }
  for (const n of notes) log(`    note: ${n}`);
  return notes;
}

function canConnect(sockPath: string): Promise<boolean> {
  return new Promise((res) => {
    const s = net.createConnection(sockPath);
    s.on("connect", () => {
      s.destroy();
      res(true);
    });
    s.on("error", () => res(false));
  });
}

async function isUp(st: LabState | undefined): Promise<boolean> {
  if (!st || st.status !== "up") return false;
  const ns = new Set(existingNetns());
  for (const h of st.hosts) if (!ns.has(netnsName(h.name))) return false;
  for (const [, pid] of Object.entries(st.supervisors)) if (!alive(pid)) return false;
  for (const h of helpers()) if (!alive(h.pid)) return false;
  const client = st.hosts.find((h) => h.roles.includes("client"));
  if (!client) return false;
  return inNetns(client.name, "curl", ["-sf", "-o", "/dev/null", "--max-time", "5", "--cacert", st.caBundle, "--resolve", `${st.domain}:443:${st.balancer.ip}`, `https://${st.domain}/healthz`]).code === 0;
}

function printSummary(st: LabState): void {
  const client = st.hosts.find((h) => h.roles.includes("client"))!;
  const lines = [
    "",
    `secured-web-stack lab is up, profile ${st.profile ?? DEFAULT_PROFILE}${st.upSeconds ? ` (up took ${st.upSeconds.toFixed(1)} s)` : ""}`,
    `  URL          https://${st.domain}/   (balancer ${st.balancer.name} at ${st.balancer.ip})`,
    `  try it       sudo ip netns exec ${netnsName(client.name)} curl --cacert ${st.caBundle} --resolve ${st.domain}:443:${st.balancer.ip} https://${st.domain}/`,
    `  hosts        ${st.hosts.map((h) => `${h.name}=${h.ip}`).join("  ")}   (netns ${netnsName("<host>")})`,
    `  logs         ${path.join(STATE, "logs")}/<server>/   (daemons: sws-lab/<unit>.log, boot steps: sws-lab/boot.log,`,
    `               supervisor: sws-lab/supervisor.log; the server sees this directory as /var/log), helpers: ${HELPER_LOGS}`,
    `  CA to trust  ${st.caBundle}`,
    `  next         npm run lab -- check   |   npm run lab -- status --json   |   npm run lab -- down`,
    ...st.notes.map((n) => `  note         ${n}`),
    "",
  ];
  process.stdout.write(lines.join("\n") + "\n");
}

async function up(profile = DEFAULT_PROFILE): Promise<number> {
  requireRoot();
  const t0 = Date.now();
  const cfg = loadConfig(profile);
  const prev = readState();
  if (await isUp(prev)) {
    let same = false;
    try {
      if ((prev!.profile ?? DEFAULT_PROFILE) !== profile) throw new Error("another profile");
      const booted = JSON.parse(fs.readFileSync(RENDERED_FILE, "utf8")) as { servers: Array<{ userData: string }> };
      const now = render(cfg, fs.readFileSync(LAB_CA, "utf8"));
      same = now.servers.length === booted.servers.length && now.servers.every((s, i) => s.userData === booted.servers[i].userData);
    } catch {
      same = false;
    }
    if (same) {
      log(`The lab is already up, profile ${profile} (every namespace, supervisor and helper alive, /healthz 200) with the payloads the tree renders now: nothing to do.`);
      printSummary(prev!);
      return 0;
    }
    log((prev!.profile ?? DEFAULT_PROFILE) !== profile
      ? `The lab is up with profile ${prev!.profile ?? DEFAULT_PROFILE}; re-creating it with profile ${profile}.`
      : "The lab is up, but the tree now renders different payloads: re-creating it.");
  }
  if (prev || existingNetns().length || listRoots().length) {
    log("A previous lab is partly present: taking it down first.");
    await down();
  }
  mkdirp(STATE, 0o755);
  // Fresh logs for this lab; the previous run's stay next to them.
  const logs = path.join(STATE, "logs");
  if (fs.existsSync(logs)) {
    fs.rmSync(`${logs}.previous`, { recursive: true, force: true });
    fs.renameSync(logs, `${logs}.previous`);
  }
  const notes: string[] = [];

  const acmeCa = await step("lab CA and pebble's certificate", () => ensureCa(cfg.lab.acme));
  // hardening.endToEndTls: the lab's own internal CA (openssl), passed as deploy.internalCaPem.
  const internalCa = cfg.stack.hardening?.endToEndTls || cfg.stack.database?.topology === "cluster"
    ? await step("internal CA (hardening.endToEndTls / database.topology cluster)", () => ensureInternalCa(cfg.stack.domain)) : undefined;
  const rendered = await step(`render the payloads with components/render.ts (lab/${path.basename(configFile(profile))}, profile ${profile})`, () => render(cfg, acmeCa, internalCa));
  // With endToEndTls the program's @pulumi/tls resources answer with the lab's per-server certificates (aws/program.ts).
  if (internalCa) for (const s of rendered.model.servers) if (rendered.secrets.some((x) => x.name.startsWith("internal-tls-") && x.servers.includes(s.name))) serverPem(s);
  // What the servers boot is what the program registers: index.ts under the provider-shaped mocks.
  const stackArgs = JSON.parse(JSON.stringify(cfg.stack));
  if (stackArgs.tls) stackArgs.tls.acmeCaPem = acmeCa;
  const program = await step(`the program (index.ts, stack ${COMPONENT}) under the provider-shaped mocks, for lab/${path.basename(configFile(profile))}`, () =>
    runProgram(stackArgs, { internalTls: !!internalCa, out: PROGRAM_FILE }));
  const userData = programUserData(program, rendered.servers);
  const payloadDir = path.join(STATE, "payloads");
  mkdirp(payloadDir);
  fs.writeFileSync(RENDERED_FILE, JSON.stringify(rendered));
  for (const s of rendered.servers) {
    fs.writeFileSync(path.join(payloadDir, `${s.name}.cloud-config.yaml`), userData.get(s.name)!);
    fs.writeFileSync(path.join(payloadDir, `${s.name}.nftables.conf`), s.nftables);
  }
  log(`    ${program.resources.length} resources registered; user data of ${rendered.servers.map((s) => `${s.name} (${s.roles.join("+")}, ${userData.get(s.name)!.length} bytes)`).join(", ")} → ${payloadDir}`);

  await step("Debian packages (payloads' packages + the lab's tools)", () => {
    const fromPayloads = new Set<string>();
    for (const s of rendered.servers) for (const p of parseCloudConfig(userData.get(s.name)!).packages ?? []) fromPayloads.add(p);
    notes.push(...ensurePackages([...new Set([...fromPayloads, ...LAB_TOOLS])]));
  });

  const hosts = [...labHosts(cfg, rendered), ...awsHosts(cfg, rendered.model)];
  const lb = rendered.model.servers.find((s) => s.roles.includes("balancer"))!;
  const st: LabState = {
    status: "booting", profile, createdRunNetns: false, startedAt: new Date().toISOString(), domain: rendered.model.domain,
    balancer: { name: lb.name, ip: lb.privateIp }, caBundle: CA_BUNDLE, hosts, supervisors: {}, notes,
  };
  const net = await step(`network: bridge + ${hosts.length} namespaces (${hosts.map((h) => h.name).join(", ")})`, () => createNetwork(hosts));
  st.createdRunNetns = net.createdRunNetns;
  writeState(st);

  await step(`ACME server (pebble + challtestsrv) at https://${cfg.lab.acme.ip}:${cfg.lab.acme.port}/dir`, () => startAcme(cfg.lab.acme, lb.privateIp));
  await step(`monitoring sink for monitoring.sink ${cfg.stack.monitoring?.sink ?? "none"} on ${cfg.lab.sink.name} (${cfg.lab.sink.ip}:${cfg.lab.sink.port})`, async () => {
    log(`    ${await startSink(cfg.lab.sink, cfg.stack.monitoring as { sink?: string; sumoLogicUrl?: string } | undefined, (m) => log(m))}`);
  });

  const servers = rendered.servers;
  await step(`server roots (overlay of / + own mount/UTS namespace each): ${servers.map((s) => s.name).join(", ")}`, () => {
    for (const s of servers) createRoot(s.name, s.name, []);
  });
  await step("supervisors (systemd stand-in, one per server)", async () => {
    for (const s of servers) {
      st.supervisors[s.name] = startSupervisor(s.name);
    }
    writeState(st);
    for (const s of servers) await waitFor(`supervisor of ${s.name}`, () => canConnect(supervisorSocket(s.name)), 30000, 100);
  });

  // Machine adaptation: HAProxy needs ~2 fds per connection of `maxconn`; on EC2 systemd grants
  // 524288, but this machine caps every process at its hard RLIMIT_NOFILE and lacks
  // CAP_SYS_RESOURCE. HAProxy's own `-n` ("for systems where resource limits are too low") goes into a
  // runtime drop-in (/run, not the payload), and the lab says so.
  await step("machine adaptations", () => {
    for (const s of servers) {
      const note = machineAdaptation(s.name, userData.get(s.name)!);
      if (!note) continue;
      notes.push(note);
      log(`    note: ${note}`);
    }
  });
  // The payload's monitoring client: the collector build (lab/collector.ts), before boot starts it.
  await step("OpenTelemetry Collector (scripts/build-collector.sh) into each root, lab copy of its config", () => {
    const n = prepareCollectors(servers, (m) => log(`    ${m}`));
    notes.push(...n);
    for (const l of n) log(`    note: ${l}`);
  });
  const aws = awsSettings(cfg);
  await step(`the lab's AWS: moto_server at https://${aws.ip} (AWS's endpoint names), the VPC resolver at ${rendered.model.network.resolver}, the program's resources replayed, IMDSv2 per server`, () =>
    startLabAws(aws, rendered.model, program, (m) => log(m), labArtifact(cfg.stack, cfg.lab.appArtifact)));
  await step("instances as EC2 starts them: resolver, trusted endpoints, data volume", () => prepareInstances(rendered.model, program));
  let bootOk = true;
  // The replacement downtime floor, per server: first boot step → serving its health path (the bench reports it).
  const bootHealth = watchBootHealth(rendered, cfg.lab.client.name, lb.privateIp);
  await step("boot every server from the user data the program registered (cloud-init write_files, users, runcmd with sws-fetch from SSM), in parallel", async () => {
    const reports = await Promise.all(servers.map((s) => bootServer(s.name, userData.get(s.name)!, (m) => log(m))));
    const fetchMs = reports.map((r) => `${r.server} ${((r.steps.find((x) => FETCH_STEP.test(x.step.replace(/^runcmd: /, "").split(" ")[0]))?.ms ?? NaN) / 1000).toFixed(1)} s`);
    log(`    sws-fetch from SSM: ${fetchMs.join(", ")}; whole boot: ${reports.map((r) => `${r.server} ${(r.steps.reduce((a, x) => a + x.ms, 0) / 1000).toFixed(1)} s`).join(", ")}`);
    writeJson(path.join(STATE, "boot.json"), reports);
    for (const r of reports) {
      if (!r.ok) {
        bootOk = false;
        log(`    ${r.server}: boot had failures; see ${r.log}`);
      }
    }
  });

  // Firewalls: the payload loads /etc/nftables.conf itself (nftables.service); make sure it did.
  await step("host firewalls loaded from each payload's /etc/nftables.conf", () => {
    for (const s of servers) {
      const r = inNetns(s.name, "nft", ["list", "table", "inet", "sws"]);
      if (r.code !== 0) throw new Error(`${s.name}: no firewall loaded (nft: ${r.stderr.trim()})`);
    }
  });

  const client = cfg.lab.client;
  await step("certificate from the ACME server through HAProxy (HTTP-01), served on 443", async () => {
    const lbRoot = rootPaths(lb.name).merged;
    const live = path.join(lbRoot, "etc/letsencrypt/live", rendered.model.domain, "fullchain.pem");
    await waitFor("certbot's certificate", () => fs.existsSync(live), 120000, 250);
    const roots = fetchAcmeRoots(cfg.lab.acme);
    fs.writeFileSync(CA_BUNDLE, roots + fs.readFileSync(LAB_CA, "utf8"));
    // Any HTTP answer over the verified chain: the issued certificate is served. A server whose boot
    // failed makes it answer 503; reporting that is `check`'s job, so the lab still comes up.
    await waitFor("HAProxy serving the issued certificate", () =>
      inNetns(client.name, "curl", ["-s", "-o", "/dev/null", "--cacert", CA_BUNDLE, "--resolve", `${rendered.model.domain}:443:${lb.privateIp}`, `https://${rendered.model.domain}/healthz`]).code === 0, 60000, 250);
  });

  writeJson(path.join(STATE, "boot-health.json"), await bootHealth.stop());
  st.status = "up";
  st.upSeconds = (Date.now() - t0) / 1000;
  writeState(st);
  printSummary(st);
  if (!bootOk) {
    process.stdout.write("WARNING: some boot steps failed (see the boot logs above); `check` will show what is broken.\n");
    return 1;
  }
  return 0;
}

/** Every pid whose network or mount namespace belongs to the lab. */
function labPids(): number[] {
  const inodes = new Set<string>();
  const add = (f: string, kind: string) => {
    try {
      inodes.add(`${kind}:[${fs.statSync(f).ino}]`);
    } catch {
      /* gone */
    }
  };
  if (fs.existsSync("/run/netns")) for (const n of fs.readdirSync("/run/netns")) if (n.startsWith("swslab-")) add(`/run/netns/${n}`, "net");
  if (fs.existsSync(NS_DIR)) for (const n of fs.readdirSync(NS_DIR)) if (n.endsWith(".mnt")) add(path.join(NS_DIR, n), "mnt");
  const out: number[] = [];
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    for (const k of ["net", "mnt"]) {
      try {
        if (inodes.has(fs.readlinkSync(`/proc/${d}/ns/${k}`))) {
          out.push(Number(d));
          break;
        }
      } catch {
        /* raced */
      }
    }
  }
  return out;
}

async function down(): Promise<number> {
  requireRoot();
  const t0 = Date.now();
  const st = readState();
  const sups: Record<string, number> = { ...(st?.supervisors ?? {}) };
  for (const r of listRoots()) {
    const pids = readJson<Record<string, number[]>>(supervisorPidsFile(r), {});
    if (pids.supervisor?.[0]) sups[r] = pids.supervisor[0];
  }
  await step(`stop supervisors and their services (${Object.keys(sups).join(", ") || "none"})`, async () => {
    for (const pid of Object.values(sups)) if (alive(pid)) signal(pid, "SIGTERM");
    const t = Date.now();
    while (Object.values(sups).some(alive) && Date.now() - t < 25000) await sleep(100);
    for (const pid of Object.values(sups)) if (alive(pid)) signal(pid, "SIGKILL");
    // Then each server's init (PID 1 of its PID namespace): whatever still ran in the server ends with it.
    for (const r of listRoots()) stopInit(r);
  });
  await step("stop helpers (pebble, challtestsrv, sink, the AWS host, VPC resolver, IMDS)", async () => {
    const s = await stopHelpers();
    if (s.length) log(`    stopped ${s.join(", ")}`);
  });
  await step("kill any remaining process in the lab's namespaces (by pid)", async () => {
    for (let i = 0; i < 3; i++) {
      const pids = labPids();
      if (!pids.length) return;
      log(`    killing ${pids.length} leftover pid(s): ${pids.join(" ")}`);
      for (const p of pids) signal(p, "SIGKILL");
      await sleep(300);
    }
  });
  await step("unmount the server roots", () => {
    for (const r of listRoots()) destroyRoot(r);
    if (isMounted(NS_DIR)) run("umount", [NS_DIR]);
  });
  await step("delete the network namespaces and the bridge", () => {
    const gone = destroyNetwork(st?.createdRunNetns ?? true);
    if (gone.length) log(`    deleted ${gone.join(" ")}`);
  });
  await step("remove the lab's state (logs are kept)", () => {
    for (const e of fs.existsSync(STATE) ? fs.readdirSync(STATE) : []) {
      if (e === "logs" || e === "logs.previous" || e === "last-check.json") continue;
      fs.rmSync(path.join(STATE, e), { recursive: true, force: true });
    }
  });
  const left = labPids();
  const mounts = fs.readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter((l) => l.includes(STATE) || l.includes("swslab-"));
  log(`down took ${fmtSecs(Date.now() - t0)}; leftover lab processes: ${left.length}, mounts: ${mounts.length}, namespaces: ${existingNetns().length}`);
  return left.length || mounts.length || existingNetns().length ? 1 : 0;
}

async function status(json: boolean, profile?: string): Promise<number> {
  const st = readState();
  const cfg: LabConfig = loadConfig(profile ?? runningProfile());
  const out = statusJson(st, cfg) as Record<string, unknown> & { hosts: Array<Record<string, unknown>> };
  const running = await isUp(st);
  out.up = running;
  for (const h of out.hosts) {
    if (h.kind !== "server") continue;
    const d = await supervisorDump(String(h.name));
    h.services = d?.units.map((u) => ({ unit: u.name, state: u.state, sub: u.sub, mainPid: u.mainPid, restarts: u.restarts, log: u.log })) ?? null;
  }
  out.helpers = helpers().map((h) => ({ name: h.name, host: h.host, pid: h.pid, alive: alive(h.pid), log: h.log }));
  if (json) {
    process.stdout.write(JSON.stringify(out, null, 2) + "\n");
    return running ? 0 : 3;
  }
  if (!st) {
    process.stdout.write(`The lab is down (no state in ${STATE_FILE}). Config: ${configFile(profile ?? DEFAULT_PROFILE)}\n`);
    return 3;
  }
  process.stdout.write(`lab ${running ? "UP" : "NOT (fully) UP"} (profile ${st.profile ?? DEFAULT_PROFILE}) — https://${st.domain}/ via ${st.balancer.name} ${st.balancer.ip}; CA bundle ${st.caBundle}\n`);
  for (const h of out.hosts) {
    process.stdout.write(`  ${String(h.name).padEnd(9)} ${String(h.netns).padEnd(17)} ${String(h.address).padEnd(14)} ${(h.roles as string[]).join(",")}\n`);
    for (const s of (h.services as Array<Record<string, unknown>> | null) ?? []) {
      process.stdout.write(`      ${String(s.unit).padEnd(38)} ${s.state} (${s.sub})${s.mainPid ? ` pid ${s.mainPid}` : ""}${s.restarts ? ` restarts ${s.restarts}` : ""}\n`);
    }
  }
  return running ? 0 : 3;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const json = args.includes("--json");
  // --profile <name> (up/check/down/status): the stack configuration; check/down/status default to the running one.
  const pi = args.indexOf("--profile");
  const profile = pi >= 0 ? args[pi + 1] : args.find((a) => a.startsWith("--profile="))?.slice(10);
  if (pi >= 0 && !profile) throw new Error("--profile needs a name");
  if (profile) configFile(profile);
  const cmd = args.find((a, i) => !a.startsWith("-") && !(pi >= 0 && i === pi + 1)) ?? "help";
  const sameProfile = () => {
    const st = readState();
    if (profile && st && (st.profile ?? DEFAULT_PROFILE) !== profile) throw new Error(`the lab runs profile ${st.profile ?? DEFAULT_PROFILE}, not ${profile}: run \`up --profile ${profile}\` first`);
  };
  switch (cmd) {
    case "up":
      return up(profile ?? DEFAULT_PROFILE);
    case "down":
      return down();
    case "status":
      return status(json, profile);
    case "check": {
      requireRoot();
      sameProfile();
      if (json) setQuiet(true);
      const { runChecks } = await import("./checks");
      return runChecks(json);
    }
    case "drill": {
      requireRoot();
      if (args.includes("reboot")) {
        // --server <name>: the server to reboot (default: the database server); all: each in turn.
        const si = args.indexOf("--server");
        if (si >= 0 && !args[si + 1]) throw new Error("--server needs a server name");
        const { runRebootDrill } = await import("./drills/reboot");
        return runRebootDrill(si >= 0 ? args[si + 1] : undefined, UP_HOOKS, json);
      }
      if (args.includes("replacement")) {
        // --server <name>: the database server to replace (default: the primary); --empty-volume: the
        // negative (a new empty volume attached); --start-empty: with the operator's marker on it.
        const si = args.indexOf("--server");
        if (si >= 0 && !args[si + 1]) throw new Error("--server needs a server name");
        const { runReplacementDrill } = await import("./drills/replacement");
        return runReplacementDrill(si >= 0 ? args[si + 1] : undefined, { emptyVolume: args.includes("--empty-volume"), startEmpty: args.includes("--start-empty") }, UP_HOOKS, json);
      }
      if (args.includes("backup")) {
        if (json) setQuiet(true);
        const { runBackupDrill } = await import("./drills/backup");
        return (await runBackupDrill({ json })) ? 0 : 1;
      }
      // The other lifecycle drills, one by name (`faults` runs them all); those with options of their own are above.
      const { LIFECYCLE_DRILLS } = await import("./drills/lifecycle");
      const lifecycle = LIFECYCLE_DRILLS.find((d) => args.includes(d.key));
      if (lifecycle) {
        const { context } = await import("./checks/common");
        const { runDrillCommand } = await import("./drills/report");
        const ctx = context();
        const why = lifecycle.needs(ctx);
        if (why) throw new Error(`drill ${lifecycle.key} ${why}`);
        return runDrillCommand(lifecycle.key, json, (say) => lifecycle.run(ctx, say, UP_HOOKS));
      }
      // `drill` without a name: the fault drills (its old name).
      const { runFaults } = await import("./faults");
      return runFaults(json, UP_HOOKS);
    }
    case "faults": {
      requireRoot();
      const { runFaults } = await import("./faults");
      const o = args.indexOf("--only");
      if (o >= 0 && !args[o + 1]) throw new Error("--only needs a comma-separated list of drills");
      return runFaults(json, UP_HOOKS, o >= 0 ? args[o + 1].split(",") : undefined);
    }
    case "bench": {
      requireRoot();
      const { bench } = await import("./bench");
      const i = args.indexOf("--duration");
      const n = args.indexOf("--runs");
      return bench(json, i >= 0 ? Number(args[i + 1]) : 10, n >= 0 ? Number(args[n + 1]) : 3);
    }
    default:
      process.stdout.write("usage: npm run lab -- up [--profile default|hardened|sumologic|cloudwatch|cluster] | down | check [--json] | status [--json] | faults [--json] [--only nginx,app,database,partition,haproxy,telemetry,hostile,app-update,peers,reboot,replacement,replacement-empty-volume,promote,restore-interrupt] | drill backup [--json] | drill app-update|peers|promote|restore-interrupt [--json] | drill reboot [--server <name>|all] [--json] | drill replacement [--server <db server>] [--empty-volume [--start-empty]] [--json] | bench [--json] [--duration S] [--runs N]\n");
      return cmd === "help" ? 0 : 2;
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`\nlab: ${(e as Error).message}\n`);
    process.exit(1);
  },
);
