/**
 * `mta-sts check`: verifies a live domain end to end, the way a sending mail
 * server would see it. Every check runs in parallel, all under one deadline.
 */
import { setMaxListeners } from "node:events";
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
import { CaaRecord, DnsLookup, createDnsLookup } from "./dns";
import { readPolicy, readStsRecord, readTlsRptRecord, PolicyDocument } from "../core/parse";
import {
    POLICY_FETCH_LIMIT,
    PolicyFetch,
    ProbeOptions,
    SmtpProbeError,
    fetchPolicy,
    noLocalRoute,
    probeStartTls,
} from "./probes";

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
/** "dns" appears only when the DNS server could not be reached, in place of every other check. */
export type CheckId = (typeof CHECK_IDS)[number] | "dns";
export type CheckStatus = "pass" | "warn" | "fail" | "skip";

export interface CheckResult {
    id: CheckId;
    status: CheckStatus;
    detail: string;
}

export interface CheckReport {
    domain: string;
    verdict: "pass" | "warn" | "fail";
    /** True only when nothing failed, every MX host is covered and every mx-tls check passed. */
    safeToEnforce: boolean;
    checks: CheckResult[];
}

export interface CheckOptions {
    /** `ip[:port]` of the resolver to ask; default the system resolver. */
    dnsServer?: string;
    /** Time limit of the whole run in seconds (checks run in parallel). Default 10. */
    timeoutSeconds?: number;
    /** A PEM file of extra trusted CAs, on top of the system store and NODE_EXTRA_CA_CERTS. */
    caFile?: string;
    /**
     * Treat an id that is not the SHA-256 hash of the served body as a warning, as
     * for deployments made by this project. Default false: any valid id passes
     * and the comparison is only reported.
     */
    expectHashId?: boolean;
}

/** postfix-tlspol gives up after 2 s per attempt. */
const SLOW_FETCH_MS = 2000;
/** Issuer names that let ACM issue (SPEC.md §6). */
const AMAZON_ISSUERS = ["amazon.com", "amazontrust.com", "awstrust.com", "amazonaws.com"];
/** RFC 8659 §4: the properties a CA is required to understand. */
const KNOWN_CAA_TAGS = ["issue", "issuewild", "iodef"];
/** A sender may use any address; a hostile zone may list thousands. */
export const MAX_ADDRESSES_PER_HOST = 8;
export const MAX_MX_HOSTS = 16;

