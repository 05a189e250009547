/** `mta-sts/core` (components/pure.ts): the pure functions without the Pulumi SDK. */
import { execFile } from "node:child_process";
import * as path from "node:path";

interface Loaded {
    exports: string[];
    pulumiModules: string[];
}

/** What loading `entry` in a fresh process exports and which @pulumi modules it pulls in. */
function load(entry: string): Promise<Loaded> {
    return new Promise((resolve, reject) =>
        execFile(
            process.execPath,
            [path.join(__dirname, "fixtures", "loaded-modules.js"), entry],
            { timeout: 60000, maxBuffer: 16 * 1024 * 1024 },
            (error, stdout) => (error ? reject(error) : resolve(JSON.parse(stdout))),
        ),
    );
}

let core: Loaded;
let full: Loaded;
beforeAll(async () => {
    [core, full] = await Promise.all([load("components/pure.ts"), load("components/index.ts")]);
}, 120000);

test("loads no Pulumi module", () => {
    expect(core.pulumiModules).toEqual([]);
});

test("the package's main entry, by contrast, loads the Pulumi SDK", () => {
    expect(full.pulumiModules.length).toBeGreaterThan(100);
});

test("exports the policy, the TXT values, validation, MX matching, the record readers and the check library", () => {
    expect(core.exports).toEqual(
        expect.arrayContaining([
            "renderPolicy",
            "computePolicyId",
            "renderMtaStsRecord",
            "renderTlsRptRecord",
            "validateMtaStsArgs",
            "MtaStsArgsError",
            "matchMx",
            "readPolicy",
            "readStsRecord",
            "readTlsRptRecord",
            "runChecks",
            "formatReport",
        ]),
    );
});

test("the main entry exports everything it does, and the component", () => {
    expect(full.exports).toEqual(expect.arrayContaining([...core.exports, "MtaSts"]));
});
