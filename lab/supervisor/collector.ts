// Collector substitution: no OpenTelemetry Collector can be installed here, so the payload's
// collector unit runs Prometheus in agent mode with the collector's own scrape jobs and remote-write
// endpoint (read from the payload's /etc/sws/collector.yaml).
import * as fs from "fs";
import * as YAML from "yaml";
import { ServiceSpec } from "../units";
import { mkdirp } from "../files";
import type { ServerRoot } from "./serverRoot";

/** The OpenTelemetry Collector unit of the payload; the lab runs Prometheus in agent mode instead. */
export const COLLECTOR_UNIT = "sws-collector.service";
/** Port of the collector's own telemetry (Ports.local.collector); the agent's web listener takes it. */
const COLLECTOR_PORT = 8888;
/** The lab scrapes at most this often apart, so that the monitoring check does not wait minutes. */
const LAB_MAX_SCRAPE_INTERVAL_S = 5;

/** Collector substitution: Prometheus in agent mode with the payload collector's scrape targets. */
export function collectorSpec(root: ServerRoot, spec: ServiceSpec, log: (msg: string) => void): ServiceSpec {
  const text = root.readRoot("/etc/sws/collector.yaml");
  if (!text) throw new Error("/etc/sws/collector.yaml not found in the payload");
  const doc = YAML.parse(text.replace(/\$\$/g, "$")) ?? {};
  const scrape: Array<Record<string, unknown>> = [];
  for (const [k, v] of Object.entries<Record<string, any>>(doc.receivers ?? {})) {
    if (k === "prometheus" || k.startsWith("prometheus/")) scrape.push(...(v?.config?.scrape_configs ?? []));
  }
  let url: string | undefined;
  for (const [k, v] of Object.entries<Record<string, any>>(doc.exporters ?? {})) {
    // "$$" is the collector's escape for "$" (components/payloads/escape.ts collectorLiteral).
    if (k.startsWith("prometheusremotewrite") && v?.endpoint) url = String(v.endpoint).replace(/\$\$/g, "$");
  }
  for (const s of scrape) {
    const iv = typeof s.scrape_interval === "string" ? parseInt(s.scrape_interval, 10) : undefined;
    if (!iv || iv > LAB_MAX_SCRAPE_INTERVAL_S) s.scrape_interval = `${LAB_MAX_SCRAPE_INTERVAL_S}s`;
    if (s.scrape_timeout) delete s.scrape_timeout;
  }
  const conf = {
    global: { scrape_interval: `${LAB_MAX_SCRAPE_INTERVAL_S}s`, external_labels: { sws_lab_server: root.server } }, // which server's collector sent it
    scrape_configs: scrape,
    remote_write: url ? [{ url, queue_config: { batch_send_deadline: "1s", max_backoff: "2s" } }] : [],
  };
  const dir = "/run/sws-lab-collector";
  mkdirp(root.r(dir));
  fs.writeFileSync(root.r(`${dir}/prometheus.yml`), YAML.stringify(conf));
  mkdirp(root.r(`${dir}/data`));
  const pw = root.passwd("prometheus");
  if (pw) {
    fs.chownSync(root.r(dir), pw.uid, pw.gid);
    fs.chownSync(root.r(`${dir}/data`), pw.uid, pw.gid);
  }
  log(`${COLLECTOR_UNIT}: no OpenTelemetry Collector can be installed here: running Prometheus in agent mode with the payload collector's ${scrape.length} scrape job(s) → ${url ?? "(no remote-write endpoint)"}`);
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
