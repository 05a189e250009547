import { ChildProcess, execFileSync, spawn } from "node:child_process";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { MtaSts, MtaStsArgs, MtaStsPreflightError } from "../../components";
import {
    describeLookupFailure,
    evaluateMxPreflight,
    prefetchMxPreflight,
    resetPreflightRun,
    resolveManyMxHostsSync,
    resolveMxHostsSync,
} from "../../components/publishing/preflight";
import { valueOf } from "../helpers";
import { installMocks } from "../mocks";

// The real execFileSync, wrapped so that a test can count the lookup processes started.
jest.mock("node:child_process", () => {
    const actual = jest.requireActual("node:child_process");
    return { ...actual, execFileSync: jest.fn(actual.execFileSync) };
});

// The preflight resolves synchronously, so the DNS servers must live in another process.
let server: ChildProcess;
let dnsServer: string;
let blackHole: ChildProcess;
let blackHoleServer: string;
/** Answers MX questions, never one about the root (some locked-down resolvers drop those). */
let dropsRoot: ChildProcess;
let dropsRootServer: string;

/** A UDP socket in another process that reads DNS questions and never answers. */
const BLACK_HOLE_SCRIPT = `
const socket = require("node:dgram").createSocket("udp4");
socket.on("message", () => undefined);
socket.bind(0, "127.0.0.1", () => process.stdout.write(String(socket.address().port)));`;

beforeAll(async () => {
    blackHole = spawn(process.execPath, ["-e", BLACK_HOLE_SCRIPT], { stdio: ["ignore", "pipe", "inherit"] });
    blackHoleServer = `127.0.0.1:${await new Promise<string>((resolve) =>
        blackHole.stdout!.once("data", (data) => resolve(String(data).trim())),
    )}`;
    const zone = {
        "example.com": { MX: ["mx1.example.com", "alt.mail.example.net"] },
        "example.org": { MX: ["mx.example.org"] },
        "nomx.example.com": {},
        "silent.example.com": { silent: true },
    };
    server = spawn(process.execPath, [path.join(__dirname, "..", "fixtures", "dns-server.js"), JSON.stringify(zone)], {
        stdio: ["ignore", "pipe", "inherit"],
    });
    const port = await new Promise<string>((resolve) =>
        server.stdout!.once("data", (data) => resolve(String(data).trim())),
    );
    dnsServer = `127.0.0.1:${port}`;
    dropsRoot = spawn(
        process.execPath,
        [
            path.join(__dirname, "..", "fixtures", "dns-server.js"),
            JSON.stringify({ "example.com": zone["example.com"], "": { silent: true } }),
        ],
        { stdio: ["ignore", "pipe", "inherit"] },
    );
    dropsRootServer = `127.0.0.1:${await new Promise<string>((resolve) =>
        dropsRoot.stdout!.once("data", (data) => resolve(String(data).trim())),
    )}`;
});
afterAll(() => {
    server.kill("SIGTERM");
    blackHole.kill("SIGTERM");
    dropsRoot.kill("SIGTERM");
});

