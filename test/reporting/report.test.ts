import { readFileSync } from "node:fs";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { parseTlsRptReport, readTlsRptReport } from "../../components/reporting/report";
import { TlsRptReportError } from "../../components/reporting/decode";

const quirks = path.join(__dirname, "..", "fixtures", "tlsrpt", "quirks");
const fixture = (name: string) => readFileSync(path.join(quirks, name));
const json = (name: string) => JSON.parse(fixture(name).toString("utf8"));

function rejection(value: unknown): string {
    try {
        parseTlsRptReport(value);
    } catch (error) {
        expect(error).toBeInstanceOf(TlsRptReportError);
        return (error as Error).message;
    }
    throw new Error("expected a rejection");
}

describe("reading a TLS-RPT report (RFC 8460 §4.4)", () => {
    test("a canonical report is normalised field by field", () => {
        expect(readTlsRptReport(fixture("canonical.json"))).toEqual({
            organizationName: "Sender One",
            contactInfo: "tlsrpt@sender-one.example",
            reportId: "2026-05-01T00:00:00Z_example.com",
            dateRange: { start: "2026-05-01T00:00:00.000Z", end: "2026-05-01T23:59:59.000Z" },
            policies: [
                {
                    policyType: "sts",
                    policyString: [
                        "version: STSv1",
                        "mode: testing",
                        "mx: mx1.example.com",
                        "mx: mx2.example.com",
                        "max_age: 604800",
                    ],
                    policyDomain: "example.com",
                    mxHost: ["mx1.example.com", "mx2.example.com"],
                    successfulSessions: 120,
                    failedSessions: 3,
                    failures: [
                        {
                            resultType: "certificate-expired",
                            sendingMtaIp: "192.0.2.10",
                            receivingMxHostname: "mx2.example.com",
                            receivingIp: "198.51.100.20",
                            failedSessions: 2,
                        },
                        {
                            resultType: "validation-failure",
                            sendingMtaIp: "2001:db8::25",
                            receivingMxHostname: "mx1.example.com",
                            receivingMxHelo: "mx1.example.com",
                            failedSessions: 1,
                            failureReasonCode: "X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT",
                            additionalInformation: "https://sender-one.example/tls/abc",
                        },
                    ],
                },
            ],
            warnings: [],
        });
    });

    test("a gzip body reads the same as its JSON", () => {
        expect(readTlsRptReport(gzipSync(fixture("canonical.json")))).toEqual(
            readTlsRptReport(fixture("canonical.json")),
        );
    });

    test("date-times without a time zone are read as UTC, with a warning", () => {
        const report = readTlsRptReport(fixture("no-time-zone.json"));
        expect(report.dateRange).toEqual({ start: "2026-05-02T00:00:00.000Z", end: "2026-05-02T23:59:59.000Z" });
        expect(report.warnings).toEqual([
            'date-range.start-datetime "2026-05-02T00:00:00" has no time zone; read as UTC',
            'date-range.end-datetime "2026-05-02T23:59:59" has no time zone; read as UTC',
        ]);
    });

    test("a date-time with an offset is converted to UTC", () => {
        expect(readTlsRptReport(fixture("mx-host-string.json")).dateRange).toEqual({
            start: "2026-05-02T22:00:00.000Z",
            end: "2026-05-03T21:59:59.000Z",
        });
    });

    test("mx-host as one string (errata 6241) becomes a list of one, with a warning", () => {
        const report = readTlsRptReport(fixture("mx-host-string.json"));
        expect(report.policies[0].mxHost).toEqual(["*.mail.example.com"]);
        expect(report.warnings).toEqual([
            "policies[0].policy.mx-host is a string, not a list of strings (RFC errata 6241)",
        ]);
    });

    test("no-policy-found without policy-string reads as an empty policy, without a warning", () => {
        const report = readTlsRptReport(fixture("no-policy-found.json"));
        expect(report.policies[0]).toMatchObject({ policyType: "no-policy-found", policyString: [], mxHost: [] });
        expect(report.warnings).toEqual([]);
    });

    test("an sts policy without policy-string is kept, with a warning", () => {
        const value = json("canonical.json");
        delete value.policies[0].policy["policy-string"];
        const report = parseTlsRptReport(value);
        expect(report.policies[0].policyString).toEqual([]);
        expect(report.warnings).toEqual(['policies[0].policy.policy-string is missing for policy-type "sts"']);
    });

    test("missing, empty and null address fields are left out of the failure", () => {
        const report = readTlsRptReport(fixture("empty-addresses.json"));
        expect(report.contactInfo).toBeUndefined();
        expect(report.policies[0].policyDomain).toBe("example.com");
        expect(report.policies[0].failures).toEqual([
            { resultType: "sts-policy-fetch-error", failedSessions: 3 },
            { resultType: "sts-webpki-invalid", failedSessions: 1 },
        ]);
        expect(report.warnings).toEqual([]);
    });

    test("failure details that do not add up to the total are kept as sent, with a warning", () => {
        const report = readTlsRptReport(fixture("counts-disagree.json"));
        expect(report.policies[0].failedSessions).toBe(10);
        expect(report.policies[0].failures.map((failure) => failure.failedSessions)).toEqual([4, 4]);
        expect(report.warnings).toEqual([
            "policies[0]: failure-details add up to 8 sessions, total-failure-session-count says 10",
        ]);
    });

    test("receiving MX host names are lowercased without the trailing dot", () => {
        const report = readTlsRptReport(fixture("canonical.json"));
        expect(report.policies[0].failures[1].receivingMxHostname).toBe("mx1.example.com");
    });

    test("a result type outside RFC 8460 §4.3 is kept as sent", () => {
        const value = json("canonical.json");
        value.policies[0]["failure-details"][0]["result-type"] = "dane-ta-expired";
        expect(parseTlsRptReport(value).policies[0].failures[0].resultType).toBe("dane-ta-expired");
    });

    test("fractional seconds are kept to the millisecond", () => {
        expect(readTlsRptReport(fixture("counts-disagree.json")).dateRange.end).toBe("2026-05-06T23:59:59.999Z");
    });
});

