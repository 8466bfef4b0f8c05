// Reading resource properties safely.
//
// The policy SDK hands policies a proxy over the resource's properties that throws an
// `UnknownValueError` when a value is not known yet (during `pulumi preview`, e.g. an id or an
// `apply` that depends on one). Policies here must never crash on that: they take a plain
// snapshot first, in which every unknown value becomes the `UNKNOWN` marker, and then decide
// per value whether to skip.

/** Marks a value that the engine does not know yet (preview). */
export const UNKNOWN: unique symbol = Symbol("unknown");
export type Unknown = typeof UNKNOWN;

/** A plain, fully readable copy of a resource's properties. */
export type Props = Record<string, any>;

/**
 * The engine's wire sentinels for unknown values. The SDK's proxy throws on them; a raw props
 * object (not behind the proxy) still carries them as strings.
 */
const UNKNOWN_SENTINELS = new Set([
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", // boolean
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421", // number
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9", // string
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2", // array
    "030794c1-ac77-496b-92df-f27374a8bd58", // asset
    "e48ece36-62e2-4504-bad9-02848725956a", // archive
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff", // object
]);

function isUnknownValueError(e: unknown): boolean {
    return e instanceof Error && e.constructor.name === "UnknownValueError";
}

/** Deep-copies `value`, replacing every unknown value (thrown or sentinel) by `UNKNOWN`. */
export function snapshot(value: unknown): any {
    if (typeof value === "string") {
        return UNKNOWN_SENTINELS.has(value) ? UNKNOWN : value;
    }
    if (value === null || typeof value !== "object") {
        return value;
    }
    const read = (key: string | number): any => {
        try {
            return snapshot((value as any)[key]);
        } catch (e) {
            if (isUnknownValueError(e)) {
                return UNKNOWN;
            }
            throw e;
        }
    };
    if (Array.isArray(value)) {
        return Array.from({ length: value.length }, (_, i) => read(i));
    }
    const out: Props = {};
    for (const key of Object.keys(value)) {
        out[key] = read(key);
    }
    return out;
}

export function isUnknown(value: unknown): value is Unknown {
    return value === UNKNOWN;
}

/** `value` when it is a string, otherwise `undefined` (absent, unknown or another type). */
export function str(value: unknown): string | undefined {
    return typeof value === "string" ? value : undefined;
}

/** `value` as a number when it is a number or a numeric string, otherwise `undefined`. */
export function num(value: unknown): number | undefined {
    if (typeof value === "number") {
        return value;
    }
    if (typeof value === "string" && value.trim() !== "" && !Number.isNaN(Number(value))) {
        return Number(value);
    }
    return undefined;
}

/** The known elements of `value` when it is an array; `[]` when absent. */
export function list(value: unknown): any[] {
    return Array.isArray(value) ? value.filter((v) => !isUnknown(v)) : [];
}

/** `value` when it is a plain object, otherwise `{}`. */
export function record(value: unknown): Props {
    return value !== null && typeof value === "object" && !Array.isArray(value) ? value : {};
}

/** String-valued tags of a resource (`tags`, falling back to `tagsAll`). */
export function tagsOf(props: Props): Record<string, string> {
    const tags: Record<string, string> = {};
    for (const source of [record(props.tagsAll), record(props.tags)]) {
        for (const [key, value] of Object.entries(source)) {
            if (typeof value === "string") {
                tags[key] = value;
            }
        }
    }
    return tags;
}

/** Whether `value` (or anything inside it) is unknown. */
export function containsUnknown(value: unknown): boolean {
    if (isUnknown(value)) {
        return true;
    }
    if (value !== null && typeof value === "object") {
        return Object.values(value).some(containsUnknown);
    }
    return false;
}
