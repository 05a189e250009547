import { execFileSync } from "node:child_process";
import { assessMxCoverage } from "../core/mx";
import { PolicyMode } from "../core/policy";
import { parseDnsServer } from "../core/dnsServer";
import { DEFAULT_PREFLIGHT_TIMEOUT } from "../core/validate";

export interface PreflightFindings {
    /** Problems that would bounce mail: the deployment must stop. */
    errors: string[];
    /** Problems worth knowing before enforcing. */
    warnings: string[];
}

/**
 * Compares the domain's live MX hosts with the policy's patterns, the same way
 * `mta-sts check`'s mx-coverage does. An uncovered MX host is an error in
 * enforce (mail to it would bounce) and a warning otherwise; a failed lookup is
 * a warning, so an unreachable resolver never blocks a deployment.
 */
export function evaluateMxPreflight(
    domain: string,
    patterns: readonly string[],
    mode: PolicyMode,
    lookup: { hosts: string[] } | { error: string },
): PreflightFindings {
    if ("error" in lookup) {
        return {
            errors: [],
            warnings: [
                `preflight: could not resolve the MX records of ${domain} (${lookup.error}); MX coverage was not checked`,
            ],
        };
    }
    if (lookup.hosts.length === 0) {
        return { errors: [], warnings: [`preflight: ${domain} has no MX records; senders will not use the policy`] };
    }
    const coverage = assessMxCoverage(patterns, lookup.hosts);
    const uncovered = coverage.uncovered.map(
        ({ host, suggestion }) =>
            `mx: the live MX host ${host} of ${domain} matches no pattern in ${JSON.stringify(patterns)}; ` +
            `add "${suggestion}"${mode === PolicyMode.Enforce ? ", or mail to it will bounce" : " before enforcing"}`,
    );
    const unused = coverage.unused.map(
        (pattern) => `mx: the pattern ${pattern} matches none of the live MX hosts ${lookup.hosts.join(", ")}`,
    );
    return mode === PolicyMode.Enforce
        ? { errors: uncovered, warnings: unused }
        : { errors: [], warnings: [...uncovered, ...unused] };
}

// Runs in a child process: the component's constructor must decide synchronously, before any
// resource is registered, so that a failed preflight creates nothing (like invalid args). It
// resolves every domain given, at most 32 at a time, and prints one JSON line per answer as it
// arrives, so answers that came before the process is killed are kept.
const RESOLVE_MX_SCRIPT = `
const { Resolver } = require("node:dns/promises");
const [server, timeout, ...domains] = process.argv.slice(1);
const resolver = new Resolver({ timeout: Number(timeout), tries: 1 });
if (server) resolver.setServers([server]);
let next = 0;
async function worker() {
    while (next < domains.length) {
        const domain = domains[next++];
        const result = await resolver.resolveMx(domain).then(
            (records) => ({
                hosts: records.sort((a, b) => a.priority - b.priority).map((r) => r.exchange.replace(/\\.$/, "").toLowerCase()),
            }),
            (error) => ["ENOTFOUND", "ENODATA"].includes(error.code) ? { hosts: [] } : { error: error.code || error.message },
        );
        process.stdout.write(JSON.stringify({ domain, ...result }) + "\\n");
    }
}
Promise.all(Array.from({ length: Math.min(32, domains.length) }, worker));`;

export type MxLookup = { hosts: string[] } | { error: string };

/**
 * The domain's MX hosts by preference, resolved synchronously within
 * `timeoutMs` in all (the child process is killed then); a failure is
 * returned with its reason, not thrown.
 */
export function resolveMxHostsSync(domain: string, options: { server?: string; timeoutMs?: number } = {}): MxLookup {
    return resolveManyMxHostsSync([domain], options).get(domain)!;
}

/**
 * Every domain's MX hosts, resolved in one child process, concurrently, within
 * `timeoutMs` in all: a domain without an answer by then gets the timeout as
 * its error, and those that answered keep their answers.
 */
export function resolveManyMxHostsSync(
    domains: readonly string[],
    options: { server?: string; timeoutMs?: number } = {},
): Map<string, MxLookup> {
    const timeoutMs = Math.round(options.timeoutMs ?? DEFAULT_PREFLIGHT_TIMEOUT * 1000);
    const server = options.server === undefined ? "" : (parseDnsServer(options.server) ?? "");
    const unique = [...new Set(domains)];
    // One try, leaving the child time to start and answer before it is killed.
    const lookupMs = Math.max(Math.round(timeoutMs / 2), timeoutMs - 1000);
    let output: string;
    let failure: string | undefined;
    try {
        output = execFileSync(process.execPath, ["-e", RESOLVE_MX_SCRIPT, server, String(lookupMs), ...unique], {
            encoding: "utf8",
            timeout: timeoutMs,
            stdio: ["ignore", "pipe", "pipe"],
            maxBuffer: 64 * 1024 * 1024,
        });
    } catch (error) {
        output = String((error as ChildFailure).stdout ?? "");
        failure = describeLookupFailure(error as ChildFailure, timeoutMs);
    }
    const results = new Map<string, MxLookup>();
    // Only whole lines: the process may be killed in the middle of one.
    for (const line of output.split("\n").slice(0, -1)) {
        const { domain, ...result } = JSON.parse(line) as { domain: string } & MxLookup;
        // c-ares gave up on its own (its wait is a little shorter than the process's): the same silence.
        const silent = "error" in result && result.error === "ETIMEOUT";
        results.set(domain, silent ? { error: `no answer within ${timeoutMs / 1000} s` } : result);
    }
    for (const domain of unique) {
        if (!results.has(domain)) results.set(domain, { error: failure ?? "the lookup process gave no answer" });
    }
    return results;
}

