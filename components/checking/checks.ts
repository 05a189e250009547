/**
 * `mta-sts check`: verifies a live domain end to end, the way a sending mail
 * server would see it. Every check runs in parallel under its own time limit.
 */
import { readFileSync } from "node:fs";
import * as tls from "node:tls";
import { assessMxCoverage } from "../core/mx";
import {
    PolicyMode,
    POLICY_SIZE_LIMIT,
    computePolicyId,
    mtaStsRecordName,
    policyHost,
    policyUrl,
    tlsRptRecordName,
} from "../core/policy";
import { DnsLookup, createDnsLookup } from "./dns";
import { readPolicy, readStsRecord, readTlsRptRecord, PolicyDocument } from "../core/parse";
import { POLICY_FETCH_LIMIT, PolicyFetch, fetchPolicy, probeStartTls } from "./probes";

export const CHECK_IDS = [
    "sts-record",
    "policy-fetch",
    "policy-syntax",
    "policy-id",
    "mx-coverage",
    "mx-tls",
    "tlsrpt-record",
    "caa",
] as const;
export type CheckId = (typeof CHECK_IDS)[number];
export type CheckStatus = "pass" | "warn" | "fail" | "skip";

export interface CheckResult {
    id: CheckId;
    status: CheckStatus;
    detail: string;
}

export interface CheckReport {
    domain: string;
    verdict: "pass" | "warn" | "fail";
    /** True only when every MX host is covered and every mx-tls check passed. */
    safeToEnforce: boolean;
    checks: CheckResult[];
}

export interface CheckOptions {
    /** `ip[:port]` of the resolver to ask; default the system resolver. */
    dnsServer?: string;
    /** Per-check time limit in seconds. Default 10. */
    timeoutSeconds?: number;
    /** A PEM file of extra trusted CAs, on top of the system store and NODE_EXTRA_CA_CERTS. */
    caFile?: string;
}

/** postfix-tlspol gives up after 2 s per attempt. */
const SLOW_FETCH_MS = 2000;
/** Issuer names that let ACM issue (SPEC.md §6). */
const AMAZON_ISSUERS = ["amazon.com", "amazontrust.com", "awstrust.com", "amazonaws.com"];

