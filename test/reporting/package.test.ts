/**
 * The deployable artifact, not the source: the archive the component registers
 * is unpacked into an empty directory and run the way the nodejs22.x runtime
 * runs it, with Node's builtins and the AWS SDK v3 (which that runtime ships)
 * and nothing else, against a real S3-compatible server on loopback.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { TlsRptReceiver } from "../../components";
import { bundleHandler, handlerEntry } from "../../components/reporting/package";
import { reportStorageKey } from "../../components/reporting/storage";
import { valueOf } from "../helpers";
import { installMocks } from "../mocks";
import { S3_TEST_CREDENTIALS, S3TestServer, startS3Server } from "../support/s3";
import { gzipJson, postEvent, sampleReport } from "./receiverSupport";

const BUCKET = "tlsrpt-reports";
const KEY = reportStorageKey({
    organizationName: "Mail Sender Inc.",
    reportId: "2026-05-01T00:00:00Z_example.com",
    dateRange: { start: "2026-05-01T00:00:00.000Z", end: "2026-05-01T23:59:59.000Z" },
});

/** Loads `index.js` from the task directory, calls `handler` with the event on stdin, prints the result. */
const RUNTIME = `
const chunks = [];
process.stdin.on("data", (chunk) => chunks.push(chunk));
process.stdin.on("end", async () => {
    try {
        const { handler } = require(process.env.LAMBDA_TASK_ROOT + "/index.js");
        const result = await handler(JSON.parse(Buffer.concat(chunks).toString()));
        process.stdout.write("\\n" + JSON.stringify({ result: result ?? null }));
    } catch (error) {
        process.stdout.write("\\n" + JSON.stringify({ error: String(error && error.code ? error.code : error) }));
    }
});
`;

let root: string;
let task: string;
let s3: S3TestServer;

beforeAll(async () => {
    const world = await installMocks();
    const receiver = new TlsRptReceiver("example", { domains: ["example.com"] });
    await valueOf(receiver.endpointUrl);
    await world.settle();
    const archive = world.byName("example-function").inputs.code as pulumi.asset.AssetArchive;
    const assets = (await archive.assets) as Record<string, pulumi.asset.StringAsset>;

    root = mkdtempSync(path.join(tmpdir(), "lambda-"));
    task = path.join(root, "task");
    mkdirSync(task);
    for (const [name, asset] of Object.entries(assets)) {
        writeFileSync(path.join(task, name), await asset.text);
    }
    // The runtime's own node_modules: the AWS SDK v3 and nothing else.
    const runtimeModules = path.join(root, "runtime", "node_modules");
    mkdirSync(runtimeModules, { recursive: true });
    symlinkSync(path.resolve("node_modules", "@aws-sdk"), path.join(runtimeModules, "@aws-sdk"));

    s3 = await startS3Server({ buckets: [BUCKET] });
});

afterAll(async () => {
    await s3?.close();
    rmSync(root, { recursive: true, force: true });
});

/**
 * Runs `script` in a fresh Node process set up like the Lambda runtime. Asynchronous, because the S3
 * server runs in this process and must keep answering. The result is the last line of stdout: the
 * handler's own log lines come first, as they would in CloudWatch.
 */
