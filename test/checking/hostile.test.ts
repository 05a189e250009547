/**
 * `mta-sts check` against servers that misbehave on purpose, on loopback. The
 * command runs in a child process, so each test can hold it to the documented
 * bounds: it ends within --timeout plus RUN_SLACK_MS, stays under
 * PEAK_RSS_LIMIT_MB of memory, exits with the right code and says what happened.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type * as net from "node:net";
import { computePolicyId, renderMtaStsRecord, renderPolicy } from "../../components";
import { CheckReport, runChecks } from "../../components/checking/checks";
import { formatReport } from "../../components/checking/report";
import {
    CertificateAuthority,
    DnsServer,
    PolicyHosts,
    createCertificateAuthority,
    issueCertificate,
    startBlackHoleDnsServer,
    startDnsServer,
    startPolicyHosts,
    startScriptedServer,
    startSmtpServer,
} from "../support/loopback";
import { installedPackage, InstalledPackage } from "../support/artifact";

/** What the README promises on top of --timeout: teardown and printing. */
const RUN_SLACK_MS = 1000;
/** The command's peak resident memory, whatever the servers send (Node and the CLI alone take about 85 MB). */
const PEAK_RSS_LIMIT_MB = 200;
const TIMEOUT_SECONDS = 2;

/** The package as users install it: the tests run its `mta-sts` bin. */
let installed: InstalledPackage;
let ca: CertificateAuthority;
let caFile: string;
let dns: DnsServer;
let hosts: PolicyHosts;
const closers: (() => Promise<void>)[] = [];

/** Writes as fast as the peer reads, until the socket closes. */
function flood(socket: net.Socket, chunk: string): void {
    const pump = () => {
        while (!socket.destroyed && socket.write(chunk));
    };
    socket.on("drain", pump);
    pump();
}

/** An SMTP server on :25 scripted by `onLine` (each command line the client sends), registered for teardown. */
async function scriptedMx(name: string, banner: string, onLine: (socket: net.Socket, line: string) => void) {
    const server = await startScriptedServer(25, (socket) => {
        let buffered = "";
        socket.on("data", (data) => {
            buffered += data.toString("latin1");
            let newline: number;
            while ((newline = buffered.indexOf("\n")) >= 0) {
                const line = buffered.slice(0, newline).trim();
                buffered = buffered.slice(newline + 1);
                onLine(socket, line);
            }
        });
        if (banner !== "") socket.write(banner);
    });
    closers.push(server.close);
    dns.zone.set(name, { A: [server.address] });
    return server;
}

beforeAll(async () => {
    installed = installedPackage();
    ca = await createCertificateAuthority("hostile test CA");
    caFile = path.join(mkdtempSync(path.join(tmpdir(), "mta-sts-hostile-")), "ca.pem");
    writeFileSync(caFile, ca.cert);
    dns = await startDnsServer();
    hosts = await startPolicyHosts(await issueCertificate(ca, "fallback.invalid"));
    const good = await startSmtpServer({ certificate: await issueCertificate(ca, "mx.good.test") });
    closers.push(good.close);
    dns.zone.set("mx.good.test", { A: [good.address] });

    await scriptedMx("endless-line.mx.test", "", (socket) => socket.end());
    await scriptedMx("endless-continuation.mx.test", "220 ready\r\n", (socket, line) => {
        if (line.toUpperCase().startsWith("EHLO")) flood(socket, "250-x\r\n".repeat(1000));
    });
    await scriptedMx("refuses-starttls.mx.test", "220 ready\r\n", (socket, line) => {
        const command = line.toUpperCase();
        if (command.startsWith("EHLO")) socket.write("250-mx\r\n250 STARTTLS\r\n");
        else if (command === "STARTTLS") socket.write("454 4.7.0 TLS not available due to local problem\r\n");
        else if (command === "QUIT") socket.end("221 bye\r\n");
    });
    await scriptedMx("hangs-up.mx.test", "220 ready\r\n", (socket, line) => {
        if (line.toUpperCase().startsWith("EHLO")) socket.destroy();
    });
    await scriptedMx("forged.mx.test", "554 \x1b[2K\r  pass  mx-tls  forged.mx.test: all good\r\n", () => undefined);
    // The endless banner line starts on connect.
    const endless = await startScriptedServer(25, (socket) => {
        socket.write("220 ");
        flood(socket, "a".repeat(64 * 1024));
    });
    closers.push(endless.close);
    dns.zone.set("endless-line.mx.test", { A: [endless.address] });
}, 240000);

afterAll(async () => {
    await Promise.all([dns?.close(), hosts?.close(), ...closers.map((close) => close())]);
});

/** A correct deployment of `domain` whose MX is `mx`, then `changes` on top. */
async function publish(domain: string, mx: string): Promise<void> {
    const body = renderPolicy({ mode: "testing", mx: [mx], maxAge: 604800 });
    dns.zone.set(`_mta-sts.${domain}`, { TXT: [renderMtaStsRecord(computePolicyId(body))] });
    dns.zone.set(`_smtp._tls.${domain}`, { TXT: ["v=TLSRPTv1; rua=mailto:tlsrpt@example.com"] });
    dns.zone.set(domain, { MX: [mx] });
    dns.zone.set(`mta-sts.${domain}`, { A: [hosts.address] });
    hosts.routes.set(`mta-sts.${domain}`, {
        certificate: await issueCertificate(ca, `mta-sts.${domain}`),
        respond: { status: 200, headers: { "content-type": "text/plain" }, body },
    });
}