export async function runChecks(domain: string, options: CheckOptions = {}): Promise<CheckReport> {
    const timeoutMs = (options.timeoutSeconds ?? 10) * 1000;
    const dns = createDnsLookup({ server: options.dnsServer, timeoutMs });
    const ca = trustedCertificates(options.caFile);
    const host = policyHost(domain);

    const once = <T>(load: () => Promise<T>) => {
        let promise: Promise<T> | undefined;
        return () => (promise ??= load());
    };
    const stsRecords = once(() => dns.txt(mtaStsRecordName(domain)));
    const fetched = once(async (): Promise<PolicyFetch> => {
        const [address] = await dns.addresses(host);
        if (address === undefined) throw new Error(`${host} has no A or AAAA record`);
        return fetchPolicy(host, address, { ca, timeoutMs });
    });
    const policy = once(async (): Promise<PolicyDocument | undefined> => {
        const result = await fetched();
        return result.status === 200 ? readPolicy(result.body.toString("utf8")).policy : undefined;
    });
    const mxHosts = once(() => dns.mx(domain));

    const single = (id: CheckId, run: () => Promise<Omit<CheckResult, "id">>) =>
        withTimeout(run(), timeoutMs).then(
            (result): CheckResult[] => [{ id, ...result }],
            (error: Error): CheckResult[] => [{ id, status: "fail", detail: error.message }],
        );

    const results = await Promise.all([
        single("sts-record", async () => {
            const records = (await stsRecords()).filter((record) => /^v=STSv1/i.test(record.trim()));
            if (records.length === 0)
                return { status: "fail", detail: `no v=STSv1 TXT record at ${mtaStsRecordName(domain)}` };
            if (records.length > 1) {
                return {
                    status: "fail",
                    detail: `${records.length} v=STSv1 records; senders treat several as "no policy"`,
                };
            }
            const reading = readStsRecord(records[0]);
            if (!reading.value) return { status: "fail", detail: reading.errors.join("; ") };
            const others = (await stsRecords()).length - 1;
            const notes = [
                ...reading.warnings,
                ...(others > 0 ? [`${others} other TXT record(s) at the same name`] : []),
            ];
            return notes.length > 0
                ? { status: "warn", detail: notes.join("; ") }
                : { status: "pass", detail: records[0] };
        }),
        single("policy-fetch", async () => {
            const result = await fetched();
            if (result.status >= 300 && result.status < 400) {
                return {
                    status: "fail",
                    detail: `HTTP ${result.status} redirect to ${result.location ?? "?"}; senders never follow redirects (RFC 8461 §3.3)`,
                };
            }
            if (result.status !== 200)
                return { status: "fail", detail: `HTTP ${result.status} from ${policyUrl(domain)}` };
            const mediaType = (result.contentType ?? "").split(";")[0].trim();
            if (mediaType !== "text/plain") {
                return {
                    status: "fail",
                    detail: `Content-Type ${JSON.stringify(result.contentType ?? "")}; it must be text/plain, or five clients read "no policy"`,
                };
            }
            if (result.body.length > POLICY_FETCH_LIMIT)
                return { status: "fail", detail: `the body is over 64 KiB (RFC 8461 §3.3)` };
            const warnings = [
                ...(result.body.length > POLICY_SIZE_LIMIT
                    ? [`the body is ${result.body.length} bytes; chasquid cuts it at 10 KiB`]
                    : []),
                ...(result.elapsedMs > SLOW_FETCH_MS
                    ? [`took ${Math.round(result.elapsedMs)} ms; postfix-tlspol gives up after 2 s`]
                    : []),
                ...(result.contentEncoding
                    ? [`Content-Encoding ${result.contentEncoding}; send the bytes uncompressed`]
                    : []),
            ];
            const summary = `HTTP 200, ${result.contentType}, ${result.body.length} bytes in ${Math.round(result.elapsedMs)} ms`;
            return warnings.length > 0
                ? { status: "warn", detail: `${summary}; ${warnings.join("; ")}` }
                : { status: "pass", detail: summary };
        }),
        single("policy-syntax", async () => {
            const result = await fetched().catch(() => undefined);
            if (!result || result.status !== 200) return { status: "skip", detail: "no policy body was fetched" };
            const reading = readPolicy(result.body.toString("utf8"));
            if (!reading.policy) return { status: "fail", detail: reading.errors.join("; ") };
            const summary = `mode ${reading.policy.mode}, ${reading.policy.mx.length} mx, max_age ${reading.policy.maxAge}`;
            return reading.warnings.length > 0
                ? { status: "warn", detail: `${summary}; ${reading.warnings.join("; ")}` }
                : { status: "pass", detail: summary };
        }),
        single("policy-id", async () => {
            const result = await fetched().catch(() => undefined);
            const record = (await stsRecords()).filter((r) => /^v=STSv1/i.test(r.trim()));
            const id = record.length === 1 ? readStsRecord(record[0]).value?.id : undefined;
            if (!result || result.status !== 200 || id === undefined)
                return { status: "skip", detail: "needs one valid record and a fetched body" };
            const expected = computePolicyId(result.body.toString("utf8"));
            return id === expected
                ? { status: "pass", detail: `id ${id} is the hash of the served body` }
                : {
                      status: "warn",
                      detail: `id ${id} is not the hash of the served body (${expected}); with this project's deployments that means a stale copy is served or the id was never bumped, and senders that cached the id will not fetch the change`,
                  };
        }),
        single("mx-coverage", async () => {
            const current = await policy().catch(() => undefined);
            if (!current) return { status: "skip", detail: "no valid policy to compare with" };
            const hosts = await mxHosts();
            if (hosts.length === 0) return { status: "fail", detail: `${domain} has no MX records` };
            const coverage = assessMxCoverage(current.mx, hosts);
            const missing = coverage.uncovered.map((u) => `${u.host} matches no mx pattern (add "${u.suggestion}")`);
            const unused = coverage.unused.map((pattern) => `pattern ${pattern} matches no MX host`);
            if (missing.length > 0) {
                return {
                    status: current.mode === PolicyMode.Enforce ? "fail" : "warn",
                    detail: [...missing, ...unused].join("; "),
                };
            }
            return unused.length > 0
                ? { status: "warn", detail: unused.join("; ") }
                : { status: "pass", detail: `all ${hosts.length} MX hosts are covered` };
        }),
        withTimeout(mxHosts(), timeoutMs).then(
            (hosts): Promise<CheckResult[]> =>
                hosts.length === 0
                    ? Promise.resolve([{ id: "mx-tls", status: "skip", detail: `${domain} has no MX hosts to probe` }])
                    : Promise.all(hosts.map((mx) => probeMx(mx, dns, { ca, timeoutMs }))),
            (error: Error): CheckResult[] => [
                { id: "mx-tls", status: "fail", detail: `MX lookup failed: ${error.message}` },
            ],
        ),
        single("tlsrpt-record", async () => {
            const records = (await dns.txt(tlsRptRecordName(domain))).filter((record) =>
                /^v=TLSRPTv1/i.test(record.trim()),
            );
            if (records.length === 0)
                return {
                    status: "warn",
                    detail: `no TLS-RPT record at ${tlsRptRecordName(domain)}; you will not hear about failures`,
                };
            if (records.length > 1)
                return { status: "fail", detail: `${records.length} v=TLSRPTv1 records; reporters ignore them all` };
            const reading = readTlsRptRecord(records[0]);
            if (!reading.value) return { status: "fail", detail: reading.errors.join("; ") };
            return reading.warnings.length > 0
                ? { status: "warn", detail: reading.warnings.join("; ") }
                : { status: "pass", detail: records[0] };
        }),
        single("caa", async () => {
            // RFC 8659 §3: the closest name with CAA records, climbing from the policy host.
            for (let name = host; name.includes("."); name = name.slice(name.indexOf(".") + 1)) {
                const issuers = (await dns.caa(name))
                    .filter((record) => record.tag === "issue")
                    .map((record) => record.value.split(";")[0].trim());
                if (issuers.length > 0) {
                    const allowed = issuers.filter((issuer) => AMAZON_ISSUERS.includes(issuer));
                    return allowed.length > 0
                        ? { status: "pass", detail: `CAA at ${name} allows ${allowed.join(", ")}` }
                        : {
                              status: "fail",
                              detail: `CAA at ${name} allows only ${issuers.join(", ")}; add "0 issue \\"amazon.com\\"" so ACM can issue`,
                          };
                }
            }
            return { status: "pass", detail: "no CAA records; any CA may issue" };
        }),
    ]);
    const checks = results.flat();
    const statuses = checks.map((check) => check.status);
    const verdict = statuses.includes("fail") ? "fail" : statuses.includes("warn") ? "warn" : "pass";
    const mxTls = checks.filter((check) => check.id === "mx-tls");
    const coverage = checks.find((check) => check.id === "mx-coverage");
    const safeToEnforce =
        coverage?.status === "pass" && mxTls.length > 0 && mxTls.every((check) => check.status === "pass");
    return { domain, verdict, safeToEnforce, checks };
}

