// The arguments of SecuredWebStackArgs as dotted names ("tls.mode", "backup.dailySnapshots"), read
// from components/types.ts with the TypeScript parser (syntax only: every argument interface is in
// that file), each with its declared type's text — for tests that must cover every argument.
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

export function argumentFields(): { field: string; type: string }[] {
    const file = path.join(__dirname, "..", "..", "components", "types.ts");
    const source = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
    const interfaces = new Map<string, ts.InterfaceDeclaration>();
    ts.forEachChild(source, (n) => { if (ts.isInterfaceDeclaration(n)) interfaces.set(n.name.text, n); });
    const out: { field: string; type: string }[] = [];
    const walk = (decl: ts.InterfaceDeclaration, prefix: string) => {
        for (const m of decl.members) {
            if (!ts.isPropertySignature(m) || !m.type) continue;
            const field = `${prefix}${m.name.getText(source)}`;
            const type = m.type.getText(source);
            if (interfaces.has(type)) walk(interfaces.get(type)!, `${field}.`);
            else out.push({ field, type });
        }
    };
    walk(interfaces.get("SecuredWebStackArgs")!, "");
    return out.sort((a, b) => a.field.localeCompare(b.field));
}

/** The numeric arguments (number, or an Input of one). */
export function numericArguments(): string[] {
    return argumentFields().filter((f) => /^(number|(pulumi\.)?Input<number>)$/.test(f.type)).map((f) => f.field);
}
