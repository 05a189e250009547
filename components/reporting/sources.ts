/**
 * Where `mta-sts report` reads reports from: files, directories (walked
 * lazily) and S3 prefixes (listed page by page). Each source is read only
 * when its turn comes, through a byte limit, so memory stays bounded by the
 * number of sources read at once, whatever the total.
 */
import { lstat, open, opendir, stat } from "node:fs/promises";
import * as path from "node:path";
import type { Readable } from "node:stream";
import { GetObjectCommand, paginateListObjectsV2, S3Client, S3ClientConfig } from "@aws-sdk/client-s3";
import { DEFAULT_REPORT_LIMITS, isGzip, readBounded, ReportLimits, TlsRptReportError } from "./decode";
import { maxEmailBytes, readTlsRptEmail } from "./email";
import { readTlsRptReport, TlsRptReport } from "./report";

/** Directories nested deeper than this are not walked (a guard against loops through bind mounts). */
const MAX_DIRECTORY_DEPTH = 32;

export type SourceKind = "report" | "email";

export interface ReportSource {
    /** A path or an s3:// URL, for messages. */
    name: string;
    /** By the name's extension; undefined means "look at the bytes". */
    kind?: SourceKind;
    open(maxBytes: number): Promise<Buffer>;
}

/** `.eml` is a message; `.json`, `.json.gz` and `.gz` are report bodies; anything else is not a report. */
export function kindOfName(name: string): SourceKind | undefined {
    if (/\.eml$/i.test(name)) return "email";
    if (/\.(json|gz)$/i.test(name)) return "report";
    return undefined;
}

/** `s3://bucket/prefix` into its parts, or undefined when `input` is not an S3 URL. */
export function parseS3Url(input: string): { bucket: string; prefix: string } | undefined {
    const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(input);
    return match ? { bucket: match[1], prefix: match[2] ?? "" } : undefined;
}

export interface SourceOptions {
    /** Options for the S3 client; credentials and region come from the standard chain unless given here. */
    s3?: S3ClientConfig;
}

/**
 * Every source under `inputs`, in order. A file named explicitly is always a
 * source; inside directories and S3 prefixes only names with a report
 * extension are (the others are counted in `skipped`).
 */
export async function* listSources(
    inputs: readonly string[],
    options: SourceOptions = {},
    skipped: { count: number } = { count: 0 },
): AsyncGenerator<ReportSource> {
    let s3: S3Client | undefined;
    try {
        for (const input of inputs) {
            const url = parseS3Url(input);
            if (url) {
                s3 ??= new S3Client({ followRegionRedirects: true, ...options.s3 });
                yield* listS3(s3, url.bucket, url.prefix, skipped);
            } else if ((await stat(input)).isDirectory()) {
                yield* walk(input, 0, skipped);
            } else {
                yield fileSource(input, kindOfName(input));
            }
        }
    } finally {
        s3?.destroy();
    }
}

function fileSource(file: string, kind: SourceKind | undefined): ReportSource {
    return { name: file, kind, open: (maxBytes) => readFileBounded(file, maxBytes) };
}

/** The whole file if it is at most `maxBytes`, in one read for the common small file (a stream costs more than the read). */
async function readFileBounded(file: string, maxBytes: number): Promise<Buffer> {
    const handle = await open(file);
    try {
        const { size } = await handle.stat();
        if (!(size <= maxBytes)) throw new TlsRptReportError([`${file} is more than ${maxBytes} bytes (the limit)`]);
        // A file that grows between stat and read is still cut at the limit by readBounded.
        const buffer = Buffer.allocUnsafe(size + 1);
        const { bytesRead } = await handle.read(buffer, 0, size + 1, 0);
        if (bytesRead <= size) return buffer.subarray(0, bytesRead);
        return await readBounded(handle.createReadStream({ start: 0, autoClose: false }), maxBytes, file);
    } finally {
        await handle.close();
    }
}

async function* walk(directory: string, depth: number, skipped: { count: number }): AsyncGenerator<ReportSource> {
    if (depth > MAX_DIRECTORY_DEPTH) return;
    for await (const entry of await opendir(directory)) {
        const file = path.join(directory, entry.name);
        // Symbolic links are followed to files only, so a link back up the tree cannot loop.
        const isFile =
            entry.isFile() || (entry.isSymbolicLink() && (await stat(file).catch(() => undefined))?.isFile());
        if (entry.isDirectory() && !(await lstat(file)).isSymbolicLink()) {
            yield* walk(file, depth + 1, skipped);
        } else if (isFile && kindOfName(entry.name)) {
            yield fileSource(file, kindOfName(entry.name));
        } else {
            skipped.count++;
        }
    }
}

async function* listS3(
    client: S3Client,
    bucket: string,
    prefix: string,
    skipped: { count: number },
): AsyncGenerator<ReportSource> {
    for await (const page of paginateListObjectsV2({ client }, { Bucket: bucket, Prefix: prefix })) {
        for (const object of page.Contents ?? []) {
            const key = object.Key!;
            const kind = kindOfName(key);
            if (!kind) {
                skipped.count++;
                continue;
            }
            const name = `s3://${bucket}/${key}`;
            yield {
                name,
                kind,
                open: async (maxBytes) => {
                    const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
                    return readBounded(response.Body as Readable, maxBytes, name);
                },
            };
        }
    }
}

/** The reports in one source, within `limits`; throws TlsRptReportError when it holds none. */
export async function readSource(
    source: ReportSource,
    limits: ReportLimits = DEFAULT_REPORT_LIMITS,
): Promise<{ reports: TlsRptReport[]; rejected: string[] }> {
    const bytes = await source.open(source.kind === "report" ? limits.maxInputBytes : maxEmailBytes(limits));
    const kind = source.kind ?? sniff(bytes);
    if (kind === "report") return { reports: [readTlsRptReport(bytes, limits)], rejected: [] };
    const mail = await readTlsRptEmail(bytes, limits);
    const rejected = mail.rejected.flatMap(({ part, error }) => error.problems.map((problem) => `${part}: ${problem}`));
    if (mail.reports.length === 0) throw new TlsRptReportError(rejected);
    return { reports: mail.reports, rejected };
}

/** A report body starts with the gzip magic or, after optional whitespace, "{"; anything else is read as a message. */
function sniff(bytes: Buffer): SourceKind {
    if (isGzip(bytes)) return "report";
    const first = bytes.subarray(0, 64).toString("latin1").trimStart()[0];
    return first === "{" ? "report" : "email";
}
