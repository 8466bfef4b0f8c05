// Reading an HAProxy configuration for the markers the pack relies on
// (docs/payload-conventions.md, "Markers the policy pack relies on").

export const HAPROXY_CFG = "/etc/haproxy/haproxy.cfg";
/** Further HAProxy configuration files (`-f`) a payload may carry: SecuredWebStack's peer lists. */
export const HAPROXY_MORE = /^\/etc\/sws\/peers\/[^/]+\.cfg$/;

export interface Section {
    kind: string; // global, defaults, frontend, backend, listen, ...
    name: string;
    /** Directive lines, trimmed, comments removed. */
    lines: string[];
}

const SECTION = /^(global|defaults|frontend|backend|listen|peers|resolvers|userlist|program|http-errors|ring|cache|mailers)\b\s*(\S*)/;

export function parseHaproxy(text: string): Section[] {
    const sections: Section[] = [];
    let current: Section | undefined;
    for (const raw of text.split("\n")) {
        const line = raw.replace(/(^|\s)#.*$/, "").trim();
        if (line === "") {
            continue;
        }
        const head = /^\S/.test(raw) ? SECTION.exec(line) : null;
        if (head) {
            current = { kind: head[1], name: head[2], lines: [] };
            sections.push(current);
        } else if (current) {
            current.lines.push(line);
        }
    }
    return sections;
}

function words(line: string): string[] {
    return line.split(/\s+/);
}

function directive(line: string, name: string): boolean {
    return line === name || line.startsWith(name + " ");
}

/** The sections that receive client traffic. */
function proxies(sections: Section[], kind: "frontend" | "backend"): Section[] {
    return sections.filter((s) => s.kind === kind || s.kind === "listen");
}

export interface Bind {
    section: Section;
    line: string;
    /** The address part of the bind (`""` for all addresses). */
    host: string;
    port: number | undefined;
    tls: boolean;
}

export function binds(sections: Section[]): Bind[] {
    return proxies(sections, "frontend").flatMap((section) =>
        section.lines
            .filter((l) => directive(l, "bind"))
            .map((line) => {
                const address = /^(?:\w+@)?\[?(.*?)\]?:(\d+)$/.exec(words(line)[1] ?? "");
                return {
                    section,
                    line,
                    host: address ? address[1].replace(/^\*$/, "") : "",
                    port: address ? Number(address[2]) : undefined,
                    tls: words(line).includes("ssl"),
                };
            }),
    );
}

export interface BackendServer {
    section: Section;
    name: string;
    address: string;
    host: string;
    port: number | undefined;
    tls: boolean;
    verified: boolean;
}

/** Every `server` line of every backend, with the TLS options it inherits from `default-server`. */
export function backendServers(sections: Section[]): BackendServer[] {
    const defaults = sections.filter((s) => s.kind === "defaults").flatMap((s) => s.lines);
    return proxies(sections, "backend").flatMap((section) => {
        const inherited = [...defaults, ...section.lines]
            .filter((l) => directive(l, "default-server"))
            .flatMap(words);
        return section.lines
            .filter((l) => directive(l, "server"))
            .map((line) => {
                const [, name = "", address = ""] = words(line);
                const options = [...inherited, ...words(line).slice(3)];
                const lastVerify = options.lastIndexOf("verify");
                const tls = options.includes("ssl") && !options.includes("no-ssl");
                const hostPort = /^(.*):(\d+)$/.exec(address);
                return {
                    section,
                    name,
                    address,
                    host: hostPort ? hostPort[1] : address,
                    port: hostPort ? Number(hostPort[2]) : undefined,
                    tls,
                    verified: tls && lastVerify >= 0 && options[lastVerify + 1] === "required",
                };
            });
    });
}

/** Whether some frontend terminates TLS (`bind ... ssl crt ...`). */
export function terminatesTls(sections: Section[]): boolean {
    return binds(sections).some((b) => b.tls);
}

const TLS_VERSIONS = ["SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"];

/** Rank of a TLS version name (`TLSv1.2` → 3); -1 when unknown. */
export function tlsRank(version: string): number {
    return TLS_VERSIONS.indexOf(version === "TLSv1" ? "TLSv1.0" : version);
}

/**
 * The lowest TLS version a TLS bind line accepts, from its own options or the global
 * `ssl-default-bind-options`; `undefined` when nothing sets one.
 */
export function minimumTlsVersion(sections: Section[], bind: Bind): string | undefined {
    const global = sections
        .filter((s) => s.kind === "global")
        .flatMap((s) => s.lines)
        .filter((l) => directive(l, "ssl-default-bind-options"))
        .flatMap(words);
    const options = [...global, ...words(bind.line)];
    const i = options.lastIndexOf("ssl-min-ver");
    if (i >= 0 && options[i + 1]) {
        return options[i + 1];
    }
    // The older spelling: `no-sslv3 no-tlsv10 no-tlsv11` leaves TLS 1.2 as the lowest.
    const disabled = new Set(options.filter((o) => /^no-(sslv3|tlsv1\d)$/i.test(o)).map((o) => o.slice(3).toLowerCase()));
    if (disabled.size === 0) {
        return undefined;
    }
    return TLS_VERSIONS.find((v) => !disabled.has(v.toLowerCase().replace(".", "")));
}

/** `max-age` of a Strict-Transport-Security header set in `section` or `defaults`; undefined if none. */
export function hstsMaxAge(sections: Section[], section: Section): number | undefined {
    const scope = [...sections.filter((s) => s.kind === "defaults"), section].flatMap((s) => s.lines);
    for (const line of scope) {
        const m = /^http-response\s+(?:set|add)-header\s+Strict-Transport-Security\s+"?max-age=(\d+)/i.exec(line);
        if (m) {
            return Number(m[1]);
        }
    }
    return undefined;
}

/** Whether a frontend redirects plain HTTP to HTTPS. */
export function redirectsToHttps(section: Section): boolean {
    return section.lines.some((l) => /^(http-request\s+)?redirect\s+scheme\s+https\b/.test(l));
}

/** The parsed HAProxy configuration a payload writes, `undefined` when it writes none. */
export function haproxyOf(payload: { files: Map<string, string> } | undefined): Section[] | undefined {
    const cfg = payload?.files.get(HAPROXY_CFG);
    if (cfg === undefined) return undefined;
    // SecuredWebStack's balancer loads its web backend as a second file (a peer list, fetched from SSM).
    const more = [...payload!.files].filter(([p]) => HAPROXY_MORE.test(p)).map(([, text]) => text);
    return parseHaproxy([cfg, ...more].join("\n"));
}
