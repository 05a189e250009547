/**
 * Folds TLS-RPT reports, one at a time, into what an administrator needs
 * before switching a policy to enforce: sessions per UTC day, where the
 * failures are, which policies the senders applied, and a verdict. Memory
 * grows with the number of distinct days, organisations, MX hosts, IPs and
 * policies, never with the number of reports.
 */
import { readPolicy, PolicyDocument } from "../core/parse";
import type { TlsRptPolicyResult, TlsRptReport } from "./report";
import { reportStorageKey } from "./storage";

/** Days of reports under the current policy before enforce is called safe (RFC 8461 §5 suggests weeks). */
export const DEFAULT_MIN_DAYS = 14;
/** Reporting organisations needed, so one sender's view (or its bug) does not decide. */
export const DEFAULT_MIN_ORGS = 2;
/** Distinct policies tracked; past this, further ones count under one "other" entry. */
const MAX_POLICIES = 1000;
/** Gaps are filled with empty days only within this span (ten years). */
const MAX_FILLED_DAYS = 3653;
/** How a failure detail without the field is listed. */
export const NOT_GIVEN = "(not given)";

/** RFC 8460 §4.3.2.2: failures of the MTA-STS policy itself. */
const STS_POLICY_RESULTS = new Set(["sts-policy-fetch-error", "sts-policy-invalid", "sts-webpki-invalid"]);

export interface SummaryFilter {
    /** Only policies for this domain; default every domain (the command then insists on one). */
    domain?: string;
    /** First UTC day (`YYYY-MM-DD`) to include. */
    since?: string;
    /** Last UTC day (`YYYY-MM-DD`) to include. */
    until?: string;
}

/** The policy published now, or why it could not be read. */
export interface CurrentPolicy {
    /** Where it came from: a URL or a file name. */
    source: string;
    policy?: PolicyDocument;
    error?: string;
}

export interface VerdictOptions {
    minDays: number;
    minOrgs: number;
}

export interface DaySessions {
    day: string;
    successful: number;
    failed: number;
    reports: number;
}

export interface Count {
    key: string;
    sessions: number;
}

export interface OrganisationSessions {
    organisation: string;
    reports: number;
    successful: number;
    failed: number;
}

export interface PolicySeen {
    policyType: string;
    /** From policy-string, else from mx-host; [] for no-policy-found. */
    mx: string[];
    mode?: string;
    maxAge?: number;
    /** Same policy type "sts" and the same mx patterns as the published policy. */
    matchesCurrent: boolean;
    reports: number;
    organisations: string[];
    firstDay: string;
    lastDay: string;
    successful: number;
    failed: number;
}

export interface Verdict {
    safeToEnforce: boolean;
    /** Days with reports under the current policy, and the number needed. */
    days: number;
    minDays: number;
    organisations: number;
    minOrgs: number;
    /** Failed sessions that would bounce mail under enforce, by result type and receiving MX. */
    stsFailures: { resultType: string; receivingMx: string; sessions: number }[];
    /** What stands between now and "safe to enforce", one sentence each; [] when safe. */
    missing: string[];
}

export interface Summary {
    domain?: string;
    /** Every policy-domain seen in the reports read (before the domain filter). */
    domainsSeen: string[];
    since?: string;
    until?: string;
    reports: number;
    duplicates: number;
    /** Reports read but entirely outside the domain or date filter. */
    outside: number;
    /** Files and objects in the directories and prefixes whose names are not reports (set by the command). */
    skipped: number;
    rejected: { source: string; problems: string[] }[];
    /** Reports that had something wrong that was tolerated. */
    reportsWithWarnings: number;
    /** Every UTC day from the first to the last report, gaps included. */
    days: DaySessions[];
    failures: {
        byResultType: Count[];
        byReceivingMx: Count[];
        bySendingIp: Count[];
        byOrganisation: OrganisationSessions[];
    };
    policies: { current: CurrentPolicy; seen: PolicySeen[] };
    verdict: Verdict;
}