describe("resolveMxHostsSync", () => {
    test("returns the MX hosts by preference", () => {
        expect(resolveMxHostsSync("example.com", { server: dnsServer })).toEqual({
            hosts: ["mx1.example.com", "alt.mail.example.net"],
        });
    });

    test("returns no hosts for a name without MX records", () => {
        expect(resolveMxHostsSync("nomx.example.com", { server: dnsServer })).toEqual({ hosts: [] });
    });

    test("gives up on a resolver that never answers within the time asked for in all", () => {
        const started = performance.now();
        expect(resolveMxHostsSync("example.com", { server: blackHoleServer, timeoutMs: 1500 })).toEqual({
            error: "no answer within 1.5 s",
        });
        // Killed at 1.5 s; reaping it on a loaded machine takes a little more, far from c-ares' own retries.
        expect(performance.now() - started).toBeLessThan(1500 + 2000);
    });

    test.each([
        ["an uncaught error", "null.x", /^TypeError: Cannot read properties of null \(reading 'x'\)$/],
        ["its own last words", "process.stderr.write('resolver exploded\\n'); process.exit(3)", /^resolver exploded$/],
        ["a silent exit", "process.exit(3)", /^the lookup exited with status 3$/],
    ])("when the lookup process fails, the reason is %s, not the command line", (_label, script, reason) => {
        let failure: unknown;
        try {
            execFileSync(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
        } catch (error) {
            failure = error;
        }
        expect(describeLookupFailure(failure as Error, 5000)).toMatch(reason);
    });

    test("resolves many domains in one process within one wait, keeping the answers that came in time", () => {
        const started = performance.now();
        const results = resolveManyMxHostsSync(
            ["example.com", "silent.example.com", "example.org", "nomx.example.com"],
            {
                server: dnsServer,
                timeoutMs: 3000,
            },
        );
        expect(performance.now() - started).toBeLessThan(3000 + 2000);
        expect(Object.fromEntries(results)).toEqual({
            "example.com": { hosts: ["mx1.example.com", "alt.mail.example.net"] },
            "silent.example.com": { error: "no answer within 3 s" },
            "example.org": { hosts: ["mx.example.org"] },
            "nomx.example.com": { hosts: [] },
        });
    });

    test("a resolver that drops questions about the root costs no wait when every domain answers", () => {
        const started = performance.now();
        expect(resolveMxHostsSync("example.com", { server: dropsRootServer, timeoutMs: 5000 })).toEqual({
            hosts: ["mx1.example.com", "alt.mail.example.net"],
        });
        // Waiting for the root question would take the lookup's 4 s.
        expect(performance.now() - started).toBeLessThan(2500);
    });

    test("resolves 200 domains within one wait, not one wait each", () => {
        const domains = Array.from({ length: 200 }, (_, i) => `d${i}.example.com`);
        const started = performance.now();
        const results = resolveManyMxHostsSync(domains, { server: blackHoleServer, timeoutMs: 1000 });
        expect(performance.now() - started).toBeLessThan(1000 + 2000);
        expect(results.size).toBe(200);
        expect(new Set([...results.values()].map((r) => JSON.stringify(r)))).toEqual(
            new Set([JSON.stringify({ error: "no answer within 1 s" })]),
        );
    });

    test("returns the error when the resolver does not answer", () => {
        expect(resolveMxHostsSync("example.com", { server: "127.0.0.1:9", timeoutMs: 5000 })).toEqual({
            error: expect.stringMatching(/^E[A-Z]+$/),
        });
    });
});

describe("evaluateMxPreflight", () => {
    const live = { hosts: ["mx1.example.com", "alt.mail.example.net"] };

    test("passes when every live MX host is covered", () => {
        expect(evaluateMxPreflight("example.com", ["mx1.example.com", "*.mail.example.net"], "enforce", live)).toEqual({
            errors: [],
            warnings: [],
        });
    });

    test("in enforce, an uncovered MX host is an error naming the host and a pattern", () => {
        expect(evaluateMxPreflight("example.com", ["mx1.example.com"], "enforce", live)).toEqual({
            errors: [
                'mx: the live MX host alt.mail.example.net of example.com matches no pattern in ["mx1.example.com"]; add "*.mail.example.net", or mail to it will bounce',
            ],
            warnings: [],
        });
    });

    test("in testing, it is a warning, and so is an unused pattern", () => {
        expect(evaluateMxPreflight("example.com", ["mx1.example.com", "old.example.com"], "testing", live)).toEqual({
            errors: [],
            warnings: [
                'mx: the live MX host alt.mail.example.net of example.com matches no pattern in ["mx1.example.com","old.example.com"]; add "*.mail.example.net" before enforcing',
                "mx: the pattern old.example.com matches none of the live MX hosts mx1.example.com, alt.mail.example.net",
            ],
        });
    });

    test("a failed lookup warns and carries on", () => {
        expect(evaluateMxPreflight("example.com", ["mx1.example.com"], "enforce", { error: "ECONNREFUSED" })).toEqual({
            errors: [],
            warnings: [
                "preflight: could not resolve the MX records of example.com (ECONNREFUSED); MX coverage was not checked",
            ],
        });
    });
});

/** Runs `body` with Pulumi's warning log captured. */
async function withWarnings(body: (warn: jest.SpyInstance) => Promise<void>): Promise<void> {
    const warn = jest.spyOn(pulumi.log, "warn").mockImplementation(() => Promise.resolve());
    try {
        await body(warn);
    } finally {
        warn.mockRestore();
    }
}

describe("the component's preflight", () => {
    const args = (overrides: Partial<MtaStsArgs>): MtaStsArgs => ({
        domain: "example.com",
        mode: "enforce",
        mx: ["mx1.example.com"],
        route53: { zoneId: "Z0123456789ABCDEFGHIJ" },
        preflight: true,
        preflightDnsServer: dnsServer,
        ...overrides,
    });

    test("an enforce that would bounce mail throws before any resource is registered", async () => {
        const world = await installMocks();
        expect(() => new MtaSts("example", args({}))).toThrow(
            new MtaStsPreflightError("example", [
                'mx: the live MX host alt.mail.example.net of example.com matches no pattern in ["mx1.example.com"]; add "*.mail.example.net", or mail to it will bounce',
            ]),
        );
        await world.settle();
        expect(world.resources).toEqual([]);
    });

    test("covered MX hosts let the deployment through", async () => {
        const world = await installMocks();
        const site = new MtaSts("example", args({ mx: ["mx1.example.com", "*.mail.example.net"] }));
        await valueOf(site.bucketName);
        await world.settle();
        expect(world.resources.map((r) => r.name)).toContain("example-mta-sts-txt");
    });

    test("in testing an uncovered MX host is a warning on the component and the deployment goes on", () =>
        withWarnings(async (warn) => {
            const world = await installMocks();
            const site = new MtaSts("example", args({ mode: "testing" }));
            await valueOf(site.bucketName);
            await world.settle();
            expect(world.resources.map((r) => r.name)).toContain("example-mta-sts-txt");
            expect(warn).toHaveBeenCalledWith(
                expect.stringMatching(/^mx: the live MX host alt\.mail\.example\.net .* before enforcing$/),
                site,
            );
        }));

    test("an unreachable resolver warns and the deployment goes on", () =>
        withWarnings(async (warn) => {
            const world = await installMocks();
            const site = new MtaSts("example", args({ preflightDnsServer: "127.0.0.1:9" }));
            await valueOf(site.bucketName);
            await world.settle();
            expect(world.resources.map((r) => r.name)).toContain("example-mta-sts-txt");
            expect(warn).toHaveBeenCalledWith(
                expect.stringMatching(/^preflight: could not resolve the MX records of example\.com/),
                site,
            );
        }));

    test("without preflight no lookup happens, even where it would fail", () =>
        withWarnings(async (warn) => {
            const world = await installMocks();
            const site = new MtaSts("example", args({ preflight: false }));
            await valueOf(site.bucketName);
            await world.settle();
            expect(world.resources.map((r) => r.name)).toContain("example-mta-sts-txt");
            expect(warn).not.toHaveBeenCalled();
        }));

    test("preflightTimeout bounds the wait for a black-hole resolver, and the deployment goes on", () =>
        withWarnings(async (warn) => {
            const world = await installMocks();
            const started = performance.now();
            const site = new MtaSts("example", args({ preflightDnsServer: blackHoleServer, preflightTimeout: 1 }));
            expect(performance.now() - started).toBeLessThan(1000 + 3000);
            await valueOf(site.bucketName);
            await world.settle();
            expect(warn).toHaveBeenCalledWith(
                "preflight: could not resolve the MX records of example.com (no answer within 1 s); MX coverage was not checked",
                site,
            );
        }));

    test("a resolver that gave no answer is not asked again in the same program: one wait, not one per domain", () =>
        withWarnings(async (warn) => {
            resetPreflightRun();
            const world = await installMocks();
            const started = performance.now();
            const sites = ["example.com", "example.org", "example.net"].map(
                (domain) =>
                    new MtaSts(domain, args({ domain, preflightDnsServer: blackHoleServer, preflightTimeout: 1 })),
            );
            expect(performance.now() - started).toBeLessThan(1000 + 2000);
            await world.settle();
            expect(warn).toHaveBeenCalledWith(
                "preflight: could not resolve the MX records of example.com (no answer within 1 s); MX coverage was not checked",
                sites[0],
            );
            for (const [index, domain] of [
                [1, "example.org"],
                [2, "example.net"],
            ] as const) {
                expect(warn).toHaveBeenCalledWith(
                    `preflight: could not resolve the MX records of ${domain} (not asked: ${blackHoleServer} gave no answer for example.com within 1 s earlier in this program); MX coverage was not checked`,
                    sites[index],
                );
            }
            resetPreflightRun();
        }));

    test("prefetchMxPreflight answers every component's preflight from one lookup, each answer used once", async () => {
        resetPreflightRun();
        const world = await installMocks();
        // Names as a config might spell them: they meet the components' normalised domains.
        prefetchMxPreflight(["Example.COM.", "example.org"], { preflightDnsServer: dnsServer, timeoutSeconds: 3 });
        const lookups = execFileSync as unknown as jest.Mock;
        lookups.mockClear();
        try {
            // The prefetched answer for example.com is what decides: it leaves alt.mail.example.net uncovered.
            expect(() => new MtaSts("example.com", args({}))).toThrow(MtaStsPreflightError);
            const org = new MtaSts("example.org", args({ domain: "example.org", mx: ["mx.example.org"] }));
            expect(lookups).not.toHaveBeenCalled();
            // Used once: a second component for the same domain looks it up again.
            new MtaSts("example.org-again", args({ domain: "example.org", mx: ["mx.example.org"] }));
            expect(lookups).toHaveBeenCalledTimes(1);
            await valueOf(org.bucketName);
            await world.settle();
            expect(world.resources.map((r) => r.name)).toContain("example.org-mta-sts-txt");
        } finally {
            resetPreflightRun();
        }
    });

    test("a domain whose lookup times out on a resolver that answers does not make later preflights skip it", () =>
        withWarnings(async (warn) => {
            resetPreflightRun();
            const world = await installMocks();
            const slow = new MtaSts(
                "silent",
                args({ domain: "silent.example.com", mode: "testing", preflightTimeout: 2 }),
            );
            expect(warn).toHaveBeenCalledWith(
                "preflight: could not resolve the MX records of silent.example.com (no answer within 2 s); MX coverage was not checked",
                slow,
            );
            // The resolver answered the question about the root, so example.com is still looked up, and its
            // uncovered MX host still stops an enforce.
            expect(() => new MtaSts("example", args({}))).toThrow(MtaStsPreflightError);
            await world.settle();
            resetPreflightRun();
        }));

    test("what a preflight learnt is forgotten after five minutes, as for a program run again in one process", () =>
        withWarnings(async (warn) => {
            resetPreflightRun();
            await installMocks();
            // An answer for example.com, and a resolver marked silent.
            prefetchMxPreflight(["example.com"], { preflightDnsServer: dnsServer, timeoutSeconds: 3 });
            prefetchMxPreflight(["example.org"], { preflightDnsServer: blackHoleServer, timeoutSeconds: 1 });
            const lookups = execFileSync as unknown as jest.Mock;
            lookups.mockClear();
            const now = Date.now();
            const clock = jest.spyOn(Date, "now").mockReturnValue(now + 5 * 60 * 1000 + 1);
            try {
                // The stale answer is not used: example.com is looked up again.
                expect(() => new MtaSts("example", args({}))).toThrow(MtaStsPreflightError);
                expect(lookups).toHaveBeenCalledTimes(1);
                // The stale silence is not used either: the black hole is asked again, and waited for.
                const site = new MtaSts(
                    "example-net",
                    args({ domain: "example.net", preflightDnsServer: blackHoleServer, preflightTimeout: 1 }),
                );
                expect(lookups).toHaveBeenCalledTimes(2);
                expect(warn).toHaveBeenCalledWith(
                    "preflight: could not resolve the MX records of example.net (no answer within 1 s); MX coverage was not checked",
                    site,
                );
            } finally {
                clock.mockRestore();
                resetPreflightRun();
            }
        }));

    test("preflightTimeout must be 1 to 60 seconds", () => {
        expect(() => new MtaSts("example", args({ preflightTimeout: 0 }))).toThrow(
            "preflightTimeout 0: must be a whole number of seconds from 1 to 60, the most the preflight waits for DNS (default 5)",
        );
    });

    test("preflightDnsServer must be an address", () => {
        expect(() => new MtaSts("example", args({ preflightDnsServer: "dns.example.com" }))).toThrow(
            'preflightDnsServer "dns.example.com": must be an IP address with an optional port, e.g. "192.0.2.53" or "192.0.2.53:5353"',
        );
    });
});