interface Run {
    code: number;
    stdout: string;
    stderr: string;
    elapsedMs: number;
    maxRssMb: number;
}

/** Runs `mta-sts check <domain>` in a child process against `dnsPort`, with --timeout TIMEOUT_SECONDS. */
function runCli(domain: string, dnsPort = dns.port, ...extra: string[]): Promise<Run> {
    const args = ["check", domain, "--dns-server", `127.0.0.1:${dnsPort}`, "--ca-file", caFile];
    args.push("--timeout", String(TIMEOUT_SECONDS), ...extra);
    const measure = path.join(__dirname, "..", "fixtures", "measure-exit.js");
    const child = spawn(process.execPath, ["--require", measure, installed.bin, ...args], {
        stdio: ["ignore", "pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let usage = "";
    child.stdout!.on("data", (data) => (stdout += data));
    child.stderr!.on("data", (data) => (stderr += data));
    child.stdio[3]!.on("data", (data) => (usage += data));
    return new Promise((resolve, reject) => {
        // A child that outlives every bound is itself the failure; never leave it running.
        const guard = setTimeout(() => child.kill("SIGKILL"), 60000);
        child.on("error", reject);
        child.on("close", (code) => {
            clearTimeout(guard);
            const measured = usage === "" ? {} : JSON.parse(usage);
            if (measured.elapsedMs === undefined) {
                return reject(new Error(`the command did not run or finish (exit ${code}): ${stderr}`));
            }
            resolve({
                code: code ?? -1,
                stdout,
                stderr,
                elapsedMs: measured.elapsedMs,
                maxRssMb: measured.maxRssKb / 1024,
            });
        });
    });
}

function expectWithinBounds(run: Run, code: number): void {
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code, stderr: "" });
    expect(run.elapsedMs).toBeLessThanOrEqual(TIMEOUT_SECONDS * 1000 + RUN_SLACK_MS);
    expect(run.maxRssMb).toBeLessThan(PEAK_RSS_LIMIT_MB);
}

function lineOf(run: Run, id: string): string {
    const line = run.stdout.split("\n").find((text) => new RegExp(`^  \\S+ +${id} `).test(text));
    expect(line).toBeDefined();
    return line!;
}

describe("hostile servers stay within the time and memory bounds", () => {
    test("an 8 KB _smtp._tls record of spaces is read in linear time", async () => {
        await publish("huge-rpt.test", "mx.good.test");
        const record = `v=TLSRPTv1; rua=mailto:tlsrpt@example.com${" ".repeat(8192)}x`;
        const strings = record.match(/[^]{1,255}/g)!;
        dns.zone.set("_smtp._tls.huge-rpt.test", { TXT: [strings] });
        const run = await runCli("huge-rpt.test");
        expectWithinBounds(run, 1);
        expect(lineOf(run, "tlsrpt-record")).toMatch(
            /^ {2}fail {2}tlsrpt-record +rua "mailto:tlsrpt@example\.com {8192}x": must be printable ASCII without whitespace/,
        );
    });

    test("an endless banner line fails that host once the line passes 2048 octets", async () => {
        await publish("endless-line.test", "endless-line.mx.test");
        const run = await runCli("endless-line.test");
        expectWithinBounds(run, 1);
        expect(lineOf(run, "mx-tls")).toBe(
            "  fail  mx-tls         endless-line.mx.test: sent a reply line longer than 2048 octets (RFC 5321 §4.5.3.1.5)",
        );
    });

    test("endless 250- continuation lines fail that host after 100 lines", async () => {
        await publish("endless-continuation.test", "endless-continuation.mx.test");
        const run = await runCli("endless-continuation.test");
        expectWithinBounds(run, 1);
        expect(lineOf(run, "mx-tls")).toBe(
            "  fail  mx-tls         endless-continuation.mx.test: sent a reply of more than 100 lines",
        );
    });

    test("a DNS server that never answers is one clear failure and nothing else runs", async () => {
        const blackHole = await startBlackHoleDnsServer();
        try {
            const run = await runCli("black-hole.test", blackHole.port);
            expectWithinBounds(run, 1);
            expect(run.stdout).toBe(
                [
                    "mta-sts check black-hole.test",
                    `  fail  dns            could not reach DNS server 127.0.0.1:${blackHole.port} (no answer within 2 s)`,
                    ...[
                        "sts-record",
                        "policy-fetch",
                        "policy-syntax",
                        "policy-id",
                        "mx-coverage",
                        "mx-tls",
                        "tlsrpt-record",
                        "caa",
                    ].map((id) => `  skip  ${id.padEnd(13)}  not run: needs DNS`),
                    "verdict: fail; do not enforce yet: nothing may fail, every MX host must be covered and pass mx-tls",
                    "",
                ].join("\n"),
            );
        } finally {
            await blackHole.close();
        }
    });

    test("an HTTPS server that drips its body is cut off at the deadline", async () => {
        await publish("drip.test", "mx.good.test");
        const route = hosts.routes.get("mta-sts.drip.test")!;
        route.serve = (response) => {
            response.writeHead(200, { "content-type": "text/plain" });
            const timer = setInterval(() => response.write("v"), 50);
            response.on("close", () => clearInterval(timer));
        };
        const run = await runCli("drip.test");
        expectWithinBounds(run, 1);
        expect(lineOf(run, "policy-fetch")).toBe("  fail  policy-fetch   no answer within 2 s");
    });

    test("control characters in a banner and in TXT records are escaped, so they cannot forge a line", async () => {
        await publish("forged.test", "forged.mx.test");
        dns.zone.set("_smtp._tls.forged.test", { TXT: ["v=TLSRPTv1; rua=mailto:a@example.com\r\x1b[1A  pass"] });
        const run = await runCli("forged.test");
        expectWithinBounds(run, 1);
        const controls = [...run.stdout].filter((c) => c !== "\n" && (c < " " || c === "\x7f"));
        expect(controls).toEqual([]);
        expect(lineOf(run, "mx-tls")).toBe(
            "  warn  mx-tls         forged.mx.test: unverified, banner 554 \\u{1b}[2K\\u{d}  pass  mx-tls  forged.mx.test: all good",
        );
        expect(lineOf(run, "tlsrpt-record")).toMatch(/mailto:a@example\.com\\r\\u001b\[1A {2}pass/);
    });
});

describe("STARTTLS answers are reported as they happened", () => {
    const check = (domain: string): Promise<CheckReport> =>
        runChecks(domain, { dnsServer: `127.0.0.1:${dns.port}`, caFile, timeoutSeconds: 10 });

    test("a 454 reply to STARTTLS is a refusal, not 'not offered'", async () => {
        await publish("refuses.test", "refuses-starttls.mx.test");
        const report = await check("refuses.test");
        expect(report.checks.find((c) => c.id === "mx-tls")).toEqual({
            id: "mx-tls",
            status: "fail",
            detail: 'refuses-starttls.mx.test: STARTTLS was offered but refused with "454 4.7.0 TLS not available due to local problem"; enforce would defer, then bounce, mail to it',
        });
    });

    test("a server that hangs up after EHLO is reported at once, not after the timeout", async () => {
        await publish("hangs-up.test", "hangs-up.mx.test");
        const started = performance.now();
        const report = await check("hangs-up.test");
        expect(performance.now() - started).toBeLessThan(5000);
        expect(report.checks.find((c) => c.id === "mx-tls")).toEqual({
            id: "mx-tls",
            status: "warn",
            detail: "hangs-up.mx.test: unverified, closed the connection after EHLO",
        });
    });
});

describe("every address", () => {
    test("mx-tls probes each A record and names the one that fails", async () => {
        const good = await startSmtpServer({ certificate: await issueCertificate(ca, "two-addresses.mx.test") });
        closers.push(good.close);
        dns.zone.set("two-addresses.mx.test", { A: [good.address, "127.254.254.253"] });
        await publish("two-addresses.test", "two-addresses.mx.test");
        const report = await runChecks("two-addresses.test", {
            dnsServer: `127.0.0.1:${dns.port}`,
            caFile,
            timeoutSeconds: 10,
        });
        const mxTls = report.checks.find((c) => c.id === "mx-tls")!;
        expect(mxTls.status).toBe("warn");
        expect(mxTls.detail).toMatch(
            /^two-addresses\.mx\.test: 127\.254\.254\.253: unverified, connect ECONNREFUSED 127\.254\.254\.253:25$/,
        );
    });

    test("policy-fetch fetches from each address and names the one that fails", async () => {
        await publish("two-hosts.test", "mx.good.test");
        dns.zone.set("mta-sts.two-hosts.test", { A: [hosts.address, "127.254.254.252"] });
        const report = await runChecks("two-hosts.test", {
            dnsServer: `127.0.0.1:${dns.port}`,
            caFile,
            timeoutSeconds: 10,
        });
        expect(report.checks.find((c) => c.id === "policy-fetch")).toEqual({
            id: "policy-fetch",
            status: "fail",
            detail: "127.254.254.252: connect ECONNREFUSED 127.254.254.252:443",
        });
    });
});

describe("the text report", () => {
    test("escapes C0 and C1 controls, DEL and bidi overrides in details", () => {
        const report: CheckReport = {
            domain: "example.com",
            verdict: "warn",
            safeToEnforce: false,
            checks: [{ id: "caa", status: "warn", detail: "a\rb\x1b[31mc\x7fd\x9be\u202ef" }],
        };
        expect(formatReport(report).split("\n")[1]).toBe("  warn  caa  a\\u{d}b\\u{1b}[31mc\\u{7f}d\\u{9b}e\\u{202e}f");
    });
});
