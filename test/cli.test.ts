/** The `mta-sts` bin (bin/mta-sts.js) checks the Node version before loading the CLI. */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";

const root = path.join(__dirname, "..");
const minimum = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")).engines.node.replace(/^>=/, "");

function runBinOn(nodeVersion: string) {
    return spawnSync(process.execPath, [path.join(root, "bin", "mta-sts.js"), "check", "example.com"], {
        env: {
            ...process.env,
            FAKE_NODE_VERSION: nodeVersion,
            NODE_OPTIONS: `--require ${path.join(__dirname, "fixtures", "fake-node-version.js")}`,
        },
        encoding: "utf8",
        timeout: 30000,
    });
}

test.each(["20.11.1", "22.18.0", "18.20.4"])(
    "on Node %s it exits 2 with one line naming the minimum version and how to get it",
    (version) => {
        const result = runBinOn(version);

        expect(result.stderr).toBe(
            `mta-sts needs Node.js ${minimum} or newer, and this is v${version}: install Node.js 22 from https://nodejs.org/en/download (or run \`nvm install 22\`)\n`,
        );
        expect(result.stdout).toBe("");
        expect(result.status).toBe(2);
    },
);
