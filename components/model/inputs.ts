// Checks over the raw arguments as a whole, before any section reads them: no control character in
// any string (a newline would start a new line in an env file, unit or config file; the PEM fields
// alone may hold line breaks), and no key that would reach Object.prototype ("__proto__",
// "constructor", "prototype") anywhere in the tree. Values Pulumi resolves later (Outputs,
// Promises: class instances, not plain data) are skipped here and checked where they resolve.

import type { Problems } from "./fields";

const PROTOTYPE_KEYS = new Set(["__proto__", "constructor", "prototype"]);
/** Fields whose value is PEM text: line breaks belong in them. */
const MULTILINE = new Set(["tls.certificatePem", "tls.privateKeyPem", "tls.acmeCaPem"]);
const CONTROL = /[\x00-\x1f\x7f]/;
const CONTROL_EXCEPT_LINE_BREAKS = /[\x00-\x09\x0b\x0c\x0e-\x1f\x7f]/;

function describeControl(s: string): string {
    const c = /[\x00-\x1f\x7f]/.exec(s)![0];
    return `U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
}

export function checkRawInputs(p: Problems, args: unknown): void {
    const walk = (value: unknown, field: string, depth: number): void => {
        if (depth > 8) { p.push(`${field}: nested too deeply; use the documented shape`); return; }
        if (typeof value === "string") {
            const bad = MULTILINE.has(field) ? CONTROL_EXCEPT_LINE_BREAKS : CONTROL;
            if (bad.test(value)) p.push(`${field}: contains the control character ${describeControl(value)}; use printable text on one line`);
            return;
        }
        if (value === null || typeof value !== "object") return;
        if (Array.isArray(value)) { value.forEach((v, i) => walk(v, `${field}[${i}]`, depth + 1)); return; }
        const proto = Object.getPrototypeOf(value);
        if (proto !== Object.prototype && proto !== null) return; // an Output or Promise: resolved later
        for (const key of Object.getOwnPropertyNames(value)) {
            const child = field ? `${field}.${key}` : key;
            if (PROTOTYPE_KEYS.has(key)) {
                p.push(`${child}: "${key}" is not allowed as a key; it names JavaScript's object prototype — use another name`);
                continue;
            }
            if (CONTROL.test(key)) { p.push(`${field || "args"}: a key contains the control character ${describeControl(key)}`); continue; }
            walk((value as { [k: string]: unknown })[key], child, depth + 1);
        }
    };
    walk(args, "", 0);
}
