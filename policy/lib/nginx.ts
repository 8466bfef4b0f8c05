// Reading the TLS settings of an Nginx configuration.

/** Nginx configuration files a payload may write. */
export const NGINX_CONF = /^\/etc\/nginx\/(nginx\.conf|conf\.d\/.*\.conf|sites-enabled\/.*)$/;

export interface NginxTls {
    /** Some `listen` directive serves TLS. */
    listensTls: boolean;
    /** The protocols of the last `ssl_protocols` directive; `undefined` when none is set. */
    protocols: string[] | undefined;
}

export function nginxTls(text: string): NginxTls {
    const directives = text
        .split("\n")
        .map((l) => l.replace(/#.*$/, "").trim())
        .filter((l) => l !== "");
    const listensTls = directives.some((l) => /^listen\s[^;]*\bssl\b/.test(l));
    const set = directives.filter((l) => l.startsWith("ssl_protocols ")).pop();
    const protocols = set ? set.replace(/^ssl_protocols\s+/, "").replace(/;.*$/, "").split(/\s+/) : undefined;
    return { listensTls, protocols };
}
