import { readFileSync } from "node:fs";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { maxEmailBytes, readTlsRptEmail } from "../../components/reporting/email";

const quirks = path.join(__dirname, "..", "fixtures", "tlsrpt", "quirks");
const fixture = (name: string) => readFileSync(path.join(quirks, name));

function message(headers: string[], body: string): Buffer {
    return Buffer.from([...headers, "", body, ""].join("\r\n"));
}

describe("reading reports delivered by mail", () => {
    test("the report part of a multipart/report is read; the JSON's report-id wins over the Subject's", async () => {
        const result = await readTlsRptEmail(fixture("subject-id-differs.eml"));
        expect(result.subjectReportId).toBe("20260507.7f3a@sender-seven.example");
        expect(result.reports.map((report) => [report.organizationName, report.reportId])).toEqual([
            ["Sender Seven", "7f3a"],
        ]);
        expect(result.rejected).toEqual([]);
    });

    test("a report that is the whole message is read", async () => {
        const result = await readTlsRptEmail(fixture("whole-message.eml"));
        expect(result.reports.map((report) => report.reportId)).toEqual(["sender-eight-0508"]);
    });

    test("a plain message whose body is the report JSON is read", async () => {
        const json = fixture("canonical.json").toString("utf8");
        const result = await readTlsRptEmail(message(["From: a@sender.example", "Subject: report"], json));
        expect(result.reports.map((report) => report.organizationName)).toEqual(["Sender One"]);
    });

    test("a report part that is not a report is listed as rejected, with its reasons", async () => {
        const result = await readTlsRptEmail(
            message(
                [
                    "From: a@sender.example",
                    "MIME-Version: 1.0",
                    "Content-Type: application/tlsrpt+gzip",
                    "Content-Transfer-Encoding: base64",
                    'Content-Disposition: attachment; filename="r.json.gz"',
                ],
                gzipSync("{}").subarray(0, 12).toString("base64"),
            ),
        );
        expect(result.reports).toEqual([]);
        expect(result.rejected.map(({ part, error }) => [part, error.problems])).toEqual([
            ["r.json.gz", ["the gzip body is truncated"]],
        ]);
    });

    test("a message without a report part is rejected", async () => {
        await expect(readTlsRptEmail(message(["From: a@sender.example", "Subject: hi"], "hello"))).rejects.toThrow(
            "not a TLS-RPT report (RFC 8460 §4.4), 1 problem:\n  - the message has no report part (application/tlsrpt+gzip or +json)",
        );
    });

    test("a message over the size limit is rejected before MIME parsing", async () => {
        const limits = { maxInputBytes: 1000, maxJsonBytes: 1000, maxDepth: 16 };
        const raw = Buffer.alloc(maxEmailBytes(limits) + 1, 0x41);
        await expect(readTlsRptEmail(raw, limits)).rejects.toThrow(
            `  - the message is ${raw.length} bytes; the limit is ${maxEmailBytes(limits)}`,
        );
    });
});