interface PolicyTally {
    policyType: string;
    mx: string[];
    mode?: string;
    maxAge?: number;
    reports: number;
    organisations: Set<string>;
    days: Set<string>;
    successful: number;
    failed: number;
    /** Failures by "resultType\nreceivingMx". */
    failures: Map<string, number>;
    /** sts-policy-* failures by "day\nresultType\nreceivingMx". */
    policyFailures: Map<string, number>;
}

/** Accumulates reports; `summarise` turns the totals into a Summary with a verdict. */
export class ReportTally {
    private readonly seenKeys = new Set<string>();
    private readonly days = new Map<string, DaySessions>();
    private readonly byResultType = new Map<string, number>();
    private readonly byReceivingMx = new Map<string, number>();
    private readonly bySendingIp = new Map<string, number>();
    private readonly byOrganisation = new Map<string, OrganisationSessions>();
    private readonly policies = new Map<string, PolicyTally>();
    private readonly domainsSeen = new Set<string>();
    private reports = 0;
    private duplicates = 0;
    private outside = 0;
    private reportsWithWarnings = 0;
    private readonly rejected: { source: string; problems: string[] }[] = [];

    constructor(private readonly filter: SummaryFilter = {}) {}

    /** Counts one report once: a second copy (same organisation and report-id) is a duplicate. */
    add(report: TlsRptReport): "added" | "duplicate" | "outside" {
        report.policies.forEach((result) => this.domainsSeen.add(result.policyDomain));
        // The key's last 16 hex characters hash the organisation and report-id: all a duplicate shares.
        const key = reportStorageKey(report).slice(-16);
        if (this.seenKeys.has(key)) {
            this.duplicates++;
            return "duplicate";
        }
        this.seenKeys.add(key);
        const day = reportDay(report);
        const results = report.policies.filter(
            (result) => this.filter.domain === undefined || result.policyDomain === this.filter.domain,
        );
        if (
            results.length === 0 ||
            (this.filter.since !== undefined && day < this.filter.since) ||
            (this.filter.until !== undefined && day > this.filter.until)
        ) {
            this.outside++;
            return "outside";
        }
        this.reports++;
        if (report.warnings.length > 0) this.reportsWithWarnings++;
        const daily = this.days.get(day) ?? { day, successful: 0, failed: 0, reports: 0 };
        this.days.set(day, daily);
        daily.reports++;
        const organisation = this.byOrganisation.get(report.organizationName) ?? {
            organisation: report.organizationName,
            reports: 0,
            successful: 0,
            failed: 0,
        };
        this.byOrganisation.set(report.organizationName, organisation);
        organisation.reports++;
        for (const result of results) {
            daily.successful += result.successfulSessions;
            daily.failed += result.failedSessions;
            organisation.successful += result.successfulSessions;
            organisation.failed += result.failedSessions;
            const policy = this.policyTally(result);
            policy.reports++;
            policy.organisations.add(report.organizationName);
            policy.days.add(day);
            policy.successful += result.successfulSessions;
            policy.failed += result.failedSessions;
            for (const failure of result.failures) {
                const receivingMx = failure.receivingMxHostname ?? NOT_GIVEN;
                increment(this.byResultType, failure.resultType, failure.failedSessions);
                increment(this.byReceivingMx, receivingMx, failure.failedSessions);
                increment(this.bySendingIp, failure.sendingMtaIp ?? NOT_GIVEN, failure.failedSessions);
                increment(policy.failures, `${failure.resultType}\n${receivingMx}`, failure.failedSessions);
                if (STS_POLICY_RESULTS.has(failure.resultType)) {
                    increment(
                        policy.policyFailures,
                        `${day}\n${failure.resultType}\n${receivingMx}`,
                        failure.failedSessions,
                    );
                }
            }
        }
        return "added";
    }

    /** Records a source that could not be read as a report. */
    reject(source: string, problems: readonly string[]): void {
        this.rejected.push({ source, problems: [...problems] });
    }

    get domains(): string[] {
        return [...this.domainsSeen].sort();
    }