function invoke(event: unknown, script = RUNTIME, taskRoot = task): Promise<{ result?: any; error?: string }> {
    const child = spawn(process.execPath, ["-e", script], {
        cwd: taskRoot,
        timeout: 20000,
        env: {
            PATH: process.env.PATH,
            HOME: root,
            NODE_PATH: path.join(root, "runtime", "node_modules"),
            LAMBDA_TASK_ROOT: taskRoot,
            AWS_REGION: "us-east-1",
            AWS_ACCESS_KEY_ID: S3_TEST_CREDENTIALS.accessKeyId,
            AWS_SECRET_ACCESS_KEY: S3_TEST_CREDENTIALS.secretAccessKey,
            AWS_ENDPOINT_URL_S3: s3.endpoint,
            // What the component sets on the function, with the test server's bucket.
            REPORT_BUCKET: BUCKET,
            REPORT_PREFIX: "tlsrpt/",
            REPORT_DOMAINS: "example.com",
        },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.stdin.end(JSON.stringify(event));
    return new Promise((resolve, reject) => {
        child.on("close", (code) => {
            if (code !== 0) return reject(new Error(`the runtime exited ${code}: ${stderr}`));
            resolve(JSON.parse(stdout.trim().split("\n").at(-1)!));
        });
    });
}

test("the environment offers builtins and the AWS SDK, and not the project's other packages", async () => {
    const probe = (
        name: string,
    ) => `try { require(${JSON.stringify(name)}); process.stdout.write('{"result":"found"}') }
        catch (e) { process.stdout.write(JSON.stringify({ error: e.code })) }`;
    expect(await invoke({}, probe("@aws-sdk/client-s3"))).toEqual({ result: "found" });
    expect(await invoke({}, probe("mailparser"))).toEqual({ error: "MODULE_NOT_FOUND" });
    expect(await invoke({}, probe("@pulumi/pulumi"))).toEqual({ error: "MODULE_NOT_FOUND" });
});

test("the unpacked archive stores a real gzip report POSTed through a Function URL event", async () => {
    const body = gzipJson(sampleReport());
    const { result } = await invoke(postEvent(body, "application/tlsrpt+gzip"));
    expect(result).toEqual({
        statusCode: 201,
        headers: { "content-type": "text/plain; charset=utf-8" },
        body: `stored tlsrpt/reports/${KEY}.json\n`,
    });
    expect(await s3.get(BUCKET, `tlsrpt/raw/${KEY}.json.gz`)).toEqual(body);
    const parsed = JSON.parse((await s3.get(BUCKET, `tlsrpt/reports/${KEY}.json`))!.toString());
    expect(parsed).toMatchObject({ organizationName: "Mail Sender Inc.", policies: [{ policyDomain: "example.com" }] });
});

test("the unpacked archive answers garbage with 400", async () => {
    const { result } = await invoke(postEvent(Buffer.from("not a report"), "application/tlsrpt+json"));
    expect(result.statusCode).toBe(400);
});

test("the unpacked archive reads a DKIM-signed report mail SES stored, with mailparser bundled", async () => {
    const messageId = "a1b2c3d4e5f6packagetest";
    const report = gzipJson(sampleReport({ "report-id": "by-mail" }));
    const message = [
        "From: reports@sender.example",
        "To: tlsrpt@tlsrpt.example.com",
        "Subject: Report Domain: example.com Submitter: sender.example Report-ID: <by-mail>",
        "MIME-Version: 1.0",
        'Content-Type: multipart/report; report-type="tlsrpt"; boundary="b"',
        "",
        "--b",
        "Content-Type: application/tlsrpt+gzip",
        "Content-Transfer-Encoding: base64",
        "",
        report.toString("base64"),
        "--b--",
        "",
    ].join("\r\n");
    await s3.put(BUCKET, `tlsrpt/inbound/${messageId}`, message);
    const { result, error } = await invoke({
        Records: [
            {
                eventSource: "aws:ses",
                ses: { mail: { messageId }, receipt: { dkimVerdict: { status: "PASS" } } },
            },
        ],
    });
    expect({ result, error }).toEqual({ result: null, error: undefined });
    const key = reportStorageKey({
        organizationName: "Mail Sender Inc.",
        reportId: "by-mail",
        dateRange: { start: "2026-05-01T00:00:00.000Z", end: "2026-05-01T23:59:59.000Z" },
    });
    expect((await s3.get(BUCKET, `tlsrpt/raw/${key}.eml`))?.toString()).toBe(message);
    expect(await s3.get(BUCKET, `tlsrpt/reports/${key}.json`)).toBeDefined();
});

test("bundled from the compiled JavaScript an installed package ships, the handler works the same", async () => {
    // Beside a node_modules, as an installed package's dist/ is, so its imports resolve the same way.
    const compiled = mkdtempSync(path.join(root, "installed-"));
    symlinkSync(path.resolve("node_modules"), path.join(compiled, "node_modules"));
    execFileSync(process.execPath, [
        require.resolve("typescript/bin/tsc"),
        ...["--target", "ES2022", "--module", "nodenext", "--moduleResolution", "nodenext"],
        ...["--ignoreConfig", "--esModuleInterop", "--skipLibCheck", "--noCheck", "--types", "node"],
        ...["--rootDir", path.resolve("."), "--outDir", compiled],
        path.resolve("components/reporting/lambda.ts"),
    ]);
    const entry = handlerEntry(path.join(compiled, "components", "reporting"));
    expect(path.basename(entry)).toBe("lambda.js");
    const taskRoot = mkdtempSync(path.join(root, "compiled-task-"));
    writeFileSync(path.join(taskRoot, "index.js"), bundleHandler(entry));
    const body = gzipJson(sampleReport({ "report-id": "from-dist" }));
    const { result } = await invoke(postEvent(body, "application/tlsrpt+gzip"), RUNTIME, taskRoot);
    expect(result.statusCode).toBe(201);
}, 60000);
