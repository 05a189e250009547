import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import {
    decodeReportBytes,
    decodeReportJson,
    DEFAULT_REPORT_LIMITS,
    parseReportJson,
    readBounded,
    TlsRptReportError,
} from "../../components/reporting/decode";

const MiB = 1024 * 1024;

function rejection(run: () => unknown): string {
    try {
        run();
    } catch (error) {
        expect(error).toBeInstanceOf(TlsRptReportError);
        return (error as Error).message;
    }
    throw new Error("expected a rejection");
}
const problem = (text: string) => `not a TLS-RPT report (RFC 8460 §4.4), 1 problem:\n  - ${text}`;

/** 1 GiB of zeros as 64 concatenated gzip members of 16 MiB each: about 1 MiB on the wire. */
function gzipBomb(): Buffer {
    const member = gzipSync(Buffer.alloc(16 * MiB), { level: 9 });
    return Buffer.concat(Array.from({ length: 64 }, () => member));
}

describe("decoding a report body", () => {
    test("gzip is recognised by its magic bytes, whatever the media type said", () => {
        expect(decodeReportJson(gzipSync('{"a":1}'))).toEqual({ a: 1 });
        expect(decodeReportJson(Buffer.from('{"a":1}'))).toEqual({ a: 1 });
    });

    test("a truncated gzip body is rejected", () => {
        const body = gzipSync(JSON.stringify({ text: "x".repeat(1000) }));
        expect(rejection(() => decodeReportBytes(body.subarray(0, body.length - 8)))).toBe(
            problem("the gzip body is truncated"),
        );
    });

    test("a corrupt gzip body is rejected", () => {
        const body = Buffer.concat([gzipSync("{}").subarray(0, 10), Buffer.from("not deflate data at all")]);
        expect(rejection(() => decodeReportBytes(body))).toBe(problem("the gzip body is corrupt (Z_DATA_ERROR)"));
    });

    test("a gzip bomb stops at the inflated-size limit, in bounded memory", () => {
        const bomb = gzipBomb();
        const before = process.memoryUsage().rss;
        expect(rejection(() => decodeReportBytes(bomb))).toBe(
            problem(`the gzip body inflates past ${DEFAULT_REPORT_LIMITS.maxJsonBytes} bytes (the limit)`),
        );
        // 1 GiB was on offer; zlib stops after the 16 MiB limit.
        expect(process.memoryUsage().rss - before).toBeLessThan(256 * MiB);
    });

    test("a body over the input limit is rejected before any work", () => {
        const body = Buffer.alloc(DEFAULT_REPORT_LIMITS.maxInputBytes + 1, 0x20);
        expect(rejection(() => decodeReportBytes(body))).toBe(
            problem(`the body is ${body.length} bytes; the limit is ${DEFAULT_REPORT_LIMITS.maxInputBytes}`),
        );
    });

    test("50 MB of JSON is rejected by size before it is parsed", () => {
        const json = Buffer.alloc(50 * 1000 * 1000, 0x20);
        json[0] = 0x5b;
        json[json.length - 1] = 0x5d;
        expect(rejection(() => parseReportJson(json))).toBe(
            problem(`the JSON is 50000000 bytes; the limit is ${DEFAULT_REPORT_LIMITS.maxJsonBytes}`),
        );
    });

    test("deeply nested JSON is rejected before it is parsed", () => {
        const json = Buffer.from("[".repeat(1_000_000) + "]".repeat(1_000_000));
        expect(rejection(() => parseReportJson(json))).toBe(problem("the JSON nests deeper than 16 levels"));
    });

    test("brackets inside strings do not count as nesting", () => {
        const text = JSON.stringify({ id: "[".repeat(100) + '\\"{' });
        expect(parseReportJson(Buffer.from(text))).toEqual({ id: "[".repeat(100) + '\\"{' });
    });

    test("non-JSON is rejected without quoting it", () => {
        expect(rejection(() => parseReportJson(Buffer.from("hello \u001b[31m world")))).toBe(
            problem("the body is not JSON"),
        );
        expect(rejection(() => parseReportJson(Buffer.from('{"a":1')))).toBe(
            problem("the body is not JSON (at byte 6)"),
        );
    });

    test("bytes that are not UTF-8 are rejected", () => {
        expect(rejection(() => parseReportJson(Buffer.from([0x22, 0xff, 0xfe, 0x22])))).toBe(
            problem("the body is not UTF-8 text (RFC 8460 §4 reports are I-JSON)"),
        );
    });
});

describe("reading a stream within a limit", () => {
    test("a stream under the limit is read whole", async () => {
        expect((await readBounded(Readable.from([Buffer.from("ab"), Buffer.from("cd")]), 4)).toString()).toBe("abcd");
    });

    test("a 50 MB stream stops being read just past the limit", async () => {
        let produced = 0;
        const stream = new Readable({
            read() {
                produced += 64 * 1024;
                this.push(produced > 50 * MiB ? null : Buffer.alloc(64 * 1024, 0x20));
            },
        });
        await expect(readBounded(stream, MiB, "report.json")).rejects.toThrow(
            problem(`report.json is more than ${MiB} bytes (the limit)`),
        );
        expect(produced).toBeLessThan(2 * MiB);
        expect(stream.destroyed).toBe(true);
    });
});
