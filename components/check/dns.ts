import { Resolver } from "node:dns/promises";
import { isIP } from "node:net";

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

/** Parses `ip[:port]`, returning the form `Resolver.setServers` takes, or undefined when it is not one. */
export function parseDnsServer(server: string): string | undefined {
    const bracketed = /^\[([0-9a-fA-F:.]+)\](?::(\d{1,5}))?$/.exec(server);
    const [address, port] = bracketed
        ? [bracketed[1], bracketed[2]]
        : isIP(server) === 6
          ? [server, undefined]
          : (server.split(":") as [string, string | undefined]);
    if (isIP(address) === 0 || (port !== undefined && !(Number(port) >= 1 && Number(port) <= 65535))) {
        return undefined;
    }
    const host = isIP(address) === 6 ? `[${address}]` : address;
    return port === undefined ? address : `${host}:${port}`;
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
