/**
 * Builders for TLS-RPT reports in the RFC 8460 §4.4 shape, written as real
 * senders deliver them (JSON, gzip, or a multipart/report message), so tests
 * and the benchmark can make any number of reports with known totals.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { gzipSync } from "node:zlib";

export const CURRENT_POLICY = [
    "version: STSv1",
    "mode: testing",
    "mx: mx1.example.com",
    "mx: mx2.example.com",
    "max_age: 604800",
];
export const OLD_POLICY = ["version: STSv1", "mode: testing", "mx: mx1.example.com", "max_age: 86400"];

export interface FailureSpec {
    resultType: string;
    sendingIp?: string;
    receivingMx?: string;
    sessions: number;
}

export interface ReportSpec {
    organisation: string;
    day: string;
    successful: number;
    failures?: FailureSpec[];
    policy?: string[] | "no-policy-found";
    domain?: string;
    reportId?: string;
}

export function buildReport(spec: ReportSpec): Record<string, unknown> {
    const failures = spec.failures ?? [];
    const policy =
        spec.policy === "no-policy-found"
            ? { "policy-type": "no-policy-found", "policy-domain": spec.domain ?? "example.com" }
            : {
                  "policy-type": "sts",
                  "policy-string": spec.policy ?? CURRENT_POLICY,
                  "policy-domain": spec.domain ?? "example.com",
                  "mx-host": (spec.policy ?? CURRENT_POLICY)
                      .filter((line) => line.startsWith("mx: "))
                      .map((line) => line.slice(4)),
              };
    return {
        "organization-name": spec.organisation,
        "date-range": { "start-datetime": `${spec.day}T00:00:00Z`, "end-datetime": `${spec.day}T23:59:59Z` },
        "contact-info": `tlsrpt@${slug(spec.organisation)}.example`,
        "report-id": spec.reportId ?? `${spec.day}_${slug(spec.organisation)}`,
        policies: [
            {
                policy,
                summary: {
                    "total-successful-session-count": spec.successful,
                    "total-failure-session-count": failures.reduce((sum, failure) => sum + failure.sessions, 0),
                },
                "failure-details": failures.map((failure) => ({
                    "result-type": failure.resultType,
                    "sending-mta-ip": failure.sendingIp ?? "192.0.2.1",
                    "receiving-mx-hostname": failure.receivingMx ?? "mx1.example.com",
                    "failed-session-count": failure.sessions,
                })),
            },
        ],
    };
}

/** A multipart/report message carrying the report gzipped and base64-encoded, as RFC 8460 §5.3 shows. */
export function reportEmail(report: Record<string, unknown>): string {
    const body = gzipSync(JSON.stringify(report)).toString("base64").replace(/.{76}/g, "$&\r\n");
    return [
        `From: tlsrpt@${slug(String(report["organization-name"]))}.example`,
        "To: tls-reports@example.com",
        `Subject: Report Domain: example.com Submitter: ${slug(String(report["organization-name"]))}.example Report-ID: <${report["report-id"]}@example>`,
        "MIME-Version: 1.0",
        'Content-Type: multipart/report; report-type="tlsrpt"; boundary="b1"',
        "",
        "--b1",
        "Content-Type: text/plain",
        "",
        "This is an aggregate TLS report.",
        "--b1",
        "Content-Type: application/tlsrpt+gzip",
        "Content-Transfer-Encoding: base64",
        'Content-Disposition: attachment; filename="report.json.gz"',
        "",
        body,
        "--b1--",
        "",
    ].join("\r\n");
}

export type Delivery = "json" | "json.gz" | "eml";

/** Writes each report under `directory/<organisation>/` as the given delivery. */
export function writeReports(directory: string, reports: { spec: ReportSpec; as: Delivery }[]): void {
    for (const { spec, as } of reports) {
        const report = buildReport(spec);
        const folder = path.join(directory, slug(spec.organisation));
        mkdirSync(folder, { recursive: true });
        const name = path.join(folder, `${report["report-id"]}.${as}`);
        const json = JSON.stringify(report);
        writeFileSync(name, as === "json" ? json : as === "json.gz" ? gzipSync(json) : reportEmail(report));
    }
}

/** `count` consecutive UTC days from `first`. */
export function daysFrom(first: string, count: number): string[] {
    return Array.from({ length: count }, (_, index) =>
        new Date(Date.parse(`${first}T00:00:00Z`) + index * 86_400_000).toISOString().slice(0, 10),
    );
}

/**
 * A rollout in testing mode: three days under an older policy with one MX
 * failing, then sixteen days under the published policy from two senders
 * (one by HTTPS as gzip, one by mail), with a third that found no policy.
 */
export function rolloutScenario(): { spec: ReportSpec; as: Delivery }[] {
    const reports: { spec: ReportSpec; as: Delivery }[] = [];
    daysFrom("2026-05-01", 3).forEach((day, index) =>
        reports.push({
            spec: {
                organisation: "Sender One",
                day,
                successful: 900 + index * 10,
                policy: OLD_POLICY,
                failures: [
                    {
                        resultType: "certificate-expired",
                        receivingMx: "mx2.example.com",
                        sendingIp: "192.0.2.10",
                        sessions: 40,
                    },
                ],
            },
            as: "json.gz",
        }),
    );
    daysFrom("2026-05-04", 16).forEach((day, index) => {
        reports.push({ spec: { organisation: "Sender One", day, successful: 1000 + index * 20 }, as: "json.gz" });
        reports.push({ spec: { organisation: "Sender Two", day, successful: 300 + (index % 4) * 25 }, as: "eml" });
    });
    reports.push({
        spec: {
            organisation: "Sender Three",
            day: "2026-05-10",
            successful: 12,
            policy: "no-policy-found",
        },
        as: "json",
    });
    return reports;
}

function slug(text: string): string {
    return text.toLowerCase().replace(/[^a-z0-9]+/g, "-");
}
