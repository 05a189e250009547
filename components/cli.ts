#!/usr/bin/env node
/**
 * `mta-sts check <domain> [--json] [--dns-server ip[:port]] [--timeout seconds] [--ca-file pem]`
 * Exit codes: 0 nothing failed (warnings allowed), 1 a check failed, 2 usage error.
 */
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { normalizeHostname } from "./core/validate";
import { runChecks } from "./checking/checks";
import { parseDnsServer } from "./core/dnsServer";
import { formatJson, formatReport } from "./checking/report";
import { fetchPublishedPolicy } from "./checking/published";
import { reportCommand } from "./reporting/command";

const USAGE = `usage: mta-sts check <domain> [--json] [--dns-server ip[:port]] [--timeout seconds] [--ca-file pem]
       mta-sts report <file|dir|s3://bucket/prefix>... [options]   (mta-sts report --help)

Verifies a live MTA-STS deployment the way a sending mail server sees it:
the _mta-sts record, the policy fetch, its syntax and id, MX coverage, STARTTLS on
every MX host, the TLS-RPT record and CAA.

  --json                  print {"domain","verdict","checks":[{"id","status","detail"}]}
  --dns-server ip[:port]  ask this resolver instead of the system's
  --timeout seconds       time limit of each check (default 10)
  --ca-file pem           also trust these CAs (besides the system store and NODE_EXTRA_CA_CERTS)
`;

export interface CliIo {
    stdout: (text: string) => void;
    stderr: (text: string) => void;
}

export async function main(argv: string[], io: CliIo): Promise<number> {
    if (argv[0] === "report") return reportCommand(argv.slice(1), io, { fetchPolicy: fetchPublishedPolicy });
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
                help: { type: "boolean", short: "h" },
            },
        });
    } catch (error) {
        io.stderr(`${(error as Error).message}\n\n${USAGE}`);
        return 2;
    }
    const { values, positionals } = parsed;
    if (values.help) {
        io.stdout(USAGE);
        return 0;
    }
    const usageError = (message: string) => {
        io.stderr(`${message}\n\n${USAGE}`);
        return 2;
    };
    if (positionals[0] !== "check" || positionals.length !== 2) {
        return usageError(
            positionals[0] === "check"
                ? "give exactly one domain"
                : `unknown command ${JSON.stringify(positionals[0] ?? "")}`,
        );
    }
    const problems: string[] = [];
    const domain = normalizeHostname("domain", positionals[1], problems);
    if (domain === undefined) return usageError(problems.join("\n"));
    if (values["dns-server"] !== undefined && parseDnsServer(values["dns-server"]) === undefined) {
        return usageError(`--dns-server ${JSON.stringify(values["dns-server"])}: expected ip or ip:port`);
    }
    const timeout = values.timeout === undefined ? 10 : Number(values.timeout);
    if (!(timeout > 0 && timeout <= 300))
        return usageError(`--timeout ${JSON.stringify(values.timeout)}: expected seconds from 0 to 300`);
    if (values["ca-file"] !== undefined && !existsSync(values["ca-file"])) {
        return usageError(`--ca-file ${JSON.stringify(values["ca-file"])}: no such file`);
    }
    const report = await runChecks(domain, {
        dnsServer: values["dns-server"],
        timeoutSeconds: timeout,
        caFile: values["ca-file"],
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
