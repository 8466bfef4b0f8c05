// One shape for every violation message: what was found, on which resources, why it matters,
// and what removes it.

import { ReportViolation } from "@pulumi/policy";

export interface Finding {
    found: string;
    on?: string[];
    why: string;
    fix: string;
}

/** Reports one violation listing every problem found ("a; b; c"), or nothing when there is none. */
export function reportProblems(report: ReportViolation, problems: string[], finding: Omit<Finding, "found">, urn?: string): void {
    if (problems.length > 0) {
        report(explain({ found: problems.join("; "), ...finding }), urn);
    }
}

export function explain(f: Finding): string {
    const lines = [`Found: ${f.found}`];
    if (f.on && f.on.length > 0) {
        lines.push(`On: ${f.on.join(", ")}`);
    }
    lines.push(`Why it matters: ${f.why}`, `Fix: ${f.fix}`);
    return lines.join("\n");
}
