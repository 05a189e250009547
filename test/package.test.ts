/**
 * The published package, as `npm pack` makes it from a fresh build and a consumer installs it:
 * what it holds, that its source maps resolve, and that every entry point and the bin load.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { installedPackage } from "./support/artifact";

const root = path.join(__dirname, "..");
const manifest = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));

let files: string[];
/** A consumer project with the packed tarball installed as node_modules/mta-sts. */
let consumer: string;
let installed: string;

function node(script: string) {
    return spawnSync(process.execPath, ["-e", script], { cwd: consumer, encoding: "utf8", timeout: 60000 });
}

beforeAll(() => {
    ({ consumer, installed, files } = installedPackage());
}, 240000);

test("holds the bin, the compiled entry points with their types, README and LICENSE", () => {
    expect(files).toEqual(
        expect.arrayContaining([
            "package.json",
            "README.md",
            "LICENSE",
            "bin/mta-sts.js",
            "dist/components/index.js",
            "dist/components/index.d.ts",
            "dist/components/pure.js",
            "dist/components/pure.d.ts",
            "dist/components/testing/index.js",
            "dist/components/testing/index.d.ts",
        ]),
    );
});

test("holds no tests and no TypeScript sources", () => {
    expect(
        files.filter((file) => file.startsWith("test/") || (file.endsWith(".ts") && !file.endsWith(".d.ts"))),
    ).toEqual([]);
});

test("every source map carries the source text it points to, since the .ts files are not shipped", () => {
    const maps = files.filter((file) => file.endsWith(".js.map"));
    const unresolved = maps.filter((file) => {
        const map = JSON.parse(readFileSync(path.join(installed, file), "utf8"));
        return !(
            Array.isArray(map.sourcesContent) &&
            map.sourcesContent.length === map.sources.length &&
            map.sourcesContent.every((text: unknown) => typeof text === "string" && text.length > 0)
        );
    });

    expect(maps.length).toBeGreaterThan(10);
    expect(unresolved).toEqual([]);
});

test.each(Object.keys(manifest.exports).filter((subpath) => subpath !== "./package.json"))(
    "the %s entry loads from the installed package, and its types are shipped",
    (subpath) => {
        const specifier = path.posix.join("mta-sts", subpath);
        const result = node(`process.stdout.write(String(Object.keys(require(${JSON.stringify(specifier)})).length))`);

        expect(result.stderr).toBe("");
        expect(Number(result.stdout)).toBeGreaterThan(0);
        expect(files).toContain(manifest.exports[subpath].types.replace(/^\.\//, ""));
    },
);

test("mta-sts/core loads no Pulumi module from the installed package either", () => {
    const result = node(
        `require("mta-sts/core"); process.stdout.write(JSON.stringify(Object.keys(require.cache).filter((file) => file.includes("@pulumi"))))`,
    );

    expect(JSON.parse(result.stdout)).toEqual([]);
});

test("the installed bin runs the CLI", () => {
    const result = spawnSync(process.execPath, [path.join(installed, manifest.bin["mta-sts"]), "--help"], {
        encoding: "utf8",
        timeout: 60000,
    });

    expect(result.stdout).toMatch(/^usage: mta-sts /);
    expect(result.status).toBe(0);
});
