/**
 * `mta-sts report` through the `mta-sts` command line, end to end: reports
 * from a real S3-compatible server on loopback (s3rver, through the AWS SDK
 * v3 and SigV4), and the published policy fetched from a real HTTPS server
 * on loopback, found through a real DNS server, as `mta-sts check` fetches it.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { main } from "../../components/cli";
import { reportStorageKey } from "../../components/reporting/storage";
import { parseTlsRptReport } from "../../components/reporting/report";
import {
    createCertificateAuthority,
    DnsServer,
    issueCertificate,
    startDnsServer,
    startHttpsServer,
    HttpsServer,
} from "../support/loopback";
import { S3_TEST_CREDENTIALS, S3TestServer, startS3Server } from "../support/s3";
import { buildReport, CURRENT_POLICY, reportEmail, rolloutScenario } from "../support/tlsrpt";

let s3: S3TestServer;
let dns: DnsServer;
let policyServer: HttpsServer;
/** A second address of mta-sts.example.com, answering as each test sets it. */
let secondServer: HttpsServer;
let caFile: string;
let scratch: string;
const environment = { ...process.env };

beforeAll(async () => {
    s3 = await startS3Server({ buckets: ["tls-reports"] });
    // What the receiver stores under its prefix: each delivery as it came (gzip by HTTPS, or the
    // message by mail) under raw/, the same report normalised under reports/, and SES's mail under inbound/.
    for (const { spec, as } of rolloutScenario()) {
        const report = buildReport(spec);
        const parsed = parseTlsRptReport(report);
        const key = reportStorageKey(parsed);
        if (as === "eml") await s3.put("tls-reports", `tls-rpt/raw/${key}.eml`, reportEmail(report));
        else await s3.put("tls-reports", `tls-rpt/raw/${key}.json.gz`, gzipSync(JSON.stringify(report)));
        await s3.put("tls-reports", `tls-rpt/reports/${key}.json`, JSON.stringify(parsed));
    }
    await s3.put(
        "tls-reports",
        "tls-rpt/inbound/0123456789abcdef",
        reportEmail(buildReport(rolloutScenario()[0].spec)),
    );
    await s3.put("tls-reports", "elsewhere/2026/05/01/x.json", "{}");

    const ca = await createCertificateAuthority("report test CA");
    scratch = mkdtempSync(path.join(tmpdir(), "mta-sts-report-"));
    caFile = path.join(scratch, "ca.pem");
    writeFileSync(caFile, ca.cert);
    policyServer = await startHttpsServer(await issueCertificate(ca, "mta-sts.example.com"), {
        status: 200,
        headers: { "content-type": "text/plain" },
        body: `${CURRENT_POLICY.join("\r\n")}\r\n`,
    });
    secondServer = await startHttpsServer(await issueCertificate(ca, "mta-sts.example.com"), policyServer.respond);
    dns = await startDnsServer();
    dns.zone.set("mta-sts.example.com", { A: [policyServer.address] });

    // The standard credential chain reads these, as it would on an administrator's machine.
    process.env.AWS_ACCESS_KEY_ID = S3_TEST_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = S3_TEST_CREDENTIALS.secretAccessKey;
    process.env.AWS_REGION = "us-east-1";
}, 30000);

afterAll(async () => {
    process.env = environment;
    await Promise.all([s3?.close(), dns?.close(), policyServer?.close(), secondServer?.close()]);
    rmSync(scratch, { recursive: true, force: true });
});

