/**
 * The seam between the two halves, judged by digests: for every line of a server's own
 * /etc/sws/fetch.list, the file sws-fetch installed must equal the SSM parameter the program
 * registered under that name, and the emulator must hold that very value. Pure (the check
 * supplies the digests), so the rules are unit-tested in tests/lab/aws-compare.test.ts.
 */
import * as crypto from "crypto";

export function sha256(s: string | Buffer): string {
  return crypto.createHash("sha256").update(s).digest("hex");
}

export interface FetchListEntry {
  parameter: string;
  path: string;
  group: string;
  mode: string;
  /** "+" toolkit file (content in the program, hash in the user data), "~" live file (content in the program, rolled out in place: outside the digest), "-" secret. */
  kind: "+" | "~" | "-";
}

/** Parse a fetch.list ("<parameter> <path> <group> <mode> <+|~|->" lines, "#toolkit-sha256 <hex>"). */
export function parseFetchList(text: string): { entries: FetchListEntry[]; toolkitSha256?: string } {
  const entries: FetchListEntry[] = [];
  let toolkitSha256: string | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line) continue;
    const f = line.split(/\s+/);
    if (f[0] === "#toolkit-sha256") {
      toolkitSha256 = f[1];
      continue;
    }
    if (line.startsWith("#")) continue;
    if (f.length !== 5 || !["+", "~", "-"].includes(f[4])) throw new Error(`fetch.list: malformed line ${JSON.stringify(line)}`);
    entries.push({ parameter: f[0], path: f[1], group: f[2], mode: f[3], kind: f[4] as FetchListEntry["kind"] });
  }
  return { entries, toolkitSha256 };
}

export interface FetchedRow {
  server: string;
  parameter: string;
  path: string;
  kind: "toolkit" | "live" | "secret";
  /** SHA-256 of the value the program registered under this name (absent: no such parameter). */
  registered?: string;
  /** SHA-256 of the value the emulated SSM holds (absent: not there). */
  emulator?: string;
  /** SHA-256 of the file on the server (absent: not installed). */
  onServer?: string;
  /** The file's mode on the server (octal string), if installed. */
  modeOnServer?: string;
  ok: boolean;
  problem?: string;
}

export interface ServerFetchInput {
  server: string;
  /** The server's own /etc/sws/fetch.list (undefined: the file is missing). */
  fetchList?: string;
  /** Digest and mode of a file on the server, or undefined when it is missing. */
  file: (path: string) => { sha256: string; mode: string } | undefined;
}

/**
 * Compare what each server fetched with what the program registered (`registered`: parameter →
 * SHA-256 of its value) and what the emulator holds (`emulator`, same shape).
 */
export function compareFetched(servers: ServerFetchInput[], registered: Map<string, string>, emulator: Map<string, string>): { rows: FetchedRow[]; problems: string[] } {
  const rows: FetchedRow[] = [];
  const problems: string[] = [];
  for (const s of servers) {
    if (s.fetchList === undefined) {
      problems.push(`${s.server}: no /etc/sws/fetch.list (the payload names nothing to fetch?)`);
      continue;
    }
    const { entries } = parseFetchList(s.fetchList);
    if (!entries.length) problems.push(`${s.server}: /etc/sws/fetch.list names no parameter`);
    for (const e of entries) {
      const f = s.file(e.path);
      const row: FetchedRow = {
        server: s.server, parameter: e.parameter, path: e.path, kind: e.kind === "+" ? "toolkit" : e.kind === "~" ? "live" : "secret",
        registered: registered.get(e.parameter), emulator: emulator.get(e.parameter), onServer: f?.sha256, modeOnServer: f?.mode, ok: false,
      };
      if (row.registered === undefined) row.problem = `the program registered no SSM parameter ${e.parameter}`;
      else if (row.emulator === undefined) row.problem = `the emulated SSM has no parameter ${e.parameter}`;
      else if (row.emulator !== row.registered) row.problem = `the emulated SSM holds another value for ${e.parameter} than the program registered`;
      else if (row.onServer === undefined) row.problem = `${e.path} is not on the server`;
      else if (row.onServer !== row.registered) row.problem = `${e.path} differs from the value of ${e.parameter}`;
      else if (e.kind !== "-" && f && f.mode !== e.mode) row.problem = `${e.path} has mode ${f.mode}, fetch.list says ${e.mode}`;
      row.ok = row.problem === undefined;
      if (row.problem) problems.push(`${s.server}: ${row.problem}`);
      rows.push(row);
    }
  }
  return { rows, problems };
}

/** User data: the one each server booted must be the one the program registered, byte for byte. */
export function compareUserData(booted: Map<string, string>, registered: Map<string, string>): string[] {
  const problems: string[] = [];
  for (const [server, reg] of registered) {
    const b = booted.get(server);
    if (b === undefined) problems.push(`${server}: booted no user data`);
    else if (b !== reg) problems.push(`${server}: booted user data (sha256 ${sha256(b).slice(0, 12)}…) differs from the registered one (sha256 ${sha256(reg).slice(0, 12)}…)`);
  }
  for (const server of booted.keys()) if (!registered.has(server)) problems.push(`${server}: booted, but the program registered no instance for it`);
  return problems;
}
