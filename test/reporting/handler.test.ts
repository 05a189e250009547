import * as fc from "fast-check";
import { gzipSync } from "node:zlib";
import {
    FunctionUrlResponse,
    HandlerOptions,
    SesEvent,
    createHandler,
    handleHttpRequest,
    handleSesEvent,
} from "../../components/reporting/handler";
import { reportStorageKey } from "../../components/reporting/storage";
import { functionUrlServer, gzipJson, memoryStore, postEvent, sampleReport } from "./receiverSupport";

const KEY = reportStorageKey({
    organizationName: "Mail Sender Inc.",
    reportId: "2026-05-01T00:00:00Z_example.com",
    dateRange: { start: "2026-05-01T00:00:00.000Z", end: "2026-05-01T23:59:59.000Z" },
});
/** Small limits, so the hostile-input tests stay fast while exercising the same code. */
const LIMITS = { maxInputBytes: 64 * 1024, maxJsonBytes: 1024 * 1024, maxDepth: 16 };

function options(overrides: Partial<HandlerOptions> = {}): HandlerOptions & { logs: Record<string, unknown>[] } {
    const logs: Record<string, unknown>[] = [];
    return {
        store: memoryStore(),
        prefix: "tlsrpt/",
        domains: [],
        limits: LIMITS,
        log: (e) => logs.push(e),
        logs,
        ...overrides,
    };
}

function stored(opts: HandlerOptions): string[] {
    return [...(opts.store as ReturnType<typeof memoryStore>).objects.keys()].sort();
}

describe("HTTPS reports (RFC 8460 §5.4)", () => {
    test("a gzip report is stored as delivered and as normalised JSON, and answered 201", async () => {
        const opts = options();
        const body = gzipJson(sampleReport());
        const response = await handleHttpRequest(postEvent(body, "application/tlsrpt+gzip"), opts);
        expect(response.statusCode).toBe(201);
        const objects = (opts.store as ReturnType<typeof memoryStore>).objects;
        expect(objects.get(`tlsrpt/raw/${KEY}.json.gz`)).toEqual({ body, contentType: "application/tlsrpt+gzip" });
        const parsed = objects.get(`tlsrpt/reports/${KEY}.json`)!;
        expect(parsed.contentType).toBe("application/json");
        expect(JSON.parse(parsed.body.toString())).toMatchObject({
            organizationName: "Mail Sender Inc.",
            reportId: "2026-05-01T00:00:00Z_example.com",
            policies: [{ policyDomain: "example.com", successfulSessions: 120, failedSessions: 2 }],
        });
    });

    test("the key is date-partitioned by the report's start, under the prefix", async () => {
        const opts = options({ prefix: "reports/tls/" });
        await handleHttpRequest(postEvent(gzipJson(sampleReport()), "application/tlsrpt+gzip"), opts);
        expect(KEY).toMatch(/^2026\/05\/01\/mail-sender-inc\/2026-05-01t00-00-00z-example\.com-[0-9a-f]{16}$/);
        expect(stored(opts)).toEqual([`reports/tls/raw/${KEY}.json.gz`, `reports/tls/reports/${KEY}.json`]);
    });

    test("a JSON report is stored raw as .json", async () => {
        const opts = options();
        const body = Buffer.from(JSON.stringify(sampleReport()));
        const response = await handleHttpRequest(postEvent(body, "application/tlsrpt+json"), opts);
        expect(response.statusCode).toBe(201);
        expect(stored(opts)).toEqual([`tlsrpt/raw/${KEY}.json`, `tlsrpt/reports/${KEY}.json`]);
    });

    test("media types compare case-insensitively and parameters are ignored", async () => {
        const opts = options();
        const response = await handleHttpRequest(
            postEvent(gzipJson(sampleReport()), "Application/TLSRPT+GZIP; charset=binary"),
            opts,
        );
        expect(response.statusCode).toBe(201);
    });

    test("gzip is recognised by its magic bytes, not by the declared type (§6.5)", async () => {
        const opts = options();
        const response = await handleHttpRequest(postEvent(gzipJson(sampleReport()), "application/tlsrpt+json"), opts);
        expect(response.statusCode).toBe(201);
        expect(stored(opts)).toContain(`tlsrpt/raw/${KEY}.json.gz`);
    });

    test("a retried delivery overwrites the first instead of adding a copy (§5.5)", async () => {
        const opts = options();
        const body = gzipJson(sampleReport());
        await handleHttpRequest(postEvent(body, "application/tlsrpt+gzip"), opts);
        await handleHttpRequest(postEvent(body, "application/tlsrpt+gzip"), opts);
        expect(stored(opts)).toHaveLength(2);
    });

    test("another report-id from the same organisation is stored beside it", async () => {
        const opts = options();
        await handleHttpRequest(postEvent(gzipJson(sampleReport()), "application/tlsrpt+gzip"), opts);
        await handleHttpRequest(
            postEvent(gzipJson(sampleReport({ "report-id": "other" })), "application/tlsrpt+gzip"),
            opts,
        );
        expect(stored(opts)).toHaveLength(4);
    });

    test("reports for domains the receiver does not serve are refused with 403 and not stored", async () => {
        const opts = options({ domains: ["example.org"] });
        const response = await handleHttpRequest(postEvent(gzipJson(sampleReport()), "application/tlsrpt+gzip"), opts);
        expect(response).toEqual({
            statusCode: 403,
            headers: { "content-type": "text/plain; charset=utf-8" },
            body: "this endpoint keeps reports for example.org only\n",
        });
        expect(stored(opts)).toEqual([]);
    });

    test("reports for a served domain are kept when domains is set", async () => {
        const opts = options({ domains: ["example.org", "example.com"] });
        const response = await handleHttpRequest(postEvent(gzipJson(sampleReport()), "application/tlsrpt+gzip"), opts);
        expect(response.statusCode).toBe(201);
    });
});