async function cli(args: string[]) {
    let stdout = "";
    let stderr = "";
    const code = await main(args, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
    return { code, stdout, stderr };
}

const live = () => ["--dns-server", `127.0.0.1:${dns.port}`, "--ca-file", caFile];

test("reports under an S3 prefix are summarised, and the live policy is fetched and compared", async () => {
    const { code, stdout, stderr } = await cli([
        "report",
        "s3://tls-reports/tls-rpt/reports/",
        "--s3-endpoint",
        s3.endpoint,
        ...live(),
    ]);
    expect(stderr).toBe("");
    expect(stdout.split("\n")).toEqual(
        expect.arrayContaining([
            "  36 reports from 3 organisations, 2026-05-01 to 2026-05-19 (19 days)",
            "policies the reporters applied, against the published one (https://mta-sts.example.com/.well-known/mta-sts.txt)",
            "  published: sts mode testing, mx mx1.example.com mx2.example.com, max_age 604800",
            "verdict: safe to enforce: 16 days of reports from 2 organisations under the published policy, no failed sessions",
        ]),
    );
    expect(code).toBe(0);
    expect(policyServer.requests).toBeGreaterThan(0);
});

test("the receiver's whole prefix counts each report once, raw and normalised copies alike", async () => {
    const summary = JSON.parse(
        (await cli(["report", "s3://tls-reports/tls-rpt/", "--s3-endpoint", s3.endpoint, "--json", ...live()])).stdout,
    );
    expect([summary.reports, summary.duplicates, summary.skipped, summary.rejected]).toEqual([36, 36, 1, []]);
    expect(summary.verdict.safeToEnforce).toBe(true);
});

test("only keys under the prefix are read, and only those with a report extension", async () => {
    const summary = JSON.parse(
        (
            await cli([
                "report",
                "s3://tls-reports/tls-rpt/raw/2026/05/0",
                "--s3-endpoint",
                s3.endpoint,
                "--json",
                ...live(),
            ])
        ).stdout,
    );
    expect(summary.days.map((day: { day: string }) => day.day)).toEqual(
        Array.from({ length: 9 }, (_, index) => `2026-05-0${index + 1}`),
    );
    expect(summary.rejected).toEqual([]);
});

test("a bucket that does not exist is an error with exit code 1", async () => {
    const { code, stderr } = await cli(["report", "s3://no-such-bucket/", "--s3-endpoint", s3.endpoint, ...live()]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error: .*bucket/i);
});

test("a policy host that does not answer makes the verdict name it", async () => {
    dns.zone.delete("mta-sts.example.com");
    try {
        const { code, stdout } = await cli([
            "report",
            "s3://tls-reports/tls-rpt/reports/",
            "--s3-endpoint",
            s3.endpoint,
            ...live(),
            "--timeout",
            "2",
        ]);
        expect(code).toBe(1);
        expect(stdout).toContain(
            "  - the published policy could not be read (https://mta-sts.example.com/.well-known/mta-sts.txt: ",
        );
    } finally {
        dns.zone.set("mta-sts.example.com", { A: [policyServer.address] });
    }
});

describe("a policy host with two addresses: a sender may reach either, so both count", () => {
    const both = () => dns.zone.set("mta-sts.example.com", { A: [policyServer.address, secondServer.address] });
    afterEach(() => {
        dns.zone.set("mta-sts.example.com", { A: [policyServer.address] });
        secondServer.respond = policyServer.respond;
    });
    const report = async () =>
        JSON.parse(
            (
                await cli([
                    "report",
                    "s3://tls-reports/tls-rpt/reports/",
                    "--s3-endpoint",
                    s3.endpoint,
                    "--json",
                    ...live(),
                ])
            ).stdout,
        );

    test("the same policy from both is the published policy, fetched from each", async () => {
        both();
        const before = secondServer.requests;
        const summary = await report();
        expect(summary.verdict.safeToEnforce).toBe(true);
        expect(secondServer.requests).toBe(before + 1);
    });

    test("an address this machine has no route to is left out, not counted against the policy", async () => {
        // The broadcast address gets ENETUNREACH on every machine, as an IPv6 address does on an IPv4-only one.
        dns.zone.set("mta-sts.example.com", { A: [policyServer.address, "255.255.255.255"] });
        const summary = await report();
        expect(summary.policies.current.error).toBeUndefined();
        expect(summary.verdict.safeToEnforce).toBe(true);
    });

    test("another policy differing only in mx order and letter case is the same policy", async () => {
        both();
        secondServer.respond = {
            status: 200,
            headers: { "content-type": "text/plain" },
            body: `${["version: STSv1", "mode: testing", "mx: MX2.example.com", "mx: mx1.example.com", "max_age: 604800"].join("\r\n")}\r\n`,
        };
        expect((await report()).verdict.safeToEnforce).toBe(true);
    });

    test.each([
        ["an HTTP error", { status: 404, headers: {}, body: "" }, (a: string) => `${a}: HTTP 404`],
        [
            "the wrong media type",
            {
                status: 200,
                headers: { "content-type": "application/octet-stream" },
                body: `${CURRENT_POLICY.join("\r\n")}\r\n`,
            },
            (a: string) => `${a}: Content-Type "application/octet-stream", not text/plain`,
        ],
        [
            "another policy",
            {
                status: 200,
                headers: { "content-type": "text/plain" },
                body: "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.com\r\nmax_age: 86400\r\n",
            },
            (a: string) =>
                `its addresses serve different policies (${policyServer.address} mode testing, mx mx1.example.com mx2.example.com, max_age 604800; ${a} mode enforce, mx mx1.example.com, max_age 86400)`,
        ],
    ])("%s from the second address leaves no published policy, naming the address", async (_label, respond, error) => {
        both();
        secondServer.respond = respond;
        const summary = await report();
        expect(summary.policies.current.error).toBe(error(secondServer.address));
        expect(summary.verdict.safeToEnforce).toBe(false);
    });
});

test("the usage lists both commands", async () => {
    const { code, stderr } = await cli([]);
    expect(code).toBe(2);
    expect(stderr).toContain("usage: mta-sts check <domain>");
    expect(stderr).toContain("mta-sts report <file|dir|s3://bucket/prefix>... [options]");
});
