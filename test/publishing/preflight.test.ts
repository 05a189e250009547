import { ChildProcess, execFileSync, spawn } from "node:child_process";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { MtaSts, MtaStsArgs, MtaStsPreflightError } from "../../components";
import { describeLookupFailure, evaluateMxPreflight, resolveMxHostsSync } from "../../components/publishing/preflight";
import { valueOf } from "../helpers";
import { installMocks } from "../mocks";

// The preflight resolves synchronously, so the DNS servers must live in another process.
let server: ChildProcess;
let dnsServer: string;
let blackHole: ChildProcess;
let blackHoleServer: string;

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
    const zone = { "example.com": { MX: ["mx1.example.com", "alt.mail.example.net"] }, "nomx.example.com": {} };
    server = spawn(process.execPath, [path.join(__dirname, "..", "fixtures", "dns-server.js"), JSON.stringify(zone)], {
        stdio: ["ignore", "pipe", "inherit"],
    });
    const port = await new Promise<string>((resolve) =>
        server.stdout!.once("data", (data) => resolve(String(data).trim())),
    );
    dnsServer = `127.0.0.1:${port}`;
});
afterAll(() => {
    server.kill("SIGTERM");
    blackHole.kill("SIGTERM");
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
