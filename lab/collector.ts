/**
 * The payload's monitoring client in the lab: the OpenTelemetry Collector built from
 * monitoring/collector/builder-config.yaml (scripts/build-collector.sh), at the release and with
 * the components of the otelcol-contrib the payload downloads on EC2.
 *
 * What the lab does differently from a server, and why:
 *   - the binary is put where sws-install-collector would have unpacked the download
 *     (/opt/otelcol/<COLLECTOR_VERSION>/otelcol-contrib): the lab has no GitHub access. The
 *     payload's own ExecStartPre (sws-install-collector) still runs and links
 *     /usr/local/bin/otelcol-contrib, the path of the unit's ExecStart;
 *   - the collector reads a copy of /etc/sws/collector.yaml with every scrape interval capped at
 *     LAB_MAX_SCRAPE_INTERVAL_S (the monitoring check would otherwise wait minutes); every other
 *     line is the payload's. `labCollectorConfig` returns the edits, and the supervisor logs them.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import type { RenderedServer } from "../components/render";
import { parseCloudConfig } from "./payload";
import { inRoot, rootPaths, writeInRoot } from "./root";
import { REPO_DIR } from "./files";
import { run } from "./shell";

/** The payload's collector unit. */
export const COLLECTOR_UNIT = "sws-collector.service";
/** The lab scrapes at most this often apart, so that the monitoring check does not wait minutes. */
export const LAB_MAX_SCRAPE_INTERVAL_S = 5;
/** Where the lab's copy of the collector config lives inside a server (tmpfs, rewritten at every start). */
export const LAB_COLLECTOR_DIR = "/run/sws-lab-collector";
export const LAB_COLLECTOR_CONFIG = `${LAB_COLLECTOR_DIR}/collector.yaml`;
/** The payload's collector config and the binary path its unit runs. */
export const PAYLOAD_COLLECTOR_CONFIG = "/etc/sws/collector.yaml";

/**
 * The collector build for this tree (built on first use, cached by the manifest's hash; a cold
 * build takes minutes, a cached one nothing).
 */
export function collectorBuild(progress: (m: string) => void = () => undefined): string {
  const script = path.join(REPO_DIR, "scripts", "build-collector.sh");
  const cached = run(script, ["--path"]);
  if (cached.code === 0) return cached.stdout.trim().split("\n").pop()!;
  progress("building the OpenTelemetry Collector (scripts/build-collector.sh; a first build takes several minutes)");
  const r = run(script, [], { timeout: 60 * 60 * 1000 });
  if (r.code !== 0) throw new Error(`scripts/build-collector.sh failed:\n${r.stderr.split("\n").slice(-20).join("\n")}`);
  return r.stdout.trim().split("\n").pop()!;
}

/** The pinned version the payload's /etc/sws/collector.env names (sws-install-collector's directory). */
export function payloadCollectorVersion(envText: string): string {
  const m = /^COLLECTOR_VERSION=["']?([0-9][0-9A-Za-z.+-]*)["']?$/m.exec(envText);
  if (!m) throw new Error("/etc/sws/collector.env has no COLLECTOR_VERSION");
  return m[1];
}

/**
 * Put the build where sws-install-collector unpacks the pinned download, in a server's root
 * (host path of its merged overlay). The build's release must be the payload's pinned version.
 */
export function installCollector(rootDir: string, bin: string, version: string): string {
  const manifest = fs.readFileSync(path.join(path.dirname(bin), "builder-config.yaml"), "utf8");
  const built = /^ {2}version: *([0-9.]+)/m.exec(manifest)?.[1];
  if (built !== version) throw new Error(`the collector build is release ${built}, the payload pins ${version} (components/payloads/collector.json): they must be the same`);
  const dest = path.join(rootDir, "opt/otelcol", version);
  fs.mkdirSync(dest, { recursive: true, mode: 0o755 });
  fs.copyFileSync(bin, path.join(dest, "otelcol-contrib"));
  fs.chmodSync(path.join(dest, "otelcol-contrib"), 0o755);
  return `/opt/otelcol/${version}/otelcol-contrib`;
}

/** The lab's runtime drop-in for the collector unit: the payload's ExecStart on the lab copy. */
export const LAB_COLLECTOR_DROPIN = `/run/systemd/system/${COLLECTOR_UNIT}.d/zz-sws-lab-collector.conf`;
export function labCollectorDropIn(unitText: string): string {
  const exec = /^ExecStart=(.+)$/m.exec(unitText)?.[1];
  if (!exec) throw new Error("sws-collector.service has no ExecStart=");
  return `# sws-lab: the payload's collector on the lab copy of its config (scrape intervals capped at ${LAB_MAX_SCRAPE_INTERVAL_S} s; lab/collector.ts)\n[Service]\nExecStart=\nExecStart=${labExecStart(exec)}\n`;
}

/** The payload's collector config with the lab's edits, and a line per edit. */
export function labCollectorConfig(text: string): { text: string; edits: string[] } {
  const doc = YAML.parseDocument(text);
  const edits: string[] = [];
  const receivers = doc.get("receivers") as YAML.YAMLMap | undefined;
  for (const item of receivers?.items ?? []) {
    const name = String((item.key as YAML.Scalar).value);
    if (name !== "prometheus" && !name.startsWith("prometheus/")) continue;
    const jobs = doc.getIn(["receivers", name, "config", "scrape_configs"]) as YAML.YAMLSeq | undefined;
    for (const job of (jobs?.items ?? []) as YAML.YAMLMap[]) {
      const iv = String(job.get("scrape_interval") ?? "");
      const s = /^(\d+)s$/.exec(iv);
      if (!s || Number(s[1]) > LAB_MAX_SCRAPE_INTERVAL_S) {
        job.set("scrape_interval", `${LAB_MAX_SCRAPE_INTERVAL_S}s`);
        job.delete("scrape_timeout");
        edits.push(`receivers.${name} job ${job.get("job_name")}: scrape_interval ${iv || "(default)"} → ${LAB_MAX_SCRAPE_INTERVAL_S}s`);
      }
    }
  }
  return { text: doc.toString({ lineWidth: 0 }), edits };
}

/** The unit's ExecStart= with the payload config's path replaced by the lab copy's. */
export function labExecStart(execStart: string): string {
  const out = execStart.replace(`--config=${PAYLOAD_COLLECTOR_CONFIG}`, `--config=${LAB_COLLECTOR_CONFIG}`);
  if (out === execStart) throw new Error(`sws-collector.service ExecStart= does not name --config=${PAYLOAD_COLLECTOR_CONFIG}: ${execStart}`);
  return out;
}

/** Peak resident memory (VmHWM) and current RSS of a process, in MiB; undefined if it is gone. */
export function memoryOf(pid: number): { peakMiB: number; rssMiB: number } | undefined {
  try {
    const s = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, "m").exec(s)?.[1] ?? NaN);
    return { peakMiB: kb("VmHWM") / 1024, rssMiB: kb("VmRSS") / 1024 };
  } catch {
    return undefined;
  }
}

