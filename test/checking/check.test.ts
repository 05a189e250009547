/**
 * `mta-sts check` against live servers on loopback: DNS (dns2), policy hosts
 * on :443 and MX hosts on :25 with STARTTLS, certificates from throwaway CAs.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type * as tls from "node:tls";
import { computePolicyId, renderMtaStsRecord, renderPolicy, PolicyMode } from "../../components";
import { CheckOptions, CheckReport, CheckResult, runChecks } from "../../components/checking/checks";
import { main } from "../../components/cli";
import { formatReport } from "../../components/checking/report";
import {
    CertificateAuthority,
    DnsServer,
    PolicyHosts,
    ServerCertificate,
    SmtpServer,
    createCertificateAuthority,
    issueCertificate,
    startDnsServer,
    startPolicyHosts,
    startSmtpServer,
} from "../support/loopback";

/** Files the usage tests point at, made before the test table is built. */
const SCRATCH = mkdtempSync(path.join(tmpdir(), "mta-sts-cli-"));
const NOT_PEM = path.join(SCRATCH, "not-a-certificate.txt");
writeFileSync(NOT_PEM, "hello\n");

let ca: CertificateAuthority;
let otherCa: CertificateAuthority;
let dns: DnsServer;
let hosts: PolicyHosts;
let caFile: string;
const smtpServers: SmtpServer[] = [];
const certificates = new Map<string, ServerCertificate>();

async function certificateFor(name: string): Promise<ServerCertificate> {
    if (!certificates.has(name)) certificates.set(name, await issueCertificate(ca, name));
    return certificates.get(name)!;
}

beforeAll(async () => {
    ca = await createCertificateAuthority("check test CA");
    otherCa = await createCertificateAuthority("someone else's CA");
    caFile = path.join(mkdtempSync(path.join(tmpdir(), "mta-sts-check-")), "ca.pem");
    writeFileSync(caFile, ca.cert);
    dns = await startDnsServer();
    hosts = await startPolicyHosts(await issueCertificate(ca, "fallback.invalid"));
    // Shared MX hosts, one per behaviour.
    const mxServers: [string, ServerCertificate | undefined, tls.SecureVersion?][] = [
        ["mx.mail.test", await issueCertificate(ca, "mx.mail.test")],
        ["mx2.mail.test", await issueCertificate(ca, "mx2.mail.test")],
        ["plain.mail.test", undefined],
        ["misnamed.mail.test", await issueCertificate(ca, "someone-else.mail.test")],
        ["old-tls.mail.test", await issueCertificate(ca, "old-tls.mail.test"), "TLSv1.1"],
    ];
    for (const [name, certificate, maxVersion] of mxServers) {
        const server = await startSmtpServer({ certificate, maxVersion });
        smtpServers.push(server);
        dns.zone.set(name, { A: [server.address] });
    }
    // Nothing listens there: connection refused.
    dns.zone.set("down.mail.test", { A: ["127.254.254.254"] });
}, 30000);

afterAll(async () => {
    await Promise.all([dns?.close(), hosts?.close(), ...smtpServers.map((server) => server.close())]);
});

interface DomainSetup {
    mode?: PolicyMode;
    patterns?: string[];
    mxHosts?: string[];
    body?: string;
    stsTxt?: string[];
    tlsRptTxt?: string[];
    status?: number;
    headers?: Record<string, string>;
    certificate?: ServerCertificate;
    delayMs?: number;
    caa?: { tag: string; value: string; flags?: number }[];
    /** More addresses for mta-sts.<domain>, after the policy host's. */
    extraAddresses?: string[];
}

