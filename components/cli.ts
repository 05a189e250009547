#!/usr/bin/env node
/**
 * `mta-sts check <domain> [--json] [--dns-server ip[:port]] [--timeout seconds] [--ca-file pem] [--expect-hash-id]`
 * Exit codes: 0 nothing failed (warnings allowed), 1 a check failed, 2 usage error.
 */
import { parseArgs } from "node:util";
import { normalizeHostname } from "./core/validate";
import { runChecks } from "./checking/checks";
import { DEFAULT_TIMEOUT, MAX_TIMEOUT, MIN_TIMEOUT, readFetchFlags } from "./core/fetchFlags";
import { formatJson, formatReport } from "./checking/report";
import { fetchPublishedPolicy } from "./checking/published";
import { reportCommand } from "./reporting/command";

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
    // The whole run, not each check: checks run in parallel under one deadline.
    const { dnsServer, timeoutSeconds, caFile } = readFetchFlags(values, problems);
    if (problems.length > 0) return usageError(problems.join("; "));
    const report = await runChecks(domain, {
        dnsServer,
        timeoutSeconds,
        caFile,
        expectHashId: values["expect-hash-id"] === true,
    });
    io.stdout(values.json ? formatJson(report) : formatReport(report));
    return report.verdict === "fail" ? 1 : 0;
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
