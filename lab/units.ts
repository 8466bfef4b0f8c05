/**
 * A small systemd unit-file reader for the lab's supervisor (the lab has no systemd).
 *
 * Pure functions only: parsing, drop-in merging (with systemd's "empty assignment resets the
 * list" rule), command-line splitting, environment files and `$VAR` / `${VAR}` expansion.
 * Unit-tested without root in tests/lab/units.test.ts.
 */

/** One parsed unit file: section name → ordered list of [key, value] assignments. */
export interface UnitFile {
  sections: Map<string, Array<[string, string]>>;
}

/** Parse the text of a unit file or drop-in (comments, line continuations, sections). */
export function parseUnitText(text: string): UnitFile {
  const sections = new Map<string, Array<[string, string]>>();
  let current: Array<[string, string]> | undefined;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i];
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#") || trimmed.startsWith(";")) continue;
    // Line continuation: a trailing backslash joins the next line (with a space, as systemd does).
    while (line.endsWith("\\") && i + 1 < lines.length) {
      line = line.slice(0, -1) + " ";
      i++;
      const next = lines[i];
      const nt = next.trim();
      if (nt.startsWith("#") || nt.startsWith(";")) continue; // comment lines inside a continuation are skipped
      line += next;
    }
    const t = line.trim();
    const sec = /^\[([^\]]+)\]$/.exec(t);
    if (sec) {
      if (!sections.has(sec[1])) sections.set(sec[1], []);
      current = sections.get(sec[1]);
      continue;
    }
    const eq = t.indexOf("=");
    if (eq < 0 || !current) continue;
    current.push([t.slice(0, eq).trim(), t.slice(eq + 1).trim()]);
  }
  return { sections };
}

/** Keys whose assignments accumulate, and where an empty assignment resets the list. */
const LIST_KEYS = new Set([
  "ExecStartPre", "ExecStart", "ExecStartPost", "ExecReload", "ExecStop", "ExecStopPost", "ExecCondition",
  "Environment", "EnvironmentFile", "RuntimeDirectory", "StateDirectory", "LogsDirectory", "CacheDirectory",
  "ConfigurationDirectory", "SupplementaryGroups", "ReadWritePaths", "After", "Before", "Wants", "Requires",
  "WantedBy", "RequiredBy", "Also", "Alias", "Documentation", "SuccessExitStatus", "RestartPreventExitStatus",
]);

/** The effective settings of a unit: for each section, key → list of values (last wins for scalars). */
export interface MergedUnit {
  name: string;
  sections: Map<string, Map<string, string[]>>;
  /** Files read, in order (unit file then drop-ins), for diagnostics. */
  sources: string[];
}

/**
 * Merge a unit file with its drop-ins, in the given order (callers sort drop-ins by file name,
 * as systemd does). An empty assignment of a list key (`ExecStart=`) clears what came before;
 * for scalar keys, the last assignment wins.
 */
export function mergeUnit(name: string, files: Array<{ path: string; text: string }>): MergedUnit {
  const sections = new Map<string, Map<string, string[]>>();
  const sources: string[] = [];
  for (const f of files) {
    sources.push(f.path);
    const parsed = parseUnitText(f.text);
    for (const [secName, entries] of parsed.sections) {
      let sec = sections.get(secName);
      if (!sec) {
        sec = new Map();
        sections.set(secName, sec);
      }
      for (const [k, v] of entries) {
        if (LIST_KEYS.has(k)) {
          if (v === "") sec.set(k, []);
          else sec.set(k, [...(sec.get(k) ?? []), v]);
        } else {
          sec.set(k, v === "" ? [] : [v]);
        }
      }
    }
  }
  return { name, sections, sources };
}

/** All values of a key (list keys), or [] when unset. */
export function getAll(u: MergedUnit, section: string, key: string): string[] {
  return u.sections.get(section)?.get(key) ?? [];
}

/** The last value of a key, or undefined. */
export function getOne(u: MergedUnit, section: string, key: string): string | undefined {
  const v = getAll(u, section, key);
  return v.length ? v[v.length - 1] : undefined;
}

