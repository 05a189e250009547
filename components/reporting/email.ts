/**
 * TLS-RPT reports delivered by mail (RFC 8460 §5.3): the report is a MIME
 * part of a multipart/report, or (as some senders do it) the whole message.
 * MIME is mailparser's job; this picks the parts that hold a report.
 */
import { simpleParser } from "mailparser";
import { DEFAULT_REPORT_LIMITS, ReportLimits, TlsRptReportError } from "./decode";
import { readTlsRptReport, TlsRptReport } from "./report";

/** Media types a report part is sent with: RFC 8460 §6.4/§6.5, and what senders use instead. */
const REPORT_MEDIA_TYPES = new Set([
    "application/tlsrpt+gzip",
    "application/tlsrpt+json",
    "application/gzip",
    "application/x-gzip",
    "application/json",
    "application/octet-stream",
]);

export interface EmailReports {
    /** Every report found in the message, read and normalised. */
    reports: TlsRptReport[];
    /** The `Report-ID: <...>` of the Subject (RFC 8460 §5.3), if any; informative only, since §5.6 makes the report authoritative. */
    subjectReportId?: string;
    /** Parts that looked like reports but were rejected, each with its reasons. */
    rejected: { part: string; error: TlsRptReportError }[];
}

/** MIME overhead: base64 is 4/3 of the bytes, plus headers and the text part. */
export function maxEmailBytes(limits: ReportLimits = DEFAULT_REPORT_LIMITS): number {
    return Math.ceil((limits.maxInputBytes * 4) / 3) + 256 * 1024;
}

/** Reads every report in one raw RFC 5322 message (at most `maxEmailBytes(limits)` bytes). */
export async function readTlsRptEmail(
    raw: Buffer,
    limits: ReportLimits = DEFAULT_REPORT_LIMITS,
): Promise<EmailReports> {
    if (raw.length > maxEmailBytes(limits)) {
        throw new TlsRptReportError([`the message is ${raw.length} bytes; the limit is ${maxEmailBytes(limits)}`]);
    }
    const mail = await simpleParser(raw, { skipHtmlToText: true, skipTextLinks: true, skipTextToHtml: true });
    const candidates = mail.attachments
        .filter(
            (part) =>
                REPORT_MEDIA_TYPES.has(part.contentType.toLowerCase()) || /\.(json|gz)$/i.test(part.filename ?? ""),
        )
        .map((part, index) => ({
            name: part.filename ?? `part ${index + 1} (${part.contentType})`,
            bytes: part.content,
        }));
    if (candidates.length === 0 && mail.text?.trimStart().startsWith("{")) {
        candidates.push({ name: "the message body", bytes: Buffer.from(mail.text) });
    }
    if (candidates.length === 0) {
        throw new TlsRptReportError(["the message has no report part (application/tlsrpt+gzip or +json)"]);
    }
    const result: EmailReports = { reports: [], rejected: [] };
    const subjectId = /Report-ID:\s*<([^<>]{1,512})>/i.exec(mail.subject ?? "")?.[1];
    if (subjectId !== undefined) result.subjectReportId = subjectId;
    for (const candidate of candidates) {
        try {
            result.reports.push(readTlsRptReport(candidate.bytes, limits));
        } catch (error) {
            if (!(error instanceof TlsRptReportError)) throw error;
            result.rejected.push({ part: candidate.name, error });
        }
    }
    return result;
}
