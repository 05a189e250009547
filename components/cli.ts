#!/usr/bin/env node
/**
 * `mta-sts check <domain> [--json] [--dns-server ip[:port]] [--timeout seconds] [--ca-file pem] [--expect-hash-id]`
 * Exit codes: 0 nothing failed (warnings allowed), 1 a check failed, 2 usage error.
 */
import { readFileSync, statSync } from "node:fs";
import { parseArgs } from "node:util";
import { normalizeHostname } from "./core/validate";
import { runChecks } from "./checking/checks";
import { parseDnsServer } from "./core/dnsServer";
import { formatJson, formatReport } from "./checking/report";
import { fetchPublishedPolicy } from "./checking/published";
import { reportCommand } from "./reporting/command";

/** The whole run, not each check: checks run in parallel under one deadline. */
const DEFAULT_TIMEOUT = 10;
const MIN_TIMEOUT = 1;
const MAX_TIMEOUT = 300;
/** Whole milliseconds: the resolver takes nothing finer. */
const SECONDS = /^[0-9]{1,3}(?:\.[0-9]{1,3})?$/;

const USAGE = `usage: mta-sts check <domain> [--json] [--dns-server ip[:port]] [--timeout seconds] [--ca-file pem] [--expect-hash-id]
       mta-sts report <file|dir|s3://bucket/prefix>... [options]   (mta-sts report --help)

Verifies a live MTA-STS deployment the way a sending mail server sees it:
the _mta-sts record, the policy fetch, its syntax and id, MX coverage, STARTTLS on
every address of every MX host, the TLS-RPT record and CAA.

  --json                  print {"domain","verdict","safeToEnforce","checks":[{"id","status","detail"}]}
  --dns-server ip[:port]  ask this resolver instead of the system's ([v6]:port for IPv6 with a port)
  --timeout seconds       time limit of the whole run, ${MIN_TIMEOUT} to ${MAX_TIMEOUT} (default ${DEFAULT_TIMEOUT});
                          it ends within about 1 s more, whatever the servers do
  --ca-file pem           also trust these CAs (besides the system store and NODE_EXTRA_CA_CERTS)
  --expect-hash-id        warn when the policy id is not the SHA-256 hash of the body,
                          as this project publishes it (otherwise only reported)

Exit codes:
  0  nothing failed (warnings allowed)
  1  a check failed
  2  usage error
`;

export interface CliIo {
    stdout: (text: string) => void;
    stderr: (text: string) => void;
}

export async function main(argv: string[], io: CliIo): Promise<number> {
    if (argv[0] === "report") return reportCommand(argv.slice(1), io, { fetchPolicy: fetchPublishedPolicy });
    const usageError = (message: string) => {
        io.stderr(`mta-sts: ${message} (mta-sts --help shows the usage)\n`);
        return 2;
    };
    let parsed;
    try {
        parsed = parseArgs({
            args: argv,
            allowPositionals: true,
            options: {
                json: { type: "boolean" },
                "dns-server": { type: "string" },
                timeout: { type: "string" },
                "ca-file": { type: "string" },
                "expect-hash-id": { type: "boolean" },
                help: { type: "boolean", short: "h" },
            },
        });
    } catch (error) {
        return usageError((error as Error).message.split("\n")[0]);
    }
    const { values, positionals } = parsed;
    if (values.help) {
        io.stdout(USAGE);
        return 0;
    }
    if (positionals.length === 0) {
        io.stderr(USAGE);
        return 2;
    }
    if (positionals[0] !== "check") return usageError(`unknown command ${JSON.stringify(positionals[0])}`);
    if (positionals.length !== 2) return usageError("give exactly one domain");
    const problems: string[] = [];
    const domain = normalizeHostname("domain", positionals[1], problems);
    if (domain === undefined) return usageError(problems[0]);
    const dnsServer = values["dns-server"];
    if (dnsServer !== undefined && parseDnsServer(dnsServer) === undefined) {
        return usageError(
            `--dns-server ${JSON.stringify(dnsServer)}: expected ip or ip:port with a decimal port from 1 to 65535, e.g. "192.0.2.53:5353"`,
        );
    }
    const timeout = values.timeout === undefined ? DEFAULT_TIMEOUT : Number(values.timeout);
    if (
        values.timeout !== undefined &&
        !(SECONDS.test(values.timeout) && timeout >= MIN_TIMEOUT && timeout <= MAX_TIMEOUT)
    ) {
        return usageError(
            `--timeout ${JSON.stringify(values.timeout)}: expected seconds from ${MIN_TIMEOUT} to ${MAX_TIMEOUT} with at most 3 decimals, e.g. "2.5"`,
        );
    }
    const caFile = values["ca-file"];
    if (caFile !== undefined) {
        const problem = checkCaFile(caFile);
        if (problem !== undefined) return usageError(`--ca-file ${JSON.stringify(caFile)}: ${problem}`);
    }
    const report = await runChecks(domain, {
        dnsServer,
        timeoutSeconds: timeout,
        caFile,
        expectHashId: values["expect-hash-id"] === true,
    });
    io.stdout(values.json ? formatJson(report) : formatReport(report));
    return report.verdict === "fail" ? 1 : 0;
}

function checkCaFile(file: string): string | undefined {
    let text: string;
    try {
        if (!statSync(file).isFile()) return "is not a file";
        text = readFileSync(file, "utf8");
    } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        return code === "ENOENT" ? "no such file" : `cannot be read (${code ?? (error as Error).message})`;
    }
    return text.includes("-----BEGIN CERTIFICATE-----") ? undefined : "holds no PEM certificate";
}

/** The process around `main`; bin/mta-sts.js calls it once the Node version is known to be new enough. */
export function run(argv: string[]): void {
    main(argv, {
        stdout: (text) => process.stdout.write(text),
        stderr: (text) => process.stderr.write(text),
    }).then(
        (code) => process.exit(code),
        (error) => {
            process.stderr.write(`${(error as Error).stack ?? error}\n`);
            process.exit(1);
        },
    );
}