/** Parse a systemd boolean. */
export function parseBool(v: string | undefined, dflt = false): boolean {
  if (v === undefined) return dflt;
  return /^(1|yes|true|on)$/i.test(v.trim());
}

/** Parse a systemd time span ("5s", "100ms", "1min 30s", "2") into milliseconds. */
export function parseTimespan(v: string | undefined, dflt: number): number {
  if (v === undefined || v.trim() === "") return dflt;
  const s = v.trim();
  if (s === "infinity") return Number.POSITIVE_INFINITY;
  const units: Record<string, number> = {
    us: 0.001, usec: 0.001, ms: 1, msec: 1, s: 1000, sec: 1000, second: 1000, seconds: 1000,
    m: 60000, min: 60000, minute: 60000, minutes: 60000, h: 3600000, hr: 3600000, hour: 3600000, hours: 3600000,
  };
  let total = 0;
  const re = /(\d+(?:\.\d+)?)\s*([a-z]*)/gi;
  let m: RegExpExecArray | null;
  let any = false;
  while ((m = re.exec(s))) {
    any = true;
    const unit = m[2].toLowerCase() || "s";
    const mult = units[unit];
    if (mult === undefined) return dflt;
    total += parseFloat(m[1]) * mult;
  }
  return any ? total : dflt;
}

/**
 * Split a systemd-style word list (Environment= values, command lines): double and single
 * quotes group words, backslash escapes, whitespace separates.
 */
export function splitWords(s: string): string[] {
  const out: string[] = [];
  let cur = "";
  let inWord = false;
  let quote: string | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === "\\" && i + 1 < s.length && quote === '"') {
        cur += unescapeChar(s[++i]);
      } else if (c === quote) {
        quote = null;
      } else cur += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === "\\" && i + 1 < s.length) {
      cur += unescapeChar(s[++i]);
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = "";
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unterminated quote in: ${s}`);
  if (inWord) out.push(cur);
  return out;
}

function unescapeChar(c: string): string {
  switch (c) {
    case "n": return "\n";
    case "t": return "\t";
    default: return c;
  }
}

/** Parse Environment= values (each may hold several quoted KEY=value words). */
export function parseEnvironmentAssignments(values: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const v of values) {
    for (const w of splitWords(v)) {
      const eq = w.indexOf("=");
      if (eq > 0) env[w.slice(0, eq)] = w.slice(eq + 1);
    }
  }
  return env;
}

/**
 * Parse an EnvironmentFile as systemd does: the state machine of parse_env_file_internal
 * (src/basic/env-file.c, systemd 252–256): '…' literal, "…" with \ before one of "\`$ (and a
 * newline), adjacent quoted segments concatenated, a backslash outside quotes escaping the next
 * character (and then the rest of the value is unquoted: a later quote is literal), trailing
 * whitespace of unquoted values dropped, # and ; comment lines. No variable expansion.
 */
export function parseEnvironmentFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  type State = "preKey" | "key" | "preValue" | "value" | "valueEscape" | "single" | "double" | "doubleEscape" | "comment";
  let state: State = "preKey";
  let key = "";
  let value = "";
  let trimAt = -1; // index where trailing whitespace of an unquoted value starts
  const push = () => {
    const k = key.trim();
    if (k) env[k] = trimAt >= 0 && state === "value" ? value.slice(0, trimAt) : value;
    key = ""; value = ""; trimAt = -1;
  };
  const WS = " \t";
  for (const c of text) {
    switch (state) {
      case "preKey":
        if (c === "#" || c === ";") state = "comment";
        else if (!WS.includes(c) && c !== "\n" && c !== "\r") { state = "key"; key = c; }
        break;
      case "key":
        if (c === "\n" || c === "\r") { state = "preKey"; key = ""; }
        else if (c === "=") { state = "preValue"; trimAt = -1; }
        else key += c;
        break;
      case "preValue":
        if (c === "\n" || c === "\r") { push(); state = "preKey"; }
        else if (c === "'") state = "single";
        else if (c === '"') state = "double";
        else if (c === "\\") state = "valueEscape";
        else if (!WS.includes(c)) { state = "value"; value += c; }
        break;
      case "value":
        if (c === "\n" || c === "\r") { push(); state = "preKey"; }
        else if (c === "\\") { state = "valueEscape"; trimAt = -1; }
        else {
          if (!WS.includes(c)) trimAt = -1;
          else if (trimAt < 0) trimAt = value.length;
          value += c;
        }
        break;
      case "valueEscape":
        state = "value";
        if (c !== "\n" && c !== "\r") value += c;
        break;
      case "single":
        if (c === "'") state = "preValue";
        else value += c;
        break;
      case "double":
        if (c === '"') state = "preValue";
        else if (c === "\\") state = "doubleEscape";
        else value += c;
        break;
      case "doubleEscape":
        state = "double";
        if ('"\\`$'.includes(c)) value += c;
        else if (c !== "\n") value += "\\" + c;
        break;
      case "comment":
        if (c === "\n" || c === "\r") state = "preKey";
        break;
    }
  }
  if (state !== "preKey" && state !== "key" && state !== "comment") push();
  return env;
}

