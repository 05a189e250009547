/**
 * A sender's view of the internet, on loopback: a real DNS server (dns2) that
 * answers the published TXT and A records, and a real HTTPS server on port 443
 * of a random 127/8 address, with a certificate from a throwaway CA. Senders
 * always use port 443, so this needs root or the namespace scripts/jest.js makes; DNS uses a random port
 * because mailauth accepts an injected resolver.
 */
import { Resolver } from "node:dns/promises";
import type * as http from "node:http";
import * as https from "node:https";
import { randomInt } from "node:crypto";
import * as tls from "node:tls";
import * as net from "node:net";
import * as dgram from "node:dgram";
// dns2 and selfsigned ship no usable types for what we use.
const dns2 = require("dns2");
const selfsigned = require("selfsigned");

export interface CertificateAuthority {
    cert: string;
    key: string;
}

export interface ServerCertificate {
    cert: string;
    key: string;
}

export async function createCertificateAuthority(name: string): Promise<CertificateAuthority> {
    const pems = await selfsigned.generate([{ name: "commonName", value: name }], {
        keyType: "ec",
        algorithm: "sha256",
        extensions: [
            { name: "basicConstraints", cA: true, critical: true },
            { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
        ],
    });
    return { cert: pems.cert, key: pems.private };
}

export async function issueCertificate(
    ca: CertificateAuthority,
    hostName: string,
    validity: { notBeforeDate?: Date; notAfterDate?: Date } = {},
): Promise<ServerCertificate> {
    const pems = await selfsigned.generate([{ name: "commonName", value: hostName }], {
        keyType: "ec",
        algorithm: "sha256",
        ca: { cert: ca.cert, key: ca.key },
        ...validity,
        extensions: [
            { name: "basicConstraints", cA: false },
            { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
            { name: "extKeyUsage", serverAuth: true },
            { name: "subjectAltName", altNames: [{ type: 2, value: hostName }] },
        ],
    });
    // Serve the full chain, as SPEC.md §1 asks.
    return { cert: `${pems.cert.trim()}\n${ca.cert.trim()}\n`, key: pems.private };
}

/** Records by lowercase name and type, as a zone would hold them. */
export type Zone = Map<
    string,
    {
        /** A record given as an array is sent as several character-strings. */
        TXT?: (string | string[])[];
        A?: string[];
        MX?: string[];
        CNAME?: string;
        CAA?: { tag: string; value: string; flags?: number }[];
    }
>;

export interface DnsServer {
    zone: Zone;
    /** The UDP port it answers on, at 127.0.0.1. */
    port: number;
    /** A resolver bound to this server, in the shape mailauth's `resolver` option takes. */
    resolve(name: string, type: string): Promise<any>;
    close(): Promise<void>;
}

export async function startDnsServer(): Promise<DnsServer> {
    const { Packet } = dns2;
    const zone: Zone = new Map();
    // TCP too, on the same port: answers over 512 octets go out truncated over UDP and the resolver retries.
    const server = dns2.createServer({
        udp: true,
        tcp: true,
        handle(request: any, send: (response: any) => void) {
            const response = Packet.createResponseFromRequest(request);
            const [question] = request.questions;
            const answer = (name: string, depth: number): boolean => {
                const records = zone.get(name.toLowerCase());
                if (!records) return false;
                const base = { name, class: Packet.CLASS.IN, ttl: 300 };
                if (records.CNAME !== undefined && depth < 8) {
                    response.answers.push({ ...base, type: Packet.TYPE.CNAME, domain: records.CNAME });
                    return answer(records.CNAME, depth + 1) || true;
                }
                if (question.type === Packet.TYPE.TXT) {
                    for (const data of records.TXT ?? [])
                        response.answers.push({ ...base, type: Packet.TYPE.TXT, data });
                } else if (question.type === Packet.TYPE.A) {
                    for (const address of records.A ?? [])
                        response.answers.push({ ...base, type: Packet.TYPE.A, address });
                } else if (question.type === Packet.TYPE.MX) {
                    (records.MX ?? []).forEach((exchange, index) =>
                        response.answers.push({ ...base, type: Packet.TYPE.MX, exchange, priority: 10 * (index + 1) }),
                    );
                } else if (question.type === Packet.TYPE.CAA) {
                    for (const { tag, value, flags } of records.CAA ?? []) {
                        response.answers.push({ ...base, type: Packet.TYPE.CAA, flags: flags ?? 0, tag, value });
                    }
                }
                return true;
            };
            if (!answer(String(question.name), 0)) {
                response.header.rcode = 3; // NXDOMAIN
            }
            send(response);
        },
    });
    await server.servers.udp.listen(0, "127.0.0.1");
    server.servers.tcp.listen(server.servers.udp.address().port, "127.0.0.1");
    await server.listening;
    // Three tries: a loaded CI machine can stall the event loop past one 2 s wait; the zone always answers.
    const resolver = new Resolver({ timeout: 2000, tries: 3 });
    resolver.setServers([`127.0.0.1:${server.addresses().udp.port}`]);
    return {
        zone,
        port: server.addresses().udp.port,
        resolve: (name: string, type: string) => resolver.resolve(name, type as "TXT"),
        close: () => server.close(),
    };
}

export interface PolicyResponse {
    status: number;
    headers: Record<string, string>;
    body: string;
}

export interface HttpsServer {
    address: string;
    /** What the server answers for the policy path; change it to publish a new body. */
    respond: PolicyResponse;
    requests: number;
    close(): Promise<void>;
}

/** An HTTPS server on <random 127/8 address>:443 presenting `certificate`. */
export async function startHttpsServer(certificate: ServerCertificate, respond: PolicyResponse): Promise<HttpsServer> {
    const state = { respond, requests: 0 };
    const server = https.createServer(
        { cert: certificate.cert, key: certificate.key, minVersion: "TLSv1.2" },
        (req, res) => {
            state.requests++;
            if (req.url !== "/.well-known/mta-sts.txt") {
                res.writeHead(404).end();
                return;
            }
            res.writeHead(state.respond.status, state.respond.headers).end(state.respond.body);
        },
    );
    const address = await listenOn(server, 443);
    return {
        address,
        get respond() {
            return state.respond;
        },
        set respond(value: PolicyResponse) {
            state.respond = value;
        },
        get requests() {
            return state.requests;
        },
        close: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
}

/** Makes `ca` trusted by every TLS client in this process (as a sender's trust store would), returning an undo. */
export function trustCertificateAuthority(ca: CertificateAuthority): () => void {
    const previous = tls.getCACertificates("default");
    tls.setDefaultCACertificates([...previous, ca.cert]);
    return () => tls.setDefaultCACertificates(previous);
}

function randomLoopbackAddress(): string {
    return `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
}

function listenOn(server: net.Server, port: number): Promise<string> {
    const address = randomLoopbackAddress();
    return new Promise((resolve, reject) => {
        server.once("error", (error: NodeJS.ErrnoException) =>
            reject(
                error.code === "EACCES"
                    ? new Error(
                          `binding ${address}:${port} needs root or CAP_NET_BIND_SERVICE (senders always use port ${port}); run the tests with \`npm test\` or \`npm run test:unit -- <files>\`, which use a user and network namespace when not root`,
                      )
                    : error,
            ),
        );
        server.listen(port, address, () => resolve(address));
    });
}

