/**
 * A real S3-compatible server (s3rver) on a random port of 127.0.0.1, backed
 * by a temporary directory, and an AWS SDK v3 client pointed at it: the S3
 * calls under test go over HTTP with SigV4 exactly as they would to AWS.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { Server } from "node:http";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client, S3ClientConfig } from "@aws-sdk/client-s3";
// s3rver ships no types.
const S3rver = require("s3rver");

/** s3rver accepts this key pair and checks signatures made with it. */
export const S3_TEST_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

export interface S3TestServer {
    /** `http://127.0.0.1:<port>`, for `endpoint` in an S3 client or the CLI's endpoint override. */
    endpoint: string;
    /**
     * Client options that reach this server: endpoint, path-style addressing, region, credentials, and
     * checksums only when required (s3rver cannot read the SDK's aws-chunked trailers). Code under test
     * that makes its own client must take these.
     */
    clientConfig: S3ClientConfig;
    /** A client made from `clientConfig`; closed by `close()`. */
    client: S3Client;
    createBucket(bucket: string): Promise<void>;
    put(bucket: string, key: string, body: string | Uint8Array): Promise<void>;
    get(bucket: string, key: string): Promise<Buffer | undefined>;
    close(): Promise<void>;
}

export async function startS3Server(options: { buckets?: string[] } = {}): Promise<S3TestServer> {
    const directory = mkdtempSync(path.join(tmpdir(), "s3rver-"));
    const server = new S3rver({
        address: "127.0.0.1",
        port: 0,
        silent: true,
        directory,
        configureBuckets: (options.buckets ?? []).map((name) => ({ name })),
    });
    const { port } = await server.run();
    const endpoint = `http://127.0.0.1:${port}`;
    const clientConfig: S3ClientConfig = {
        endpoint,
        forcePathStyle: true,
        region: "us-east-1",
        credentials: S3_TEST_CREDENTIALS,
        // s3rver predates the SDK's default flexible checksums: it would store a streamed body's
        // aws-chunked framing and trailer as the object. AWS itself accepts either.
        requestChecksumCalculation: "WHEN_REQUIRED",
    };
    const client = new S3Client(clientConfig);
    return {
        endpoint,
        clientConfig,
        client,
        createBucket: async (bucket) => {
            await client.send(new CreateBucketCommand({ Bucket: bucket }));
        },
        put: async (bucket, key, body) => {
            await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
        },
        get: async (bucket, key) => {
            try {
                const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
                return Buffer.from(await object.Body!.transformToByteArray());
            } catch (error) {
                if ((error as Error).name === "NoSuchKey") return undefined;
                throw error;
            }
        },
        close: async () => {
            client.destroy();
            const http = server.httpServer as Server;
            http.closeAllConnections();
            await server.close();
            rmSync(directory, { recursive: true, force: true });
        },
    };
}
