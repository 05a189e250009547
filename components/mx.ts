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
