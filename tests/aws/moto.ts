// moto_server (the AWS emulator, Python package `moto`) on a free loopback port, started and
// stopped by the caller: one per test run, emptied between configurations through moto's reset
// API (POST /moto-api/reset), which is much faster than a restart.
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as net from "net";

export interface Moto {
    endpoint: string;
    /** Empties every service (moto's reset API). */
    reset(): Promise<void>;
    stop(): Promise<void>;
}

/** The moto_server command, or undefined when it is not installed. */
export function motoCommand(): string | undefined {
    const r = spawnSync("sh", ["-c", "command -v moto_server"], { encoding: "utf8" });
    return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : undefined;
}

function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const s = net.createServer();
        s.once("error", reject);
        s.listen(0, "127.0.0.1", () => {
            const port = (s.address() as net.AddressInfo).port;
            s.close(() => resolve(port));
        });
    });
}

export async function startMoto(timeoutMs = 60000): Promise<Moto> {
    const command = motoCommand();
    if (!command) throw new Error("moto_server is not installed (pip install 'moto[server]'): the AWS conformance suite needs it");
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    let log = "";
    // The managed policies (AmazonSSMManagedInstanceCore, AWSDataLifecycleManagerServiceRole…) must
    // exist for AttachRolePolicy to accept them, as in a real account.
    const child: ChildProcess = spawn(command, ["-H", "127.0.0.1", "-p", String(port)], {
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, MOTO_IAM_LOAD_MANAGED_POLICIES: "true", AWS_DEFAULT_REGION: "us-east-1" },
    });
    child.stdout!.on("data", (d) => { log = (log + d).slice(-4000); });
    child.stderr!.on("data", (d) => { log = (log + d).slice(-4000); });
    let exited: number | null = null;
    child.on("exit", (code) => { exited = code ?? -1; });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        if (exited !== null) throw new Error(`moto_server exited (${exited}) before answering:\n${log}`);
        try {
            const r = await fetch(`${endpoint}/moto-api/`);
            if (r.ok) break;
        } catch { /* not listening yet */ }
        if (Date.now() > deadline) {
            child.kill("SIGTERM");
            throw new Error(`moto_server did not answer on ${endpoint} within ${timeoutMs} ms:\n${log}`);
        }
        await new Promise((r) => setTimeout(r, 200));
    }
    return {
        endpoint,
        async reset() {
            const r = await fetch(`${endpoint}/moto-api/reset`, { method: "POST" });
            if (!r.ok) throw new Error(`moto reset: HTTP ${r.status}`);
        },
        async stop() {
            if (exited !== null) return;
            await new Promise<void>((resolve) => {
                child.once("exit", () => resolve());
                child.kill("SIGTERM");
                setTimeout(() => { if (exited === null) child.kill("SIGKILL"); }, 5000).unref();
            });
        },
    };
}

/**
 * For a mocha `before`: true when moto_server is installed. Missing: under CI=true it throws (the
 * suite must run there), elsewhere it skips the suite with a visible warning.
 */
export function requireMoto(
    ctx: Pick<Mocha.Context, "skip">,
    find: () => string | undefined = motoCommand,
    warn: (line: string) => void = console.warn,
): boolean {
    if (find()) return true;
    if (process.env.CI === "true") throw new Error("moto_server is not installed: the AWS conformance suite needs it under CI (.ci/run installs it with pip)");
    warn("  !! SKIPPED: moto_server is not installed (pip install 'moto[server]'); the AWS conformance suite did not run");
    ctx.skip();
    return false;
}
