/** The README tells the truth: its deploy command, its settings table and the example stack config. */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse } from "yaml";

const root = path.join(__dirname, "..");
const readme = readFileSync(path.join(root, "README.md"), "utf8");

/** The body of the first fenced block of `language` after `heading`. */
function blockAfter(heading: string, language: string): string {
    const section = readme.slice(readme.indexOf(`\n${heading}\n`));
    const start = section.indexOf("```" + language + "\n") + language.length + 4;
    return section.slice(start, section.indexOf("\n```", start) + 1);
}

describe("the deploy command", () => {
    const command = blockAfter("## Deploy a domain", "sh");
    let dir: string;
    beforeAll(() => {
        dir = mkdtempSync(path.join(tmpdir(), "mta-sts-deploy-"));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    /** Runs the README's command with stub `npm`, `npx` and (optionally) `pulumi` that log their arguments. */
    function deploy(shell: string, stubs: string[], failing = "") {
        const bin = mkdtempSync(path.join(dir, "bin-"));
        const log = path.join(bin, "calls.log");
        for (const name of stubs) {
            const fail = name === failing ? "exit 1\n" : "";
            writeFileSync(path.join(bin, name), `#!/bin/sh\necho "${name} $*" >> "${log}"\n${fail}`);
            chmodSync(path.join(bin, name), 0o755);
        }
        writeFileSync(log, "");
        // Only the stubs on PATH, so no real pulumi, npm or npx can answer.
        const result = spawnSync(shell, ["-c", command], {
            cwd: dir,
            env: { PATH: bin, HOME: dir },
            encoding: "utf8",
            timeout: 30000,
        });
        return { status: result.status, calls: readFileSync(log, "utf8").trim().split("\n") };
    }

    const steps = [
        "login --local",
        "stack select --create example.com",
        "config set --path mx[0] mx1.example.com",
        "config set aws:region eu-west-1",
        "up",
    ];

    test.each(["/bin/bash", "/bin/sh"])("in %s, a pulumi on PATH runs every step", (shell) => {
        const { status, calls } = deploy(shell, ["npm", "npx", "pulumi"]);

        expect(calls).toEqual(["npm install", ...steps.map((step) => `pulumi ${step}`)]);
        expect(status).toBe(0);
    });

    test.each(["/bin/bash", "/bin/sh"])("in %s, without one, npx pulumi runs every step", (shell) => {
        const { status, calls } = deploy(shell, ["npm", "npx"]);

        expect(calls).toEqual(["npm install", ...steps.map((step) => `npx pulumi ${step}`)]);
        expect(status).toBe(0);
    });

    test("a step that fails (the CLI cannot be fetched) stops the rest", () => {
        const { status, calls } = deploy("/bin/bash", ["npm", "npx"], "npx");

        expect(calls).toEqual(["npm install", "npx pulumi login --local"]);
        expect(status).toBe(1);
    });
});

describe("the program's settings", () => {
    const declared = Object.keys(parse(readFileSync(path.join(root, "Pulumi.yaml"), "utf8")).config).map(
        (key) => `mta-sts:${key}`,
    );
    const example = parse(readFileSync(path.join(root, "Pulumi.example.com.yaml"), "utf8")).config;

    test("Pulumi.example.com.yaml sets every key Pulumi.yaml declares, and aws:region", () => {
        expect(Object.keys(example).sort()).toEqual([...declared, "aws:region"].sort());
    });

    test("the README's table lists every key Pulumi.yaml declares", () => {
        const table = readme.slice(readme.indexOf("## The program: one stack per domain"));
        const listed = [...table.matchAll(/^\| `(mta-sts:[A-Za-z]+)` \|/gm)].map((match) => match[1]);

        expect(listed.sort()).toEqual([...declared].sort());
    });
});

test("every TypeScript sample in the README is written out for `npm run typecheck` to compile", () => {
    const out = mkdtempSync(path.join(tmpdir(), "mta-sts-samples-"));
    try {
        const result = spawnSync(process.execPath, [path.join(root, "scripts", "readme-samples.js"), out], {
            encoding: "utf8",
        });
        const blocks = readme.split("\n").filter((line) => line === "```ts").length;

        expect(result.status).toBe(0);
        expect(readdirSync(out).sort()).toEqual(
            Array.from({ length: blocks }, (_, index) => `sample-${index + 1}.ts`).sort(),
        );
        expect(blocks).toBeGreaterThanOrEqual(3);
    } finally {
        rmSync(out, { recursive: true, force: true });
    }
});
