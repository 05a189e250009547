/**
 * Bounded decoding of TLS-RPT report bodies: raw bytes (gzip or not) to a
 * JSON value. Reports come from strangers (RFC 8460 §7), so every step has a
 * limit checked before the work it bounds: the input size before anything,
 * the inflated size inside zlib (`maxOutputLength`, so a gzip bomb stops at
 * the limit), and the nesting depth in one linear scan before `JSON.parse`.
 */
import { gunzipSync } from "node:zlib";
import type { Readable } from "node:stream";

export interface ReportLimits {
    /** Bytes accepted as delivered (compressed, or the JSON itself). Default 8 MiB. */
    maxInputBytes: number;
    /** Bytes of JSON after decompression. Default 16 MiB. */
    maxJsonBytes: number;
    /** Nesting of arrays and objects; the RFC 8460 §4.4 schema needs 5. Default 16. */
    maxDepth: number;
}

export const DEFAULT_REPORT_LIMITS: ReportLimits = Object.freeze({
    maxInputBytes: 8 * 1024 * 1024,
    maxJsonBytes: 16 * 1024 * 1024,
    maxDepth: 16,
});

/** Why a report was rejected: each problem names the field (or the stage), the value and the rule. */
export class TlsRptReportError extends Error {
    constructor(readonly problems: readonly string[]) {
        const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
        super(
            `not a TLS-RPT report (RFC 8460 §4.4), ${count}:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`,
        );
        this.name = "TlsRptReportError";
    }
}

/** RFC 1952 §2.3.1: ID1 ID2. RFC 8460 §6.5 asks receivers to sniff rather than trust the media type. */
export function isGzip(bytes: Uint8Array): boolean {
    return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** The JSON text of a report body, inflating it when it is gzip, within `limits`. */
export function decodeReportBytes(body: Uint8Array, limits: ReportLimits = DEFAULT_REPORT_LIMITS): Buffer {
    if (body.length > limits.maxInputBytes) {
        throw new TlsRptReportError([`the body is ${body.length} bytes; the limit is ${limits.maxInputBytes}`]);
    }
    if (!isGzip(body)) return Buffer.from(body.buffer, body.byteOffset, body.length);
    try {
        return gunzipSync(body, { maxOutputLength: limits.maxJsonBytes });
    } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ERR_BUFFER_TOO_LARGE") {
            throw new TlsRptReportError([`the gzip body inflates past ${limits.maxJsonBytes} bytes (the limit)`]);
        }
        if (code === "Z_BUF_ERROR") throw new TlsRptReportError(["the gzip body is truncated"]);
        throw new TlsRptReportError([`the gzip body is corrupt (${code ?? "zlib error"})`]);
    }
}

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * Parses report JSON (RFC 8460 §4: I-JSON, so UTF-8) after checking its size
 * and nesting. Error messages never quote the input: it is remote-controlled.
 */
export function parseReportJson(json: Uint8Array, limits: ReportLimits = DEFAULT_REPORT_LIMITS): unknown {
    if (json.length > limits.maxJsonBytes) {
        throw new TlsRptReportError([`the JSON is ${json.length} bytes; the limit is ${limits.maxJsonBytes}`]);
    }
    const depth = maxNesting(json, limits.maxDepth);
    if (depth > limits.maxDepth) {
        throw new TlsRptReportError([`the JSON nests deeper than ${limits.maxDepth} levels`]);
    }
    let text: string;
    try {
        text = UTF8.decode(json);
    } catch {
        throw new TlsRptReportError(["the body is not UTF-8 text (RFC 8460 §4 reports are I-JSON)"]);
    }
    try {
        return JSON.parse(text);
    } catch (error) {
        const position = /position (\d+)/.exec((error as Error).message)?.[1];
        throw new TlsRptReportError([`the body is not JSON${position === undefined ? "" : ` (at byte ${position})`}`]);
    }
}

/**
 * The deepest nesting of `[`/`{` outside strings, stopping as soon as it
 * passes `stopAbove`. One pass, constant memory.
 */
function maxNesting(json: Uint8Array, stopAbove: number): number {
    let depth = 0;
    let deepest = 0;
    let inString = false;
    for (let index = 0; index < json.length; index++) {
        const byte = json[index];
        if (inString) {
            if (byte === 0x5c) index++;
            else if (byte === 0x22) inString = false;
        } else if (byte === 0x22) {
            inString = true;
        } else if (byte === 0x5b || byte === 0x7b) {
            if (++depth > deepest) {
                deepest = depth;
                if (deepest > stopAbove) return deepest;
            }
        } else if (byte === 0x5d || byte === 0x7d) {
            depth--;
        }
    }
    return deepest;
}

/** Body bytes to a JSON value: `decodeReportBytes` then `parseReportJson`. */
export function decodeReportJson(body: Uint8Array, limits: ReportLimits = DEFAULT_REPORT_LIMITS): unknown {
    return parseReportJson(decodeReportBytes(body, limits), limits);
}

/**
 * Reads a stream into one buffer, destroying the stream and rejecting as soon
 * as it passes `maxBytes`, so an oversized file or object costs at most the limit.
 */
export async function readBounded(stream: Readable, maxBytes: number, what = "the input"): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let length = 0;
    for await (const chunk of stream) {
        const bytes = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
        length += bytes.length;
        if (length > maxBytes) {
            stream.destroy();
            throw new TlsRptReportError([`${what} is more than ${maxBytes} bytes (the limit)`]);
        }
        chunks.push(bytes);
    }
    return Buffer.concat(chunks, length);
}
