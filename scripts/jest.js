// Runs jest where the loopback suites can bind ports 25 and 443, which senders always use.
// Root (or CAP_NET_BIND_SERVICE) binds them directly. Anyone else gets a private user and network
// namespace (`unshare --user --map-root-user --net`): there the user is root over a network that
// has nothing but its own loopback, so low ports bind and no packet can leave the machine.
// Without either, it stops with one sentence instead of letting half the suites fail or skip.
// The same Node check as `npm test`'s pretest, for `node scripts/jest.js <file>` run by hand.
require("./require-node");
const { spawnSync } = require("node:child_process");
const net = require("node:net");
const os = require("node:os");
const path = require("node:path");

const INSIDE = "MTA_STS_TEST_NAMESPACE";
const NO_WAY =
    "The loopback tests bind ports 25 and 443, which needs root, CAP_NET_BIND_SERVICE or unprivileged user namespaces (`unshare --user --map-root-user --net`), and this machine allows none of them to this user: run `npm test` as root, or enable user namespaces (sysctl user.max_user_namespaces=15000, and kernel.unprivileged_userns_clone=1 or kernel.apparmor_restrict_unprivileged_userns=0 where those exist).";

// A fresh network namespace has its loopback down. iproute2 is not in minimal images (Debian's
// container images lack it), but perl-base is Essential on Debian, so ioctl(SIOCSIFFLAGS) is the fallback.
const LOOPBACK_UP = [
    "if command -v ip >/dev/null 2>&1; then ip link set lo up",
    "elif command -v perl >/dev/null 2>&1; then perl -e '" +
        'socket(my $s, 2, 2, 0) or die "socket: $!\\n"; my $r = pack("a16 s x22", "lo", 0);' +
        ' ioctl($s, 0x8913, $r) or die "SIOCGIFFLAGS: $!\\n";' +
        ' my $w = pack("a16 s x22", "lo", unpack("x16 s", $r) | 1);' +
        ' ioctl($s, 0x8914, $w) or die "SIOCSIFFLAGS: $!\\n"\'',
    'else echo "neither ip (iproute2) nor perl is installed, so the test namespace has no loopback: install iproute2" >&2; exit 1',
    'fi && exec "$@"',
].join("; ");

function canBind(port) {
    return new Promise((resolve) => {
        const server = net.createServer();
        server.once("error", (error) => resolve(error.code !== "EACCES" && error.code !== "EPERM"));
        server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
    });
}

function runJest(args) {
    return spawnSync(process.execPath, [require.resolve("jest/bin/jest"), ...args], { stdio: "inherit" }).status ?? 1;
}

async function main(args) {
    if ((await canBind(25)) && (await canBind(443))) return runJest(args);
    if (process.env[INSIDE]) {
        console.error(`Inside the test namespace ports 25 and 443 still do not bind. ${NO_WAY}`);
        return 1;
    }
    const probe = spawnSync("unshare", ["--user", "--map-root-user", "--net", "true"], { stdio: "ignore" });
    if (probe.status !== 0) {
        console.error(NO_WAY);
        return 1;
    }
    // Inside, the user is uid 0, and jest's default cache (/tmp/jest_<uid>) would be root's: keep this user's.
    const cache = args.some((arg) => arg.startsWith("--cacheDirectory"))
        ? []
        : [`--cacheDirectory=${path.join(os.tmpdir(), `jest_${process.getuid().toString(36)}`)}`];
    const inner = ["sh", "-c", LOOPBACK_UP, "sh", process.execPath, __filename, ...cache, ...args];
    return (
        spawnSync("unshare", ["--user", "--map-root-user", "--net", "--", ...inner], {
            stdio: "inherit",
            env: { ...process.env, [INSIDE]: "1" },
        }).status ?? 1
    );
}

main(process.argv.slice(2)).then((code) => process.exit(code));