/** One Exec*= command line, with its prefix flags decoded. */
export interface ExecCommand {
  /** `-`: a failing exit status is ignored. */
  ignoreFailure: boolean;
  /** `+` or `!`: runs with full privileges (no User=). */
  privileged: boolean;
  /** `@`: argv[0] given separately (second word); we keep the path and drop the alias. */
  argv: string[];
  raw: string;
}

/**
 * Turn one Exec line into argv: strip the prefixes, split words, then expand `$VAR`
 * (a whole word: split on whitespace, dropped when empty) and `${VAR}` (inline, one word),
 * and `%%`-style specifiers given in `specifiers`.
 */
export function parseExec(raw: string, env: Record<string, string>, specifiers: Record<string, string> = {}): ExecCommand {
  let s = raw.trim();
  let ignoreFailure = false;
  let privileged = false;
  let alias = false;
  for (;;) {
    const c = s[0];
    if (c === "-") ignoreFailure = true;
    else if (c === "+" || c === "!") privileged = true;
    else if (c === "@") alias = true;
    else if (c === ":") { /* no environment substitution: handled below */ }
    else break;
    s = s.slice(1);
  }
  const noSubst = raw.trim().match(/^[-+!@:]*/)?.[0].includes(":") ?? false;
  const words = splitWordsKeepQuoting(s);
  const argv: string[] = [];
  for (const w of words) {
    const spec = expandSpecifiers(w.text, specifiers);
    if (noSubst) {
      argv.push(spec);
      continue;
    }
    const whole = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(w.text);
    if (whole && !w.quoted) {
      const v = env[whole[1]] ?? "";
      argv.push(...v.split(/\s+/).filter((x) => x !== ""));
      continue;
    }
    argv.push(expandBraces(spec, env));
  }
  if (alias && argv.length >= 2) argv.splice(1, 1);
  return { ignoreFailure, privileged, argv, raw };
}

function expandBraces(s: string, env: Record<string, string>): string {
  // "$$" is systemd's literal "$" (components/payloads/escape.ts writes it for configuration values).
  return s.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (m, k: string) => (m === "$$" ? "$" : env[k] ?? ""));
}

function expandSpecifiers(s: string, spec: Record<string, string>): string {
  return s.replace(/%(.)/g, (m, c: string) => (c === "%" ? "%" : spec[c] ?? m));
}

