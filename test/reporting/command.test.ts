import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, truncateSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { Resvg } from "@resvg/resvg-js";
import { renderChartSvg } from "../../components/reporting/chart";
import { reportCommand, ReportCommandDependencies } from "../../components/reporting/command";
import { CurrentPolicy } from "../../components/reporting/summary";
import { buildReport, rolloutScenario, writeReports, daysFrom } from "../support/tlsrpt";

let directory: string;
let fetches: string[];
beforeEach(() => {
    directory = mkdtempSync(path.join(tmpdir(), "tlsrpt-"));
    fetches = [];
});
afterEach(() => rmSync(directory, { recursive: true, force: true }));

/** Serves PUBLISHED as the policy every domain publishes now, recording which domains were asked for. */
const published: ReportCommandDependencies = {
    fetchPolicy: async (domain) => {
        fetches.push(domain);
        return {
            source: `https://mta-sts.${domain}/.well-known/mta-sts.txt`,
            policy: { version: "STSv1", mode: "testing", mx: ["mx1.example.com", "mx2.example.com"], maxAge: 604800 },
        } satisfies CurrentPolicy;
    },
};

async function report(args: string[], dependencies = published) {
    let stdout = "";
    let stderr = "";
    const code = await reportCommand(
        args,
        { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) },
        dependencies,
    );
    return { code, stdout, stderr };
}

const rollout = () => {
    writeReports(directory, rolloutScenario());
    return directory;
};
const lines = (text: string) => text.split("\n");

