/**
 * `mta-sts report`: reads TLS-RPT reports from files, directories and S3,
 * summarises them and says whether the published policy is safe to enforce.
 * Exit codes, as for `mta-sts check`: 0 safe to enforce, 1 not yet (or
 * nothing readable), 2 usage error.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { readPolicy } from "../core/parse";
import { escapeForTerminal } from "../core/terminal";
import { policyUrl } from "../core/policy";
import { FetchFlags, readFetchFlags } from "../core/fetchFlags";
import { normalizeHostname } from "../core/validate";
import { renderChartPng, renderChartSvg } from "./chart";
import { DEFAULT_REPORT_LIMITS, TlsRptReportError } from "./decode";
import { formatSummaryJson, formatSummaryText } from "./format";
import { listSources, parseS3Url, readSource, ReportSource } from "./sources";
import { CurrentPolicy, DEFAULT_MIN_DAYS, DEFAULT_MIN_ORGS, ReportTally } from "./summary";

/** After a usage error: one line per problem, then this, not the whole usage. */
const USAGE_HINT = "(mta-sts report --help shows the usage)";

export const REPORT_USAGE = `usage: mta-sts report <file|dir|s3://bucket/prefix>... [--domain d] [--since YYYY-MM-DD] [--until YYYY-MM-DD]
         [--json] [--svg out.svg] [--png out.png] [--min-days n] [--min-orgs n]
         [--policy file] [--dns-server ip[:port]] [--timeout seconds] [--ca-file pem] [--s3-endpoint url]

Summarises TLS-RPT reports (RFC 8460) and says whether the published MTA-STS
policy is safe to switch to enforce: reports on --min-days UTC days from at least
--min-orgs organisations that applied the published policy's mx list, and no
failed session under it.

Inputs: .json, .json.gz and .gz report bodies, .eml messages, directories (walked),
and s3://bucket/prefix (AWS credentials and region from the standard chain).

  --domain d              the policy domain (needed when the reports cover several)
  --since/--until day     only reports whose UTC day is in this range (inclusive)
  --json                  print the whole summary as JSON
  --svg out.svg           write the daily successful/failed chart as SVG
  --png out.png           ... and as PNG
  --min-days n            days of reports needed (default ${DEFAULT_MIN_DAYS})
  --min-orgs n            reporting organisations needed (default ${DEFAULT_MIN_ORGS})
  --policy file           compare with this policy file instead of fetching the published one
  --dns-server ip[:port]  resolver for fetching the published policy
  --timeout seconds       time limit for fetching it, 1 to 300 (default 10)
  --ca-file pem           also trust these CAs when fetching it
  --s3-endpoint url       an S3-compatible endpoint instead of AWS (path-style)

Exit codes: 0 safe to enforce, 1 not yet safe (or nothing readable), 2 usage error.
`;

/** Sources read at once: enough to hide S3 latency, few enough to bound memory. */
const CONCURRENCY = 8;

export interface CommandIo {
    stdout: (text: string) => void;
    stderr: (text: string) => void;
}

export interface ReportCommandDependencies {
    /** Fetches the policy published now, the way a sender does (the CLI passes `mta-sts check`'s fetch). */
    fetchPolicy(domain: string, options: FetchFlags): Promise<CurrentPolicy>;
}

