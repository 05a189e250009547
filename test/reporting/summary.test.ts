import { parseTlsRptReport } from "../../components/reporting/report";
import { reportDay, ReportTally } from "../../components/reporting/summary";
import { sparkline } from "../../components/reporting/chart";
import { buildReport } from "../support/tlsrpt";

const range = (start: string, end: string) => ({ dateRange: { start, end } });

describe("the UTC day of a report", () => {
    test("is the day of a report covering 00:00 to 24:00 UTC", () => {
        expect(reportDay(range("2026-05-01T00:00:00.000Z", "2026-05-01T23:59:59.000Z"))).toBe("2026-05-01");
    });

    test("is the day a report sent with a local offset mostly covers", () => {
        expect(reportDay(range("2026-05-02T22:00:00.000Z", "2026-05-03T21:59:59.000Z"))).toBe("2026-05-03");
    });

    test("is the start day when the range is backwards", () => {
        expect(reportDay(range("2026-05-02T10:00:00.000Z", "2026-05-01T00:00:00.000Z"))).toBe("2026-05-02");
    });
});

describe("tallying reports", () => {
    const current = {
        source: "policy.txt",
        policy: {
            version: "STSv1",
            mode: "testing" as const,
            mx: ["mx1.example.com", "mx2.example.com"],
            maxAge: 604800,
        },
    };
    const options = { minDays: 14, minOrgs: 2 };

    test("the same organisation and report-id count once", () => {
        const tally = new ReportTally();
        const report = parseTlsRptReport(buildReport({ organisation: "A", day: "2026-05-01", successful: 5 }));
        expect([tally.add(report), tally.add(report)]).toEqual(["added", "duplicate"]);
        expect(tally.summarise(current, options).days).toEqual([
            { day: "2026-05-01", reports: 1, successful: 5, failed: 0 },
        ]);
    });

    test("a report dated years away does not fill the years between with empty days", () => {
        const tally = new ReportTally();
        tally.add(parseTlsRptReport(buildReport({ organisation: "A", day: "2026-05-01", successful: 1 })));
        tally.add(parseTlsRptReport(buildReport({ organisation: "A", day: "9999-12-31", successful: 1 })));
        expect(tally.summarise(current, options).days.map((day) => day.day)).toEqual(["2026-05-01", "9999-12-31"]);
    });

    test("a policy matches the published one by its mx patterns, whatever their order", () => {
        const tally = new ReportTally();
        const policy = [
            "version: STSv1",
            "mode: enforce",
            "mx: mx2.example.com",
            "mx: mx1.example.com",
            "max_age: 86400",
        ];
        tally.add(parseTlsRptReport(buildReport({ organisation: "A", day: "2026-05-01", successful: 1, policy })));
        expect(tally.summarise(current, options).policies.seen[0]).toMatchObject({
            matchesCurrent: true,
            mode: "enforce",
            mx: ["mx1.example.com", "mx2.example.com"],
        });
    });
});

describe("the terminal sparkline", () => {
    test("scales to the largest value and shows zero as a space", () => {
        expect(sparkline([0, 1, 4, 8])).toBe(" ▁▄█");
    });

    test("groups days when there are more than its width", () => {
        expect(sparkline([1, 1, 2, 2, 0, 0], 3)).toBe("▄█ ");
    });
});
