// Section "monitoring": where metrics and logs go. No credential may ride in a URL: it would land in
// plain text in the user data.
import { MonitoringArgs, MonitoringSink } from "../types";
import { Problems, bool, oneOf } from "./fields";
import { readReference } from "./references";
import type { Model } from "./shape";

/** An Amazon Managed Prometheus remote-write URL: its region and workspace id. */
export const AMP_WRITE_URL = /^https:\/\/aps-workspaces\.[a-z0-9-]+\.amazonaws\.com\/workspaces\/ws-[A-Za-z0-9-]+\/api\/v1\/remote_write$/;

export function readMonitoring(p: Problems, m: MonitoringArgs): Model["monitoring"] {
    const sink = oneOf(p, "monitoring.sink", m.sink, MonitoringSink, MonitoringSink.CloudWatch);
    let remoteWriteUrl: string | undefined;
    if (m.remoteWriteUrl !== undefined) {
        let u: URL | undefined;
        try { u = new URL(m.remoteWriteUrl); } catch { /* reported below */ }
        if (!u || !/^https?:$/.test(u.protocol)) p.push(`monitoring.remoteWriteUrl: ${JSON.stringify(m.remoteWriteUrl)} is not allowed; use an http(s) URL such as "https://prometheus.example.com/api/v1/write"`);
        else if (u.username || u.password) p.push(`monitoring.remoteWriteUrl: embeds credentials; they would land in plain text in user data — use SigV4 (remoteWriteSigV4) or a credential-free URL`);
        // Stored as parsed (WHATWG normalisation): what was validated is what the collector gets.
        else remoteWriteUrl = u.href;
    }
    if (sink === MonitoringSink.PrometheusRemoteWrite && m.remoteWriteUrl === undefined) p.push(`monitoring.remoteWriteUrl: missing; sink "prometheus-remote-write" needs the remote-write URL`);
    if (sink === MonitoringSink.SumoLogic && m.sumoLogicUrl === undefined) p.push(`monitoring.sumoLogicUrl: missing; sink "sumologic" needs the OTLP/HTTP source URL (set it with \`pulumi config set --secret\`)`);
    const remoteWriteSigV4 = bool(p, "monitoring.remoteWriteSigV4", m.remoteWriteSigV4, false);
    // SigV4 signs for one Amazon Managed Prometheus workspace: the instance roles get aps:RemoteWrite
    // on exactly that workspace, so the URL must name it.
    if (remoteWriteSigV4 && remoteWriteUrl && !AMP_WRITE_URL.test(remoteWriteUrl)) {
        p.push(`monitoring.remoteWriteSigV4: true, but monitoring.remoteWriteUrl ${JSON.stringify(remoteWriteUrl)} is not an Amazon Managed Prometheus workspace URL; use "https://aps-workspaces.<region>.amazonaws.com/workspaces/ws-…/api/v1/remote_write" or turn SigV4 off`);
    }
    const alarmEmail = readReference(p, "monitoring.alarmEmail", m.alarmEmail);
    return { sink, remoteWriteUrl, remoteWriteSigV4, alarmEmail };
}
