import { isIP } from "node:net";

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
