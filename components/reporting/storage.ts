/**
 * Where a report is stored. RFC 8460 §5.5 senders retry for up to a day, so
 * the key depends only on what identifies the report (organisation and
 * report-id) and on its date: a retried delivery overwrites, never duplicates.
 */
import { createHash } from "node:crypto";
import type { TlsRptReport } from "./report";

/** Longest readable part kept from the organisation or the report-id; the hash keeps keys distinct anyway. */
const MAX_SLUG = 64;

/**
 * `YYYY/MM/DD/<organisation>/<report-id>-<hash>` (no leading or trailing
 * slash; add the prefix and the extension): the UTC date the report starts,
 * then the organisation and report-id reduced to `[a-z0-9.-]` for people
 * reading a listing, then 16 hex characters of SHA-256 over the exact
 * organisation and report-id, so two reports whose names reduce alike still
 * get different keys.
 */
export function reportStorageKey(report: Pick<TlsRptReport, "organizationName" | "reportId" | "dateRange">): string {
    const day = report.dateRange.start.slice(0, 10).split("-").join("/");
    const hash = createHash("sha256")
        .update(JSON.stringify([report.organizationName, report.reportId]))
        .digest("hex")
        .slice(0, 16);
    return `${day}/${slug(report.organizationName)}/${slug(report.reportId)}-${hash}`;
}

function slug(text: string): string {
    const reduced = text
        .slice(0, 4 * MAX_SLUG)
        .toLowerCase()
        .replace(/[^a-z0-9.-]+/g, "-")
        .replace(/^[-.]+|[-.]+$/g, "")
        .slice(0, MAX_SLUG)
        .replace(/[-.]+$/, "");
    return reduced === "" ? "_" : reduced;
}
