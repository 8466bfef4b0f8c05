// One shape for every violation message: what was found, on which resources, why it matters,
// and what removes it.

export interface Finding {
    found: string;
    on?: string[];
    why: string;
    fix: string;
}

export function explain(f: Finding): string {
    const lines = [`Found: ${f.found}`];
    if (f.on && f.on.length > 0) {
        lines.push(`On: ${f.on.join(", ")}`);
    }
    lines.push(`Why it matters: ${f.why}`, `Fix: ${f.fix}`);
    return lines.join("\n");
}
