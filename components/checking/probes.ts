/**
 * The two network probes a sender makes: the HTTPS policy fetch (RFC 8461 §3.3)
 * and SMTP STARTTLS to an MX host (RFC 8461 §4.2). Both are bounded in time
 * (the caller's signal ends them) and in bytes, whatever the server sends.
 */
import * as https from "node:https";
import * as net from "node:net";
import * as tls from "node:tls";
import { POLICY_PATH } from "../core/policy";

/** RFC 8461 §3.3: senders stop reading past 64 KiB. */
export const POLICY_FETCH_LIMIT = 64 * 1024;
/**
 * RFC 5321 §4.5.3.1.5 allows 512 octets per reply line; real servers send
 * longer EHLO lines, so allow Postfix's line_length_limit (2048) and no more.
 */
export const SMTP_LINE_LIMIT = 2048;
/** Far more than any EHLO reply needs (a dozen extensions), far less than a flood. */
export const SMTP_REPLY_LINE_LIMIT = 100;
/** Response headers: Node's own default limit is 16 KiB. */
const HEADER_LIMIT = 16 * 1024;

export interface PolicyFetch {
    status: number;
    contentType?: string;
    location?: string;
    contentEncoding?: string;
    /** Up to POLICY_FETCH_LIMIT + 1 bytes, so "too large" is visible. */
    body: Buffer;
    elapsedMs: number;
}

export interface ProbeOptions {
    /** Trusted CAs. */
    ca: string[];
    /** Ends the probe (and its socket) when aborted; the reason is the error. */
    signal: AbortSignal;
}

/**
 * Connection errors that mean this machine has no route to the address (an IPv6
 * address seen from an IPv4-only machine, typically), which says nothing about
 * the server: a sender with the route reaches it.
 */
const NO_LOCAL_ROUTE = new Set(["ENETUNREACH", "EADDRNOTAVAIL", "EAFNOSUPPORT"]);

/** The error code when `error` means this machine cannot reach the address at all; undefined otherwise. */
export function noLocalRoute(error: unknown): string | undefined {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    return code !== undefined && NO_LOCAL_ROUTE.has(code) ? code : undefined;
}

/** Fetches the policy from one address with SNI and full verification; never follows a redirect. */
export function fetchPolicy(host: string, address: string, options: ProbeOptions): Promise<PolicyFetch> {
    const started = performance.now();
    return new Promise((resolve, reject) => {
        const request = https.request(
            {
                host: address,
                port: 443,
                servername: host,
                path: `/${POLICY_PATH}`,
                method: "GET",
                headers: { host, "user-agent": "mta-sts-check" },
                ca: options.ca,
                minVersion: "TLSv1.2",
                rejectUnauthorized: true,
                agent: false,
                maxHeaderSize: HEADER_LIMIT,
                signal: options.signal,
            },
            (response) => {
                const chunks: Buffer[] = [];
                let size = 0;
                let finished = false;
                const finish = () => {
                    if (finished) return;
                    finished = true;
                    resolve({
                        status: response.statusCode ?? 0,
                        contentType: response.headers["content-type"],
                        location: response.headers.location,
                        contentEncoding: response.headers["content-encoding"],
                        body: Buffer.concat(chunks).subarray(0, POLICY_FETCH_LIMIT + 1),
                        elapsedMs: performance.now() - started,
                    });
                    request.destroy();
                };
                response.on("data", (chunk: Buffer) => {
                    chunks.push(chunk);
                    size += chunk.length;
                    if (size > POLICY_FETCH_LIMIT) finish();
                });
                response.on("end", finish);
                // A body cut short (by the deadline or the server) is not a body.
                response.on("close", () => {
                    if (!finished) {
                        reject(
                            options.signal.aborted
                                ? options.signal.reason
                                : new Error("the connection closed mid-body"),
                        );
                    }
                });
            },
        );
        request.on("error", (error) => reject(options.signal.aborted ? options.signal.reason : error));
        request.end();
    });
}

export type StartTlsProbe =
    | { outcome: "not-offered" }
    | { outcome: "refused"; reply: string }
    | { outcome: "handshake-failed"; error: string }
    | { outcome: "tls"; protocol?: string; certificateError?: string };

/** What the server did that ends the probe without a verdict on its TLS. */
export class SmtpProbeError extends Error {
    constructor(
        message: string,
        /** "fail" when the server broke a limit every sender enforces; "warn" when it only could not be verified. */
        readonly status: "warn" | "fail" = "warn",
    ) {
        super(message);
        this.name = "SmtpProbeError";
    }
}

