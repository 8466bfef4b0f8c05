/**
 * Boot a server's payload in its root, the way cloud-init does on EC2:
 *   init stage   write_files (cloud-init itself, offline), update_hostname, users_groups
 *   config stage packages: already installed on the machine (the roots share its /usr); the
 *                root's enablement links become those their postinst scripts make (packageLinks.ts)
 *   final stage  write_files_deferred (cloud-init itself), then every runcmd step, in order
 * Every step runs as written, `sws-fetch` included: it reads SSM Parameter Store in the lab's AWS
 * (lab/aws/), with the instance role's credentials from IMDS, like on EC2.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { applyPackageLinks } from "./packageLinks";
import { enterArgs, ROOT_ENV, rootPaths, writeInRoot } from "./root";

/** The boot step that reads SSM Parameter Store (/usr/local/sbin/sws-fetch): timed on its own in `up`'s output. */
export const FETCH_STEP = /\/sws-fetch$/;

export interface CloudConfig {
  hostname?: string;
  packages?: string[];
  write_files?: Array<{ path: string; permissions?: string; owner?: string; content?: string; defer?: boolean; encoding?: string }>;
  runcmd?: Array<string | string[]>;
  [k: string]: unknown;
}

export function parseCloudConfig(userData: string): CloudConfig {
  if (!userData.startsWith("#cloud-config\n")) throw new Error("user data is not a #cloud-config document");
  return YAML.parse(userData.slice("#cloud-config\n".length)) as CloudConfig;
}

/** Async command runner with its output appended to a log file. */
export function runLogged(argv: string[], log: string, timeoutMs: number, input?: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    const onData = (d: Buffer) => {
      out += d.toString();
      fs.appendFileSync(log, d);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    const timer = setTimeout(() => {
      out += `\n(timed out after ${timeoutMs / 1000} s)\n`;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("close", (code, sig) => {
      clearTimeout(timer);
      resolve({ code: code ?? (sig ? 128 : 1), out });
    });
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

export interface BootReport {
  server: string;
  steps: Array<{ step: string; ms: number; code: number; note?: string }>;
  ok: boolean;
  log: string;
}

/** Apply one server's #cloud-config inside its root and run its boot steps. */
export async function bootServer(server: string, userData: string, progress: (m: string) => void): Promise<BootReport> {
  const cc = parseCloudConfig(userData);
  const p = rootPaths(server);
  const log = path.join(p.logs, "sws-lab", "boot.log");
  fs.writeFileSync(log, `# sws-lab boot of ${server} ${new Date().toISOString()}\n`);
  const report: BootReport = { server, steps: [], ok: true, log };
  const timed = async (name: string, fn: () => Promise<{ code: number; note?: string }>) => {
    const t0 = Date.now();
    fs.appendFileSync(log, `\n## ${name}\n`);
    const r = await fn();
    const ms = Date.now() - t0;
    report.steps.push({ step: name, ms, code: r.code, ...(r.note ? { note: r.note } : {}) });
    progress(`  ${server}: ${name} → ${r.code === 0 ? "ok" : `exit ${r.code}`} (${(ms / 1000).toFixed(1)} s)${r.note ? ` — ${r.note}` : ""}`);
    if (r.code !== 0) report.ok = false;
    return r.code;
  };
  const inside = (argv: string[], timeoutMs = 180000, input?: string) =>
    runLogged(["nsenter", ...enterArgs(server), "env", "-i", ...ROOT_ENV, ...argv], log, timeoutMs, input);

  // The user data, exactly as rendered, plus the one setting cloud-init needs offline.
  writeInRoot(server, "/run/sws-lab/user-data", userData, "0600", "root:root");
  writeInRoot(server, "/run/sws-lab/cloud-init-offline.cfg", "datasource_list: [ None ]\n", "0600", "root:root");
  const ci = (mod: string) => inside(["cloud-init", "--file", "/run/sws-lab/user-data", "--file", "/run/sws-lab/cloud-init-offline.cfg", "single", "--name", mod, "--frequency", "always"], 60000);
  const ciStep = async (mod: string) => {
    const r = await ci(mod);
    // `single` exits 0 even when a module fails: look for cloud-init's own failure line.
    const failed = /Ran \S+ but it failed|failed\b.*Traceback/i.test(r.out);
    return { code: r.code !== 0 ? r.code : failed ? 1 : 0 };
  };
  await timed("cloud-init write_files", () => ciStep("write_files"));
  await timed("cloud-init update_hostname", () => ciStep("update_hostname"));
  await timed("cloud-init users_groups", () => ciStep("users_groups"));
  await timed("packages (installed on the machine; shared through the root's lower layer)", async () => {
    const pk = cc.packages ?? [];
    const r = await inside(["dpkg-query", "-W", "-f", "${Package} ${Status}\\n", ...pk], 30000);
    const missing = pk.filter((x) => !new RegExp(`^${x.replace(/[+.]/g, "\\$&")} install ok installed$`, "m").test(r.out));
    if (missing.length) return { code: 1, note: `not installed: ${missing.join(" ")}` };
    // What the packages' postinst scripts enable on an instance (and nothing the root inherits from
    // the machine's other packages): the units a reboot starts (packageLinks.ts).
    const links = applyPackageLinks(p.merged, pk);
    fs.appendFileSync(log, `enabled by the packages' postinst: ${links.map((l) => `${l.link} → ${l.target} (${l.owner})`).join(", ") || "nothing"}\n`);
    return { code: 0, note: `enabled by their postinst: ${links.map((l) => path.basename(l.link)).join(" ") || "nothing"}` };
  });
  await timed("cloud-init write_files_deferred", () => ciStep("write_files_deferred"));

  for (const stepArgv of cc.runcmd ?? []) {
    const argv = typeof stepArgv === "string" ? ["/bin/sh", "-c", stepArgv] : stepArgv.map(String);
    const label = `runcmd: ${argv.join(" ")}`;
    // Like cloud-init's runcmd script (no `set -e`), later steps still run after a failure;
    // the failure is reported and makes `up` fail.
    await timed(label, () => inside(argv));
  }
  return report;
}
