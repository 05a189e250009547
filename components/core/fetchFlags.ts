/**
 * The flags both commands take for reaching a live domain (`mta-sts check`,
 * and `mta-sts report` fetching the published policy), checked the same way:
 * each bad value is one problem naming the flag, the value and the rule.
 */
import { readFileSync, statSync } from "node:fs";
import { parseDnsServer } from "./dnsServer";

/** --timeout, in seconds: the limit of the whole run (`check`) or of fetching the policy (`report`). */
export const DEFAULT_TIMEOUT = 10;
export const MIN_TIMEOUT = 1;
export const MAX_TIMEOUT = 300;
/** Whole milliseconds: the resolver takes nothing finer. */
const SECONDS = /^[0-9]{1,3}(?:\.[0-9]{1,3})?$/;

/** The flags as `parseArgs` returns them. */
export interface FetchFlagValues {
    "dns-server"?: string;
    timeout?: string;
    "ca-file"?: string;
}

export interface FetchFlags {
    /** The resolver to ask, `ip` or `ip:port`; undefined for the system's. */
    dnsServer?: string;
    /** The time limit in seconds, DEFAULT_TIMEOUT unless given. */
    timeoutSeconds: number;
    /** A PEM file of CAs to trust besides the system store; checked to be a readable file holding a certificate. */
    caFile?: string;
}

/** The checked flags; a problem for each bad one is pushed onto `problems`. */
export function readFetchFlags(values: FetchFlagValues, problems: string[]): FetchFlags {
    const dnsServer = values["dns-server"];
    if (dnsServer !== undefined && parseDnsServer(dnsServer) === undefined) {
        problems.push(
            `--dns-server ${JSON.stringify(dnsServer)}: expected ip or ip:port with a decimal port from 1 to 65535, e.g. "192.0.2.53:5353"`,
        );
    }
    const timeout = values.timeout === undefined ? DEFAULT_TIMEOUT : Number(values.timeout);
    if (
        values.timeout !== undefined &&
        !(SECONDS.test(values.timeout) && timeout >= MIN_TIMEOUT && timeout <= MAX_TIMEOUT)
    ) {
        problems.push(
            `--timeout ${JSON.stringify(values.timeout)}: expected seconds from ${MIN_TIMEOUT} to ${MAX_TIMEOUT} with at most 3 decimals, e.g. "2.5"`,
        );
    }
    const caFile = values["ca-file"];
    const caProblem = caFile === undefined ? undefined : checkCaFile(caFile);
    if (caProblem !== undefined) problems.push(`--ca-file ${JSON.stringify(caFile)}: ${caProblem}`);
    return { dnsServer, timeoutSeconds: timeout, caFile };
}

function checkCaFile(file: string): string | undefined {
    let text: string;
    try {
        if (!statSync(file).isFile()) return "is not a file";
        text = readFileSync(file, "utf8");
    } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        return code === "ENOENT" ? "no such file" : `cannot be read (${code ?? (error as Error).message})`;
    }
    return text.includes("-----BEGIN CERTIFICATE-----") ? undefined : "holds no PEM certificate";
}
