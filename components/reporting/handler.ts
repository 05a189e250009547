/**
 * The TLS-RPT receiver's request handling, independent of AWS: an HTTPS POST
 * (RFC 8460 §5.4) in a Lambda Function URL event, or a mail SES has stored
 * (§5.3), in; two stored objects per report out. Senders are strangers
 * (§7): every body is bounded before it is read, every rejection is a 4xx
 * that names the rule, and only a storage failure answers 5xx, so the sender
 * retries (§5.5) instead of losing the report.
 */
import { DEFAULT_REPORT_LIMITS, ReportLimits, TlsRptReportError, isGzip } from "./decode";
import { maxEmailBytes, readTlsRptEmail } from "./email";
import { TlsRptReport, readTlsRptReport } from "./report";
import { reportStorageKey } from "./storage";

/** The media types of RFC 8460 §6.4 and §6.5, compared case-insensitively (RFC 9110 §8.3.1). */
export const TLSRPT_GZIP = "application/tlsrpt+gzip";
export const TLSRPT_JSON = "application/tlsrpt+json";

/** The environment the component sets on the function and the entry point reads. */
export const ENV_BUCKET = "REPORT_BUCKET";
export const ENV_PREFIX = "REPORT_PREFIX";
/** Comma-separated policy domains; empty keeps every report. */
export const ENV_DOMAINS = "REPORT_DOMAINS";

/** Where the handler keeps what it receives. Keys are full object keys, prefix included. */
export interface ReportStore {
    put(key: string, body: Uint8Array, contentType: string): Promise<void>;
    /** The object's bytes, refusing (and not reading) more than `maxBytes`. */
    get(key: string, maxBytes: number): Promise<Buffer>;
}

export interface HandlerOptions {
    store: ReportStore;
    /** The receiver's key prefix, ending in "/". */
    prefix: string;
    /** Policy domains whose reports are kept; empty keeps every report. */
    domains: readonly string[];
    limits?: ReportLimits;
    /** One structured line per decision; CloudWatch in Lambda. */
    log?: (entry: Record<string, unknown>) => void;
}

/** The subset of a Lambda Function URL (payload 2.0) event the handler reads. */
export interface FunctionUrlEvent {
    requestContext: { http: { method: string } };
    /** Lower-case names, as Function URLs deliver them. */
    headers?: Record<string, string | undefined>;
    body?: string;
    isBase64Encoded?: boolean;
}

export interface FunctionUrlResponse {
    statusCode: number;
    headers: Record<string, string>;
    body: string;
}

/** The subset of an SES receipt-rule Lambda action event the handler reads. */
export interface SesEvent {
    Records: {
        eventSource: string;
        ses: {
            mail: { messageId: string; source?: string };
            receipt: {
                dkimVerdict?: { status?: string };
                virusVerdict?: { status?: string };
            };
        };
    }[];
}

/** Object keys under the prefix: SES writes mail to `inbound/`, the handler writes `raw/` and `reports/`. */
export const INBOUND_FOLDER = "inbound/";
export const RAW_FOLDER = "raw/";
export const REPORTS_FOLDER = "reports/";

/**
 * Where one report is stored: the bytes as delivered under `raw/`, the normalised
 * report under `reports/`, both at the date-partitioned key of its organisation and
 * report-id, so a retried delivery (RFC 8460 §5.5) overwrites instead of duplicating.
 */
export function reportObjectKeys(
    prefix: string,
    report: TlsRptReport,
    rawExtension: ".json" | ".json.gz" | ".eml",
): { raw: string; parsed: string } {
    const key = reportStorageKey(report);
    return { raw: `${prefix}${RAW_FOLDER}${key}${rawExtension}`, parsed: `${prefix}${REPORTS_FOLDER}${key}.json` };
}

/** One handler for both event sources, the Lambda entry point's `handler`. */
export function createHandler(options: HandlerOptions) {
    return async (event: FunctionUrlEvent | SesEvent): Promise<FunctionUrlResponse | void> =>
        "Records" in event ? handleSesEvent(event, options) : handleHttpRequest(event, options);
}

