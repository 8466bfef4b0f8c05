// The one place where configuration values are escaped for the files that interpret them: env
// files (sourced by bash as root, and read by systemd as EnvironmentFile=), systemd unit lines,
// and the OpenTelemetry Collector's configuration. Every renderer goes through these functions;
// tests/escape.test.ts feeds them hostile values and runs the real interpreters (bash,
// systemd-analyze) on the result.

/** Characters no value may carry into a file: a newline would start a new assignment or line. */
const CONTROL = /[\x00-\x1f\x7f]/;

function noControl(value: string, where: string): void {
    // The model rejects control characters in every string (naming the field); this guards the
    // renderers against a caller that skipped the model.
    if (CONTROL.test(value)) throw new Error(`${where}: a control character cannot be written safely: ${JSON.stringify(value)}`);
}

/**
 * A word that bash and systemd's EnvironmentFile= parser both read back as exactly `value`:
 * single quotes, inside which bash expands nothing ($(…), backticks, ${…}, globbing, ;), and
 * each ' written as '"'"' (close, a double-quoted ', reopen). The more common '\'' would not
 * do: after a closing quote systemd (src/basic/env-file.c, parse_env_file_internal) reads a
 * backslash-escaped character as the start of an unquoted value, in which a later ' is literal,
 * so systemd would read 'it'\''s' as it''s' while bash reads it's. Both read adjacent quoted
 * segments as one value.
 */
export function shellQuote(value: string): string {
    noControl(value, "shellQuote");
    return `'${value.replace(/'/g, `'"'"'`)}'`;
}

/** KEY='value' lines for a file that bash sources and systemd reads as EnvironmentFile=. */
export function envFile(vars: { [k: string]: string | number }): string {
    return Object.entries(vars).map(([k, v]) => {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`envFile: ${JSON.stringify(k)} is not a variable name`);
        return `${k}=${shellQuote(String(v))}`;
    }).join("\n") + "\n";
}

/**
 * A value for a systemd unit line, taken literally: "%" starts a specifier (%h, %n, …) and "$" a
 * variable substitution in Exec lines, so both are doubled.
 */
export function systemdLiteral(value: string): string {
    noControl(value, "systemdLiteral");
    return value.replace(/%/g, "%%").replace(/\$/g, "$$$$");
}

/**
 * One argument of a systemd Exec line that reaches the program exactly as `value`: double-quoted
 * with \\ and \" escaped (systemd unquotes and C-unescapes each word), "%" and "$" doubled.
 */
export function systemdExecArg(value: string): string {
    return `"${systemdLiteral(value).replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/**
 * A string for the collector's configuration taken literally: the collector's confmap expands
 * ${env:…}, ${file:…} and ${…} anywhere in a value, and "$$" is its escape for one "$".
 */
export function collectorLiteral(value: string): string {
    noControl(value, "collectorLiteral");
    return value.replace(/\$/g, "$$$$");
}
