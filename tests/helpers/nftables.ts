// Reading a rendered nftables ruleset back (for the invariant and property tests).

/** The chains of an nftables ruleset: name → { policy, rule lines }. */
export function nftChains(text: string): Map<string, { hook: string; policy: string; rules: string[] }> {
    const chains = new Map<string, { hook: string; policy: string; rules: string[] }>();
    const re = /chain (\S+) \{\n([\s\S]*?)\n  \}/g;
    for (const m of text.matchAll(re)) {
        const lines = m[2].split("\n").map((l) => l.trim()).filter(Boolean);
        const head = /^type filter hook (\S+) priority \S+; policy (\S+);$/.exec(lines[0] ?? "");
        chains.set(m[1], { hook: head?.[1] ?? "?", policy: head?.[2] ?? "(none)", rules: lines.slice(1) });
    }
    return chains;
}
