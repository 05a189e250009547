import { reportStorageKey } from "../../components/reporting/storage";

const report = (organizationName: string, reportId: string, start = "2026-05-01T00:00:00.000Z") => ({
    organizationName,
    reportId,
    dateRange: { start, end: "2026-05-01T23:59:59.000Z" },
});

describe("the storage key of a report", () => {
    test("is the UTC start date, the organisation and the report-id, with a hash of both", () => {
        expect(reportStorageKey(report("Google Inc.", "2026-05-01T00:00:00Z_example.com"))).toMatch(
            /^2026\/05\/01\/google-inc\/2026-05-01t00-00-00z-example.com-[0-9a-f]{16}$/,
        );
    });

    test("is the same for a retried delivery of the same report", () => {
        expect(reportStorageKey(report("Sender", "abc"))).toBe(reportStorageKey(report("Sender", "abc")));
    });

    test("differs for report-ids that reduce to the same readable part", () => {
        expect(reportStorageKey(report("Sender", "a/b"))).not.toBe(reportStorageKey(report("Sender", "a b")));
    });

    test("differs between organisations using the same report-id", () => {
        expect(reportStorageKey(report("One", "1"))).not.toBe(reportStorageKey(report("Two", "1")));
    });

    test("holds only safe characters, whatever the sender put in", () => {
        const key = reportStorageKey(report("../../\u001b[31m\u202e<evil>", "<x@y>/../..?#%00"));
        expect(key).toMatch(/^[a-z0-9./_-]+$/);
        expect(key.split("/")).not.toContain("..");
        expect(key.split("/")).toHaveLength(5);
    });

    test("stays short for long names", () => {
        expect(reportStorageKey(report("o".repeat(10_000), "i".repeat(10_000))).length).toBeLessThan(200);
    });

    test("an organisation of only punctuation still gets a path segment", () => {
        expect(reportStorageKey(report("!!!", "1")).split("/")[3]).toBe("_");
    });
});