/** EHLO, STARTTLS, then a verified TLS handshake for `host`, on one address. */
export function probeStartTls(host: string, address: string, options: ProbeOptions): Promise<StartTlsProbe> {
    return new Promise((resolve, reject) => {
        const socket = net.connect({ host: address, port: 25 });
        let stage: "banner" | "EHLO" | "STARTTLS" | "TLS" = "banner";
        let settled = false;
        const onAbort = () => fail(options.signal.reason as Error);
        options.signal.addEventListener("abort", onAbort, { once: true });
        const settle = () => {
            settled = true;
            options.signal.removeEventListener("abort", onAbort);
        };
        const done = (result: StartTlsProbe, closing?: net.Socket | tls.TLSSocket) => {
            if (settled) return;
            settle();
            resolve(result);
            closing?.end("QUIT\r\n");
            socket.destroy();
        };
        function fail(error: Error) {
            if (settled) return;
            settle();
            socket.destroy();
            reject(error);
        }
        socket.on("error", fail);
        // A server that hangs up is reported at once, not after the deadline.
        socket.on("close", () => fail(new SmtpProbeError(`closed the connection ${describeStage(stage)}`)));
        const replies = new SmtpReplyReader((reply) => {
            const code = reply[reply.length - 1].slice(0, 3);
            const shown = reply.join(" / ");
            if (stage === "banner") {
                if (code !== "220") return fail(new SmtpProbeError(`banner ${shown}`));
                stage = "EHLO";
                socket.write("EHLO mta-sts-check.invalid\r\n");
            } else if (stage === "EHLO") {
                if (code !== "250") return fail(new SmtpProbeError(`EHLO answered ${shown}`));
                if (!reply.some((line) => /^250[- ]STARTTLS(?: |$)/i.test(line))) {
                    return done({ outcome: "not-offered" }, socket);
                }
                stage = "STARTTLS";
                socket.write("STARTTLS\r\n");
            } else if (stage === "STARTTLS") {
                if (code !== "220") return done({ outcome: "refused", reply: shown }, socket);
                stage = "TLS";
                socket.removeAllListeners("data");
                socket.removeAllListeners("close");
                upgrade();
            }
        }, fail);
        socket.on("data", (data) => replies.push(data));
        function upgrade() {
            const secure = tls.connect({
                socket,
                servername: host,
                ca: options.ca,
                minVersion: "TLSv1.2",
                rejectUnauthorized: false,
            });
            // The server offered STARTTLS, so a failed handshake is the server's fault, not "unreachable".
            secure.once("error", (error) => done({ outcome: "handshake-failed", error: error.message }));
            secure.once("close", () =>
                done({ outcome: "handshake-failed", error: "the server closed the connection" }),
            );
            secure.once("secureConnect", () => {
                const identity = tls.checkServerIdentity(host, secure.getPeerCertificate());
                const certificateError = identity
                    ? identity.message
                    : !secure.authorized
                      ? String(secure.authorizationError)
                      : undefined;
                done({ outcome: "tls", protocol: secure.getProtocol() ?? undefined, certificateError }, secure);
            });
        }
    });
}

function describeStage(stage: string): string {
    return stage === "banner" ? "before its banner" : stage === "TLS" ? "during TLS" : `after ${stage}`;
}

/**
 * Splits SMTP replies into lines and multi-line replies (RFC 5321 §4.2.1),
 * holding at most one line of SMTP_LINE_LIMIT octets and SMTP_REPLY_LINE_LIMIT
 * lines, so an endless line or an endless `250-` continuation fails fast.
 */
export class SmtpReplyReader {
    private partial = "";
    private lines: string[] = [];
    private stopped = false;

    constructor(
        private readonly onReply: (lines: string[]) => void,
        private readonly onError: (error: Error) => void,
    ) {}

    push(data: Buffer): void {
        let text = data.toString("latin1");
        while (!this.stopped) {
            const newline = text.indexOf("\n");
            const piece = newline === -1 ? text : text.slice(0, newline);
            if (this.partial.length + piece.length > SMTP_LINE_LIMIT) {
                return this.stop(`sent a reply line longer than ${SMTP_LINE_LIMIT} octets (RFC 5321 §4.5.3.1.5)`);
            }
            if (newline === -1) {
                this.partial += piece;
                return;
            }
            const line = (this.partial + piece).replace(/\r$/, "");
            this.partial = "";
            text = text.slice(newline + 1);
            this.lines.push(line);
            if (this.lines.length > SMTP_REPLY_LINE_LIMIT) {
                return this.stop(`sent a reply of more than ${SMTP_REPLY_LINE_LIMIT} lines`);
            }
            if (/^\d{3}-/.test(line)) continue;
            this.onReply(this.lines.splice(0));
        }
    }

    private stop(reason: string): void {
        this.stopped = true;
        this.onError(new SmtpProbeError(reason, "fail"));
    }
}
