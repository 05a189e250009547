/**
 * The Lambda entry point (`index.handler` in the bundle): the handler wired to
 * S3. The nodejs22.x runtime provides the AWS SDK v3, so the bundle leaves it out.
 */
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { Readable } from "node:stream";
import { readBounded } from "./decode";
import { ENV_BUCKET, ENV_DOMAINS, ENV_PREFIX, ReportStore, createHandler } from "./handler";

/** A ReportStore on one bucket. */
export function s3ReportStore(client: S3Client, bucket: string): ReportStore {
    return {
        async put(key, body, contentType) {
            await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
        },
        async get(key, maxBytes) {
            const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
            if (object.ContentLength !== undefined && object.ContentLength > maxBytes) {
                (object.Body as Readable | undefined)?.destroy();
                throw new Error(`s3://${bucket}/${key} is ${object.ContentLength} bytes; the limit is ${maxBytes}`);
            }
            return readBounded(object.Body as Readable, maxBytes, `s3://${bucket}/${key}`);
        },
    };
}

function required(name: string): string {
    const value = process.env[name];
    if (value === undefined || value === "") throw new Error(`the ${name} environment variable is not set`);
    return value;
}

export const handler = createHandler({
    store: s3ReportStore(new S3Client({}), required(ENV_BUCKET)),
    prefix: required(ENV_PREFIX),
    domains: (process.env[ENV_DOMAINS] ?? "").split(",").filter((domain) => domain !== ""),
});
