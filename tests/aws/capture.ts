// Runs the program (index.ts with a Pulumi.<stack>.yaml) or the component under the
// provider-shaped mocks and returns every resource it registered, with resolved inputs.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import * as pulumi from "@pulumi/pulumi";
import { Captured, installMocks, settle, valueOf } from "../helpers/pulumiMocks";
import type { SecuredWebStackArgs } from "../../components/types";

export const ROOT = path.join(__dirname, "..", "..");
export const PROJECT = "secured-web-stack";

/** Stack config as the engine hands it to the program: "project:key" → string (objects as JSON). */
export function stackConfig(stack: string, overrides: { [key: string]: unknown } = {}): { [k: string]: string } {
    const doc = YAML.parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")).config;
    return Object.fromEntries(Object.entries({ ...doc, ...overrides }).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}

/** index.ts for one stack and its config. */
export async function captureProgram(stack: string, config: { [k: string]: string }): Promise<Captured[]> {
    const resources = installMocks(PROJECT, stack, config);
    for (const k of Object.keys(require.cache)) if (k.startsWith(path.join(ROOT, "index."))) delete require.cache[k];
    const program = require(path.join(ROOT, "index"));
    await valueOf(program.instanceIds as pulumi.Output<unknown>);
    await settle(resources, 150);
    return [...resources];
}

/** One component instance (name, args) in a stack. */
export async function captureComponent(name: string, args: SecuredWebStackArgs, stack = "conformance", config: { [k: string]: string } = {}): Promise<Captured[]> {
    const resources = installMocks(PROJECT, stack, config);
    const { SecuredWebStack } = require(path.join(ROOT, "components", "securedWebStack"));
    const s = new SecuredWebStack(name, args);
    await valueOf(s.instanceIds as pulumi.Output<unknown>);
    await settle(resources, 150);
    return [...resources];
}