describe("mta-sts report on a directory of reports", () => {
    test("a rollout with 16 clean days from 2 organisations under the published policy is safe to enforce", async () => {
        const { code, stdout, stderr } = await report([rollout()]);
        expect(stderr).toBe("");
        expect(code).toBe(0);
        expect(lines(stdout)).toContain(
            "verdict: safe to enforce: 16 days of reports from 2 organisations under the published policy, no failed sessions",
        );
    });

    test("the summary counts every report once, across .json, .json.gz and .eml", async () => {
        const { stdout } = await report([rollout()]);
        expect(lines(stdout).slice(0, 2)).toEqual([
            "mta-sts report example.com",
            "  36 reports from 3 organisations, 2026-05-01 to 2026-05-19 (19 days)",
        ]);
    });

    test("sessions per UTC day add up the reports of that day", async () => {
        const { stdout } = await report([rollout()]);
        expect(lines(stdout)).toEqual(
            expect.arrayContaining([
                "  successful |▅▅▅▇▇▇▇▇▇██▇███████| 26,542",
                "  failed     |███                | 120",
                "  2026-05-01         1           900          40",
                "  2026-05-10         3         1,482           0",
            ]),
        );
    });

    test("failures are broken down by result type, receiving MX, sending IP and organisation", async () => {
        const { stdout } = await report([rollout(), "--json"]);
        const summary = JSON.parse(stdout);
        expect(summary.failures).toEqual({
            byResultType: [{ key: "certificate-expired", sessions: 120 }],
            byReceivingMx: [{ key: "mx2.example.com", sessions: 120 }],
            bySendingIp: [{ key: "192.0.2.10", sessions: 120 }],
            byOrganisation: [
                { organisation: "Sender One", reports: 19, successful: 21130, failed: 120 },
                { organisation: "Sender Two", reports: 16, successful: 5400, failed: 0 },
                { organisation: "Sender Three", reports: 1, successful: 12, failed: 0 },
            ],
        });
    });

    test("the policies the senders applied are compared with the published one", async () => {
        const { stdout } = await report([rollout()]);
        expect(lines(stdout)).toEqual(
            expect.arrayContaining([
                "policies the reporters applied, against the published one (https://mta-sts.example.com/.well-known/mta-sts.txt)",
                "  published: sts mode testing, mx mx1.example.com mx2.example.com, max_age 604800",
                "  = sts mode testing, mx mx1.example.com mx2.example.com, max_age 604800: 32 reports from 2 organisations (Sender One, Sender Two), 2026-05-04 to 2026-05-19",
                "  ≠ sts mode testing, mx mx1.example.com, max_age 86400: 3 reports from 1 organisation (Sender One), 2026-05-01 to 2026-05-03",
                "  ≠ no-policy-found: 1 report from 1 organisation (Sender Three), 2026-05-10 to 2026-05-10",
            ]),
        );
        expect(fetches).toEqual(["example.com"]);
    });

    test("--json has the verdict and every day", async () => {
        const summary = JSON.parse((await report([rollout(), "--json"])).stdout);
        expect(summary.verdict).toEqual({
            safeToEnforce: true,
            days: 16,
            minDays: 14,
            organisations: 2,
            minOrgs: 2,
            stsFailures: [],
            missing: [],
        });
        expect(summary.days).toHaveLength(19);
        expect(summary.days[9]).toEqual({ day: "2026-05-10", reports: 3, successful: 1482, failed: 0 });
    });

    test("fewer days than --min-days under the published policy is not yet safe, and says how many more", async () => {
        const { code, stdout } = await report([rollout(), "--min-days", "20"]);
        expect(code).toBe(1);
        expect(stdout).toContain(
            "verdict: not yet safe to enforce\n  - reports on 16 of 20 days under the published policy (4 more day(s) needed)\n",
        );
    });

    test("fewer organisations than --min-orgs is not yet safe", async () => {
        const { code, stdout } = await report([rollout(), "--min-orgs", "3"]);
        expect(code).toBe(1);
        expect(stdout).toContain("  - reports from 2 of 3 organisations under the published policy\n");
    });

    test("a failed session under the published policy is not safe, and is named", async () => {
        writeReports(directory, [
            ...rolloutScenario(),
            {
                spec: {
                    organisation: "Sender Two",
                    day: "2026-05-20",
                    successful: 5,
                    failures: [
                        { resultType: "certificate-host-mismatch", receivingMx: "mx2.example.com", sessions: 7 },
                    ],
                },
                as: "json",
            },
        ]);
        const { code, stdout } = await report([directory]);
        expect(code).toBe(1);
        expect(stdout).toContain(
            "  - 7 failed session(s) under the published policy: certificate-host-mismatch at mx2.example.com (7)\n",
        );
    });

    test("a policy fetch failure after the published policy went live counts, whatever policy the sender applied", async () => {
        writeReports(directory, [
            ...rolloutScenario(),
            {
                spec: {
                    organisation: "Sender Four",
                    day: "2026-05-12",
                    successful: 0,
                    policy: "no-policy-found",
                    failures: [{ resultType: "sts-policy-fetch-error", receivingMx: "mx1.example.com", sessions: 3 }],
                },
                as: "json",
            },
        ]);
        const { code, stdout } = await report([directory]);
        expect(code).toBe(1);
        expect(stdout).toContain(
            "  - 3 failed session(s) under the published policy: sts-policy-fetch-error at mx1.example.com (3)\n",
        );
    });

    test("failures under an older policy do not block enforce", async () => {
        const summary = JSON.parse((await report([rollout(), "--json"])).stdout);
        expect(summary.failures.byResultType).toEqual([{ key: "certificate-expired", sessions: 120 }]);
        expect(summary.verdict.stsFailures).toEqual([]);
    });

    test("reports that never saw the published policy say so", async () => {
        const policy = path.join(directory, "policy.txt");
        writeFileSync(policy, "version: STSv1\r\nmode: testing\r\nmx: mx3.example.com\r\nmax_age: 604800\r\n");
        const { code, stdout } = await report([rollout(), "--policy", policy]);
        expect(code).toBe(1);
        expect(stdout).toContain(
            "  - no report saw the published policy (mx mx3.example.com); 36 report(s) saw another policy or none\n",
        );
        expect(fetches).toEqual([]);
    });

    test("a published policy that cannot be fetched is not safe, and the reason is shown", async () => {
        const { code, stdout } = await report([rollout()], {
            fetchPolicy: async (domain) => ({
                source: `https://mta-sts.${domain}/.well-known/mta-sts.txt`,
                error: "HTTP 404",
            }),
        });
        expect(code).toBe(1);
        expect(stdout).toContain(
            "  - the published policy could not be read (https://mta-sts.example.com/.well-known/mta-sts.txt: HTTP 404)\n",
        );
    });

    test("--since and --until keep the UTC days in between", async () => {
        const summary = JSON.parse(
            (await report([rollout(), "--since", "2026-05-04", "--until", "2026-05-10", "--json"])).stdout,
        );
        expect(summary.days.map((day: { day: string }) => day.day)).toEqual(daysFrom("2026-05-04", 7));
        expect(summary.reports).toBe(15);
        expect(summary.outside).toBe(21);
        expect(summary.verdict.missing).toEqual([
            "reports on 7 of 14 days under the published policy (7 more day(s) needed)",
        ]);
    });

    test("a report delivered twice (retried, or by mail and HTTPS) counts once", async () => {
        const copy = buildReport({ organisation: "Sender One", day: "2026-05-04", successful: 1000 });
        mkdirSync(path.join(directory, "retries"));
        writeFileSync(path.join(directory, "retries", "again.json"), JSON.stringify(copy));
        const summary = JSON.parse((await report([rollout(), "--json"])).stdout);
        expect(summary.reports).toBe(36);
        expect(summary.duplicates).toBe(1);
    });

    test("a day without reports shows as an empty day", async () => {
        writeReports(directory, [
            { spec: { organisation: "A", day: "2026-05-01", successful: 1 }, as: "json" },
            { spec: { organisation: "A", day: "2026-05-03", successful: 1 }, as: "json" },
        ]);
        const summary = JSON.parse((await report([directory, "--json"])).stdout);
        expect(summary.days).toEqual([
            { day: "2026-05-01", reports: 1, successful: 1, failed: 0 },
            { day: "2026-05-02", reports: 0, successful: 0, failed: 0 },
            { day: "2026-05-03", reports: 1, successful: 1, failed: 0 },
        ]);
    });

    test("sources that are not reports are listed as rejected and do not stop the others", async () => {
        rollout();
        writeFileSync(path.join(directory, "truncated.json.gz"), gzipSync("{}").subarray(0, 12));
        writeFileSync(path.join(directory, "notes.txt"), "not a report");
        const { stdout } = await report([directory]);
        expect(lines(stdout)).toEqual(
            expect.arrayContaining([
                "  1 source rejected; 1 other file skipped (not .json, .json.gz, .gz or .eml)",
                `  rejected ${path.join(directory, "truncated.json.gz")}: the gzip body is truncated`,
            ]),
        );
        expect(stdout).toContain("36 reports from 3 organisations");
    });

    test("a 50 MB file is rejected by its size without being read", async () => {
        const big = path.join(directory, "big.json");
        writeFileSync(big, "");
        truncateSync(big, 50_000_000);
        const summary = JSON.parse((await report([directory, "--json"])).stdout);
        expect(summary.rejected).toEqual([
            { source: big, problems: [`${big} is more than 8388608 bytes (the limit)`] },
        ]);
    });

    test("text from a report is escaped before it reaches the terminal", async () => {
        writeFileSync(
            path.join(directory, "hostile.json"),
            JSON.stringify(buildReport({ organisation: "Evil\u001b[2J\u202eCorp", day: "2026-05-01", successful: 1 })),
        );
        const { stdout } = await report([directory]);
        expect(stdout).not.toContain("\u001b");
        expect(stdout).not.toContain("\u202e");
        expect(stdout).toContain("Evil\\u{1b}[2J\\u{202e}Corp");
    });

    test("a file named on the command line is read whatever its extension", async () => {
        const file = path.join(directory, "report.txt");
        writeFileSync(file, JSON.stringify(buildReport({ organisation: "A", day: "2026-05-01", successful: 3 })));
        const summary = JSON.parse((await report([file, "--json"])).stdout);
        expect(summary.reports).toBe(1);
    });

    test("reports for several domains need --domain", async () => {
        writeReports(directory, [
            { spec: { organisation: "A", day: "2026-05-01", successful: 1 }, as: "json" },
            { spec: { organisation: "A", day: "2026-05-02", successful: 1, domain: "example.net" }, as: "json" },
        ]);
        const { code, stderr } = await report([directory]);
        expect(code).toBe(2);
        expect(stderr).toMatch(
            /^the reports cover several policy domains \(example\.com, example\.net\); choose one with --domain\n/,
        );
        const chosen = JSON.parse((await report([directory, "--domain", "example.net", "--json"])).stdout);
        expect([chosen.domain, chosen.reports, chosen.outside]).toEqual(["example.net", 1, 1]);
    });

    test("no readable report is not safe", async () => {
        const { code, stdout } = await report([directory]);
        expect(code).toBe(1);
        expect(stdout).toContain("verdict: not yet safe to enforce\n  - no reports were read\n");
    });
});

