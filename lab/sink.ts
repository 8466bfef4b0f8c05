/**
 * The lab's monitoring sink: a Prometheus started with --web.enable-remote-write-receiver on its
 * own host. The servers' collectors remote-write to it (the payload's remoteWriteUrl).
 */
import * as fs from "fs";
import * as path from "path";
import { startHelper } from "./helperDaemons";
import { inNetns } from "./namespaces";
import { mkdirp, STATE } from "./files";
import { waitFor } from "./processes";

export interface SinkSettings {
  name: string;
  ip: string;
  port: number;
}

export async function startSink(sink: SinkSettings): Promise<void> {
  const dir = path.join(STATE, "sink");
  mkdirp(path.join(dir, "data"));
  const cfg = path.join(dir, "prometheus.yml");
  fs.writeFileSync(cfg, "# The lab's sink: receives remote writes only, scrapes nothing.\nglobal:\n  scrape_interval: 15s\nscrape_configs: []\n");
  startHelper("sink-prometheus", sink.name, [
    "/usr/bin/prometheus", `--config.file=${cfg}`, `--storage.tsdb.path=${path.join(dir, "data")}`,
    `--web.listen-address=${sink.ip}:${sink.port}`, "--web.enable-remote-write-receiver", "--storage.tsdb.retention.time=1d",
  ]);
  await waitFor("the sink's Prometheus", () => inNetns(sink.name, "curl", ["-sf", `http://${sink.ip}:${sink.port}/-/ready`]).code === 0, 30000, 200);
}

/** An instant query at the sink (run from the sink's own namespace). */
export function sinkQuery(sink: SinkSettings, query: string): Array<{ metric: Record<string, string>; value: [number, string] }> {
  const r = inNetns(sink.name, "curl", ["-sf", "--get", "--data-urlencode", `query=${query}`, `http://${sink.ip}:${sink.port}/api/v1/query`]);
  if (r.code !== 0) throw new Error(`sink query failed: ${query}: ${r.stderr}`);
  const j = JSON.parse(r.stdout);
  return j.data.result;
}
