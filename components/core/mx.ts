/**
 * Whether an MX host is covered by a policy `mx` pattern (RFC 8461 §4.1).
 *
 * A wildcard replaces exactly one leftmost label: `*.example.com` matches
 * `a.example.com` but neither `a.b.example.com` nor `example.com`. mailauth and
 * Postfix's legacy `.example.com` syntax accept any depth, which hides a wrong
 * wildcard until a strict sender bounces mail, so we implement the RFC rule.
 * Comparison is case-insensitive and ignores one trailing dot on either side.
 */
export function matchMx(pattern: string, host: string): boolean {
    const normalizedPattern = stripTrailingDot(pattern.toLowerCase());
    const normalizedHost = stripTrailingDot(host.toLowerCase());
    if (!normalizedPattern.startsWith("*.")) {
        return normalizedPattern === normalizedHost;
    }
    const base = normalizedPattern.slice(1);
    if (!normalizedHost.endsWith(base)) {
        return false;
    }
    const leftmostLabel = normalizedHost.slice(0, normalizedHost.length - base.length);
    return leftmostLabel.length > 0 && !leftmostLabel.includes(".");
}

/** The first pattern that covers `host`, or undefined. */
export function findMatchingPattern(patterns: readonly string[], host: string): string | undefined {
    return patterns.find((pattern) => matchMx(pattern, host));
}

function stripTrailingDot(name: string): string {
    return name.endsWith(".") ? name.slice(0, -1) : name;
}

export interface MxCoverage {
    /** MX hosts no pattern matches, each with a pattern that would. */
    uncovered: { host: string; suggestion: string }[];
    /** Patterns that match none of the MX hosts. */
    unused: string[];
}

/** How a policy's patterns cover the domain's MX hosts (RFC 8461 §4.1). */
export function assessMxCoverage(patterns: readonly string[], hosts: readonly string[]): MxCoverage {
    const normalizedHosts = hosts.map((host) => stripTrailingDot(host.toLowerCase()));
    return {
        uncovered: normalizedHosts
            .filter((host) => findMatchingPattern(patterns, host) === undefined)
            .map((host) => ({ host, suggestion: suggestPattern(host) })),
        unused: patterns.filter((pattern) => !normalizedHosts.some((host) => matchMx(pattern, host))),
    };
}

/** A pattern that covers `host`: its siblings by wildcard when the parent has three or more labels, else the host. */
export function suggestPattern(host: string): string {
    const parent = host.slice(host.indexOf(".") + 1);
    return parent.split(".").length >= 3 ? `*.${parent}` : host;
}
