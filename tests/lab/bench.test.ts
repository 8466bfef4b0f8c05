// The bench's lab-only variants stay applicable to what the component renders: the naive Nginx
// profile and the bench-only HAProxy copy are derived from the rendered files by text edits.
import * as assert from "assert";
import * as YAML from "yaml";
import { renderStack } from "../../components/render";
import { benchHaproxyCfg, naiveNginxConf } from "../../lab/bench";
import { loadConfig } from "../../lab/config";

function renderedFile(server: string, file: string): string {
    // The lab's reading of its default profile (it fills in what the lab computes: the app artifact's SHA-256).
    const cfg = loadConfig();
    const s = renderStack(cfg.stack).servers.find((x) => x.name === server)!;
    const wf = (YAML.parse(s.userData).write_files as Array<{ path: string; content: string }>).find((f) => f.path === file);
    assert.ok(wf, `${server}: ${file} is rendered in the user data`);
    return wf!.content;
}

function peerList(server: string, file: string): string {
    const cfg = loadConfig();
    const f = renderStack(cfg.stack).servers.find((x) => x.name === server)!.fetched.find((x) => x.path === file && x.peers);
    assert.ok(f?.content, `${server}: ${file} is one of its peer lists`);
    return f!.content!;
}

describe("lab bench: derived configurations", () => {
    it("naive Nginx: HTTP/1.0 to the app, no upstream keep-alive, nothing else changed", () => {
        const normal = renderedFile("web-1", "/etc/nginx/nginx.conf");
        const naive = naiveNginxConf(normal);
        assert.match(normal, /^\s*keepalive \d+;/m);
        assert.doesNotMatch(naive, /^\s*keepalive \d+;/m);
        assert.match(naive, /proxy_http_version 1\.0;/);
        assert.doesNotMatch(naive, /proxy_set_header Connection "";/);
        const removed = normal.split("\n").filter((l) => !naive.split("\n").includes(l));
        assert.strictEqual(removed.length, 3, removed.join("\n"));
        assert.throws(() => naiveNginxConf(naive));
    });

    it("bench HAProxy: only the HTTPS frontend, on the bench port, no admin socket, session cache as asked", () => {
        // As HAProxy loads them: haproxy.cfg, then the web backend (the balancer's peer list, fetched from SSM).
        const cfg = `${renderedFile("lb", "/etc/haproxy/haproxy.cfg")}\n${peerList("lb", "/etc/sws/peers/haproxy-web.cfg")}`;
        for (const cache of [false, true]) {
            const b = benchHaproxyCfg(cfg, "10.20.0.10", cache);
            assert.match(b, /^frontend https-in$/m);
            assert.doesNotMatch(b, /^frontend (metrics|http-in)/m);
            assert.doesNotMatch(b, /stats socket/);
            assert.match(b, /^\s*bind 10\.20\.0\.10:9443 ssl crt /m);
            assert.match(b, new RegExp(`^\\s*tune\\.ssl\\.cachesize ${cache ? 100000 : 0}$`, "m"));
            assert.match(b, /^backend web$/m);
        }
    });
});
