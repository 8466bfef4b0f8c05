// The lab's progress lines on stderr: "• step … ok (1.2 s)", plain log lines, and --quiet.
let quiet = false;
/** A step's "• name …" line is open (no newline yet). */
let openLine = false;
export function setQuiet(q: boolean): void {
  quiet = q;
}
export function log(msg: string): void {
  if (quiet) return;
  if (openLine) {
    process.stderr.write("\n");
    openLine = false;
  }
  process.stderr.write(msg + "\n");
}

/** Run one progress step: prints `name … done (1.2 s)` (or the error) and returns its value. */
export async function step<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
  const t0 = Date.now();
  if (!quiet) {
    process.stderr.write(`• ${name} … `);
    openLine = true;
  }
  const end = (word: string) => {
    if (quiet) return;
    const secs = `${((Date.now() - t0) / 1000).toFixed(1)} s`;
    process.stderr.write(openLine ? `${word} (${secs})\n` : `  ${word}: ${name} (${secs})\n`);
    openLine = false;
  };
  try {
    const r = await fn();
    end("ok");
    return r;
  } catch (e) {
    end("FAILED");
    throw e;
  }
}

export function fmtSecs(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
