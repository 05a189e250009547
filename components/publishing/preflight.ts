import { execFileSync } from "node:child_process";
import { assessMxCoverage } from "../core/mx";
import { PolicyMode } from "../core/policy";
import { parseDnsServer } from "../core/dnsServer";
import { DEFAULT_PREFLIGHT_TIMEOUT, normalizeHostname } from "../core/validate";

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
// resource is registered, so that a failed preflight creates nothing (like invalid args). It reads
// its work as JSON on stdin (no command-line length limit), resolves every domain, at most 128 at a
// time, and prints one JSON line per answer as it arrives, so answers that came before the process
// is killed are kept. It also asks for the root's NS records: any reply to that, even an error
// code, shows the resolver itself is alive, so one domain whose name servers are slow does not
// make later preflights skip a resolver that works.
const RESOLVE_MX_SCRIPT = `
const { Resolver } = require("node:dns/promises");
const { server, timeout, domains } = JSON.parse(require("node:fs").readFileSync(0, "utf8"));
const resolver = new Resolver({ timeout, tries: 1 });
if (server) resolver.setServers([server]);
const print = (line) => process.stdout.write(JSON.stringify(line) + "\\n");
resolver.resolveNs(".").then(
    () => print({ resolverAnswered: true }),
    (error) => print({ resolverAnswered: error.code !== "ETIMEOUT" }),
);
let next = 0;
let silence = false;
async function worker() {
    while (next < domains.length) {
        const domain = domains[next++];
        const result = await resolver.resolveMx(domain).then(
            (records) => ({
                hosts: records.sort((a, b) => a.priority - b.priority).map((r) => r.exchange.replace(/\\.$/, "").toLowerCase()),
            }),
            (error) => ["ENOTFOUND", "ENODATA"].includes(error.code) ? { hosts: [] } : { error: error.code || error.message },
        );
        if (result.error === "ETIMEOUT") silence = true;
        print({ domain, ...result });
    }
}
// Every domain answered, so the resolver works: no need to wait for the root question (a resolver
// may drop those), so end at once.
Promise.all(Array.from({ length: Math.min(128, domains.length) }, worker)).then(() => {
    if (silence) return;
    print({ resolverAnswered: true });
    process.stdout.write("", () => process.exit(0));
});`;

/** A domain's MX hosts by preference (none: no MX records), or why they could not be resolved. */
export type MxLookup = { hosts: string[] } | { error: string };

export interface MxLookupOptions {
    /** The resolver to ask, `ip` or `ip:port`. Default: the system resolver. */
    server?: string;
    /** The most the whole lookup may take, in milliseconds; the lookup process is killed then. Default 5000. */
    timeoutMs?: number;
}

/**
 * The domain's MX hosts by preference, resolved synchronously within
 * `timeoutMs` in all (the child process is killed then); a failure is
 * returned with its reason, not thrown.
 */
export function resolveMxHostsSync(domain: string, options: MxLookupOptions = {}): MxLookup {
    return resolveManyMxHostsSync([domain], options).get(domain)!;
}

/**
 * Every domain's MX hosts, resolved in one child process, concurrently, within
 * `timeoutMs` in all: a domain without an answer by then gets the timeout as
 * its error, and those that answered keep their answers.
 */
export function resolveManyMxHostsSync(
    domains: readonly string[],
    options: MxLookupOptions = {},
): Map<string, MxLookup> {
    return lookUpMany(domains, options).results;
}

function lookUpMany(
    domains: readonly string[],
    options: MxLookupOptions,
): { results: Map<string, MxLookup>; resolverAnswered: boolean } {
    const results = new Map<string, MxLookup>();
    const unique = [...new Set(domains)];
    if (unique.length === 0) return { results, resolverAnswered: true };
    const timeoutMs = Math.round(options.timeoutMs ?? DEFAULT_PREFLIGHT_TIMEOUT * 1000);
    const server = options.server === undefined ? "" : (parseDnsServer(options.server) ?? "");
    // One try, leaving the child time to start and answer before it is killed.
    const lookupMs = Math.max(Math.round(timeoutMs / 2), timeoutMs - 1000);
    let output: string;
    let failure: string | undefined;
    try {
        output = execFileSync(process.execPath, ["-e", RESOLVE_MX_SCRIPT], {
            input: JSON.stringify({ server, timeout: lookupMs, domains: unique }),
            encoding: "utf8",
            timeout: timeoutMs,
            stdio: ["pipe", "pipe", "pipe"],
            maxBuffer: 64 * 1024 * 1024,
        });
    } catch (error) {
        output = String((error as ChildFailure).stdout ?? "");
        failure = describeLookupFailure(error as ChildFailure, timeoutMs);
    }
    let resolverAnswered = false;
    // Only whole lines: the process may be killed in the middle of one.
    for (const line of output.split("\n").slice(0, -1)) {
        const parsed = JSON.parse(line) as { resolverAnswered: boolean } | ({ domain: string } & MxLookup);
        if ("resolverAnswered" in parsed) {
            resolverAnswered = parsed.resolverAnswered;
            continue;
        }
        const { domain, ...result } = parsed;
        // c-ares gave up on its own (its wait is a little shorter than the process's): the same silence.
        const silent = "error" in result && result.error === "ETIMEOUT";
        results.set(domain, silent ? { error: `no answer within ${timeoutMs / 1000} s` } : result);
    }
    for (const domain of unique) {
        if (!results.has(domain)) results.set(domain, { error: failure ?? "the lookup process gave no answer" });
    }
    return { results, resolverAnswered };
}