/** Publishes a domain on the loopback internet; by default a correct enforce deployment. */
async function publish(domain: string, setup: DomainSetup = {}): Promise<void> {
    const mode = setup.mode ?? "enforce";
    const body = setup.body ?? renderPolicy({ mode, mx: setup.patterns ?? ["mx.mail.test"], maxAge: 604800 });
    const host = `mta-sts.${domain}`;
    dns.zone.set(`_mta-sts.${domain}`, { TXT: setup.stsTxt ?? [renderMtaStsRecord(computePolicyId(body))] });
    dns.zone.set(`_smtp._tls.${domain}`, { TXT: setup.tlsRptTxt ?? ["v=TLSRPTv1; rua=mailto:tlsrpt@example.com"] });
    dns.zone.set(domain, { MX: setup.mxHosts ?? ["mx.mail.test"], CAA: setup.caa ?? [] });
    dns.zone.set(host, { A: [hosts.address, ...(setup.extraAddresses ?? [])] });
    hosts.routes.set(host, {
        certificate: setup.certificate ?? (await certificateFor(host)),
        respond: {
            status: setup.status ?? 200,
            headers: setup.headers ?? { "content-type": "text/plain; charset=utf-8" },
            body,
        },
        delayMs: setup.delayMs,
    });
}

function check(domain: string, options: CheckOptions = {}): Promise<CheckReport> {
    return runChecks(domain, { dnsServer: `127.0.0.1:${dnsPort()}`, caFile, timeoutSeconds: 4, ...options });
}

function dnsPort(): number {
    return dns.port;
}

/** Publishes `domain` with `setup`, runs the checks and expects one `id` result with that status and detail. */
async function expectCheck(domain: string, setup: DomainSetup, id: string, status: string, detail: RegExp | string) {
    await publish(domain, setup);
    const found = result(await check(domain), id);
    expect(found.status).toBe(status);
    expect(found.detail).toMatch(detail);
}

function result(report: CheckReport, id: string): CheckResult {
    const found = report.checks.filter((c) => c.id === id);
    expect(found).toHaveLength(1);
    return found[0];
}

describe("a correct deployment", () => {
    let report: CheckReport;
    beforeAll(async () => {
        await publish("good.test", { mxHosts: ["mx.mail.test", "mx2.mail.test"], patterns: ["*.mail.test"] });
        report = await check("good.test");
    });

    test("passes every check and is safe to enforce", () => {
        expect(report.checks.map((c) => [c.id, c.status])).toEqual([
            ["sts-record", "pass"],
            ["policy-fetch", "pass"],
            ["policy-syntax", "pass"],
            ["policy-id", "pass"],
            ["mx-coverage", "pass"],
            ["mx-tls", "pass"],
            ["mx-tls", "pass"],
            ["tlsrpt-record", "pass"],
            ["caa", "pass"],
        ]);
        expect(report.verdict).toBe("pass");
        expect(report.safeToEnforce).toBe(true);
    });

    test("reports each MX host on its own mx-tls line with the TLS version", () => {
        expect(report.checks.filter((c) => c.id === "mx-tls").map((c) => c.detail)).toEqual([
            expect.stringMatching(/^mx\.mail\.test: STARTTLS, TLSv1\.[23], certificate valid$/),
            expect.stringMatching(/^mx2\.mail\.test: STARTTLS, TLSv1\.[23], certificate valid$/),
        ]);
    });

    test("the human report has one line per check and ends with the verdict", () => {
        const lines = formatReport(report).trimEnd().split("\n");
        expect(lines[0]).toBe("mta-sts check good.test");
        expect(lines).toHaveLength(report.checks.length + 2);
        expect(lines[1]).toMatch(/^ {2}pass {2}sts-record {5}v=STSv1; id=[0-9a-f]{32}$/);
        expect(lines[lines.length - 1]).toBe(
            "verdict: pass; safe to enforce: every MX host is covered and offers valid STARTTLS",
        );
    });
});

describe("sts-record", () => {
    test("follows a CNAME to the record", async () => {
        await publish("cname.test");
        const record = dns.zone.get("_mta-sts.cname.test")!;
        dns.zone.set("_mta-sts.cname.test", { CNAME: "sts.records.test" });
        dns.zone.set("sts.records.test", record);
        expect(result(await check("cname.test"), "sts-record").status).toBe("pass");
    });

    test.each([
        ["no record", [], "fail", /^no v=STSv1 TXT record at _mta-sts\.bad-sts\.test$/],
        ["two records", ["v=STSv1; id=a1", "v=STSv1; id=b2"], "fail", /^2 v=STSv1 records/],
        ["an id with punctuation", ["v=STSv1; id=2026-11-22T10:00"], "fail", /is not 1 to 32 letters or digits/],
        ["a non-canonical form", ["v=STSv1;id=abc"], "warn", /is not exactly "v=STSv1; id=abc"/],
    ])("%s: %s", (_label, stsTxt, status, detail) =>
        expectCheck("bad-sts.test", { stsTxt }, "sts-record", status, detail),
    );
});

