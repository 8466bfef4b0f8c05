// Time from a server's first boot step to serving its health path (the replacement downtime
// floor): `up` starts this watcher when every server's boot starts and stops it once the site
// serves; the bench reports what it recorded (STATE/boot-health.json).
//
// Each server is asked what its next tier (or a DNS health check, for the balancer) asks it:
//   balancer  GET https://<domain>/healthz from the client, 200 (the whole path: web, app, database)
//   web       GET /lb-health from the balancer (HAProxy's own check)
//   app       GET <app.healthPath> from a web server (the app answers it only after `SELECT 1`)
//   database  a TCP connection to the database port from an app server (mariadbd listens once ready)
// A probe every 250 ms: curl's own cost, tiny against a boot.
import { spawn } from "child_process";
import type { RenderedStack } from "../components/render";
import { Ports } from "../components/model";
import { netnsPath } from "./namespaces";

export interface BootHealth {
  server: string;
  role: string;
  probe: string;
  /** Seconds from the start of the server's first boot step to the first successful probe; null: never within the watch. */
  seconds: number | null;
}

interface Probe {
  server: string;
  role: string;
  from: string;
  argv: string[];
  text: string;
}

function probesFor(rendered: RenderedStack, client: string, balancerIp: string): Probe[] {
  const m = rendered.model;
  const byRole = (r: string) => rendered.servers.filter((s) => (s.roles as string[]).includes(r));
  const scheme = m.hardening.endToEndTls ? "https" : "http";
  const curl = (url: string, extra: string[] = []) => ["curl", "-skf", "-o", "/dev/null", "--max-time", "1", ...extra, url];
  const out: Probe[] = [];
  for (const s of rendered.servers) {
    const roles = s.roles as string[];
    const ip = s.privateIp as string;
    if (roles.includes("balancer")) {
      const url = `https://${m.domain}/healthz`;
      out.push({ server: s.name, role: "balancer", from: client, argv: curl(url, ["--resolve", `${m.domain}:443:${balancerIp}`]), text: `GET ${url} from the client` });
    } else if (roles.includes("web")) {
      const from = byRole("balancer")[0]?.name ?? client;
      const url = `${scheme}://${ip}:${m.hardening.webPort}/lb-health`;
      out.push({ server: s.name, role: "web", from, argv: curl(url), text: `GET ${url} from ${from}` });
    } else if (roles.includes("app")) {
      const from = byRole("web")[0]?.name ?? client;
      const url = `${scheme}://${ip}:${m.hardening.appPort}${m.app.healthPath}`;
      out.push({ server: s.name, role: "app", from, argv: curl(url, ["-H", `Host: ${m.domain}`]), text: `GET ${url} from ${from}` });
    } else if (roles.includes("database")) {
      const from = byRole("app")[0]?.name ?? client;
      out.push({ server: s.name, role: "database", from, argv: ["bash", "-c", `exec 3<>/dev/tcp/${ip}/${Ports.mysql}`], text: `TCP ${ip}:${Ports.mysql} from ${from}` });
    }
  }
  return out;
}

function once(p: Probe): Promise<boolean> {
  return new Promise((resolve) => {
    const c = spawn("nsenter", [`--net=${netnsPath(p.from)}`, "--", "timeout", "2", ...p.argv], { stdio: "ignore" });
    // Never what keeps the lab's process alive (an `up` that fails stops watching with it).
    c.unref();
    c.on("error", () => resolve(false));
    c.on("exit", (code) => resolve(code === 0));
  });
}

/** Start probing every server now (the moment the boots start); `stop()` returns what was seen. */
export function watchBootHealth(rendered: RenderedStack, client: string, balancerIp: string, everyMs = 250): { stop: () => Promise<BootHealth[]> } {
  const t0 = Date.now();
  const probes = probesFor(rendered, client, balancerIp);
  const seen = new Map<string, number>();
  let running = true;
  const loops = probes.map(async (p) => {
    while (running && !seen.has(p.server)) {
      const started = Date.now();
      if (await once(p)) seen.set(p.server, Date.now() - t0);
      else await new Promise((r) => setTimeout(r, Math.max(0, everyMs - (Date.now() - started))).unref());
    }
  });
  return {
    stop: async () => {
      running = false;
      // A loop may be sleeping in its unref'd timer (unref'd so a failed `up` still exits); with
      // nothing else pending Node would exit right here with status 0 — `up` then ended silently
      // before recording the lab as up (seen on the hardened profile). Hold the event loop open.
      const hold = setInterval(() => undefined, 1000);
      try {
        await Promise.all(loops);
      } finally {
        clearInterval(hold);
      }
      return probes.map((p) => ({ server: p.server, role: p.role, probe: p.text, seconds: seen.has(p.server) ? Math.round(seen.get(p.server)! / 100) / 10 : null }));
    },
  };
}