/**
 * What the preflights of one program share, so that N domains do not wait N
 * timeouts: answers fetched ahead for many domains at once
 * ({@link prefetchMxPreflight}), each used once, and the resolvers that already
 * gave no answer within a preflight's time, which later preflights skip.
 */
const run = {
    prefetched: new Map<string, MxLookup>(),
    silent: new Map<string, { domain: string; seconds: number }>(),
};

const runKey = (server: string | undefined, domain: string) => `${server ?? ""} ${domain}`;

/**
 * Resolves the MX hosts of every domain whose `MtaSts` will run a preflight in
 * this program, in one lookup process within `timeoutSeconds` in all, so that
 * the program waits for DNS once rather than once per domain. Each answer is
 * used by the first `MtaSts` for that domain (and the same `preflightDnsServer`)
 * that asks for it. The ready-to-run program does this for its `domains` list.
 */
export function prefetchMxPreflight(
    domains: readonly string[],
    options: { preflightDnsServer?: string; timeoutSeconds?: number } = {},
): void {
    const timeoutMs = (options.timeoutSeconds ?? DEFAULT_PREFLIGHT_TIMEOUT) * 1000;
    const lookups = resolveManyMxHostsSync(domains, { server: options.preflightDnsServer, timeoutMs });
    for (const [domain, lookup] of lookups) {
        run.prefetched.set(runKey(options.preflightDnsServer, domain), lookup);
        noteSilence(options.preflightDnsServer, domain, lookup, timeoutMs);
    }
}

/**
 * One domain's lookup for its preflight: a prefetched answer if there is one;
 * no wait at all if this resolver already gave no answer within a preflight's
 * time in this program; else a lookup of its own, bounded by `timeoutMs`.
 */
export function preflightLookup(domain: string, server: string | undefined, timeoutMs: number): MxLookup {
    const key = runKey(server, domain);
    const prefetched = run.prefetched.get(key);
    if (prefetched !== undefined) {
        run.prefetched.delete(key);
        return prefetched;
    }
    const silent = run.silent.get(server ?? "");
    if (silent !== undefined) {
        return {
            error: `not asked: ${server ?? "the system resolver"} gave no answer for ${silent.domain} within ${silent.seconds} s earlier in this program`,
        };
    }
    const lookup = resolveMxHostsSync(domain, { server, timeoutMs });
    noteSilence(server, domain, lookup, timeoutMs);
    return lookup;
}

function noteSilence(server: string | undefined, domain: string, lookup: MxLookup, timeoutMs: number): void {
    if ("error" in lookup && lookup.error.startsWith("no answer within") && !run.silent.has(server ?? "")) {
        run.silent.set(server ?? "", { domain, seconds: timeoutMs / 1000 });
    }
}

/** Forgets what earlier preflights in this process learnt (for tests that start a new program). */
export function resetPreflightRun(): void {
    run.prefetched.clear();
    run.silent.clear();
}

type ChildFailure = Error & {
    code?: string;
    signal?: string | null;
    stdout?: string;
    stderr?: string;
    status?: number | null;
};

/**
 * What went wrong in the lookup process, instead of execFileSync's first line
 * ("Command failed: <node> -e <the whole script>"): the timeout, else the error
 * line Node printed (an uncaught error or a refused option), else its last words.
 */
export function describeLookupFailure(error: ChildFailure, timeoutMs: number): string {
    if (error.code === "ETIMEDOUT" || error.signal === "SIGTERM") return `no answer within ${timeoutMs / 1000} s`;
    const lines = String(error.stderr ?? "")
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => line !== "" && !/^Node\.js v/.test(line) && !line.startsWith("at "));
    const errorLine = lines.find((line) => /^(?:[A-Za-z]*Error\b|node: )/.test(line));
    if (errorLine !== undefined) return errorLine;
    if (lines.length > 0) return lines[lines.length - 1];
    return error.status !== undefined && error.status !== null
        ? `the lookup exited with status ${error.status}`
        : error.message.split("\n")[0];
}