async function probeMx(mx: string, dns: DnsLookup, options: { ca: string[]; timeoutMs: number }): Promise<CheckResult> {
    const [address] = await dns.addresses(mx).catch(() => []);
    if (address === undefined) return { id: "mx-tls", status: "warn", detail: `${mx}: unverified, it has no address` };
    try {
        const probe = await withTimeout(probeStartTls(mx, address, options), options.timeoutMs);
        if (!probe.starttls)
            return {
                id: "mx-tls",
                status: "fail",
                detail: `${mx}: STARTTLS is not offered; enforce would bounce mail to it`,
            };
        if (probe.handshakeError) {
            return {
                id: "mx-tls",
                status: "fail",
                detail: `${mx}: TLS handshake failed (TLS 1.2 or newer is required): ${probe.handshakeError}`,
            };
        }
        if (probe.certificateError)
            return {
                id: "mx-tls",
                status: "fail",
                detail: `${mx}: certificate not valid for ${mx}: ${probe.certificateError}`,
            };
        return { id: "mx-tls", status: "pass", detail: `${mx}: STARTTLS, ${probe.protocol}, certificate valid` };
    } catch (error) {
        return { id: "mx-tls", status: "warn", detail: `${mx}: unverified, ${(error as Error).message}` };
    }
}

/** The system store, Node's bundle with NODE_EXTRA_CA_CERTS, and the --ca-file, if any. */
export function trustedCertificates(caFile: string | undefined): string[] {
    const extra = caFile === undefined ? [] : [readFileSync(caFile, "utf8")];
    return [...new Set([...tls.getCACertificates("default"), ...tls.getCACertificates("system"), ...extra])];
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs / 1000} s`)), timeoutMs);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
