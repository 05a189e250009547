import { escapeForTerminal } from "../core/terminal";
import type { CheckReport } from "./checks";

/** The whole detail: it is bounded by what the probes read, and cutting it could hide the part that matters. */
const shown = (text: string) => escapeForTerminal(text, Number.POSITIVE_INFINITY);

/** One line per check, then the verdict. Text a server controls is escaped, so it cannot move the cursor. */
export function formatReport(report: CheckReport): string {
    const width = Math.max(...report.checks.map((check) => check.id.length));
    const lines = report.checks.map(
        (check) => `  ${check.status.padEnd(4)}  ${check.id.padEnd(width)}  ${shown(check.detail)}`,
    );
    const enforce = report.safeToEnforce
        ? "safe to enforce: every MX host is covered and offers valid STARTTLS"
        : "do not enforce yet: nothing may fail, every MX host must be covered and pass mx-tls";
    return (
        [`mta-sts check ${shown(report.domain)}`, ...lines, `verdict: ${report.verdict}; ${enforce}`].join("\n") + "\n"
    );
}

/** The `--json` shape: `{ domain, verdict, safeToEnforce, checks: [{ id, status, detail }] }`. */
export function formatJson(report: CheckReport): string {
    const { domain, verdict, safeToEnforce, checks } = report;
    return JSON.stringify({ domain, verdict, safeToEnforce, checks }, null, 2) + "\n";
}
