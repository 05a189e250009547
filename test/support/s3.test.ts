import { ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { startS3Server, S3TestServer } from "./s3";

describe("the loopback S3 server for tests", () => {
    let s3: S3TestServer;
    beforeAll(async () => {
        s3 = await startS3Server({ buckets: ["tls-reports"] });
    });
    afterAll(() => s3.close());

    test("listens on loopback", () => {
        expect(s3.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    });

    test("stores and returns bytes exactly, gzip included", async () => {
        const body = gzipSync('{"report-id":"1"}');
        await s3.put("tls-reports", "raw/2026/05/01/a.json.gz", body);
        expect(await s3.get("tls-reports", "raw/2026/05/01/a.json.gz")).toEqual(body);
    });

    test("a second put under the same key overwrites", async () => {
        await s3.put("tls-reports", "same", "first");
        await s3.put("tls-reports", "same", "second");
        expect((await s3.get("tls-reports", "same"))!.toString()).toBe("second");
    });

    test("accepts a streamed body of known length from the AWS SDK v3", async () => {
        await s3.client.send(
            new PutObjectCommand({
                Bucket: "tls-reports",
                Key: "streamed",
                Body: Readable.from([Buffer.from("ab"), Buffer.from("cd")]),
                ContentLength: 4,
            }),
        );
        expect((await s3.get("tls-reports", "streamed"))!.toString()).toBe("abcd");
    });

    test("lists by prefix", async () => {
        await s3.put("tls-reports", "p/1", "x");
        await s3.put("tls-reports", "p/2", "y");
        await s3.put("tls-reports", "q/1", "z");
        const listing = await s3.client.send(new ListObjectsV2Command({ Bucket: "tls-reports", Prefix: "p/" }));
        expect(listing.Contents!.map((object) => object.Key)).toEqual(["p/1", "p/2"]);
    });

    test("an absent key reads as undefined", async () => {
        expect(await s3.get("tls-reports", "absent")).toBeUndefined();
    });
});
