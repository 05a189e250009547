/**
 * The `mta-sts report` text and `--json` outputs. Every string that came from
 * a report, a file name or an S3 key is escaped before it is printed.
 */
import { escapeForTerminal } from "../core/terminal";
import { sparkline } from "./chart";
import type { Count, PolicySeen, Summary } from "./summary";

/** Rows shown per failure table; the JSON has them all. */
const TABLE_ROWS = 10;
/** Rejected sources listed by name; the JSON has them all. */
const REJECTED_SHOWN = 10;

const show = (text: string) => escapeForTerminal(text, 100);
const number = (value: number) => value.toLocaleString("en-US");
const plural = (count: number, one: string, many = `${one}s`) => `${number(count)} ${count === 1 ? one : many}`;

export function formatSummaryText(summary: Summary): string {
    const lines: string[] = [];
    const organisations = summary.failures.byOrganisation.length;
    const days = summary.days;
    lines.push(`mta-sts report ${show(summary.domain ?? summary.domainsSeen.join(", "))}`);
    const range = days.length > 0 ? `, ${days[0].day} to ${days.at(-1)!.day} (${plural(days.length, "day")})` : "";
    lines.push(`  ${plural(summary.reports, "report")} from ${plural(organisations, "organisation")}${range}`);
    const notes = [
        summary.duplicates > 0 ? `${plural(summary.duplicates, "duplicate")} ignored` : "",
        summary.outside > 0 ? `${plural(summary.outside, "report")} outside the domain or dates` : "",
        summary.reportsWithWarnings > 0
            ? `${plural(summary.reportsWithWarnings, "report")} with tolerated mistakes (see --json)`
            : "",
        summary.rejected.length > 0 ? `${plural(summary.rejected.length, "source")} rejected` : "",
        summary.skipped > 0
            ? `${plural(summary.skipped, "other file")} skipped (not .json, .json.gz, .gz or .eml)`
            : "",
    ].filter(Boolean);
    if (notes.length > 0) lines.push(`  ${notes.join("; ")}`);
    for (const { source, problems } of summary.rejected.slice(0, REJECTED_SHOWN)) {
        lines.push(`  rejected ${show(source)}: ${show(problems[0] ?? "")}${problems.length > 1 ? " ..." : ""}`);
    }
    if (summary.rejected.length > REJECTED_SHOWN) {
        lines.push(`  ... and ${number(summary.rejected.length - REJECTED_SHOWN)} more`);
    }

    lines.push("", "sessions per UTC day");
    const successful = days.reduce((sum, day) => sum + day.successful, 0);
    const failed = days.reduce((sum, day) => sum + day.failed, 0);
    lines.push(`  successful |${sparkline(days.map((day) => day.successful))}| ${number(successful)}`);
    lines.push(`  failed     |${sparkline(days.map((day) => day.failed))}| ${number(failed)}`);
    lines.push(
        `  ${"day".padEnd(10)}  ${"reports".padStart(8)}  ${"successful".padStart(12)}  ${"failed".padStart(10)}`,
    );
    for (const day of days) {
        lines.push(
            `  ${day.day}  ${number(day.reports).padStart(8)}  ${number(day.successful).padStart(12)}  ${number(day.failed).padStart(10)}`,
        );
    }

    table(lines, "failures by result type", summary.failures.byResultType);
    table(lines, "failures by receiving MX", summary.failures.byReceivingMx);
    table(lines, "failures by sending IP", summary.failures.bySendingIp);
    lines.push("", "by reporting organisation");
    const orgWidth = Math.min(
        40,
        Math.max(12, ...summary.failures.byOrganisation.map((o) => show(o.organisation).length)),
    );
    lines.push(
        `  ${"organisation".padEnd(orgWidth)}  ${"reports".padStart(8)}  ${"successful".padStart(12)}  ${"failed".padStart(10)}`,
    );
    for (const organisation of summary.failures.byOrganisation.slice(0, TABLE_ROWS)) {
        lines.push(
            `  ${show(organisation.organisation).padEnd(orgWidth)}  ${number(organisation.reports).padStart(8)}  ${number(organisation.successful).padStart(12)}  ${number(organisation.failed).padStart(10)}`,
        );
    }
    more(lines, summary.failures.byOrganisation.length);

    const current = summary.policies.current;
    lines.push("", `policies the reporters applied, against the published one (${show(current.source)})`);
    lines.push(
        current.policy
            ? `  published: ${describePolicy({ policyType: "sts", ...current.policy })}`
            : `  published: unknown (${show(current.error ?? "no policy")})`,
    );
    for (const seen of summary.policies.seen.slice(0, TABLE_ROWS)) {
        const who = seen.organisations.length <= 3 ? ` (${seen.organisations.map(show).join(", ")})` : "";
        lines.push(
            `  ${seen.matchesCurrent ? "=" : "≠"} ${describePolicy(seen)}: ${plural(seen.reports, "report")} from ${plural(seen.organisations.length, "organisation")}${who}, ${seen.firstDay} to ${seen.lastDay}`,
        );
    }
    more(lines, summary.policies.seen.length);

    const verdict = summary.verdict;
    lines.push("");
    if (verdict.safeToEnforce) {
        lines.push(
            `verdict: safe to enforce: ${plural(verdict.days, "day")} of reports from ${plural(verdict.organisations, "organisation")} under the published policy, no failed sessions`,
        );
    } else {
        lines.push("verdict: not yet safe to enforce");
        for (const reason of verdict.missing) lines.push(`  - ${escapeForTerminal(reason, 500)}`);
    }
    return `${lines.join("\n")}\n`;
}

export function formatSummaryJson(summary: Summary): string {
    return `${JSON.stringify(summary, null, 2)}\n`;
}

function describePolicy(policy: Pick<PolicySeen, "policyType" | "mx" | "mode" | "maxAge">): string {
    if (policy.policyType !== "sts") return show(policy.policyType);
    const parts = [
        policy.mode === undefined ? "" : `mode ${show(policy.mode)}`,
        `mx ${policy.mx.length > 0 ? policy.mx.map(show).join(" ") : "(none)"}`,
        policy.maxAge === undefined ? "" : `max_age ${policy.maxAge}`,
    ].filter(Boolean);
    return `sts ${parts.join(", ")}`;
}

function table(lines: string[], title: string, counts: Count[]): void {
    lines.push("", title);
    if (counts.length === 0) {
        lines.push("  none");
        return;
    }
    const width = Math.min(48, Math.max(...counts.slice(0, TABLE_ROWS).map((count) => show(count.key).length)));
    for (const count of counts.slice(0, TABLE_ROWS)) {
        lines.push(`  ${show(count.key).padEnd(width)}  ${number(count.sessions).padStart(10)}`);
    }
    more(lines, counts.length);
}

function more(lines: string[], total: number): void {
    if (total > TABLE_ROWS) lines.push(`  ... and ${number(total - TABLE_ROWS)} more (see --json)`);
}
