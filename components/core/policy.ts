import { createHash } from "node:crypto";

/** The three policy modes of RFC 8461 §3.2. */
export const PolicyMode = {
    /** Senders report failures (TLS-RPT) but still deliver. The safe first step. */
    Testing: "testing",
    /** Senders refuse to deliver over a connection that fails validation. */
    Enforce: "enforce",
    /** Withdraws a previous policy (RFC 8461 §8.3). */
    None: "none",
} as const;
export type PolicyMode = (typeof PolicyMode)[keyof typeof PolicyMode];

export const POLICY_MODES: readonly PolicyMode[] = Object.values(PolicyMode);

/** The HTTP path senders fetch (RFC 8461 §3.3). */
export const POLICY_PATH = ".well-known/mta-sts.txt";

/** Five clients treat a missing or non-`text/plain` Content-Type as "no policy". */
export const POLICY_CONTENT_TYPE = "text/plain; charset=utf-8";

/** RFC 8461 §3.2 caps max_age at one year. */
export const MAX_AGE_LIMIT = 31557600;

/** chasquid silently truncates bodies past 10 KiB, losing the trailing max_age line. */
export const POLICY_SIZE_LIMIT = 10 * 1024;

export interface PolicyFields {
    mode: PolicyMode;
    /** Normalised patterns: lowercase A-labels, no trailing dot. */
    mx: readonly string[];
    maxAge: number;
}

/**
 * The canonical policy body: version first (Google requires it), CRLF on every
 * line including the last, no blank lines, `key: value` with exactly one space.
 */
export function renderPolicy(policy: PolicyFields): string {
    const lines = [
        "version: STSv1",
        `mode: ${policy.mode}`,
        ...policy.mx.map((pattern) => `mx: ${pattern}`),
        `max_age: ${policy.maxAge}`,
    ];
    return lines.map((line) => `${line}\r\n`).join("");
}

/**
 * The policy id: the first 32 hex characters of SHA-256 over the exact bytes
 * served. Hex keeps it inside `[A-Za-z0-9]{1,32}`, which mox and postfix-tlspol
 * enforce; deriving it from the body means it changes exactly when the body does.
 */
export function computePolicyId(policyText: string): string {
    return createHash("sha256").update(policyText, "utf8").digest("hex").slice(0, 32);
}

/** The `_mta-sts` TXT value (RFC 8461 §3.1), one string and nothing else. */
export function renderMtaStsRecord(policyId: string): string {
    return `v=STSv1; id=${policyId}`;
}

/**
 * The `_smtp._tls` TXT value (RFC 8460 §3): `rua` second, one field, no spaces
 * around commas (the sys4 reporter sends nowhere when a space follows a comma).
 */
export function renderTlsRptRecord(rua: readonly string[]): string {
    return `v=TLSRPTv1; rua=${rua.join(",")}`;
}

/** Host names and URL derived from the policy domain (RFC 8461 §3.1, §3.3; RFC 8460 §3). */
export function policyHost(domain: string): string {
    return `mta-sts.${domain}`;
}

export function policyUrl(domain: string): string {
    return `https://${policyHost(domain)}/${POLICY_PATH}`;
}

export function mtaStsRecordName(domain: string): string {
    return `_mta-sts.${domain}`;
}

export function tlsRptRecordName(domain: string): string {
    return `_smtp._tls.${domain}`;
}