describe("bad input gets a 4xx, never a 5xx", () => {
    async function status(body: Buffer, contentType?: string, method?: string): Promise<FunctionUrlResponse> {
        return handleHttpRequest(postEvent(body, contentType, method), options());
    }

    test("a method other than POST is refused with 405 and Allow: POST", async () => {
        const response = await status(Buffer.alloc(0), undefined, "GET");
        expect(response.statusCode).toBe(405);
        expect(response.headers.allow).toBe("POST");
    });

    test("another media type is refused with 415", async () => {
        const response = await status(gzipJson(sampleReport()), "application/json");
        expect(response).toEqual({
            statusCode: 415,
            headers: { "content-type": "text/plain; charset=utf-8" },
            body: "the Content-Type must be application/tlsrpt+gzip or application/tlsrpt+json (RFC 8460 §5.4)\n",
        });
    });

    test("a missing Content-Type is refused with 415", async () => {
        expect((await status(gzipJson(sampleReport()), undefined)).statusCode).toBe(415);
    });

    test("an empty body is refused with 400", async () => {
        const response = await status(Buffer.alloc(0), "application/tlsrpt+gzip");
        expect(response.statusCode).toBe(400);
        expect(response.body).toBe("the request has no body; POST the report itself\n");
    });

    test("a body over the input limit is refused with 413 before it is decoded", async () => {
        const response = await status(Buffer.alloc(LIMITS.maxInputBytes + 1, 0x7b), "application/tlsrpt+json");
        expect(response.statusCode).toBe(413);
    });

    test("a gzip bomb stops at the decompressed limit and is refused with 400", async () => {
        const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
        expect(bomb.length).toBeLessThan(LIMITS.maxInputBytes);
        const response = await status(bomb, "application/tlsrpt+gzip");
        expect(response.statusCode).toBe(400);
        expect(response.body).toContain(`the gzip body inflates past ${LIMITS.maxJsonBytes} bytes`);
    });

    test("a truncated gzip body is refused with 400", async () => {
        const body = gzipJson(sampleReport());
        const response = await status(body.subarray(0, body.length - 12), "application/tlsrpt+gzip");
        expect(response.statusCode).toBe(400);
        expect(response.body).toContain("the gzip body is truncated");
    });

    test("a body that is not JSON is refused with 400", async () => {
        const response = await status(Buffer.from("<html>hello</html>"), "application/tlsrpt+json");
        expect(response.statusCode).toBe(400);
        expect(response.body).toContain("the body is not JSON");
    });

    test("JSON that is not a report is refused with 400 naming what is missing", async () => {
        const response = await status(Buffer.from('{"hello":"world"}'), "application/tlsrpt+json");
        expect(response.statusCode).toBe(400);
        expect(response.body).toContain("organization-name");
    });

    test("arbitrary bytes and media types never get a 5xx", async () => {
        const mediaTypes = fc.constantFrom("application/tlsrpt+gzip", "application/tlsrpt+json", "text/plain");
        const bodies = fc.oneof(
            fc.uint8Array({ maxLength: 2048 }),
            fc.uint8Array({ maxLength: 2048 }).map((bytes) => Uint8Array.from([0x1f, 0x8b, ...bytes])),
            fc.json().map((text) => new TextEncoder().encode(text)),
            fc
                .anything()
                .map((value) => new TextEncoder().encode(JSON.stringify(sampleReport({ policies: value })) ?? "")),
        );
        await fc.assert(
            fc.asyncProperty(bodies, mediaTypes, async (bytes, mediaType) => {
                const response = await status(Buffer.from(bytes), mediaType);
                expect(response.statusCode).toBeLessThan(500);
            }),
            { numRuns: 300 },
        );
    });
});