/** Like splitWords, but remembers whether a word was (partly) quoted (then `$VAR` is not split). */
function splitWordsKeepQuoting(s: string): Array<{ text: string; quoted: boolean }> {
  const out: Array<{ text: string; quoted: boolean }> = [];
  let cur = "";
  let inWord = false;
  let quoted = false;
  let quote: string | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === "\\" && i + 1 < s.length && quote === '"') cur += unescapeChar(s[++i]);
      else if (c === quote) quote = null;
      else cur += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
      quoted = true;
    } else if (c === "\\" && i + 1 < s.length) {
      const n = s[++i];
      if (n === ";") cur += ";";
      else cur += unescapeChar(n);
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push({ text: cur, quoted });
      cur = "";
      inWord = false;
      quoted = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unterminated quote in: ${s}`);
  if (inWord) out.push({ text: cur, quoted });
  return out;
}

/** Everything the supervisor needs to run a service, resolved from a merged unit. */
export interface ServiceSpec {
  name: string;
  type: "simple" | "exec" | "notify" | "forking" | "oneshot" | "idle" | "dbus";
  user?: string;
  group?: string;
  supplementaryGroups: string[];
  workingDirectory?: string;
  environment: string[];
  environmentFiles: Array<{ path: string; optional: boolean }>;
  execStartPre: string[];
  execStart: string[];
  execStartPost: string[];
  execReload: string[];
  execStop: string[];
  restart: "no" | "always" | "on-success" | "on-failure" | "on-abnormal" | "on-abort" | "on-watchdog";
  restartSec: number;
  remainAfterExit: boolean;
  runtimeDirectory: string[];
  runtimeDirectoryMode: string;
  stateDirectory: string[];
  logsDirectory: string[];
  cacheDirectory: string[];
  killSignal: string;
  umask?: string;
  pidFile?: string;
  timeoutStopMs: number;
  /** StandardOutput= / StandardError= ("journal", "null", "append:/path", "file:/path", "truncate:/path", "inherit"). */
  standardOutput?: string;
  standardError?: string;
  limitNofile?: string;
}

/** Resolve the [Service] settings of a merged unit. */
export function serviceSpec(u: MergedUnit): ServiceSpec {
  const S = "Service";
  const one = (k: string) => getOne(u, S, k);
  const all = (k: string) => getAll(u, S, k);
  const words = (k: string) => all(k).flatMap((v) => splitWords(v));
  const type = (one("Type") ?? (all("ExecStart").length ? "simple" : "oneshot")) as ServiceSpec["type"];
  const restart = (one("Restart") ?? "no") as ServiceSpec["restart"];
  return {
    name: u.name,
    type,
    user: one("User"),
    group: one("Group"),
    supplementaryGroups: words("SupplementaryGroups"),
    workingDirectory: one("WorkingDirectory"),
    environment: all("Environment"),
    environmentFiles: all("EnvironmentFile").map((v) => (v.startsWith("-") ? { path: v.slice(1), optional: true } : { path: v, optional: false })),
    execStartPre: all("ExecStartPre"),
    execStart: all("ExecStart"),
    execStartPost: all("ExecStartPost"),
    execReload: all("ExecReload"),
    execStop: all("ExecStop"),
    restart,
    restartSec: parseTimespan(one("RestartSec"), 100),
    remainAfterExit: parseBool(one("RemainAfterExit")),
    runtimeDirectory: words("RuntimeDirectory"),
    runtimeDirectoryMode: one("RuntimeDirectoryMode") ?? "0755",
    stateDirectory: words("StateDirectory"),
    logsDirectory: words("LogsDirectory"),
    cacheDirectory: words("CacheDirectory"),
    killSignal: one("KillSignal") ?? "SIGTERM",
    umask: one("UMask"),
    pidFile: one("PIDFile"),
    timeoutStopMs: Math.min(parseTimespan(one("TimeoutStopSec"), 10000), 10000),
    standardOutput: one("StandardOutput"),
    standardError: one("StandardError"),
    limitNofile: one("LimitNOFILE"),
  };
}

/** Whether a service that exited with (code, signal) must be restarted under its Restart= policy. */
export function shouldRestart(policy: ServiceSpec["restart"], code: number | null, signal: string | null): boolean {
  const clean = signal === null ? code === 0 : ["SIGHUP", "SIGINT", "SIGTERM", "SIGPIPE"].includes(signal);
  switch (policy) {
    case "always": return true;
    case "on-success": return clean;
    case "on-failure": return !clean;
    case "on-abnormal": return signal !== null && !clean;
    case "on-abort": return signal !== null && !clean;
    default: return false;
  }
}

/** Normalise a unit name the way systemctl does: a bare name means `<name>.service`. */
export function normaliseUnitName(n: string): string {
  return /\.(service|timer|socket|target|path|mount)$/.test(n) ? n : `${n}.service`;
}
