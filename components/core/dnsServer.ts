import { isIP } from "node:net";

/**
 * Parses `ip[:port]` (`[v6]:port` for IPv6 with a port), returning the form
 * `Resolver.setServers` takes, or undefined when it is not exactly that: the
 * port is 1 to 5 decimal digits from 1 to 65535, with nothing around it.
 */
export function parseDnsServer(server: string): string | undefined {
    let address: string;
    let port: string | undefined;
    if (server.startsWith("[")) {
        const close = server.indexOf("]");
        if (close === -1) return undefined;
        address = server.slice(1, close);
        const rest = server.slice(close + 1);
        if (isIP(address) !== 6 || (rest !== "" && !rest.startsWith(":"))) return undefined;
        port = rest === "" ? undefined : rest.slice(1);
    } else if (isIP(server) === 6) {
        address = server;
    } else {
        const colon = server.indexOf(":");
        address = colon === -1 ? server : server.slice(0, colon);
        port = colon === -1 ? undefined : server.slice(colon + 1);
        if (isIP(address) !== 4) return undefined;
    }
    if (port !== undefined && !(/^[0-9]{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) {
        return undefined;
    }
    const host = isIP(address) === 6 ? `[${address}]` : address;
    return port === undefined ? address : `${host}:${Number(port)}`;
}
