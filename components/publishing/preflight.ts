import { execFileSync } from "node:child_process";
import { assessMxCoverage } from "../core/mx";
import { PolicyMode } from "../core/policy";
import { parseDnsServer } from "../core/dnsServer";

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
const resolver = new Resolver({ timeout: Number(timeout), tries: 2 });
if (server) resolver.setServers([server]);
resolver.resolveMx(domain).then(
    (records) => process.stdout.write(JSON.stringify({
        hosts: records.sort((a, b) => a.priority - b.priority).map((r) => r.exchange.replace(/\\.$/, "").toLowerCase()),
    })),
    (error) => process.stdout.write(JSON.stringify(
        ["ENOTFOUND", "ENODATA"].includes(error.code) ? { hosts: [] } : { error: error.code || error.message },
    )),
);`;

/** The domain's MX hosts by preference, resolved synchronously; a failure is returned, not thrown. */
export function resolveMxHostsSync(
    domain: string,
    options: { server?: string; timeoutMs?: number } = {},
): { hosts: string[] } | { error: string } {
    const timeoutMs = options.timeoutMs ?? 5000;
    const server = options.server === undefined ? "" : (parseDnsServer(options.server) ?? "");
    try {
        const output = execFileSync(process.execPath, ["-e", RESOLVE_MX_SCRIPT, domain, server, String(timeoutMs)], {
            encoding: "utf8",
            timeout: 3 * timeoutMs,
            stdio: ["ignore", "pipe", "pipe"],
        });
        return JSON.parse(output);
    } catch (error) {
        return { error: (error as Error).message.split("\n")[0] };
    }
}