/** A UDP socket on loopback that reads every DNS question and answers none. */
export async function startBlackHoleDnsServer(): Promise<{ port: number; close(): Promise<void> }> {
    const socket = dgram.createSocket("udp4");
    socket.on("message", () => undefined);
    await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
    return {
        port: socket.address().port,
        close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
    };
}

/** A TCP server on <random 127/8>:`port` whose every connection `onConnection` scripts; close() ends them all. */
export async function startScriptedServer(
    port: number,
    onConnection: (socket: net.Socket) => void,
): Promise<{ address: string; close(): Promise<void> }> {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
        socket.on("error", () => socket.destroy());
        onConnection(socket);
    });
    const address = await listenOn(server, port);
    return {
        address,
        close: () =>
            new Promise<void>((resolve) => {
                sockets.forEach((socket) => socket.destroy());
                server.close(() => resolve());
            }),
    };
}

export interface PolicyRoute {
    certificate: ServerCertificate;
    respond: PolicyResponse;
    delayMs?: number;
    /** Answers instead of `respond`, for servers that misbehave. */
    serve?: (response: http.ServerResponse) => void;
}

export interface PolicyHosts {
    address: string;
    /** By policy host name: the certificate presented for its SNI and what it answers. */
    routes: Map<string, PolicyRoute>;
    close(): Promise<void>;
}

