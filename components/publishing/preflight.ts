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
// resource is registered, so that a failed preflight creates nothing (like invalid args).
const RESOLVE_MX_SCRIPT = `
const { Resolver } = require("node:dns/promises");
const [domain, server, timeout] = process.argv.slice(1);
const resolver = new Resolver({ timeout: Number(timeout), tries: 1 });
if (server) resolver.setServers([server]);
resolver.resolveMx(domain).then(
    (records) => process.stdout.write(JSON.stringify({
        hosts: records.sort((a, b) => a.priority - b.priority).map((r) => r.exchange.replace(/\\.$/, "").toLowerCase()),
    })),
    (error) => process.stdout.write(JSON.stringify(
        ["ENOTFOUND", "ENODATA"].includes(error.code) ? { hosts: [] } : { error: error.code || error.message },
    )),
);`;

/**
 * The domain's MX hosts by preference, resolved synchronously within
 * `timeoutMs` in all (the child process is killed then); a failure is
 * returned with its reason, not thrown.
 */
export function resolveMxHostsSync(
    domain: string,
    options: { server?: string; timeoutMs?: number } = {},
): { hosts: string[] } | { error: string } {
    const timeoutMs = Math.round(options.timeoutMs ?? DEFAULT_PREFLIGHT_TIMEOUT * 1000);
    const server = options.server === undefined ? "" : (parseDnsServer(options.server) ?? "");
    // One try, leaving the child time to start and answer before it is killed.
    const lookupMs = Math.max(Math.round(timeoutMs / 2), timeoutMs - 1000);
    try {
        const output = execFileSync(process.execPath, ["-e", RESOLVE_MX_SCRIPT, domain, server, String(lookupMs)], {
            encoding: "utf8",
            timeout: timeoutMs,
            stdio: ["ignore", "pipe", "pipe"],
        });
        return JSON.parse(output);
    } catch (error) {
        return { error: describeLookupFailure(error as ChildFailure, timeoutMs) };
    }
}

type ChildFailure = Error & { code?: string; signal?: string | null; stderr?: string; status?: number | null };

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
