import { Resolver } from "node:dns/promises";
import { parseDnsServer } from "../core/dnsServer";

/** One CAA record (RFC 8659 §4.1). */
export interface CaaRecord {
    /** The issuer critical flag (bit 128 of the flags octet). */
    critical: boolean;
    /** The property tag, lowercase (tags compare case-insensitively). */
    tag: string;
    value: string;
}

/** The DNS questions `mta-sts check` and the preflight ask. Missing names and types answer empty. */
export interface DnsLookup {
    /** TXT records at `name`, each record's strings joined (RFC 7208 §3.3 style); CNAMEs followed by the resolver. */
    txt(name: string): Promise<string[]>;
    /** MX exchanges of `name`, by preference, without trailing dots. */
    mx(name: string): Promise<string[]>;
    /** IPv4 then IPv6 addresses of `name`, asked in parallel. */
    addresses(name: string): Promise<string[]>;
    /** CAA records at exactly `name`. */
    caa(name: string): Promise<CaaRecord[]>;
    /** The server(s) asked, for messages. */
    readonly servers: string;
    /** Why the server could not be reached, when questions were asked and none was answered; else undefined. */
    unreachable(): string | undefined;
    /** Abandons every question still waiting. */
    cancel(): void;
}

export interface DnsLookupOptions {
    /** `ip` or `ip:port` (`[v6]:port`); default: the system resolver. */
    server?: string;
    timeoutMs?: number;
}

/** Errors that say nothing came back from the server, as opposed to an answer such as SERVFAIL. */
const UNREACHABLE = ["ETIMEOUT", "ECONNREFUSED", "ECANCELLED"];

/** Thrown for a lookup that got no usable answer, with a message that says which. */
export class DnsLookupError extends Error {
    constructor(
        readonly code: string,
        message: string,
    ) {
        super(message);
        this.name = "DnsLookupError";
    }
}

export function createDnsLookup(options: DnsLookupOptions = {}): DnsLookup {
    // One try: the caller's deadline, not c-ares' retries, bounds the wait.
    const resolver = new Resolver({ timeout: options.timeoutMs ?? 5000, tries: 1 });
    if (options.server !== undefined) {
        const server = parseDnsServer(options.server);
        if (server === undefined) {
            throw new Error(`DNS server ${JSON.stringify(options.server)} is not ip or ip:port`);
        }
        resolver.setServers([server]);
    }
    const servers = options.server ?? resolver.getServers().join(", ");
    let asked = 0;
    let answered = 0;
    let refused = false;

    async function ask<T>(name: string, type: string, lookup: Promise<T[]>): Promise<T[]> {
        asked++;
        try {
            const records = await lookup;
            answered++;
            return records;
        } catch (error) {
            const code = (error as NodeJS.ErrnoException).code ?? "";
            if (["ENOTFOUND", "ENODATA", "NOTFOUND", "NODATA"].includes(code)) {
                answered++;
                return [];
            }
            if (UNREACHABLE.includes(code)) {
                refused ||= code === "ECONNREFUSED";
                throw new DnsLookupError(code, `no answer from DNS server ${servers} for ${type} ${name}`);
            }
            answered++;
            throw new DnsLookupError(code, `DNS lookup of ${type} ${name} failed: ${code || (error as Error).message}`);
        }
    }

    return {
        servers,
        txt: (name) =>
            ask(name, "TXT", resolver.resolveTxt(name)).then((records) => records.map((strings) => strings.join(""))),
        mx: (name) =>
            ask(name, "MX", resolver.resolveMx(name)).then((records) =>
                records
                    .sort((a, b) => a.priority - b.priority)
                    .map((record) => record.exchange.replace(/\.$/, "").toLowerCase()),
            ),
        addresses: async (name) => {
            const [v4, v6] = await Promise.all([
                ask(name, "A", resolver.resolve4(name)),
                ask(name, "AAAA", resolver.resolve6(name)),
            ]);
            return [...v4, ...v6];
        },
        caa: (name) =>
            ask(name, "CAA", resolver.resolveCaa(name)).then((records) =>
                records.flatMap((record) => {
                    const { critical, ...properties } = record as unknown as Record<string, unknown>;
                    return Object.entries(properties).map(([tag, value]) => ({
                        critical: (Number(critical) & 128) !== 0,
                        tag: tag.toLowerCase(),
                        value: String(value),
                    }));
                }),
            ),
        unreachable: () => (asked > 0 && answered === 0 ? (refused ? "connection refused" : "no answer") : undefined),
        cancel: () => resolver.cancel(),
    };
}
