import { existsSync } from "node:fs";
import * as path from "node:path";
import { buildSync } from "esbuild";

/** The Lambda runtime the handler is built for; it ships the AWS SDK for JavaScript v3. */
export const HANDLER_RUNTIME = "nodejs22.x";
/** `index.js` exporting `handler`, as the archive lays it out. */
export const HANDLER_ENTRY = "index.handler";
export const HANDLER_FILE = "index.js";

/**
 * The handler's entry module next to this file: `lambda.ts` when the program runs from source
 * (ts-node, `pulumi up`), `lambda.js` when it runs from the compiled package.
 */
export function handlerEntry(directory: string = __dirname): string {
    for (const name of ["lambda.js", "lambda.ts"]) {
        const candidate = path.join(directory, name);
        if (existsSync(candidate)) return candidate;
    }
    throw new Error(`the TLS-RPT handler entry (lambda.js or lambda.ts) is missing from ${directory}`);
}

/**
 * Bundles the handler and everything it imports (the report parser, mailparser and its
 * dependencies) into one CommonJS file. Only `@aws-sdk/*` stays outside: the nodejs22.x runtime
 * provides it, and bundling it would add megabytes for nothing. Bundling at deployment, rather
 * than at build time, gives one path for both ways the program runs: from the compiled package
 * and from source under ts-node. esbuild's output depends only on its input, so an unchanged
 * handler shows no diff.
 */
export function bundleHandler(entry: string = handlerEntry()): string {
    const result = buildSync({
        entryPoints: [entry],
        bundle: true,
        platform: "node",
        target: "node22",
        format: "cjs",
        external: ["@aws-sdk/*"],
        write: false,
        // Readable stack traces in CloudWatch matter more than a few hundred kilobytes.
        minify: false,
        keepNames: true,
        legalComments: "inline",
        logLevel: "silent",
        // Paths in the bundle would otherwise depend on where the project is checked out.
        absWorkingDir: path.dirname(entry),
    });
    return result.outputFiles[0].text;
}
