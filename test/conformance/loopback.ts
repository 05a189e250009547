/**
 * A sender's view of the internet, on loopback: a real DNS server (dns2) that
 * answers the published TXT and A records, and a real HTTPS server on port 443
 * of a random 127/8 address, with a certificate from a throwaway CA. Senders
 * always use port 443, so this needs root (as CI has); DNS uses a random port
 * because mailauth accepts an injected resolver.
 */
import { Resolver } from "node:dns/promises";
import * as https from "node:https";
import { randomInt } from "node:crypto";
import * as tls from "node:tls";
import type { AddressInfo } from "node:net";
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

export async function issueCertificate(ca: CertificateAuthority, hostName: string): Promise<ServerCertificate> {
    const pems = await selfsigned.generate([{ name: "commonName", value: hostName }], {
        keyType: "ec",
        algorithm: "sha256",
        ca: { cert: ca.cert, key: ca.key },
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
export type Zone = Map<string, { TXT?: string[]; A?: string[] }>;

export interface DnsServer {
    zone: Zone;
    /** A resolver bound to this server, in the shape mailauth's `resolver` option takes. */
    resolve(name: string, type: string): Promise<any>;
    close(): Promise<void>;
}

export async function startDnsServer(): Promise<DnsServer> {
    const { Packet } = dns2;
    const zone: Zone = new Map();
    const server = dns2.createServer({
        udp: true,
        handle(request: any, send: (response: any) => void) {
            const response = Packet.createResponseFromRequest(request);
            const [question] = request.questions;
            const name = String(question.name).toLowerCase();
            const records = zone.get(name);
            if (!records) {
                response.header.rcode = 3; // NXDOMAIN
            } else if (question.type === Packet.TYPE.TXT) {
                for (const value of records.TXT ?? []) {
                    response.answers.push({
                        name: question.name,
                        type: Packet.TYPE.TXT,
                        class: Packet.CLASS.IN,
                        ttl: 300,
                        data: value,
                    });
                }
            } else if (question.type === Packet.TYPE.A) {
                for (const address of records.A ?? []) {
                    response.answers.push({
                        name: question.name,
                        type: Packet.TYPE.A,
                        class: Packet.CLASS.IN,
                        ttl: 300,
                        address,
                    });
                }
            }
            send(response);
        },
    });
    await server.listen({ udp: { port: 0, address: "127.0.0.1" } });
    const resolver = new Resolver({ timeout: 2000, tries: 1 });
    resolver.setServers([`127.0.0.1:${server.addresses().udp.port}`]);
    return {
        zone,
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
    const address = `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
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
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(443, address, () => resolve());
    });
    expectListening(server.address() as AddressInfo);
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

function expectListening(address: AddressInfo): void {
    if (address.port !== 443) {
        throw new Error(`expected to listen on 443, got ${address.port}`);
    }
}

/** Makes `ca` trusted by every TLS client in this process (as a sender's trust store would), returning an undo. */
export function trustCertificateAuthority(ca: CertificateAuthority): () => void {
    const previous = tls.getCACertificates("default");
    tls.setDefaultCACertificates([...previous, ca.cert]);
    return () => tls.setDefaultCACertificates(previous);
}