/** An HTTPS report submission (RFC 8460 §5.4). */
export async function handleHttpRequest(
    event: FunctionUrlEvent,
    options: HandlerOptions,
): Promise<FunctionUrlResponse> {
    const limits = options.limits ?? DEFAULT_REPORT_LIMITS;
    const log = options.log ?? defaultLog;
    const method = event.requestContext?.http?.method ?? "";
    if (method !== "POST") {
        return answer(405, `only POST is accepted (RFC 8460 §5.4)`, { allow: "POST" });
    }
    const mediaType = (event.headers?.["content-type"] ?? "").split(";")[0].trim().toLowerCase();
    if (mediaType !== TLSRPT_GZIP && mediaType !== TLSRPT_JSON) {
        return answer(415, `the Content-Type must be ${TLSRPT_GZIP} or ${TLSRPT_JSON} (RFC 8460 §5.4)`);
    }
    const body = event.body ?? "";
    // Base64 carries 3 bytes in 4 characters: refuse an oversized body before decoding it.
    const encodedLimit = event.isBase64Encoded ? Math.ceil(limits.maxInputBytes / 3) * 4 : limits.maxInputBytes;
    if (body.length > encodedLimit) {
        return answer(413, `the report is larger than ${limits.maxInputBytes} bytes`);
    }
    const bytes = Buffer.from(body, event.isBase64Encoded ? "base64" : "utf8");
    if (bytes.length > limits.maxInputBytes) {
        return answer(413, `the report is larger than ${limits.maxInputBytes} bytes`);
    }
    if (bytes.length === 0) {
        return answer(400, "the request has no body; POST the report itself");
    }

    let report: TlsRptReport;
    try {
        // RFC 8460 §6.5: the gzip magic bytes decide, not the declared media type.
        report = readTlsRptReport(bytes, limits);
    } catch (error) {
        log({ event: "rejected", source: "https", reason: reasonOf(error), ...detailOf(error) });
        return answer(400, reasonOf(error));
    }
    if (!wanted(report, options.domains)) {
        log({ event: "ignored", source: "https", policyDomains: policyDomains(report) });
        return answer(403, `this endpoint keeps reports for ${options.domains.join(", ")} only`);
    }

    const keys = reportObjectKeys(options.prefix, report, isGzip(bytes) ? ".json.gz" : ".json");
    try {
        await store(options.store, keys, bytes, isGzip(bytes) ? TLSRPT_GZIP : TLSRPT_JSON, report);
    } catch (error) {
        log({ event: "store-failed", source: "https", key: keys.parsed, reason: String(error) });
        // Our failure, not the sender's: a 5xx makes it retry (RFC 8460 §5.5).
        return answer(503, "the report could not be stored; retry later", { "retry-after": "600" });
    }
    log({ event: "stored", source: "https", key: keys.parsed, organization: report.organizationName });
    return answer(201, `stored ${keys.parsed}`);
}

/**
 * Mail SES received and stored under `inbound/` (RFC 8460 §5.3). Reports without a
 * passing DKIM verdict are dropped (§3: reports by mail MUST be DKIM-signed). Bad mail
 * is logged and dropped; only a storage failure throws, so Lambda retries the event.
 */
export async function handleSesEvent(event: SesEvent, options: HandlerOptions): Promise<void> {
    const limits = options.limits ?? DEFAULT_REPORT_LIMITS;
    const log = options.log ?? defaultLog;
    for (const record of event.Records) {
        const { mail, receipt } = record.ses;
        const messageId = mail.messageId;
        if (receipt.dkimVerdict?.status !== "PASS") {
            log({
                event: "dropped",
                source: "email",
                messageId,
                reason: `DKIM verdict ${receipt.dkimVerdict?.status}`,
            });
            continue;
        }
        if (receipt.virusVerdict?.status === "FAIL") {
            log({ event: "dropped", source: "email", messageId, reason: "virus verdict FAIL" });
            continue;
        }
        // SES names the object after the message id; anything else in it would be a path.
        if (!/^[A-Za-z0-9-]{1,128}$/.test(messageId)) {
            log({ event: "dropped", source: "email", reason: "unexpected SES message id" });
            continue;
        }
        const raw = await options.store.get(`${options.prefix}${INBOUND_FOLDER}${messageId}`, maxEmailBytes(limits));
        let found;
        try {
            found = await readTlsRptEmail(raw, limits);
        } catch (error) {
            log({ event: "rejected", source: "email", messageId, reason: reasonOf(error), ...detailOf(error) });
            continue;
        }
        for (const { part, error } of found.rejected) {
            log({ event: "rejected", source: "email", messageId, part, reason: error.message });
        }
        for (const report of found.reports) {
            if (!wanted(report, options.domains)) {
                log({ event: "ignored", source: "email", messageId, policyDomains: policyDomains(report) });
                continue;
            }
            const keys = reportObjectKeys(options.prefix, report, ".eml");
            await store(options.store, keys, raw, "message/rfc822", report);
            log({ event: "stored", source: "email", messageId, key: keys.parsed });
        }
    }
}

async function store(
    target: ReportStore,
    keys: { raw: string; parsed: string },
    raw: Uint8Array,
    rawType: string,
    report: TlsRptReport,
): Promise<void> {
    await target.put(keys.raw, raw, rawType);
    await target.put(keys.parsed, Buffer.from(`${JSON.stringify(report, null, 2)}\n`), "application/json");
}

function wanted(report: TlsRptReport, domains: readonly string[]): boolean {
    return domains.length === 0 || report.policies.some((policy) => domains.includes(policy.policyDomain));
}

function policyDomains(report: TlsRptReport): string[] {
    return [...new Set(report.policies.map((policy) => policy.policyDomain))].slice(0, 10);
}

function reasonOf(error: unknown): string {
    if (error instanceof TlsRptReportError) return error.message;
    // Anything else thrown while reading hostile input is still the input's fault, not a 5xx.
    return "the report could not be read";
}

/** For the log only: what an unexpected failure was, so a parser bug is found and not mistaken for bad input. */
function detailOf(error: unknown): { detail?: string } {
    return error instanceof TlsRptReportError ? {} : { detail: String(error) };
}

function answer(statusCode: number, message: string, headers: Record<string, string> = {}): FunctionUrlResponse {
    return {
        statusCode,
        headers: { "content-type": "text/plain; charset=utf-8", ...headers },
        body: `${message}\n`,
    };
}

function defaultLog(entry: Record<string, unknown>): void {
    console.log(JSON.stringify(entry));
}
