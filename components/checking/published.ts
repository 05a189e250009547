/**
 * The policy a domain publishes now, fetched the way `mta-sts check` (and a
 * sender) fetches it: A/AAAA of mta-sts.<domain>, HTTPS with SNI and full
 * verification, no redirects, then the RFC 8461 §3.2 grammar.
 */
import type { PolicyDocument } from "../core/parse";
import { readPolicy } from "../core/parse";
import { policyHost, policyUrl } from "../core/policy";
import { trustedCertificates, CheckOptions } from "./checks";
import { createDnsLookup } from "./dns";
import { fetchPolicy } from "./probes";

export interface PublishedPolicy {
    /** The policy URL. */
    source: string;
    policy?: PolicyDocument;
    /** Why there is no policy: no address, an HTTP status, a TLS error or the grammar's errors. */
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
        const [address] = await dns.addresses(host);
        if (address === undefined) return { source, error: `${host} has no A or AAAA record` };
        const fetched = await fetchPolicy(host, address, {
            ca: trustedCertificates(options.caFile),
            signal: deadline.signal,
        });
        if (fetched.status !== 200) return { source, error: `HTTP ${fetched.status}` };
        const reading = readPolicy(fetched.body.toString("utf8"));
        return reading.policy ? { source, policy: reading.policy } : { source, error: reading.errors.join("; ") };
    } catch (error) {
        return { source, error: (error as Error).message };
    } finally {
        clearTimeout(timer);
        deadline.abort(new Error("the fetch is over"));
        dns.cancel();
    }
}
