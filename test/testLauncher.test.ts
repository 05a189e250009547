/**
 * `npm test` runs jest through scripts/jest.js, so that the loopback suites get ports 25 and 443
 * for real whoever runs them. A preload makes low ports refuse to bind, as they do for a normal user.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

const root = path.join(__dirname, "..");
const launcher = path.join(root, "scripts", "jest.js");
const denyLowPorts = path.join(__dirname, "fixtures", "deny-low-ports.js");

function runLauncher(pathPrefix: string) {
    const env: NodeJS.ProcessEnv = {
        ...process.env,
        NODE_OPTIONS: `--require ${denyLowPorts}`,
        PATH: `${pathPrefix}${path.delimiter}${process.env.PATH}`,
    };
    // The suite itself may already run inside the launcher's namespace.
    delete env.MTA_STS_TEST_NAMESPACE;
    return spawnSync(process.execPath, [launcher, "--version"], { cwd: root, env, encoding: "utf8", timeout: 60000 });
}

let stubs: string;
/** A PATH directory whose `unshare` fails the way it does where user namespaces are disabled. */
let noNamespaces: string;

beforeAll(() => {
    stubs = mkdtempSync(path.join(tmpdir(), "mta-sts-launcher-"));
    noNamespaces = path.join(stubs, "no-namespaces");
    mkdirSync(noNamespaces);
    const unshare = path.join(noNamespaces, "unshare");
    writeFileSync(unshare, "#!/bin/sh\necho 'unshare: unshare failed: Operation not permitted' >&2\nexit 1\n");
    chmodSync(unshare, 0o755);
});

afterAll(() => rmSync(stubs, { recursive: true, force: true }));

test("without rights to low ports, jest runs in a user and network namespace", () => {
    const result = runLauncher(stubs);

    expect(result.stderr).toContain("[inside the namespace]");
    expect(result.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect(result.status).toBe(0);
});

test("without rights to low ports or user namespaces, it fails with one sentence saying what to do", () => {
    const result = runLauncher(noNamespaces);

    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
        "[outside the namespace]\n" +
            "The loopback tests bind ports 25 and 443, which needs root, CAP_NET_BIND_SERVICE or unprivileged user namespaces (`unshare --user --map-root-user --net`), and this machine allows none of them to this user: run `npm test` as root, or enable user namespaces (sysctl user.max_user_namespaces=15000, and kernel.unprivileged_userns_clone=1 or kernel.apparmor_restrict_unprivileged_userns=0 where those exist).\n",
    );
    expect(result.status).toBe(1);
});
