import { existsSync, readFileSync, readdirSync } from "node:fs";
import * as path from "node:path";

const components = path.join(__dirname, "..", "..", "components");

/** Every module a source file reaches through relative imports, and every package it imports. */
function importsOf(file: string, seen = new Set<string>()): { files: Set<string>; packages: Set<string> } {
    const packages = new Set<string>();
    if (seen.has(file)) return { files: seen, packages };
    seen.add(file);
    const source = readFileSync(file, "utf8");
    for (const [, specifier] of source.matchAll(/^(?:import|export)[^;]*?from "([^"]+)";/gms)) {
        if (specifier.startsWith(".")) {
            const module = path.resolve(path.dirname(file), specifier);
            const target = existsSync(`${module}.ts`) ? `${module}.ts` : path.join(module, "index.ts");
            importsOf(target, seen).packages.forEach((p) => packages.add(p));
        } else {
            packages.add(specifier);
        }
    }
    return { files: seen, packages };
}

const inside = (room: string) => (file: string) => file.startsWith(path.join(components, room) + path.sep);
const sources = (room: string) =>
    readdirSync(path.join(components, room), { recursive: true, encoding: "utf8" })
        .filter((file) => file.endsWith(".ts"))
        .map((file) => path.join(room, file));

describe("the pure core", () => {
    test.each(sources("core"))("%s imports nothing from Pulumi and nothing outside core/", (file) => {
        const { files, packages } = importsOf(path.join(components, file));
        expect([...packages].filter((name) => name.startsWith("@pulumi/"))).toEqual([]);
        expect([...files].filter((reached) => !inside("core")(reached))).toEqual([]);
    });

    test.each(sources("checking"))("%s reaches no Pulumi module and no other room", (file) => {
        const { files, packages } = importsOf(path.join(components, file));
        expect([...packages].filter((name) => name.startsWith("@pulumi/"))).toEqual([]);
        expect([...files].filter((reached) => !inside("core")(reached) && !inside("checking")(reached))).toEqual([]);
    });

    test.each([
        "reporting/decode.ts",
        "reporting/report.ts",
        "reporting/storage.ts",
        "reporting/email.ts",
        "reporting/summary.ts",
        "reporting/sources.ts",
        "reporting/chart.ts",
        "reporting/format.ts",
        "reporting/command.ts",
    ])("%s reaches no Pulumi module and nothing outside core/ and reporting/", (file) => {
        const { files, packages } = importsOf(path.join(components, file));
        expect([...packages].filter((name) => name.startsWith("@pulumi/"))).toEqual([]);
        expect([...files].filter((reached) => !inside("core")(reached) && !inside("reporting")(reached))).toEqual([]);
    });

    test.each(["publishing/hosting/names.ts", "publishing/preflight.ts", "cli.ts"])(
        "%s imports nothing from Pulumi, directly or through its imports",
        (file) => {
            const { packages } = importsOf(path.join(components, file));
            expect([...packages].filter((name) => name.startsWith("@pulumi/"))).toEqual([]);
        },
    );

    test.each(sources("publishing"))("%s reaches neither checking/ nor reporting/", (file) => {
        const { files } = importsOf(path.join(components, file));
        expect([...files].filter((reached) => inside("checking")(reached) || inside("reporting")(reached))).toEqual([]);
    });

    test("the import scan sees Pulumi where it is used", () => {
        expect([...importsOf(path.join(components, "publishing/mtaSts.ts")).packages]).toContain("@pulumi/pulumi");
    });
});
