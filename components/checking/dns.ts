import { Resolver } from "node:dns/promises";
import { parseDnsServer } from "../core/dnsServer";

/** The DNS questions `mta-sts check` and the preflight ask. Missing names and types answer empty. */
export interface DnsLookup {
    /** TXT records at `name`, each record's strings joined (RFC 7208 §3.3 style); CNAMEs followed by the resolver. */
    txt(name: string): Promise<string[]>;
    /** MX exchanges of `name`, by preference, without trailing dots. */
    mx(name: string): Promise<string[]>;
    /** IPv4 then IPv6 addresses of `name`. */
    addresses(name: string): Promise<string[]>;
    /** CAA records at exactly `name`. */
    caa(name: string): Promise<{ tag: string; value: string }[]>;
}

export interface DnsLookupOptions {
    /** `ip` or `ip:port` (`[v6]:port`); default: the system resolver. */
    server?: string;
    timeoutMs?: number;
}

export function createDnsLookup(options: DnsLookupOptions = {}): DnsLookup {
    const resolver = new Resolver({ timeout: options.timeoutMs ?? 5000, tries: 2 });
    if (options.server !== undefined) {
        const server = parseDnsServer(options.server);
        if (server === undefined) {
            throw new Error(`DNS server ${JSON.stringify(options.server)} is not ip or ip:port`);
        }
        resolver.setServers([server]);
    }
    return {
        txt: (name) => orEmpty(resolver.resolveTxt(name)).then((records) => records.map((strings) => strings.join(""))),
        mx: (name) =>
            orEmpty(resolver.resolveMx(name)).then((records) =>
                records
                    .sort((a, b) => a.priority - b.priority)
                    .map((record) => record.exchange.replace(/\.$/, "").toLowerCase()),
            ),
        addresses: async (name) => [
            ...(await orEmpty(resolver.resolve4(name))),
            ...(await orEmpty(resolver.resolve6(name))),
        ],
        caa: (name) =>
            orEmpty(resolver.resolveCaa(name)).then((records) =>
                records.flatMap((record) =>
                    Object.entries(record)
                        .filter(([tag]) => tag !== "critical")
                        .map(([tag, value]) => ({ tag, value: String(value) })),
                ),
            ),
    };
}

async function orEmpty<T>(lookup: Promise<T[]>): Promise<T[]> {
    try {
        return await lookup;
    } catch (error) {
        if (["ENOTFOUND", "ENODATA", "NOTFOUND", "NODATA"].includes((error as NodeJS.ErrnoException).code ?? "")) {
            return [];
        }
        throw error;
    }
}