describe("policy-fetch", () => {
    test.each([
        [
            "a redirect is not followed",
            { status: 301, headers: { location: "https://www.example.com/" } },
            "fail",
            /^HTTP 301 redirect to https:\/\/www\.example\.com\/; senders never follow redirects/,
        ],
        [
            "a wrong content type",
            { headers: { "content-type": "application/octet-stream" } },
            "fail",
            /^Content-Type "application\/octet-stream"; it must be text\/plain/,
        ],
        [
            "a missing page",
            { status: 404 },
            "fail",
            /^HTTP 404 from https:\/\/mta-sts\.fetch\.test\/\.well-known\/mta-sts\.txt$/,
        ],
        [
            "a body over 10 KiB",
            {
                body: renderPolicy({
                    mode: "enforce",
                    mx: Array.from({ length: 600 }, (_, i) => `mx${i}.mail.test`),
                    maxAge: 604800,
                }),
            },
            "warn",
            /chasquid cuts it at 10 KiB/,
        ],
        ["a body over 64 KiB", { body: "version: STSv1\r\n".repeat(5000) }, "fail", /over 64 KiB/],
        ["a slow answer", { delayMs: 2100 }, "warn", /postfix-tlspol gives up after 2 s/],
        [
            "an upper-case media type (RFC 9110 §8.3.1: case-insensitive, but not to KumoMTA)",
            { headers: { "content-type": "TEXT/PLAIN; charset=UTF-8" } },
            "warn",
            /^HTTP 200, TEXT\/PLAIN; charset=UTF-8, .*; media type TEXT\/PLAIN is valid, but KumoMTA compares it case-sensitively and reads "no policy"; send lowercase text\/plain$/,
        ],
        [
            "a lowercase media type with an upper-case parameter",
            { headers: { "content-type": "text/plain ; Charset=UTF-8" } },
            "pass",
            /^HTTP 200, text\/plain ; Charset=UTF-8, /,
        ],
    ])("%s", (_label, setup, status, detail) =>
        expectCheck("fetch.test", setup as DomainSetup, "policy-fetch", status, detail),
    );

    test("an address this machine has no route to is a warning, not the server's failure", async () => {
        // The broadcast address gets ENETUNREACH on every machine, as an IPv6 address does on an IPv4-only one.
        await publish("noroute.test", { extraAddresses: ["255.255.255.255"] });
        const report = await check("noroute.test");
        expect(result(report, "policy-fetch")).toEqual({
            id: "policy-fetch",
            status: "warn",
            detail: "255.255.255.255: not probed: this machine has no route to it (ENETUNREACH); senders that do will fetch from it",
        });
        expect(result(report, "policy-syntax").status).toBe("pass");
    });

    test("an expired certificate fails", async () => {
        const expired = await issueCertificate(ca, "mta-sts.expired.test", {
            notBeforeDate: new Date(Date.now() - 10 * 86400000),
            notAfterDate: new Date(Date.now() - 86400000),
        });
        await publish("expired.test", { certificate: expired });
        expect(result(await check("expired.test"), "policy-fetch")).toEqual({
            id: "policy-fetch",
            status: "fail",
            detail: "certificate has expired",
        });
    });

    test("a certificate for another name fails", async () => {
        await publish("misnamed.test", { certificate: await certificateFor("mta-sts.other.test") });
        const found = result(await check("misnamed.test"), "policy-fetch");
        expect(found.status).toBe("fail");
        expect(found.detail).toMatch(/Hostname\/IP does not match certificate's altnames/);
    });

    test("a certificate from an untrusted CA fails, and trusting it with --ca-file passes", async () => {
        await publish("private-ca.test", { certificate: await issueCertificate(otherCa, "mta-sts.private-ca.test") });
        expect(result(await check("private-ca.test"), "policy-fetch").status).toBe("fail");
        const otherCaFile = path.join(path.dirname(caFile), "other-ca.pem");
        writeFileSync(otherCaFile, otherCa.cert);
        const trusted = await runChecks("private-ca.test", {
            dnsServer: `127.0.0.1:${dnsPort()}`,
            caFile: otherCaFile,
            timeoutSeconds: 4,
        });
        expect(result(trusted, "policy-fetch").status).toBe("pass");
    });
});

describe("more policy-fetch and sts-record cases", () => {
    test("a compressed answer is a warning", async () => {
        await publish("gzip.test", { headers: { "content-type": "text/plain", "content-encoding": "identity" } });
        const found = result(await check("gzip.test"), "policy-fetch");
        expect(found.status).toBe("warn");
        expect(found.detail).toMatch(/Content-Encoding identity; send the bytes uncompressed$/);
    });

    test("another TXT record next to v=STSv1 is a warning", async () => {
        await publish("crowded.test");
        const record = dns.zone.get("_mta-sts.crowded.test")!;
        dns.zone.set("_mta-sts.crowded.test", { TXT: [...record.TXT!, "google-site-verification=abc"] });
        expect(result(await check("crowded.test"), "sts-record")).toMatchObject({
            status: "warn",
            detail: "1 other TXT record(s) at the same name",
        });
    });

    test("a domain without MX records fails coverage and has nothing to probe", async () => {
        await publish("nomx.test", { mxHosts: [] });
        const report = await check("nomx.test");
        expect(result(report, "mx-coverage")).toMatchObject({ status: "fail", detail: "nomx.test has no MX records" });
        expect(result(report, "mx-tls")).toMatchObject({ status: "skip" });
        expect(report.safeToEnforce).toBe(false);
    });
});

describe("policy-syntax and policy-id", () => {
    test("a blank line fails, as the RFC 8461 grammar and three clients reject it", async () => {
        const body = renderPolicy({ mode: "enforce", mx: ["mx.mail.test"], maxAge: 604800 }).replace(
            "mode: enforce\r\n",
            "mode: enforce\r\n\r\n",
        );
        await publish("blank.test", { body });
        expect(result(await check("blank.test"), "policy-syntax")).toMatchObject({
            status: "fail",
            detail: "line 3 is blank; RFC 8461 §3.2 allows no blank line, and mox, go-mtasts and postfix-tlspol reject the whole policy",
        });
    });

    test("two mode lines fail, because senders disagree on which one counts", async () => {
        const body = "version: STSv1\r\nmode: enforce\r\nmx: mx.mail.test\r\nmax_age: 604800\r\nmode: none\r\n";
        await publish("twomodes.test", { body });
        expect(result(await check("twomodes.test"), "policy-syntax")).toMatchObject({
            status: "fail",
            detail: 'mode appears 2 times (line 2 "enforce", line 5 "none"); RFC 8461 §3.2 requires it exactly once, and senders disagree on which one counts',
        });
    });

    test("an id set by another tool passes, with the hash comparison as information", async () => {
        await publish("othertool.test", { stsTxt: ["v=STSv1; id=20261122T100000"] });
        const found = result(await check("othertool.test"), "policy-id");
        expect(found.status).toBe("pass");
        expect(found.detail).toMatch(
            /^id 20261122T100000 \(any 1 to 32 letters or digits is valid, RFC 8461 §3\.1; it is not this project's hash of the body, [A-Za-z0-9]+\)$/,
        );
    });

    test("an extension before the id is read, and policy-id still runs", async () => {
        const body = renderPolicy({ mode: "enforce", mx: ["mx.mail.test"], maxAge: 604800 });
        await publish("ext-sts.test", { stsTxt: [`v=STSv1; ext1=foo; id=${computePolicyId(body)}`] });
        const report = await check("ext-sts.test");
        expect(result(report, "sts-record").status).toBe("warn");
        expect(result(report, "policy-id").status).toBe("pass");
    });

    test("a policy without mode fails", async () => {
        await publish("nomode.test", { body: "version: STSv1\r\nmx: mx.mail.test\r\nmax_age: 86400\r\n" });
        const report = await check("nomode.test");
        expect(result(report, "policy-syntax")).toMatchObject({
            status: "fail",
            detail: "mode must be testing, enforce or none",
        });
        expect(result(report, "mx-coverage").status).toBe("skip");
    });

    test("with expectHashId, a policy served under a stale id is a warning that explains it", async () => {
        await publish("stale.test", { stsTxt: [renderMtaStsRecord(computePolicyId("the previous policy"))] });
        const found = result(await check("stale.test", { expectHashId: true }), "policy-id");
        expect(found.status).toBe("warn");
        expect(found.detail).toMatch(
            /is not the hash of the served body .*a stale copy is served or the id was never bumped/,
        );
    });
});

describe("mx-coverage", () => {
    test("an uncovered MX host fails in enforce and names a pattern to add", async () => {
        await publish("uncovered.test", { mxHosts: ["mx.mail.test", "mx2.mail.test"], patterns: ["mx.mail.test"] });
        const report = await check("uncovered.test");
        expect(result(report, "mx-coverage")).toEqual({
            id: "mx-coverage",
            status: "fail",
            detail: 'mx2.mail.test matches no mx pattern (add "mx2.mail.test")',
        });
        expect(report.safeToEnforce).toBe(false);
        expect(formatReport(report)).toMatch(/verdict: fail; do not enforce yet/);
        expect(formatReport(report)).not.toMatch(/safe to enforce/);
    });

    test("an uncovered MX host is a warning in testing", async () => {
        await publish("uncovered-testing.test", {
            mode: "testing",
            mxHosts: ["mx2.mail.test"],
            patterns: ["mx.mail.test"],
        });
        expect(result(await check("uncovered-testing.test"), "mx-coverage")).toEqual({
            id: "mx-coverage",
            status: "warn",
            detail: 'mx2.mail.test matches no mx pattern (add "mx2.mail.test"); pattern mx.mail.test matches no MX host',
        });
    });

    test("a wildcard covers one label only", async () => {
        await publish("deep.test", { mxHosts: ["mx.mail.test"], patterns: ["*.test"] });
        expect(result(await check("deep.test"), "mx-coverage").status).toBe("fail");
    });

    test("a pattern that matches no MX host is a warning", async () => {
        await publish("unused.test", { patterns: ["mx.mail.test", "old.mail.test"] });
        expect(result(await check("unused.test"), "mx-coverage")).toEqual({
            id: "mx-coverage",
            status: "warn",
            detail: "pattern old.mail.test matches no MX host",
        });
    });
});

describe("mx-tls", () => {
    test.each([
        ["plain.mail.test", "fail", "plain.mail.test: STARTTLS is not offered; enforce would bounce mail to it"],
        [
            "misnamed.mail.test",
            "fail",
            /^misnamed\.mail\.test: certificate not valid for misnamed\.mail\.test: Hostname\/IP does not match/,
        ],
        ["down.mail.test", "warn", /^down\.mail\.test: unverified, connect ECONNREFUSED/],
        ["old-tls.mail.test", "fail", /^old-tls\.mail\.test: TLS handshake failed \(TLS 1\.2 or newer is required\)/],
    ])("%s is %s", async (mx, status, detail) => {
        await publish("mxtls.test", { mxHosts: [mx], patterns: ["*.mail.test"] });
        const report = await check("mxtls.test");
        const found = result(report, "mx-tls");
        expect(found.status).toBe(status);
        expect(found.detail).toMatch(detail);
        expect(report.safeToEnforce).toBe(false);
    });
});

describe("tlsrpt-record", () => {
    test.each([
        ["missing", [], "warn", /^no TLS-RPT record at _smtp\._tls\.rpt\.test/],
        [
            "two records",
            ["v=TLSRPTv1; rua=mailto:a@example.com", "v=TLSRPTv1; rua=mailto:b@example.com"],
            "fail",
            /^2 v=TLSRPTv1 records/,
        ],
        [
            "an http URI",
            ["v=TLSRPTv1; rua=http://reports.example.com"],
            "fail",
            /rua "http:\/\/reports\.example\.com": must start with "mailto:" or "https:"/,
        ],
        [
            "an extension after rua",
            ["v=TLSRPTv1; rua=mailto:tlsrpt@example.com; ext1=value"],
            "pass",
            /^v=TLSRPTv1; rua=mailto:tlsrpt@example\.com; ext1=value$/,
        ],
        [
            "an extension before rua",
            ["v=TLSRPTv1; ext1=value; rua=mailto:tlsrpt@example.com"],
            "pass",
            /^v=TLSRPTv1; ext1=value; rua=mailto:tlsrpt@example\.com$/,
        ],
        [
            "a space after a comma",
            ["v=TLSRPTv1; rua=mailto:a@example.com, mailto:b@example.com"],
            "warn",
            /the sys4 reporter then sends the report nowhere/,
        ],
    ])("%s", (_label, tlsRptTxt, status, detail) =>
        expectCheck("rpt.test", { tlsRptTxt }, "tlsrpt-record", status, detail),
    );
});

describe("caa", () => {
    test("CAA that allows Amazon passes", async () => {
        await publish("caa-ok.test", { caa: [{ tag: "issue", value: "amazon.com" }] });
        expect(result(await check("caa-ok.test"), "caa")).toEqual({
            id: "caa",
            status: "pass",
            detail: "CAA at caa-ok.test allows amazon.com",
        });
    });

    test("the first non-empty record set counts: iodef alone at mta-sts.<domain> restricts nothing", async () => {
        await publish("caa-iodef.test", { caa: [{ tag: "issue", value: "letsencrypt.org" }] });
        dns.zone.set("mta-sts.caa-iodef.test", {
            ...dns.zone.get("mta-sts.caa-iodef.test"),
            CAA: [{ tag: "iodef", value: "mailto:security@example.com" }],
        });
        expect(result(await check("caa-iodef.test"), "caa")).toEqual({
            id: "caa",
            status: "pass",
            detail: "CAA at mta-sts.caa-iodef.test holds no issue property (only iodef); any CA may issue",
        });
    });

    test("a critical flag on an unknown property lets no CA issue (RFC 8659 §4.1)", async () => {
        await publish("caa-critical.test", { caa: [{ tag: "tbs", value: "unknown", flags: 128 }] });
        expect(result(await check("caa-critical.test"), "caa")).toEqual({
            id: "caa",
            status: "fail",
            detail: 'CAA at caa-critical.test marks the unknown property "tbs" critical, so no CA may issue (RFC 8659 §4.1); remove it or clear its flag',
        });
    });

    test("issuer names compare case-insensitively and an empty issuer allows no CA", async () => {
        await publish("caa-case.test", { caa: [{ tag: "issue", value: "Amazon.COM; account=1" }] });
        expect(result(await check("caa-case.test"), "caa").status).toBe("pass");
        await publish("caa-none.test", { caa: [{ tag: "issue", value: ";" }] });
        expect(result(await check("caa-none.test"), "caa").detail).toBe(
            'CAA at caa-none.test allows no CA; add "0 issue \\"amazon.com\\"" so ACM can issue',
        );
    });

    test("CAA that allows only another CA fails", async () => {
        await publish("caa-bad.test", { caa: [{ tag: "issue", value: "letsencrypt.org" }] });
        const found = result(await check("caa-bad.test"), "caa");
        expect(found.status).toBe("fail");
        expect(found.detail).toMatch(
            /^CAA at caa-bad\.test allows only letsencrypt\.org; add "0 issue \\"amazon\.com\\""/,
        );
    });
});

describe("the command", () => {
    function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
        let stdout = "";
        let stderr = "";
        return main(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }).then((code) => ({
            code,
            stdout,
            stderr,
        }));
    }

    /** The command line a user runs, pointed at the loopback resolver and CA. */
    const against = (domain: string, ...extra: string[]) => [
        "check",
        domain,
        ...extra,
        "--dns-server",
        `127.0.0.1:${dnsPort()}`,
        "--ca-file",
        caFile,
        "--timeout",
        "4",
    ];

    test("--json prints the documented shape and exits 0 when nothing failed", async () => {
        await publish("json.test");
        const { code, stdout } = await run(against("json.test", "--json"));
        expect(code).toBe(0);
        const parsed = JSON.parse(stdout);
        expect(Object.keys(parsed)).toEqual(["domain", "verdict", "safeToEnforce", "checks"]);
        expect(parsed.domain).toBe("json.test");
        expect(parsed.verdict).toBe("pass");
        expect(parsed.safeToEnforce).toBe(true);
        for (const entry of parsed.checks) {
            expect(Object.keys(entry)).toEqual(["id", "status", "detail"]);
            expect(["pass", "warn", "fail", "skip"]).toContain(entry.status);
        }
        expect(parsed.checks.map((c: CheckResult) => c.id)).toEqual([
            "sts-record",
            "policy-fetch",
            "policy-syntax",
            "policy-id",
            "mx-coverage",
            "mx-tls",
            "tlsrpt-record",
            "caa",
        ]);
    });

    test("exits 1 when a check fails", async () => {
        await publish("fails.test", { headers: { "content-type": "text/html" } });
        const { code, stdout } = await run(against("fails.test"));
        expect(code).toBe(1);
        expect(stdout).toMatch(/^ {2}fail {2}policy-fetch +Content-Type "text\/html"/m);
    });

    test("a failing verdict never says safe to enforce, in text or in --json", async () => {
        await publish("unsafe.test", {
            headers: { "content-type": "text/html" },
            caa: [{ tag: "issue", value: "letsencrypt.org" }],
        });
        const text = await run(against("unsafe.test"));
        expect(text.stdout).toMatch(/^verdict: fail; do not enforce yet: /m);
        expect(text.stdout).not.toMatch(/safe to enforce/);
        const json = JSON.parse((await run(against("unsafe.test", "--json"))).stdout);
        expect({ verdict: json.verdict, safeToEnforce: json.safeToEnforce }).toEqual({
            verdict: "fail",
            safeToEnforce: false,
        });
    });

    test.each([
        [["check"], "give exactly one domain"],
        [["verify", "example.com"], 'unknown command "verify"'],
        [
            ["check", "https://example.com"],
            'domain "https://example.com": must be a bare domain name without a scheme, e.g. "example.com"',
        ],
        ...[
            "resolver.example",
            "127.0.0.1:1e3",
            "127.0.0.1:0x35",
            "127.0.0.1: 53",
            "127.0.0.1:53:53",
            "127.0.0.1:0",
        ].map((server): [string[], string] => [
            ["check", "example.com", "--dns-server", server],
            `--dns-server ${JSON.stringify(server)}: expected ip or ip:port with a decimal port from 1 to 65535, e.g. "192.0.2.53:5353"`,
        ]),
        ...["0", "0.5", "1.0005", "301", "1e2", "Infinity", " 2"].map((timeout): [string[], string] => [
            ["check", "example.com", "--timeout", timeout],
            `--timeout ${JSON.stringify(timeout)}: expected seconds from 1 to 300 with at most 3 decimals, e.g. "2.5"`,
        ]),
        [["check", "example.com", "--ca-file", "/nonexistent.pem"], '--ca-file "/nonexistent.pem": no such file'],
        [["check", "example.com", "--ca-file", SCRATCH], `--ca-file ${JSON.stringify(SCRATCH)}: is not a file`],
        [
            ["check", "example.com", "--ca-file", NOT_PEM],
            `--ca-file ${JSON.stringify(NOT_PEM)}: holds no PEM certificate`,
        ],
        [
            ["check", "example.com", "--bogus"],
            "Unknown option '--bogus'. To specify a positional argument starting with a '-', place it at the end of the command after '--', as in '-- \"--bogus\"",
        ],
    ])("a usage error %j exits 2 with one line", async (args, message) => {
        expect(await run(args)).toEqual({
            code: 2,
            stdout: "",
            stderr: `mta-sts: ${message} (mta-sts --help shows the usage)\n`,
        });
    });

    test("a timeout with up to 3 decimals is accepted", async () => {
        await publish("decimal.test");
        const { code } = await run([...against("decimal.test").slice(0, -1), "2.5"]);
        expect(code).toBe(0);
    });

    test("without arguments it prints the usage and exits 2", async () => {
        const { code, stdout, stderr } = await run([]);
        expect({ code, stdout }).toEqual({ code: 2, stdout: "" });
        expect(stderr).toMatch(/^usage: mta-sts check <domain>/);
    });

    test("--help lists the flags and the exit codes", async () => {
        const { code, stdout } = await run(["--help"]);
        expect(code).toBe(0);
        expect(stdout).toMatch(/--expect-hash-id/);
        expect(stdout).toContain(
            "Exit codes:\n  0  nothing failed (warnings allowed)\n  1  a check failed\n  2  usage error\n",
        );
    });
});
