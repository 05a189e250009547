/**
 * The package as users get it: built the way `prepare` builds it, packed by
 * `npm pack`, and unpacked into a consumer's node_modules. Built once per jest
 * run, whichever test file asks first (a lock directory keeps two workers from
 * building it twice), under the run's scratch directory that
 * test/support/globalSetup.js makes and test/support/globalTeardown.js removes.
 */
import { spawnSync } from "node:child_process";
import {
    cpSync,
    existsSync,
    mkdirSync,
    mkdtempSync,
    readFileSync,
    renameSync,
    rmSync,
    symlinkSync,
    writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

const root = path.join(__dirname, "..", "..");

export interface InstalledPackage {
    /** A project whose node_modules holds mta-sts from the tarball and its dependencies. */
    consumer: string;
    /** node_modules/mta-sts inside it. */
    installed: string;
    /** The paths the tarball holds, as `npm pack` listed them. */
    files: string[];
    /** The installed `mta-sts` bin. */
    bin: string;
}

function run(command: string, args: string[], cwd: string): string {
    const result = spawnSync(command, args, { cwd, encoding: "utf8", timeout: 180000, maxBuffer: 64 * 1024 * 1024 });
    if (result.status !== 0) throw new Error(`${command} ${args.join(" ")}: ${result.stderr}${result.stdout}`);
    return result.stdout;
}

/** Sleeps synchronously: the build is synchronous, and a waiting worker has nothing else to do. */
function pause(ms: number): void {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

let built: InstalledPackage | undefined;

/** The packed and installed package, built on first use in this jest run. */
export function installedPackage(): InstalledPackage {
    if (built !== undefined) return built;
    const scratch = process.env.MTA_STS_TEST_SCRATCH || ownScratch();
    const work = path.join(scratch, "package");
    const ready = path.join(work, "ready.json");
    const lock = path.join(scratch, "package.lock");
    for (let waited = 0; !existsSync(ready); waited += 250) {
        if (!takeLock(lock)) {
            // Another worker is building it.
            if (waited > 240000) throw new Error(`the package build in ${work} did not finish within 240 s`);
            pause(250);
            continue;
        }
        try {
            if (!existsSync(ready)) {
                const result = JSON.stringify(build(work));
                // Whole or not at all: a waiting worker reads it as soon as it exists.
                writeFileSync(`${ready}.tmp`, result);
                renameSync(`${ready}.tmp`, ready);
            }
        } finally {
            rmSync(lock, { recursive: true, force: true });
        }
    }
    built = JSON.parse(readFileSync(ready, "utf8")) as InstalledPackage;
    return built;
}

/** Takes the build lock, or says another live process holds it; a lock whose holder died is broken. */
function takeLock(lock: string): boolean {
    try {
        mkdirSync(lock);
        writeFileSync(path.join(lock, "pid"), String(process.pid));
        return true;
    } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    let holder: number;
    try {
        holder = Number(readFileSync(path.join(lock, "pid"), "utf8"));
    } catch {
        return false; // Just taken: its holder has not written its pid yet.
    }
    try {
        process.kill(holder, 0);
    } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ESRCH") rmSync(lock, { recursive: true, force: true });
    }
    return false;
}

/** Without the global setup (a test file run some other way): a directory of this process's own, removed at exit. */
function ownScratch(): string {
    const scratch = mkdtempSync(path.join(tmpdir(), "mta-sts-artifact-"));
    process.on("exit", () => rmSync(scratch, { recursive: true, force: true }));
    return scratch;
}

function build(work: string): InstalledPackage {
    rmSync(work, { recursive: true, force: true });
    const stage = path.join(work, "stage");
    mkdirSync(stage, { recursive: true });
    // The same build `prepare` makes, without type-checking again (`npm run typecheck` does that).
    run(
        process.execPath,
        [
            require.resolve("typescript/bin/tsc"),
            "-p",
            "tsconfig.build.json",
            "--noCheck",
            "--outDir",
            path.join(stage, "dist"),
        ],
        root,
    );
    for (const file of ["package.json", "README.md", "LICENSE", "bin"]) {
        cpSync(path.join(root, file), path.join(stage, file), { recursive: true });
    }
    const [packed] = JSON.parse(
        run("npm", ["pack", "--json", "--ignore-scripts", "--offline", "--pack-destination", work], stage),
    );
    const consumer = path.join(work, "consumer");
    const installed = path.join(consumer, "node_modules", "mta-sts");
    mkdirSync(installed, { recursive: true });
    run("tar", ["-xzf", path.join(work, packed.filename), "-C", installed, "--strip-components=1"], work);
    // The package's dependencies, as npm would install them next to it.
    const manifest = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
    for (const dependency of Object.keys(manifest.dependencies)) {
        mkdirSync(path.dirname(path.join(consumer, "node_modules", dependency)), { recursive: true });
        symlinkSync(path.join(root, "node_modules", dependency), path.join(consumer, "node_modules", dependency));
    }
    return {
        consumer,
        installed,
        files: packed.files.map((file: { path: string }) => file.path),
        bin: path.join(installed, manifest.bin["mta-sts"]),
    };
}