describe("storage failures", () => {
    test("answer 503 with Retry-After, so the sender retries (§5.5)", async () => {
        const opts = options({ store: memoryStore({ failPut: true }) });
        const response = await handleHttpRequest(postEvent(gzipJson(sampleReport()), "application/tlsrpt+gzip"), opts);
        expect(response.statusCode).toBe(503);
        expect(response.headers["retry-after"]).toBe("600");
    });
});

describe("behind a real HTTP server on loopback", () => {
    let server: { url: string; close(): Promise<void> };
    const opts = options();
    beforeAll(
        async () => (server = await functionUrlServer((event) => handleHttpRequest(event, opts), 6 * 1024 * 1024)),
    );
    afterAll(() => server.close());

    test("a real gzip POST is stored and answered 201", async () => {
        const response = await fetch(server.url, {
            method: "POST",
            headers: { "content-type": "application/tlsrpt+gzip" },
            body: gzipJson(sampleReport()),
        });
        expect(response.status).toBe(201);
        expect(await response.text()).toBe(`stored tlsrpt/reports/${KEY}.json\n`);
        expect(stored(opts)).toEqual([`tlsrpt/raw/${KEY}.json.gz`, `tlsrpt/reports/${KEY}.json`]);
    });

    test("a real POST of garbage is answered 400", async () => {
        const response = await fetch(server.url, {
            method: "POST",
            headers: { "content-type": "application/tlsrpt+gzip" },
            body: Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xde, 0xad]),
        });
        expect(response.status).toBe(400);
    });
});

