// Server names and the stack's history. Servers of a tier are numbered from the first one on
// ("web-1", "web-2", "app-1", …; the model's servers section): the name, address and resources of
// the i-th server never depend on how many there are, so scaling out and back never renames one.
// Stacks deployed before that scheme called a lone web or app server "web" / "app" (and numbered
// them only from two on). Every child named after such a server gets an alias from its old name,
// so the engine keeps the resource (and the database's data volume) instead of deleting it and
// creating a new one.
import * as pulumi from "@pulumi/pulumi";

/** The child's name under the old scheme, where a lone first web/app server had no number; undefined when it is the same. */
export function legacyChildName(stack: string, child: string): string | undefined {
    if (!child.startsWith(`${stack}-`)) return undefined;
    const rest = child.slice(stack.length + 1);
    // "web-1" / "app-1" as a whole dash-separated token ("web-10" is another server).
    const old = rest.replace(/(^|-)(web|app)-1(?=-|$)/g, "$1$2");
    return old === rest ? undefined : `${stack}-${old}`;
}

/** A transformation for the component: adds the legacy name as an alias to every child that has one. */
export function aliasLegacyServerNames(stack: string): pulumi.ResourceTransformation {
    return ({ name, props, opts }) => {
        const old = legacyChildName(stack, name);
        if (!old) return undefined;
        return { props, opts: { ...opts, aliases: [...(opts.aliases ?? []), { name: old }] } };
    };
}