    summarise(current: CurrentPolicy, options: VerdictOptions): Summary {
        const currentMx = current.policy ? [...current.policy.mx].sort() : undefined;
        const policies = [...this.policies.values()];
        const matches = (policy: PolicyTally) =>
            currentMx !== undefined && policy.policyType === "sts" && sameList(policy.mx, currentMx);
        const matching = policies.filter(matches);
        const seen: PolicySeen[] = policies
            .map((policy) => ({
                policyType: policy.policyType,
                mx: policy.mx,
                ...(policy.mode === undefined ? {} : { mode: policy.mode }),
                ...(policy.maxAge === undefined ? {} : { maxAge: policy.maxAge }),
                matchesCurrent: matches(policy),
                reports: policy.reports,
                organisations: [...policy.organisations].sort(),
                firstDay: [...policy.days].sort()[0],
                lastDay: [...policy.days].sort().at(-1)!,
                successful: policy.successful,
                failed: policy.failed,
            }))
            .sort((a, b) => Number(b.matchesCurrent) - Number(a.matchesCurrent) || b.reports - a.reports);

        const days = new Set(matching.flatMap((policy) => [...policy.days]));
        const organisations = new Set(matching.flatMap((policy) => [...policy.organisations]));
        const firstCurrentDay = [...days].sort()[0];
        const stsFailures = new Map<string, number>();
        for (const policy of matching) {
            for (const [key, sessions] of policy.failures) increment(stsFailures, key, sessions);
        }
        // A sender that cannot fetch or validate the policy applies none; since the published policy
        // went live, that is a hosting problem to fix before enforce, whatever the sender reports as applied.
        for (const policy of policies.filter((policy) => !matches(policy))) {
            for (const [key, sessions] of policy.policyFailures) {
                const [day, resultType, receivingMx] = key.split("\n");
                if (firstCurrentDay !== undefined && day >= firstCurrentDay) {
                    increment(stsFailures, `${resultType}\n${receivingMx}`, sessions);
                }
            }
        }
        const verdict = decide({
            current,
            days: days.size,
            organisations: [...organisations].sort(),
            stsFailures: [...stsFailures]
                .map(([key, sessions]) => {
                    const [resultType, receivingMx] = key.split("\n");
                    return { resultType, receivingMx, sessions };
                })
                .sort((a, b) => b.sessions - a.sessions),
            otherPolicyReports: policies.filter((policy) => !matches(policy)).reduce((n, p) => n + p.reports, 0),
            reports: this.reports,
            options,
        });
        return {
            ...(this.filter.domain === undefined ? {} : { domain: this.filter.domain }),
            domainsSeen: this.domains,
            ...(this.filter.since === undefined ? {} : { since: this.filter.since }),
            ...(this.filter.until === undefined ? {} : { until: this.filter.until }),
            reports: this.reports,
            duplicates: this.duplicates,
            outside: this.outside,
            skipped: 0,
            rejected: this.rejected,
            reportsWithWarnings: this.reportsWithWarnings,
            days: fillDays(this.days),
            failures: {
                byResultType: sorted(this.byResultType),
                byReceivingMx: sorted(this.byReceivingMx),
                bySendingIp: sorted(this.bySendingIp),
                byOrganisation: [...this.byOrganisation.values()].sort(
                    (a, b) =>
                        b.failed - a.failed || b.reports - a.reports || a.organisation.localeCompare(b.organisation),
                ),
            },
            policies: { current, seen },
            verdict,
        };
    }

    private policyTally(result: TlsRptPolicyResult): PolicyTally {
        const reading =
            result.policyString.length > 0 ? readPolicy(`${result.policyString.join("\r\n")}\r\n`).policy : undefined;
        const mx = [...(reading?.mx ?? result.mxHost)].sort();
        let key = JSON.stringify([result.policyType, mx, reading?.mode, reading?.maxAge]);
        if (!this.policies.has(key) && this.policies.size >= MAX_POLICIES) key = "other";
        let tally = this.policies.get(key);
        if (!tally) {
            const described =
                key === "other"
                    ? { policyType: "other", mx: [] }
                    : {
                          policyType: result.policyType,
                          mx,
                          ...(reading ? { mode: reading.mode, maxAge: reading.maxAge } : {}),
                      };
            tally = {
                ...described,
                reports: 0,
                organisations: new Set(),
                days: new Set(),
                successful: 0,
                failed: 0,
                failures: new Map(),
                policyFailures: new Map(),
            };
            this.policies.set(key, tally);
        }
        return tally;
    }
}

