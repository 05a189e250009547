import { execFile } from "node:child_process";
import * as path from "node:path";
import { computePolicyId } from "../components";

const script = path.join(__dirname, "fixtures", "run-like-pulumi-up.js");

function runLikePulumiUp(stack: string, config: Record<string, string>): Promise<{ stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
        execFile(
            process.execPath,
            [script, stack, JSON.stringify(config)],
            { timeout: 60000 },
            (error, stdout, stderr) =>
                error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve({ stdout, stderr }),
        );
    });
}

describe("`pulumi up` loading the program", () => {
    test("Pulumi's language-host entry point compiles index.ts with the project's TypeScript and runs it", async () => {
        const { stdout, stderr } = await runLikePulumiUp("example.com", {
            "mta-sts:mx": JSON.stringify(["mx1.example.com"]),
            "mta-sts:mode": "enforce",
        });
        expect(stderr).toBe("");
        const { outputs } = JSON.parse(stdout);
        const body = "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.com\r\nmax_age: 604800\r\n";
        expect(outputs).toMatchObject({
            policyText: body,
            policyId: computePolicyId(body),
            policyUrl: "https://mta-sts.example.com/.well-known/mta-sts.txt",
        });
        expect(outputs).not.toHaveProperty("tlsRptRecord");
    }, 60000);

    test("the TLS-RPT receiver's handler is bundled from source under ts-node and its endpoint published", async () => {
        const { stdout, stderr } = await runLikePulumiUp("example.com", {
            "mta-sts:mx": JSON.stringify(["mx1.example.com"]),
            "mta-sts:tlsRptReceiver": "true",
        });
        expect(stderr).toBe("");
        const { outputs } = JSON.parse(stdout);
        expect(outputs.tlsRptRecord).toBe("v=TLSRPTv1; rua=https://abc123.lambda-url.eu-west-1.on.aws/");
        expect(outputs.tlsRptReceiver).toMatchObject({
            endpointUrl: "https://abc123.lambda-url.eu-west-1.on.aws/",
            prefix: "tlsrpt/",
        });
    }, 60000);

    test("several domains export the per-domain map and their shared hosting, with no undefined outputs to warn about", async () => {
        const { stdout, stderr } = await runLikePulumiUp("mail", {
            "mta-sts:mx": JSON.stringify(["mx1.example.com"]),
            "mta-sts:domains": JSON.stringify(["example.com", "example.org"]),
            "mta-sts:rua": JSON.stringify(["mailto:tlsrpt@example.com"]),
        });
        expect(stderr).toBe("");
        const { outputs } = JSON.parse(stdout);
        expect(Object.keys(outputs).sort()).toEqual(["hosting", "mtaSts"]);
        expect(outputs.hosting.routingEndpoint).toBe("d222222abcdef8.cloudfront.net");
        expect(Object.keys(outputs.mtaSts)).toEqual(["example.com", "example.org"]);
        expect(outputs.mtaSts["example.org"].tlsRptRecord).toBe("v=TLSRPTv1; rua=mailto:tlsrpt@example.com");
    }, 60000);
});