export async function reportCommand(
    argv: string[],
    io: CommandIo,
    dependencies: ReportCommandDependencies,
): Promise<number> {
    let parsed;
    try {
        parsed = parseArgs({
            args: argv,
            allowPositionals: true,
            options: {
                domain: { type: "string" },
                since: { type: "string" },
                until: { type: "string" },
                json: { type: "boolean" },
                svg: { type: "string" },
                png: { type: "string" },
                "min-days": { type: "string" },
                "min-orgs": { type: "string" },
                policy: { type: "string" },
                "dns-server": { type: "string" },
                timeout: { type: "string" },
                "ca-file": { type: "string" },
                "s3-endpoint": { type: "string" },
                help: { type: "boolean", short: "h" },
            },
        });
    } catch (error) {
        io.stderr(`${(error as Error).message.split("\n")[0]}\n\n${USAGE_HINT}\n`);
        return 2;
    }
    const { values, positionals: inputs } = parsed;
    if (values.help) {
        io.stdout(REPORT_USAGE);
        return 0;
    }
    const problems: string[] = [];
    if (inputs.length === 0) problems.push("give at least one file, directory or s3://bucket/prefix");
    for (const input of inputs) {
        if (input.startsWith("s3:")) {
            if (!parseS3Url(input)) problems.push(`${JSON.stringify(input)}: expected s3://bucket/prefix`);
        } else if (!existsSync(input)) {
            problems.push(`${JSON.stringify(input)}: no such file or directory`);
        }
    }
    const domain = values.domain === undefined ? undefined : normalizeHostname("--domain", values.domain, problems);
    const since = day("--since", values.since, problems);
    const until = day("--until", values.until, problems);
    if (since !== undefined && until !== undefined && since > until) {
        problems.push(`--since ${since} is after --until ${until}`);
    }
    const minDays = whole("--min-days", values["min-days"], DEFAULT_MIN_DAYS, 3650, problems);
    const minOrgs = whole("--min-orgs", values["min-orgs"], DEFAULT_MIN_ORGS, 1000, problems);
    for (const option of ["svg", "png"] as const) {
        const file = values[option];
        if (file !== undefined && !isDirectory(path.dirname(path.resolve(file)))) {
            problems.push(`--${option} ${JSON.stringify(file)}: its directory does not exist`);
        }
    }
    if (values.policy !== undefined && !existsSync(values.policy)) {
        problems.push(`--policy ${JSON.stringify(values.policy)}: no such file`);
    }
    const fetchFlags = readFetchFlags(values, problems);
    const endpoint = values["s3-endpoint"];
    if (endpoint !== undefined && !/^https?:\/\/[^\s/]+\/?$/.test(endpoint)) {
        problems.push(`--s3-endpoint ${JSON.stringify(endpoint)}: expected http(s)://host[:port]`);
    }
    if (problems.length > 0) {
        io.stderr(`${problems.join("\n")}\n\n${USAGE_HINT}\n`);
        return 2;
    }

    const tally = new ReportTally({ domain, since, until });
    const skipped = { count: 0 };
    const sources = listSources(
        inputs,
        { s3: endpoint === undefined ? undefined : { endpoint, forcePathStyle: true } },
        skipped,
    );
    try {
        await forEachConcurrently(sources, CONCURRENCY, async (source) => read(source, tally));
    } catch (error) {
        io.stderr(`error: ${escapeForTerminal((error as Error).message, 500)}\n`);
        return 1;
    }
    const policyDomain = domain ?? (tally.domains.length === 1 ? tally.domains[0] : undefined);
    if (policyDomain === undefined && tally.domains.length > 1) {
        io.stderr(
            `the reports cover several policy domains (${tally.domains.join(", ")}); choose one with --domain\n\n${USAGE_HINT}\n`,
        );
        return 2;
    }
    const current = await currentPolicy(values.policy, policyDomain, tally, dependencies, fetchFlags);
    const summary = tally.summarise(current, { minDays, minOrgs });
    if (policyDomain !== undefined) summary.domain = policyDomain;
    summary.skipped = skipped.count;

    if (values.svg !== undefined || values.png !== undefined) {
        const svg = renderChartSvg(summary.days, `TLS-RPT sessions per UTC day: ${policyDomain ?? "no reports"}`);
        if (values.svg !== undefined) await writeFile(values.svg, svg);
        if (values.png !== undefined) await writeFile(values.png, renderChartPng(svg));
    }
    io.stdout(values.json ? formatSummaryJson(summary) : formatSummaryText(summary));
    return summary.verdict.safeToEnforce ? 0 : 1;
}

async function read(source: ReportSource, tally: ReportTally): Promise<void> {
    try {
        const { reports, rejected } = await readSource(source, DEFAULT_REPORT_LIMITS);
        for (const report of reports) tally.add(report);
        if (rejected.length > 0) tally.reject(source.name, rejected);
    } catch (error) {
        if (error instanceof TlsRptReportError) tally.reject(source.name, error.problems);
        else tally.reject(source.name, [(error as Error).message]);
    }
}

async function currentPolicy(
    file: string | undefined,
    domain: string | undefined,
    tally: ReportTally,
    dependencies: ReportCommandDependencies,
    options: FetchFlags,
): Promise<CurrentPolicy> {
    if (file !== undefined) {
        const reading = readPolicy(readFileSync(file, "utf8"));
        return reading.policy
            ? { source: file, policy: reading.policy }
            : { source: file, error: reading.errors.join("; ") };
    }
    if (domain === undefined) return { source: "(no domain)", error: "no reports to take the domain from" };
    if (tally.domains.length === 0) return { source: policyUrl(domain), error: "not fetched: no reports" };
    return dependencies.fetchPolicy(domain, options);
}

/** Runs `work` over `items` with at most `limit` at once, pulling items only as slots free up. */
async function forEachConcurrently<T>(
    items: AsyncIterable<T>,
    limit: number,
    work: (item: T) => Promise<void>,
): Promise<void> {
    const running = new Set<Promise<void>>();
    for await (const item of items) {
        const task: Promise<void> = work(item).finally(() => running.delete(task));
        running.add(task);
        if (running.size >= limit) await Promise.race(running);
    }
    await Promise.all(running);
}

function day(option: string, value: string | undefined, problems: string[]): string | undefined {
    if (value === undefined) return undefined;
    const time = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : NaN;
    const valid = !Number.isNaN(time) && new Date(time).toISOString().startsWith(value);
    if (!valid) problems.push(`${option} ${JSON.stringify(value)}: expected a UTC day as YYYY-MM-DD`);
    return valid ? value : undefined;
}

function whole(option: string, value: string | undefined, fallback: number, max: number, problems: string[]): number {
    if (value === undefined) return fallback;
    const number = /^\d{1,6}$/.test(value) ? Number(value) : NaN;
    if (!(number >= 1 && number <= max)) {
        problems.push(`${option} ${JSON.stringify(value)}: expected a whole number from 1 to ${max}`);
        return fallback;
    }
    return number;
}

function isDirectory(directory: string): boolean {
    try {
        return statSync(directory).isDirectory();
    } catch {
        return false;
    }
}