/** Many policy hosts on one address:443, told apart by SNI and Host like a CDN edge. */
export async function startPolicyHosts(fallback: ServerCertificate): Promise<PolicyHosts> {
    const routes = new Map<string, PolicyRoute>();
    const server = https.createServer(
        {
            cert: fallback.cert,
            key: fallback.key,
            SNICallback: (servername, callback) => {
                const route = routes.get(servername.toLowerCase());
                callback(null, tls.createSecureContext(route ? route.certificate : fallback));
            },
        },
        (req, res) => {
            const route = routes.get(String(req.headers.host).toLowerCase());
            if (!route || req.url !== "/.well-known/mta-sts.txt") {
                res.writeHead(404).end();
                return;
            }
            if (route.serve) {
                route.serve(res);
                return;
            }
            setTimeout(
                () => res.writeHead(route.respond.status, route.respond.headers).end(route.respond.body),
                route.delayMs ?? 0,
            );
        },
    );
    const address = await listenOn(server, 443);
    return {
        address,
        routes,
        close: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
}

export interface SmtpServer {
    address: string;
    close(): Promise<void>;
}

/** A minimal ESMTP listener on <random 127/8>:25: banner, EHLO, optional STARTTLS, QUIT. */
export async function startSmtpServer(options: {
    certificate?: ServerCertificate;
    /** Caps the TLS version, e.g. "TLSv1.1" for a server senders must not accept. */
    maxVersion?: tls.SecureVersion;
}): Promise<SmtpServer> {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
        socket.on("error", () => socket.destroy());
        let stream: net.Socket | tls.TLSSocket = socket;
        let buffered = "";
        const onData = (data: Buffer) => {
            buffered += data.toString("latin1");
            let newline: number;
            while ((newline = buffered.indexOf("\n")) >= 0) {
                const command = buffered.slice(0, newline).trim().toUpperCase();
                buffered = buffered.slice(newline + 1);
                if (command.startsWith("EHLO")) {
                    stream.write(`250-mx.test\r\n${options.certificate ? "250-STARTTLS\r\n" : ""}250 8BITMIME\r\n`);
                } else if (command === "STARTTLS" && options.certificate && stream === socket) {
                    socket.removeListener("data", onData);
                    socket.write("220 2.0.0 Ready to start TLS\r\n", () => {
                        const secure = new tls.TLSSocket(socket, {
                            isServer: true,
                            ...options.certificate,
                            ...(options.maxVersion
                                ? // OpenSSL 3 refuses TLS below 1.2 at its default security level.
                                  {
                                      secureContext: tls.createSecureContext({
                                          ...options.certificate,
                                          maxVersion: options.maxVersion,
                                          minVersion: "TLSv1",
                                          ciphers: "DEFAULT@SECLEVEL=0",
                                      }),
                                  }
                                : {}),
                        });
                        secure.on("error", () => socket.destroy());
                        secure.on("data", onData);
                        stream = secure;
                    });
                    return;
                } else if (command === "QUIT") {
                    stream.end("221 2.0.0 Bye\r\n");
                } else {
                    stream.write("502 5.5.1 Not implemented\r\n");
                }
            }
        };
        socket.on("data", onData);
        socket.write("220 mx.test ESMTP\r\n");
    });
    const address = await listenOn(server, 25);
    return {
        address,
        close: () =>
            new Promise<void>((resolve) => {
                sockets.forEach((socket) => socket.destroy());
                server.close(() => resolve());
            }),
    };
}