/** MemoryMax= of a unit (bytes), as systemd parses it (K/M/G/T suffixes are powers of 1024). */
export function memoryMaxBytes(v: string | undefined): number | undefined {
  const m = /^(\d+)([KMGT]?)$/.exec(v ?? "");
  if (!m) return undefined;
  return Number(m[1]) * 1024 ** (m[2] ? "KMGT".indexOf(m[2]) + 1 : 0);
}

/** The collector's own telemetry (Ports.local.collector in the payload; 127.0.0.1 only). */
export const COLLECTOR_TELEMETRY_PORT = 8888;

/** A file of a rendered server: written by cloud-init (write_files) or installed by sws-fetch. */
function payloadFile(s: RenderedServer, p: string): string | undefined {
  const written = (parseCloudConfig(s.userData).write_files ?? []).find((f) => f.path === p);
  return written ? written.content : s.fetched.find((f) => f.path === p)?.content;
}

/**
 * Before boot, on every server whose payload has a collector: the build where
 * sws-install-collector looks for the pinned version, the lab copy of the config, and the runtime
 * drop-in that points the payload's ExecStart at it. Returns the lab's note.
 */
export function prepareCollectors(servers: RenderedServer[], progress: (m: string) => void = () => undefined): string[] {
  const targets = servers.filter((s) => payloadFile(s, PAYLOAD_COLLECTOR_CONFIG) !== undefined);
  if (!targets.length) return [];
  const bin = collectorBuild(progress);
  const allEdits = new Set<string>();
  for (const s of targets) {
    const env = payloadFile(s, "/etc/sws/collector.env");
    const unit = payloadFile(s, `/etc/systemd/system/${COLLECTOR_UNIT}`);
    if (env === undefined || unit === undefined) throw new Error(`${s.name}: the payload has ${PAYLOAD_COLLECTOR_CONFIG} but no /etc/sws/collector.env or ${COLLECTOR_UNIT}`);
    installCollector(rootPaths(s.name).merged, bin, payloadCollectorVersion(env));
    const { text, edits } = labCollectorConfig(payloadFile(s, PAYLOAD_COLLECTOR_CONFIG)!);
    for (const e of edits) allEdits.add(e.replace(/ job \S+:/, ":"));
    writeInRoot(s.name, LAB_COLLECTOR_CONFIG, text, "0644", "root:root");
    inRoot(s.name, ["chmod", "0755", LAB_COLLECTOR_DIR]);
    writeInRoot(s.name, LAB_COLLECTOR_DROPIN, labCollectorDropIn(unit), "0644", "root:root");
  }
  return [`monitoring: every server's ${COLLECTOR_UNIT} runs the OpenTelemetry Collector built from monitoring/collector/builder-config.yaml (${bin}), put where sws-install-collector unpacks the pinned download (/opt/otelcol/<version>/; the lab has no GitHub access; the payload's ExecStartPre still runs and links it), on a lab copy of /etc/sws/collector.yaml (${LAB_COLLECTOR_CONFIG}, runtime drop-in ${LAB_COLLECTOR_DROPIN}) with one edit: ${[...allEdits].join("; ")}`];
}
