/** What every lab check gets and returns. */
import * as fs from "fs";
import type { RenderedStack } from "../../components/render";
import { LAB_CA } from "../acme";
import { DEFAULT_PROFILE, LabConfig, loadConfig, render } from "../config";
import { LabState, readState, RENDERED_FILE } from "../state";

export interface CheckResult {
  name: string;
  ok: boolean;
  /** One line for the summary. */
  summary: string;
  /** Human-readable detail lines (printed under the summary). */
  lines: string[];
  /** Machine-readable detail (in --json). */
  details: unknown;
  ms: number;
}

export interface CheckContext {
  cfg: LabConfig;
  state: LabState;
  rendered: RenderedStack;
  client: string;
  /** The working tree renders different payloads than the ones the lab booted (re-run `up`). */
  stale: boolean;
}

export function context(): CheckContext {
  const state = readState();
  if (!state || state.status !== "up") throw new Error("the lab is not up: run `npm run lab -- up` first");
  // The configuration of the profile the lab was brought up with (`up --profile <name>`).
  const cfg = loadConfig(state.profile ?? DEFAULT_PROFILE);
  // Judge the lab against the payloads it was booted from; say so when the tree renders differently now.
  const rendered = JSON.parse(fs.readFileSync(RENDERED_FILE, "utf8")) as RenderedStack;
  let stale = false;
  try {
    const now = render(cfg, fs.readFileSync(LAB_CA, "utf8"));
    stale = now.servers.some((s, i) => s.userData !== rendered.servers[i]?.userData);
  } catch {
    stale = true;
  }
  return { cfg, state, rendered, client: cfg.lab.client.name, stale };
}

export async function timedCheck(name: string, fn: () => Promise<Omit<CheckResult, "name" | "ms">>): Promise<CheckResult> {
  const t0 = Date.now();
  try {
    const r = await fn();
    return { name, ...r, ms: Date.now() - t0 };
  } catch (e) {
    return { name, ok: false, summary: `error: ${(e as Error).message.split("\n")[0]}`, lines: [(e as Error).stack ?? String(e)], details: { error: String(e) }, ms: Date.now() - t0 };
  }
}