describe("mta-sts report pictures", () => {
    test("--svg writes a well-formed SVG whose two series are the daily successful and failed sessions", async () => {
        const svgFile = path.join(directory, "chart.svg");
        await report([rollout(), "--svg", svgFile]);
        const svg = readFileSync(svgFile, "utf8");
        // resvg parses the XML strictly: a malformed document throws here.
        expect(new Resvg(svg).width).toBe(860);
        const series = (name: string) =>
            [
                ...svg
                    .split(`<g id="series-${name}"`)[1]
                    .split("</g>")[0]
                    .matchAll(/data-day="([^"]+)" data-value="(\d+)"/g),
            ].map(([, day, value]) => [day, Number(value)]);
        const successful = series("successful");
        expect(successful).toHaveLength(19);
        expect(successful[0]).toEqual(["2026-05-01", 900]);
        expect(successful[9]).toEqual(["2026-05-10", 1482]);
        expect(series("failed").slice(0, 4)).toEqual([
            ["2026-05-01", 40],
            ["2026-05-02", 40],
            ["2026-05-03", 40],
            ["2026-05-04", 0],
        ]);
    });

    test("--png writes a PNG of the chart at twice its size", async () => {
        const pngFile = path.join(directory, "chart.png");
        await report([rollout(), "--png", pngFile]);
        const png = readFileSync(pngFile);
        expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
        expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1720, 892]);
    });

    test("the domain in the chart title is XML-escaped", () => {
        expect(renderChartSvg([], 'a<b>&"c"')).toContain("<title>a&lt;b&gt;&amp;&quot;c&quot;</title>");
    });
});

