// Running commands on the host: never throwing (run), throwing with the output (must, sh), with an
// environment free of proxy and CA-bundle variables.
import { execFileSync, spawnSync, SpawnSyncOptions } from "child_process";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The environment for the lab's own commands: the caller's, minus proxy and CA-bundle variables
 * (lab traffic never goes through a proxy, and every TLS client is given the lab's CA explicitly).
 */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) {
    if (/^(https?|all|no|ftp)_proxy$/i.test(k) || /^(REQUESTS_CA_BUNDLE|CURL_CA_BUNDLE|SSL_CERT_FILE|SSL_CERT_DIR|NODE_EXTRA_CA_CERTS)$/.test(k)) delete env[k];
  }
  return env;
}

/** Run a command, never throwing; returns exit code and output. */
export function run(cmd: string, args: string[], opts: SpawnSyncOptions & { input?: string } = {}): RunResult {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, env: cleanEnv(), ...opts });
  return {
    code: r.status === null ? 128 + 9 : r.status,
    stdout: (r.stdout ?? "").toString(),
    stderr: (r.stderr ?? "").toString() + (r.error ? String(r.error) : ""),
  };
}

/** Run a command and throw with its output when it fails. */
export function must(cmd: string, args: string[], opts: SpawnSyncOptions & { input?: string } = {}): string {
  const r = run(cmd, args, opts);
  if (r.code !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} → exit ${r.code}\n${r.stderr.trim()}\n${r.stdout.trim()}`.trim());
  }
  return r.stdout;
}

export function sh(script: string, opts: SpawnSyncOptions & { input?: string } = {}): string {
  return must("/bin/sh", ["-ec", script], opts);
}

export function execOut(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: "utf8" });
}
