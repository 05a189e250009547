/**
 * What the receiver tests share: reports as senders write them, Function URL
 * events as Lambda delivers them, a store that keeps objects in memory, and a
 * loopback HTTP front that turns real POSTs into Function URL events.
 */
import { createServer, IncomingMessage, Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import type { FunctionUrlEvent, FunctionUrlResponse, ReportStore } from "../../components/reporting/handler";

/** An RFC 8460 §4.4 report, one STS policy with one failure. */
export function sampleReport(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        "organization-name": "Mail Sender Inc.",
        "date-range": { "start-datetime": "2026-05-01T00:00:00Z", "end-datetime": "2026-05-01T23:59:59Z" },
        "contact-info": "tlsrpt@sender.example",
        "report-id": "2026-05-01T00:00:00Z_example.com",
        policies: [
            {
                policy: {
                    "policy-type": "sts",
                    "policy-string": ["version: STSv1", "mode: testing", "mx: mx1.example.com", "max_age: 604800"],
                    "policy-domain": "example.com",
                    "mx-host": ["mx1.example.com"],
                },
                summary: { "total-successful-session-count": 120, "total-failure-session-count": 2 },
                "failure-details": [
                    {
                        "result-type": "certificate-expired",
                        "sending-mta-ip": "192.0.2.10",
                        "receiving-mx-hostname": "mx1.example.com",
                        "receiving-ip": "198.51.100.25",
                        "failed-session-count": 2,
                    },
                ],
            },
        ],
        ...overrides,
    };
}

export function gzipJson(value: unknown): Buffer {
    return gzipSync(Buffer.from(JSON.stringify(value)));
}

/** A Function URL (payload 2.0) event: lower-case headers, binary bodies base64-encoded. */
export function postEvent(body: Buffer, contentType: string | undefined, method = "POST"): FunctionUrlEvent {
    return {
        requestContext: { http: { method } },
        headers: contentType === undefined ? {} : { "content-type": contentType },
        body: body.toString("base64"),
        isBase64Encoded: true,
    };
}

export interface MemoryStore extends ReportStore {
    objects: Map<string, { body: Buffer; contentType: string }>;
}

/** Keeps objects in a Map; `failPut` makes every write fail, as an S3 outage would. */
export function memoryStore(options: { failPut?: boolean } = {}): MemoryStore {
    const objects = new Map<string, { body: Buffer; contentType: string }>();
    return {
        objects,
        async put(key, body, contentType) {
            if (options.failPut) throw new Error("S3 is unavailable");
            objects.set(key, { body: Buffer.from(body), contentType });
        },
        async get(key, maxBytes) {
            const object = objects.get(key);
            if (object === undefined) throw new Error(`NoSuchKey ${key}`);
            if (object.body.length > maxBytes) throw new Error(`${key} is over ${maxBytes} bytes`);
            return object.body;
        },
    };
}

/**
 * An HTTP server on 127.0.0.1 that hands each request to `handle` the way a Function URL does:
 * header names lowercased, the body base64-encoded, the response's status, headers and body sent back.
 */
export async function functionUrlServer(
    handle: (event: FunctionUrlEvent) => Promise<FunctionUrlResponse>,
    maxBodyBytes: number,
): Promise<{ url: string; close(): Promise<void> }> {
    const server: Server = createServer((request, response) => {
        readBody(request, maxBodyBytes).then(
            async (body) => {
                const headers: Record<string, string> = {};
                for (const [name, value] of Object.entries(request.headers)) {
                    if (typeof value === "string") headers[name.toLowerCase()] = value;
                }
                const result = await handle({
                    requestContext: { http: { method: request.method ?? "" } },
                    headers,
                    body: body.toString("base64"),
                    isBase64Encoded: true,
                });
                response.writeHead(result.statusCode, result.headers).end(result.body);
            },
            // Function URLs refuse bodies over their limit themselves, with 413.
            () => response.writeHead(413).end(),
        );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
        url: `http://127.0.0.1:${port}/`,
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
}

function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        let length = 0;
        request.on("data", (chunk: Buffer) => {
            length += chunk.length;
            // Past the limit the rest is drained, not kept, so the client still reads the 413.
            if (length <= maxBytes) chunks.push(chunk);
        });
        request.on("end", () => (length > maxBytes ? reject(new Error("too large")) : resolve(Buffer.concat(chunks))));
        request.on("error", reject);
    });
}