function mail(report: Buffer): Buffer {
    const boundary = "----=_report_boundary";
    return Buffer.from(
        [
            "From: TLS reporting <noreply-smtp-tls-reporting@sender.example>",
            "To: tlsrpt@tlsrpt.example.com",
            "Subject: Report Domain: example.com Submitter: sender.example Report-ID: <2026.05.01@sender.example>",
            "TLS-Report-Domain: example.com",
            "TLS-Report-Submitter: sender.example",
            "MIME-Version: 1.0",
            `Content-Type: multipart/report; report-type="tlsrpt"; boundary="${boundary}"`,
            "",
            `--${boundary}`,
            "Content-Type: text/plain; charset=utf-8",
            "",
            "This is an aggregate TLS report from sender.example",
            `--${boundary}`,
            "Content-Type: application/tlsrpt+gzip",
            "Content-Transfer-Encoding: base64",
            'Content-Disposition: attachment; filename="sender.example!example.com!1714521600!1714607999.json.gz"',
            "",
            ...(report.toString("base64").match(/.{1,76}/g) ?? []),
            `--${boundary}--`,
            "",
        ].join("\r\n"),
    );
}

function sesEvent(messageId: string, dkim: string): SesEvent {
    return {
        Records: [
            {
                eventSource: "aws:ses",
                ses: {
                    mail: { messageId, source: "noreply-smtp-tls-reporting@sender.example" },
                    receipt: { dkimVerdict: { status: dkim }, virusVerdict: { status: "PASS" } },
                },
            },
        ],
    };
}

describe("reports by mail (RFC 8460 §5.3)", () => {
    const MESSAGE_ID = "o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1";

    async function deliver(dkim: string, message: Buffer = mail(gzipJson(sampleReport()))) {
        const opts = options();
        await opts.store.put(`tlsrpt/inbound/${MESSAGE_ID}`, message, "message/rfc822");
        await handleSesEvent(sesEvent(MESSAGE_ID, dkim), opts);
        return opts;
    }

    test("a DKIM-signed report mail is stored as the message and as normalised JSON", async () => {
        const opts = await deliver("PASS");
        expect(stored(opts)).toEqual([
            `tlsrpt/inbound/${MESSAGE_ID}`,
            `tlsrpt/raw/${KEY}.eml`,
            `tlsrpt/reports/${KEY}.json`,
        ]);
    });

    test.each(["FAIL", "GRAY", "PROCESSING_FAILED"])(
        "a mail whose DKIM verdict is %s is dropped (§3)",
        async (verdict) => {
            const opts = await deliver(verdict);
            expect(stored(opts)).toEqual([`tlsrpt/inbound/${MESSAGE_ID}`]);
            expect(opts.logs).toEqual([
                { event: "dropped", source: "email", messageId: MESSAGE_ID, reason: `DKIM verdict ${verdict}` },
            ]);
        },
    );

    test("a mail without a report is logged and dropped without failing the invocation", async () => {
        const opts = await deliver("PASS", Buffer.from("From: a@b.example\r\nSubject: hi\r\n\r\nhello\r\n"));
        expect(stored(opts)).toEqual([`tlsrpt/inbound/${MESSAGE_ID}`]);
        expect(opts.logs[0]).toMatchObject({ event: "rejected", source: "email", messageId: MESSAGE_ID });
    });

    test("a storage failure throws, so Lambda retries the event", async () => {
        const opts = options();
        const message = mail(gzipJson(sampleReport()));
        const store = memoryStore();
        await store.put(`tlsrpt/inbound/${MESSAGE_ID}`, message, "message/rfc822");
        const failing = { ...store, put: () => Promise.reject(new Error("S3 is unavailable")) };
        await expect(handleSesEvent(sesEvent(MESSAGE_ID, "PASS"), { ...opts, store: failing })).rejects.toThrow(
            "S3 is unavailable",
        );
    });

    test("one handler serves both event sources", async () => {
        const opts = options();
        await opts.store.put(`tlsrpt/inbound/${MESSAGE_ID}`, mail(gzipJson(sampleReport())), "message/rfc822");
        const handler = createHandler(opts);
        expect(await handler(sesEvent(MESSAGE_ID, "PASS"))).toBeUndefined();
        expect(await handler(postEvent(gzipJson(sampleReport()), "application/tlsrpt+gzip"))).toMatchObject({
            statusCode: 201,
        });
    });
});