/**
 * The UTC day a report belongs to: the day of the middle of its date range,
 * so a day-long report sent with a local offset (00:00+02:00 to 23:59+02:00)
 * still lands on the day it covers.
 */
export function reportDay(report: Pick<TlsRptReport, "dateRange">): string {
    const start = Date.parse(report.dateRange.start);
    const end = Date.parse(report.dateRange.end);
    return new Date(start + Math.max(0, end - start) / 2).toISOString().slice(0, 10);
}

function decide(input: {
    current: CurrentPolicy;
    days: number;
    organisations: string[];
    stsFailures: Verdict["stsFailures"];
    otherPolicyReports: number;
    reports: number;
    options: VerdictOptions;
}): Verdict {
    const { current, days, organisations, stsFailures, options } = input;
    const missing: string[] = [];
    if (input.reports === 0) {
        missing.push("no reports were read");
    } else if (!current.policy) {
        missing.push(`the published policy could not be read (${current.source}: ${current.error ?? "no policy"})`);
    } else if (days === 0) {
        missing.push(
            `no report saw the published policy (mx ${current.policy.mx.join(", ")}); ${input.otherPolicyReports} report(s) saw another policy or none`,
        );
    }
    if (current.policy?.mode === "none") {
        missing.push("the published policy is mode none; publish mode testing and collect reports first");
    }
    if (days > 0 && days < options.minDays) {
        missing.push(
            `reports on ${days} of ${options.minDays} days under the published policy (${options.minDays - days} more day(s) needed)`,
        );
    }
    if (days > 0 && organisations.length < options.minOrgs) {
        missing.push(
            `reports from ${organisations.length} of ${options.minOrgs} organisations under the published policy`,
        );
    }
    const failed = stsFailures.reduce((sum, failure) => sum + failure.sessions, 0);
    if (failed > 0) {
        const worst = stsFailures
            .slice(0, 3)
            .map((failure) => `${failure.resultType} at ${failure.receivingMx} (${failure.sessions})`)
            .join(", ");
        missing.push(
            `${failed} failed session(s) under the published policy: ${worst}${stsFailures.length > 3 ? ", ..." : ""}`,
        );
    }
    return {
        safeToEnforce: missing.length === 0,
        days,
        minDays: options.minDays,
        organisations: organisations.length,
        minOrgs: options.minOrgs,
        stsFailures,
        missing,
    };
}

function increment(map: Map<string, number>, key: string, by: number): void {
    map.set(key, (map.get(key) ?? 0) + by);
}

function sorted(map: Map<string, number>): Count[] {
    return [...map]
        .map(([key, sessions]) => ({ key, sessions }))
        .sort((a, b) => b.sessions - a.sessions || a.key.localeCompare(b.key));
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
    return a.length === b.length && a.every((value, index) => value === b[index]);
}

/** Every day from the first to the last, so a gap in reporting shows as a day with no reports. */
function fillDays(days: Map<string, DaySessions>): DaySessions[] {
    const known = [...days.keys()].sort();
    if (known.length === 0) return [];
    // A stray date years away would otherwise fill millions of empty days.
    if (Date.parse(known.at(-1)!) - Date.parse(known[0]) > MAX_FILLED_DAYS * 86_400_000) {
        return known.map((day) => days.get(day)!);
    }
    const result: DaySessions[] = [];
    const last = Date.parse(`${known.at(-1)}T00:00:00Z`);
    for (let time = Date.parse(`${known[0]}T00:00:00Z`); time <= last; time += 86_400_000) {
        const day = new Date(time).toISOString().slice(0, 10);
        result.push(days.get(day) ?? { day, successful: 0, failed: 0, reports: 0 });
    }
    return result;
}