/** How long what one preflight learnt serves later ones: one program's evaluation, not a long-lived process's next. */
const RUN_MEMORY_MS = 5 * 60 * 1000;

/**
 * What the preflights of one program share, so that N domains do not wait N
 * timeouts: answers fetched ahead for many domains at once
 * ({@link prefetchMxPreflight}), each used once, and the resolvers that gave
 * no answer at all (not even to a question about the root) within a
 * preflight's time, which later preflights skip. Both are forgotten after
 * RUN_MEMORY_MS, so a process that runs the program again (the Automation
 * API) asks afresh.
 */
const run = {
    prefetched: new Map<string, { lookup: MxLookup; at: number }>(),
    silent: new Map<string, { domain: string; seconds: number; at: number }>(),
};

const runKey = (server: string | undefined, domain: string) => `${server ?? ""} ${domain}`;
const fresh = (entry: { at: number } | undefined) => entry !== undefined && Date.now() - entry.at < RUN_MEMORY_MS;

/**
 * Resolves the MX hosts of every domain whose `MtaSts` will run a preflight in
 * this program, in one lookup process within `timeoutSeconds` in all, so that
 * the program waits for DNS once rather than once per domain. Each answer is
 * used by the first `MtaSts` for that domain and the same `preflightDnsServer`
 * (names compare after normalisation, as `domain` does), within five minutes.
 * The ready-to-run program does this for its `domains` list.
 */
export function prefetchMxPreflight(
    domains: readonly string[],
    options: {
        /** The resolver the components' preflights ask: pass the same value as their `preflightDnsServer`. Default: the system resolver. */
        preflightDnsServer?: string;
        /** The most the whole batch waits for DNS, in seconds. Default 5, like `preflightTimeout`. */
        timeoutSeconds?: number;
    } = {},
): void {
    const timeoutMs = (options.timeoutSeconds ?? DEFAULT_PREFLIGHT_TIMEOUT) * 1000;
    // A name that does not normalise is left to the component's own validation.
    const names = domains.flatMap((domain) => normalizeHostname("domain", domain, []) ?? []);
    const { results, resolverAnswered } = lookUpMany(names, { server: options.preflightDnsServer, timeoutMs });
    const at = Date.now();
    for (const [domain, lookup] of results) {
        run.prefetched.set(runKey(options.preflightDnsServer, domain), { lookup, at });
        noteSilence(options.preflightDnsServer, domain, lookup, resolverAnswered, timeoutMs);
    }
}

/**
 * One domain's lookup for its preflight: a prefetched answer if there is one;
 * no wait at all if this resolver gave no answer at all within a preflight's
 * time earlier in this program; else a lookup of its own, bounded by
 * `timeoutMs`. `domain` is normalised; `server` undefined means the system
 * resolver.
 */
export function preflightLookup(domain: string, server: string | undefined, timeoutMs: number): MxLookup {
    const key = runKey(server, domain);
    const prefetched = run.prefetched.get(key);
    run.prefetched.delete(key);
    if (fresh(prefetched)) return prefetched!.lookup;
    const silent = run.silent.get(server ?? "");
    if (fresh(silent)) {
        return {
            error: `not asked: ${server ?? "the system resolver"} gave no answer for ${silent!.domain} within ${silent!.seconds} s earlier in this program`,
        };
    }
    const { results, resolverAnswered } = lookUpMany([domain], { server, timeoutMs });
    const lookup = results.get(domain)!;
    noteSilence(server, domain, lookup, resolverAnswered, timeoutMs);
    return lookup;
}

function noteSilence(
    server: string | undefined,
    domain: string,
    lookup: MxLookup,
    resolverAnswered: boolean,
    timeoutMs: number,
): void {
    if ("error" in lookup && lookup.error.startsWith("no answer within") && !resolverAnswered) {
        if (!fresh(run.silent.get(server ?? ""))) {
            run.silent.set(server ?? "", { domain, seconds: timeoutMs / 1000, at: Date.now() });
        }
    }
}

/** Forgets what earlier preflights in this process learnt, as if a new program started. */
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