describe("reading a report the receiver stored in normalised form", () => {
    test("reads back to the same report", () => {
        const report = readTlsRptReport(fixture("canonical.json"));
        expect(parseTlsRptReport(JSON.parse(JSON.stringify(report)))).toEqual(report);
    });

    test("reads a stored no-policy-found report without a policy string", () => {
        const report = readTlsRptReport(fixture("no-policy-found.json"));
        expect(parseTlsRptReport(JSON.parse(JSON.stringify(report)))).toEqual(report);
    });

    test("is held to the same rules", () => {
        const stored = JSON.parse(JSON.stringify(readTlsRptReport(fixture("canonical.json"))));
        stored.policies[0].successfulSessions = "many";
        expect(rejection(stored)).toBe(
            'not a TLS-RPT report (RFC 8460 §4.4), 1 problem:\n  - policies[0].summary.total-successful-session-count: expected a whole number of sessions (0 or more), got "many"',
        );
    });
});

describe("rejecting what is not a report", () => {
    test("wrong types are each named with path, value and rule, in one error", () => {
        const value = json("canonical.json");
        value["organization-name"] = 42;
        value["report-id"] = "";
        value.policies[0].summary["total-successful-session-count"] = "120";
        value.policies[0]["failure-details"][0]["failed-session-count"] = -1;
        value.policies[0].policy["mx-host"] = ["mx1.example.com", 7];
        expect(rejection(value)).toBe(
            [
                "not a TLS-RPT report (RFC 8460 §4.4), 5 problems:",
                "  - organization-name: expected a non-empty string, got number 42",
                '  - report-id: expected a non-empty string, got ""',
                "  - policies[0].policy.mx-host[1]: expected a string, got number 7",
                '  - policies[0].summary.total-successful-session-count: expected a whole number of sessions (0 or more), got "120"',
                "  - policies[0].failure-details[0].failed-session-count: expected a whole number of sessions (0 or more), got number -1",
            ].join("\n"),
        );
    });

    test("a JSON value that is not an object is rejected", () => {
        expect(rejection([1, 2])).toBe(
            "not a TLS-RPT report (RFC 8460 §4.4), 1 problem:\n  - report: expected an object, got an array",
        );
    });

    test("missing required fields are named", () => {
        expect(rejection({})).toBe(
            [
                "not a TLS-RPT report (RFC 8460 §4.4), 4 problems:",
                "  - organization-name: expected a non-empty string, got nothing",
                "  - report-id: expected a non-empty string, got nothing",
                "  - date-range: expected an object, got nothing",
                "  - policies: expected an array, got nothing",
            ].join("\n"),
        );
    });

    test("a date-time that is not RFC 3339 or not on the calendar is rejected", () => {
        const value = json("canonical.json");
        value["date-range"]["start-datetime"] = "May 1st";
        value["date-range"]["end-datetime"] = "2026-02-30T00:00:00Z";
        expect(rejection(value)).toBe(
            [
                "not a TLS-RPT report (RFC 8460 §4.4), 2 problems:",
                '  - date-range.start-datetime: expected an RFC 3339 date-time, got "May 1st"',
                '  - date-range.end-datetime: "2026-02-30T00:00:00Z" is not a calendar date and time',
            ].join("\n"),
        );
    });

    test("a __proto__ key is rejected and pollutes nothing", () => {
        const value = JSON.parse(
            fixture("canonical.json")
                .toString("utf8")
                .replace('"policy": {', '"policy": { "__proto__": { "polluted": true },'),
        );
        expect(rejection(value)).toBe(
            'not a TLS-RPT report (RFC 8460 §4.4), 1 problem:\n  - policies[0].policy: the key "__proto__" is not allowed',
        );
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    test("a long string value is quoted only in part", () => {
        const value = json("canonical.json");
        value["date-range"]["start-datetime"] = "x".repeat(100_000);
        expect(rejection(value)).toBe(
            `not a TLS-RPT report (RFC 8460 §4.4), 1 problem:\n  - date-range.start-datetime: expected an RFC 3339 date-time, got "${"x".repeat(64)}"... (100000 characters)`,
        );
    });
});
