import type { CheckReport } from "./checks";

/** One line per check, then the verdict. */
export function formatReport(report: CheckReport): string {
    const width = Math.max(...report.checks.map((check) => check.id.length));
    const lines = report.checks.map(
        (check) => `  ${check.status.padEnd(4)}  ${check.id.padEnd(width)}  ${check.detail}`,
    );
    const enforce = report.safeToEnforce
        ? "safe to enforce: every MX host is covered and offers valid STARTTLS"
        : "do not enforce yet: every MX host must be covered and pass mx-tls";
    return [`mta-sts check ${report.domain}`, ...lines, `verdict: ${report.verdict}; ${enforce}`].join("\n") + "\n";
}

/** The `--json` shape: `{ domain, verdict, checks: [{ id, status, detail }] }`. */
export function formatJson(report: CheckReport): string {
    return JSON.stringify({ domain: report.domain, verdict: report.verdict, checks: report.checks }, null, 2) + "\n";
}
