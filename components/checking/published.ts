/**
 * The policy a domain publishes now, fetched the way `mta-sts check` (and a
 * sender) fetches it: every A/AAAA address of mta-sts.<domain> (up to
 * {@link MAX_ADDRESSES_PER_HOST}), HTTPS with SNI and full verification, no
 * redirects, `text/plain`, then the RFC 8461 §3.2 grammar. A sender may reach
 * any of the addresses, so the policy counts only if every one serves it.
 */
import type { PolicyDocument } from "../core/parse";
import { readPolicy } from "../core/parse";
import { policyHost, policyUrl } from "../core/policy";
import { MAX_ADDRESSES_PER_HOST, trustedCertificates, CheckOptions } from "./checks";
import { createDnsLookup } from "./dns";
import { fetchPolicy, noLocalRoute, PolicyFetch } from "./probes";

export interface PublishedPolicy {
    /** The policy URL. */
    source: string;
    policy?: PolicyDocument;
    /**
     * Why there is no policy: no address, or for each address that failed, its
     * HTTP status, media type, TLS error or the grammar's errors; or addresses
     * that serve different policies.
     */
    error?: string;
}

export async function fetchPublishedPolicy(domain: string, options: CheckOptions = {}): Promise<PublishedPolicy> {
    const source = policyUrl(domain);
    const host = policyHost(domain);
    const timeoutMs = Math.round((options.timeoutSeconds ?? 10) * 1000);
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
    const dns = createDnsLookup({ server: options.dnsServer, timeoutMs });
    try {
        const addresses = (await dns.addresses(host)).slice(0, MAX_ADDRESSES_PER_HOST);
        if (addresses.length === 0) return { source, error: `${host} has no A or AAAA record` };
        const ca = trustedCertificates(options.caFile);
        const all = await Promise.all(
            addresses.map((address) =>
                fetchPolicy(host, address, { ca, signal: deadline.signal }).then(
                    (fetched) => ({ address, ...readFetched(fetched) }),
                    (error: Error) => ({
                        address,
                        policy: undefined,
                        error: error.message,
                        noRoute: noLocalRoute(error),
                    }),
                ),
            ),
        );
        // An address this machine has no route to (IPv6 from an IPv4-only host) says nothing about the server.
        const readings = all.filter((reading) => !("noRoute" in reading && reading.noRoute !== undefined));
        if (readings.length === 0) {
            return { source, error: `no address of ${host} is reachable from this machine (${all[0].error})` };
        }
        const one = readings.length === 1;
        const failed = readings.filter((reading) => reading.policy === undefined);
        if (failed.length > 0) {
            return {
                source,
                error: failed.map(({ address, error }) => (one ? error : `${address}: ${error}`)).join("; "),
            };
        }
        // The same policy: mx patterns compare as a set, without regard to letter case.
        const sameness = (policy: PolicyDocument) =>
            JSON.stringify({ ...policy, mx: [...new Set(policy.mx.map((p) => p.toLowerCase()))].sort() });
        const distinct = new Map(readings.map(({ address, policy }) => [sameness(policy!), { address, policy }]));
        if (distinct.size > 1) {
            const served = [...distinct.values()].map(
                ({ address, policy }) =>
                    `${address} mode ${policy!.mode}, mx ${policy!.mx.join(" ")}, max_age ${policy!.maxAge}`,
            );
            return { source, error: `its addresses serve different policies (${served.join("; ")})` };
        }
        return { source, policy: readings[0].policy };
    } catch (error) {
        return { source, error: (error as Error).message };
    } finally {
        clearTimeout(timer);
        deadline.abort(new Error("the fetch is over"));
        dns.cancel();
    }
}

/** One address's answer as a sender reads it. */
function readFetched(fetched: PolicyFetch): { policy?: PolicyDocument; error: string } {
    if (fetched.status !== 200) return { error: `HTTP ${fetched.status}` };
    const mediaType = (fetched.contentType ?? "").split(";")[0].trim().toLowerCase();
    if (mediaType !== "text/plain") {
        return { error: `Content-Type ${JSON.stringify(fetched.contentType ?? "")}, not text/plain` };
    }
    const reading = readPolicy(fetched.body.toString("utf8"));
    return reading.policy ? { policy: reading.policy, error: "" } : { error: reading.errors.join("; ") };
}