export async function runChecks(domain: string, options: CheckOptions = {}): Promise<CheckReport> {
    const timeoutMs = Math.round((options.timeoutSeconds ?? 10) * 1000);
    const deadline = new AbortController();
    // Every pending step listens for the deadline; there are more than the default ten.
    setMaxListeners(0, deadline.signal);
    const timer = setTimeout(() => deadline.abort(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
    const dns = createDnsLookup({ server: options.dnsServer, timeoutMs });
    try {
        const ca = trustedCertificates(options.caFile);
        const checks = await runAll(domain, dns, { ca, signal: deadline.signal }, options.expectHashId === true);
        const unreachable = dns.unreachable();
        if (unreachable !== undefined) {
            return {
                domain,
                verdict: "fail",
                safeToEnforce: false,
                checks: [
                    {
                        id: "dns",
                        status: "fail",
                        detail: `could not reach DNS server ${dns.servers} (${unreachable === "no answer" ? `no answer within ${timeoutMs / 1000} s` : unreachable})`,
                    },
                    ...CHECK_IDS.map((id): CheckResult => ({ id, status: "skip", detail: "not run: needs DNS" })),
                ],
            };
        }
        const statuses = checks.map((check) => check.status);
        const verdict = statuses.includes("fail") ? "fail" : statuses.includes("warn") ? "warn" : "pass";
        const mxTls = checks.filter((check) => check.id === "mx-tls");
        const coverage = checks.find((check) => check.id === "mx-coverage");
        const safeToEnforce =
            verdict !== "fail" &&
            coverage?.status === "pass" &&
            mxTls.length > 0 &&
            mxTls.every((check) => check.status === "pass");
        return { domain, verdict, safeToEnforce, checks };
    } finally {
        clearTimeout(timer);
        deadline.abort(new Error("the check is over"));
        dns.cancel();
    }
}

interface AddressFetch {
    address: string;
    result?: PolicyFetch;
    error?: Error;
}

async function runAll(
    domain: string,
    dns: DnsLookup,
    probe: ProbeOptions,
    expectHashId: boolean,
): Promise<CheckResult[]> {
    const host = policyHost(domain);
    const untilDeadline = <T>(promise: Promise<T>): Promise<T> =>
        new Promise<T>((resolve, reject) => {
            if (probe.signal.aborted) return reject(probe.signal.reason);
            probe.signal.addEventListener("abort", () => reject(probe.signal.reason), { once: true });
            promise.then(resolve, reject);
        });
    const once = <T>(load: () => Promise<T>) => {
        let promise: Promise<T> | undefined;
        return () => (promise ??= untilDeadline(load()));
    };
    const stsRecords = once(() => dns.txt(mtaStsRecordName(domain)));
    const fetches = once(async (): Promise<{ fetches: AddressFetch[]; unprobed: number }> => {
        const addresses = await dns.addresses(host);
        if (addresses.length === 0) throw new Error(`${host} has no A or AAAA record`);
        const probed = addresses.slice(0, MAX_ADDRESSES_PER_HOST);
        const fetches = await Promise.all(
            probed.map((address) =>
                fetchPolicy(host, address, probe).then(
                    (result): AddressFetch => ({ address, result }),
                    (error: Error): AddressFetch => ({ address, error }),
                ),
            ),
        );
        return { fetches, unprobed: addresses.length - probed.length };
    });
    /** The body senders get: from the first address that answered 200. */
    const served = once(async () => (await fetches()).fetches.find((fetch) => fetch.result?.status === 200)?.result);
    const policy = once(async (): Promise<PolicyDocument | undefined> => {
        const result = await served();
        return result ? readPolicy(result.body.toString("utf8")).policy : undefined;
    });
    const mxHosts = once(() => dns.mx(domain));

    const single = (id: CheckId, run: () => Promise<Omit<CheckResult, "id">>) =>
        untilDeadline(run()).then(
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
            const { fetches: all, unprobed } = await fetches();
            const judged = all.map((fetch) => ({
                address: fetch.address,
                ...(fetch.result ? judgeFetch(fetch.result, domain) : judgeFetchError(fetch.error!)),
            }));
            const combined = combine(judged);
            return unprobed > 0
                ? {
                      status: worst([combined.status, "warn"]),
                      detail: `${combined.detail}; ${unprobed} more addresses not probed`,
                  }
                : combined;
        }),
        single("policy-syntax", async () => {
            const result = await served().catch(() => undefined);
            if (!result) return { status: "skip", detail: "no policy body was fetched" };
            const reading = readPolicy(result.body.toString("utf8"));
            if (!reading.policy) return { status: "fail", detail: reading.errors.join("; ") };
            const summary = `mode ${reading.policy.mode}, ${reading.policy.mx.length} mx, max_age ${reading.policy.maxAge}`;
            return reading.warnings.length > 0
                ? { status: "warn", detail: `${summary}; ${reading.warnings.join("; ")}` }
                : { status: "pass", detail: summary };
        }),
        single("policy-id", async () => {
            const result = await served().catch(() => undefined);
            const record = (await stsRecords().catch(() => [])).filter((r) => /^v=STSv1/i.test(r.trim()));
            const id = record.length === 1 ? readStsRecord(record[0]).value?.id : undefined;
            if (!result || id === undefined)
                return { status: "skip", detail: "needs one valid record and a fetched body" };
            const hash = computePolicyId(result.body.toString("utf8"));
            if (id === hash) return { status: "pass", detail: `id ${id} is the hash of the served body` };
            return expectHashId
                ? {
                      status: "warn",
                      detail: `id ${id} is not the hash of the served body (${hash}); with this project's deployments that means a stale copy is served or the id was never bumped, and senders that cached the id will not fetch the change`,
                  }
                : {
                      status: "pass",
                      detail: `id ${id} (any 1 to 32 letters or digits is valid, RFC 8461 §3.1; it is not this project's hash of the body, ${hash})`,
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
        mxHosts().then(
            (hosts): Promise<CheckResult[]> => {
                if (hosts.length === 0)
                    return Promise.resolve([
                        { id: "mx-tls", status: "skip", detail: `${domain} has no MX hosts to probe` },
                    ]);
                const probed = hosts.slice(0, MAX_MX_HOSTS);
                const unprobed: CheckResult[] =
                    hosts.length > probed.length
                        ? [
                              {
                                  id: "mx-tls",
                                  status: "warn",
                                  detail: `${hosts.length - probed.length} more MX hosts not probed`,
                              },
                          ]
                        : [];
                return Promise.all(
                    probed.map((mx) =>
                        untilDeadline(probeMx(mx, dns, probe)).catch((error: Error): CheckResult => ({
                            id: "mx-tls",
                            status: "warn",
                            detail: `${mx}: unverified, ${error.message}`,
                        })),
                    ),
                ).then((results) => [...results, ...unprobed]);
            },
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
            // RFC 8659 §3: the relevant record set is the first non-empty one, climbing from the policy host.
            for (let name = host; name.includes("."); name = name.slice(name.indexOf(".") + 1)) {
                const records = await dns.caa(name);
                if (records.length > 0) return judgeCaa(name, records);
            }
            return { status: "pass", detail: "no CAA records; any CA may issue" };
        }),
    ]);
    return results.flat();
}

/** A fetch that failed: the server's fault, unless this machine has no route to the address. */
function judgeFetchError(error: Error): Omit<CheckResult, "id"> {
    const noRoute = noLocalRoute(error);
    return noRoute !== undefined
        ? {
              status: "warn",
              detail: `not probed: this machine has no route to it (${noRoute}); senders that do will fetch from it`,
          }
        : { status: "fail", detail: error.message };
}

/** One address's answer, the way senders judge it. */
function judgeFetch(result: PolicyFetch, domain: string): Omit<CheckResult, "id"> {
    if (result.status >= 300 && result.status < 400) {
        return {
            status: "fail",
            detail: `HTTP ${result.status} redirect to ${result.location ?? "?"}; senders never follow redirects (RFC 8461 §3.3)`,
        };
    }
    if (result.status !== 200) return { status: "fail", detail: `HTTP ${result.status} from ${policyUrl(domain)}` };
    // RFC 9110 §8.3.1: type and subtype compare case-insensitively, and most clients do.
    const givenType = (result.contentType ?? "").split(";")[0].trim();
    if (givenType.toLowerCase() !== "text/plain") {
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
        ...(result.contentEncoding ? [`Content-Encoding ${result.contentEncoding}; send the bytes uncompressed`] : []),
        // KumoMTA's client compares the type with "text/plain" exactly (crates/mta-sts), so it reads "no policy".
        ...(givenType !== "text/plain"
            ? [
                  `media type ${givenType} is valid, but KumoMTA compares it case-sensitively and reads "no policy"; send lowercase text/plain`,
              ]
            : []),
    ];
    const summary = `HTTP 200, ${result.contentType}, ${result.body.length} bytes in ${Math.round(result.elapsedMs)} ms`;
    return warnings.length > 0
        ? { status: "warn", detail: `${summary}; ${warnings.join("; ")}` }
        : { status: "pass", detail: summary };
}

function judgeCaa(name: string, records: CaaRecord[]): Omit<CheckResult, "id"> {
    const critical = records.find((record) => record.critical && !KNOWN_CAA_TAGS.includes(record.tag));
    if (critical) {
        return {
            status: "fail",
            detail: `CAA at ${name} marks the unknown property "${critical.tag}" critical, so no CA may issue (RFC 8659 §4.1); remove it or clear its flag`,
        };
    }
    // RFC 8659 §4.2: the issuer is what precedes ";"; an empty one forbids every CA.
    const issuers = records
        .filter((record) => record.tag === "issue")
        .map((record) => record.value.split(";")[0].trim().toLowerCase());
    if (issuers.length === 0) {
        const tags = [...new Set(records.map((record) => record.tag))].join(", ");
        return { status: "pass", detail: `CAA at ${name} holds no issue property (only ${tags}); any CA may issue` };
    }
    const allowed = issuers.filter((issuer) => AMAZON_ISSUERS.includes(issuer));
    const named = issuers.filter((issuer) => issuer !== "");
    return allowed.length > 0
        ? { status: "pass", detail: `CAA at ${name} allows ${allowed.join(", ")}` }
        : {
              status: "fail",
              detail: `CAA at ${name} allows ${named.length > 0 ? `only ${named.join(", ")}` : "no CA"}; add "0 issue \\"amazon.com\\"" so ACM can issue`,
          };
}

async function probeMx(mx: string, dns: DnsLookup, probe: ProbeOptions): Promise<CheckResult> {
    let addresses: string[];
    try {
        addresses = await dns.addresses(mx);
    } catch (error) {
        return { id: "mx-tls", status: "warn", detail: `${mx}: unverified, ${(error as Error).message}` };
    }
    if (addresses.length === 0) return { id: "mx-tls", status: "warn", detail: `${mx}: unverified, it has no address` };
    const probed = addresses.slice(0, MAX_ADDRESSES_PER_HOST);
    const judged = await Promise.all(
        probed.map(async (address) => ({ address, ...(await judgeStartTls(mx, address, probe)) })),
    );
    const combined = combine(judged);
    const more = addresses.length - probed.length;
    return {
        id: "mx-tls",
        status: more > 0 ? worst([combined.status, "warn"]) : combined.status,
        detail: `${mx}: ${combined.detail}${more > 0 ? `; ${more} more addresses not probed` : ""}`,
    };
}

async function judgeStartTls(mx: string, address: string, probe: ProbeOptions): Promise<Omit<CheckResult, "id">> {
    try {
        const result = await probeStartTls(mx, address, probe);
        switch (result.outcome) {
            case "not-offered":
                return { status: "fail", detail: "STARTTLS is not offered; enforce would bounce mail to it" };
            case "refused":
                return {
                    status: "fail",
                    detail: `STARTTLS was offered but refused with ${JSON.stringify(result.reply)}; enforce would defer, then bounce, mail to it`,
                };
            case "handshake-failed":
                return {
                    status: "fail",
                    detail: `TLS handshake failed (TLS 1.2 or newer is required): ${result.error}`,
                };
            case "tls":
                return result.certificateError
                    ? { status: "fail", detail: `certificate not valid for ${mx}: ${result.certificateError}` }
                    : { status: "pass", detail: `STARTTLS, ${result.protocol}, certificate valid` };
        }
    } catch (error) {
        const status = error instanceof SmtpProbeError ? error.status : "warn";
        return { status, detail: `${status === "warn" ? "unverified, " : ""}${(error as Error).message}` };
    }
}

const RANK: Record<CheckStatus, number> = { skip: 0, pass: 1, warn: 2, fail: 3 };

function worst(statuses: CheckStatus[]): CheckStatus {
    return statuses.reduce((a, b) => (RANK[b] > RANK[a] ? b : a), "skip");
}

/** One result for several addresses: the worst status, naming each address that did worse than pass. */
function combine(results: ({ address: string } & Omit<CheckResult, "id">)[]): Omit<CheckResult, "id"> {
    const status = worst(results.map((result) => result.status));
    if (results.length === 1) return { status, detail: results[0].detail };
    const failing = results.filter((result) => result.status !== "pass");
    if (failing.length === 0) return { status, detail: `${results[0].detail} (all ${results.length} addresses)` };
    return { status, detail: failing.map((result) => `${result.address}: ${result.detail}`).join("; ") };
}

/** The system store, Node's bundle with NODE_EXTRA_CA_CERTS, and the --ca-file, if any. */
export function trustedCertificates(caFile: string | undefined): string[] {
    const extra = caFile === undefined ? [] : [readFileSync(caFile, "utf8")];
    return [...new Set([...tls.getCACertificates("default"), ...tls.getCACertificates("system"), ...extra])];
}
