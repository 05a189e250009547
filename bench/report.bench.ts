/**
 * `npm run bench`, part 2: `mta-sts report` over 10,000 and 20,000 gzip
 * reports on disk (100 organisations, a few failure details each), next to the
 * floor of reading, inflating and `JSON.parse`-ing the same files and keeping
 * nothing. Each case runs in a fresh process, so peak memory is its own. A
 * benchmark prints figures; it asserts nothing.
 */
import { fork } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { reportCommand } from "../components/reporting/command";
import { buildReport, CURRENT_POLICY, daysFrom } from "../test/support/tlsrpt";

const REPORT_COUNTS = [10_000, 20_000];
const ORGANISATIONS = 100;

type Kind = "mta-sts report" | "JSON.parse";

interface Figures {
    kind: Kind;
    reports: number;
    wallMs: number;
    peakRssMb: number;
    peakHeapMb: number;
}

/** `count` reports, one per organisation per day, with failures on every seventh day. */
function writeCorpus(directory: string, count: number): void {
    const days = daysFrom("2026-01-01", Math.ceil(count / ORGANISATIONS));
    for (let index = 0; index < count; index++) {
        const organisation = `Sender ${index % ORGANISATIONS}`;
        const day = days[Math.floor(index / ORGANISATIONS)];
        const failing = index % 7 === 0;
        const report = buildReport({
            organisation,
            day,
            successful: 500 + (index % 300),
            failures: failing
                ? [
                      {
                          resultType: "certificate-expired",
                          receivingMx: "mx2.example.com",
                          sendingIp: `192.0.2.${index % 250}`,
                          sessions: 3,
                      },
                      {
                          resultType: "starttls-not-supported",
                          receivingMx: "mx1.example.com",
                          sendingIp: `198.51.100.${index % 250}`,
                          sessions: 1,
                      },
                  ]
                : [],
        });
        writeFileSync(path.join(directory, `${index}.json.gz`), gzipSync(JSON.stringify(report)));
    }
    writeFileSync(path.join(directory, "..", "policy.txt"), `${CURRENT_POLICY.join("\r\n")}\r\n`);
}

async function runCase(kind: Kind, directory: string, reports: number): Promise<Figures> {
    let peakRss = process.memoryUsage().rss;
    let peakHeap = process.memoryUsage().heapUsed;
    const sample = () => {
        const usage = process.memoryUsage();
        peakRss = Math.max(peakRss, usage.rss);
        peakHeap = Math.max(peakHeap, usage.heapUsed);
    };
    const sampler = setInterval(sample, 5);
    const started = performance.now();
    if (kind === "JSON.parse") {
        let sessions = 0;
        for (const name of readdirSync(directory)) {
            const report = JSON.parse(gunzipSync(await readFile(path.join(directory, name))).toString("utf8"));
            sessions += report.policies[0].summary["total-successful-session-count"];
        }
        if (sessions === 0) throw new Error("nothing read");
    } else {
        let output = "";
        const code = await reportCommand(
            [directory, "--json", "--policy", path.join(directory, "..", "policy.txt")],
            { stdout: (text) => (output += text), stderr: (text) => process.stderr.write(text) },
            { fetchPolicy: () => Promise.reject(new Error("offline")) },
        );
        if (code === 2 || JSON.parse(output).reports !== reports) throw new Error("not every report was read");
    }
    const wallMs = performance.now() - started;
    clearInterval(sampler);
    sample();
    return { kind, reports, wallMs, peakRssMb: peakRss / 2 ** 20, peakHeapMb: peakHeap / 2 ** 20 };
}

function runInChild(kind: Kind, directory: string, reports: number): Promise<Figures> {
    return new Promise((resolve, reject) => {
        const child = fork(__filename, [kind, directory, String(reports)], {
            execArgv: process.execArgv,
            stdio: ["ignore", "inherit", "inherit", "ipc"],
        });
        child.once("message", (figures) => resolve(figures as Figures));
        child.once("exit", (code) => (code === 0 ? undefined : reject(new Error(`${kind} ${reports} exited ${code}`))));
    });
}

function row(figures: Figures): string {
    return [
        figures.kind.padEnd(14),
        String(figures.reports).padStart(7),
        figures.wallMs.toFixed(0).padStart(7),
        ((figures.wallMs / figures.reports) * 1000).toFixed(0).padStart(13),
        figures.peakRssMb.toFixed(0).padStart(11),
        figures.peakHeapMb.toFixed(0).padStart(12),
    ].join("  ");
}

async function main(): Promise<void> {
    console.log("\nmta-sts report over .json.gz files (each case in a fresh process)");
    console.log("kind            reports  wall ms  µs per report  peak RSS MB  peak heap MB");
    for (const reports of REPORT_COUNTS) {
        const root = mkdtempSync(path.join(tmpdir(), "tlsrpt-bench-"));
        const directory = path.join(root, "reports");
        try {
            mkdirSync(directory);
            writeCorpus(directory, reports);
            console.log(row(await runInChild("mta-sts report", directory, reports)));
            // The floor: the same files read, inflated and parsed, nothing kept.
            console.log(row(await runInChild("JSON.parse", directory, reports)));
        } finally {
            rmSync(root, { recursive: true, force: true });
        }
    }
}

if (process.send) {
    const [kind, directory, reports] = process.argv.slice(2);
    runCase(kind as Kind, directory, Number(reports)).then((figures) => {
        process.send!(figures, () => process.exit(0));
    });
} else {
    main().catch((error) => {
        console.error(error);
        process.exit(1);
    });
}