describe("mta-sts report usage", () => {
    test("--help prints the usage with the exit codes", async () => {
        const { code, stdout } = await report(["--help"]);
        expect(code).toBe(0);
        expect(stdout).toContain("Exit codes: 0 safe to enforce, 1 not yet safe (or nothing readable), 2 usage error.");
    });

    test("every bad argument is named at once, with exit code 2", async () => {
        const { code, stderr } = await report([
            path.join(directory, "absent"),
            "s3://",
            "--since",
            "2026-02-30",
            "--min-days",
            "0",
            "--svg",
            path.join(directory, "no", "chart.svg"),
        ]);
        expect(code).toBe(2);
        expect(stderr.split("\n\n")[0]).toBe(
            [
                `${JSON.stringify(path.join(directory, "absent"))}: no such file or directory`,
                `"s3://": expected s3://bucket/prefix`,
                `--since "2026-02-30": expected a UTC day as YYYY-MM-DD`,
                `--min-days "0": expected a whole number from 1 to 3650`,
                `--svg ${JSON.stringify(path.join(directory, "no", "chart.svg"))}: its directory does not exist`,
            ].join("\n"),
        );
    });

    test("the fetch flags are held to the same rules as mta-sts check's", async () => {
        const { code, stderr } = await report([
            directory,
            "--timeout",
            "1.0005",
            "--ca-file",
            directory,
            "--dns-server",
            "127.0.0.1:0x35",
        ]);
        expect(code).toBe(2);
        expect(stderr.split("\n\n")[0]).toBe(
            [
                `--dns-server "127.0.0.1:0x35": expected ip or ip:port with a decimal port from 1 to 65535, e.g. "192.0.2.53:5353"`,
                `--timeout "1.0005": expected seconds from 1 to 300 with at most 3 decimals, e.g. "2.5"`,
                `--ca-file ${JSON.stringify(directory)}: is not a file`,
            ].join("\n"),
        );
        expect((await report([directory, "--timeout", "0"])).stderr).toMatch(
            /^--timeout "0": expected seconds from 1 to 300/,
        );
    });

    test("no input is a usage error", async () => {
        const { code, stderr } = await report([]);
        expect(code).toBe(2);
        expect(stderr).toMatch(/^give at least one file, directory or s3:\/\/bucket\/prefix\n/);
    });

    test("--since after --until is a usage error", async () => {
        const { code, stderr } = await report([directory, "--since", "2026-05-02", "--until", "2026-05-01"]);
        expect(code).toBe(2);
        expect(stderr).toMatch(/^--since 2026-05-02 is after --until 2026-05-01\n/);
    });
});
