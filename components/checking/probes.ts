/**
 * The two network probes a sender makes: the HTTPS policy fetch (RFC 8461 §3.3)
 * and SMTP STARTTLS to an MX host (RFC 8461 §4.2).
 */
import * as https from "node:https";
import * as net from "node:net";
import * as tls from "node:tls";
import { POLICY_PATH } from "../core/policy";

/** RFC 8461 §3.3: senders stop reading past 64 KiB. */
export const POLICY_FETCH_LIMIT = 64 * 1024;

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
    timeoutMs: number;
}

/** Fetches the policy from one address with SNI and full verification; never follows a redirect. */
export function fetchPolicy(
    host: string,
    address: string,
    options: ProbeOptions & { port?: number },
): Promise<PolicyFetch> {
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
                timeout: options.timeoutMs,
            },
            (response) => {
                const chunks: Buffer[] = [];
                let size = 0;
                response.on("data", (chunk: Buffer) => {
                    if (size <= POLICY_FETCH_LIMIT) {
                        chunks.push(chunk);
                        size += chunk.length;
                    }
                    if (size > POLICY_FETCH_LIMIT) response.destroy();
                });
                const finish = () =>
                    resolve({
                        status: response.statusCode ?? 0,
                        contentType: response.headers["content-type"],
                        location: response.headers.location,
                        contentEncoding: response.headers["content-encoding"],
                        body: Buffer.concat(chunks).subarray(0, POLICY_FETCH_LIMIT + 1),
                        elapsedMs: performance.now() - started,
                    });
                response.on("end", finish);
                response.on("close", finish);
                response.on("error", reject);
            },
        );
        request.on("timeout", () => request.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
        request.on("error", reject);
        request.end();
    });
}

export interface StartTlsProbe {
    starttls: boolean;
    protocol?: string;
    /** Why the certificate is not valid for the host, if it is not. */
    certificateError?: string;
    /** Why the TLS handshake after STARTTLS failed (for example no TLS 1.2 or newer), if it did. */
    handshakeError?: string;
}

/** EHLO, STARTTLS, then a verified TLS handshake for `host`, on one address. */
export function probeStartTls(
    host: string,
    address: string,
    options: ProbeOptions & { port?: number },
): Promise<StartTlsProbe> {
    return new Promise((resolve, reject) => {
        const socket = net.connect({ host: address, port: 25 });
        const timer = setTimeout(() => fail(new Error(`no answer within ${options.timeoutMs} ms`)), options.timeoutMs);
        let buffered = "";
        let stage: "banner" | "ehlo" | "starttls" | "tls" = "banner";
        const lines: string[] = [];
        const done = (result: StartTlsProbe, closing?: net.Socket | tls.TLSSocket) => {
            clearTimeout(timer);
            resolve(result);
            closing?.end("QUIT\r\n");
            socket.destroy();
        };
        function fail(error: Error) {
            clearTimeout(timer);
            socket.destroy();
            reject(error);
        }
        socket.on("error", fail);
        socket.on("data", (data) => {
            buffered += data.toString("latin1");
            let newline: number;
            while ((newline = buffered.indexOf("\n")) >= 0) {
                const line = buffered.slice(0, newline).replace(/\r$/, "");
                buffered = buffered.slice(newline + 1);
                lines.push(line);
                if (/^\d{3}-/.test(line)) continue;
                const reply = lines.splice(0);
                const code = reply[reply.length - 1].slice(0, 3);
                if (stage === "banner") {
                    if (code !== "220") return fail(new Error(`banner ${reply.join(" / ")}`));
                    stage = "ehlo";
                    socket.write("EHLO mta-sts-check.invalid\r\n");
                } else if (stage === "ehlo") {
                    if (code !== "250") return fail(new Error(`EHLO answered ${reply.join(" / ")}`));
                    if (!reply.some((entry) => /^250[- ]STARTTLS\b/i.test(entry)))
                        return done({ starttls: false }, socket);
                    stage = "starttls";
                    socket.write("STARTTLS\r\n");
                } else if (stage === "starttls") {
                    if (code !== "220") return done({ starttls: false }, socket);
                    stage = "tls";
                    socket.removeAllListeners("data");
                    upgrade();
                }
            }
        });
        function upgrade() {
            const secure = tls.connect({
                socket,
                servername: host,
                ca: options.ca,
                minVersion: "TLSv1.2",
                rejectUnauthorized: false,
            });
            // The server offered STARTTLS, so a failed handshake is the server's fault, not "unreachable".
            secure.once("error", (error) => done({ starttls: true, handshakeError: error.message }));
            secure.once("secureConnect", () => {
                const identity = tls.checkServerIdentity(host, secure.getPeerCertificate());
                const certificateError = identity
                    ? identity.message
                    : !secure.authorized
                      ? String(secure.authorizationError)
                      : undefined;
                done({ starttls: true, protocol: secure.getProtocol() ?? undefined, certificateError }, secure);
            });
        }
    });
}
