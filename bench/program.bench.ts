/**
 * `npm run bench`: evaluate the program under mocks for 1, 10 and 100 domains
 * in one stack, next to the floor of registering as many bare resources through
 * the same SDK. Each case runs in a fresh process so peak heap is its own.
 * A benchmark prints figures; it asserts nothing.
 */
import { fork } from "node:child_process";
import * as pulumi from "@pulumi/pulumi";

const DOMAIN_COUNTS = [1, 10, 100];

interface Figures {
    kind: "MtaSts" | "bare";
    domains: number;
    resources: number;
    loadMs: number;
    wallMs: number;
    peakHeapMb: number;
}

/** The least a resource can be: one plain input, no outputs of other resources. */
class BareResource extends pulumi.CustomResource {
    constructor(name: string, value: number) {
        super("bench:index:Bare", name, { value });
    }
}

async function runCase(kind: Figures["kind"], domains: number, resourcesToRegister: number): Promise<Figures> {
    let registered = 0;
    await pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                registered++;
                return { id: `${args.name}-id`, state: mockState(args.type, args.inputs) };
            },
            call: (args) => mockCall(args.token),
        },
        "mta-sts",
        "bench",
        false,
    );
    // Loading @pulumi/aws and @pulumi/cloudflare is paid once per program; it is reported apart.
    const loadStarted = performance.now();
    const { MtaSts }: { MtaSts?: typeof import("../components").MtaSts } =
        kind === "MtaSts" ? require("../components") : {};
    const loadMs = performance.now() - loadStarted;
    let peakHeap = process.memoryUsage().heapUsed;
    const sampler = setInterval(() => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)), 2);
    const started = performance.now();
    if (MtaSts !== undefined) {
        const sites = Array.from(
            { length: domains },
            (_, index) =>
                new MtaSts(`domain${index}`, {
                    domain: `domain${index}.example.com`,
                    mode: "enforce",
                    mx: ["mx1.example.net", "*.mail.example.net"],
                    tlsRpt: { rua: [`mailto:tlsrpt@domain${index}.example.com`] },
                    route53: { zoneName: "example.com" },
                }),
        );
        await Promise.all(sites.map((site) => new Promise((resolve) => site.bucketName.apply(resolve))));
    } else {
        for (let index = 0; index < resourcesToRegister; index++) {
            new BareResource(`bare${index}`, index);
        }
    }
    await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
    const wallMs = performance.now() - started;
    clearInterval(sampler);
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    return { kind, domains, resources: registered, loadMs, wallMs, peakHeapMb: peakHeap / 2 ** 20 };
}

function mockState(type: string, inputs: Record<string, any>): Record<string, any> {
    switch (type) {
        case "aws:acm/certificate:Certificate":
            return {
                ...inputs,
                arn: "arn:aws:acm:us-east-1:123456789012:certificate/bench",
                domainValidationOptions: [
                    {
                        domainName: inputs.domainName,
                        resourceRecordName: `_x.${inputs.domainName}.`,
                        resourceRecordType: "CNAME",
                        resourceRecordValue: "_y.acm-validations.aws.",
                    },
                ],
            };
        case "aws:s3/bucket:Bucket":
            return {
                ...inputs,
                arn: `arn:aws:s3:::${inputs.bucket}`,
                bucketRegionalDomainName: `${inputs.bucket}.s3.amazonaws.com`,
            };
        case "aws:cloudfront/distribution:Distribution":
            return {
                ...inputs,
                arn: "arn:aws:cloudfront::123456789012:distribution/E1",
                domainName: "d1.cloudfront.net",
                hostedZoneId: "Z2FDTNDATAQYW2",
            };
        default:
            return inputs;
    }
}

function mockCall(token: string): Record<string, any> {
    switch (token) {
        case "aws:index/getCallerIdentity:getCallerIdentity":
            return { accountId: "123456789012" };
        case "aws:index/getRegion:getRegion":
            return { region: "eu-west-1" };
        default:
            return { zoneId: "Z0123456789ABCDEFGHIJ", id: "Z0123456789ABCDEFGHIJ" };
    }
}

function runInChild(kind: Figures["kind"], domains: number, resources: number): Promise<Figures> {
    return new Promise((resolve, reject) => {
        const child = fork(__filename, [kind, String(domains), String(resources)], {
            execArgv: process.execArgv,
            stdio: ["ignore", "inherit", "inherit", "ipc"],
        });
        child.once("message", (figures) => resolve(figures as Figures));
        child.once("exit", (code) => (code === 0 ? undefined : reject(new Error(`${kind} ${domains} exited ${code}`))));
    });
}

function row(figures: Figures): string {
    const perDomain = (figures.wallMs / figures.domains).toFixed(2);
    return [
        figures.kind.padEnd(7),
        String(figures.domains).padStart(7),
        String(figures.resources).padStart(9),
        (figures.resources / figures.domains).toFixed(1).padStart(11),
        figures.loadMs.toFixed(0).padStart(7),
        figures.wallMs.toFixed(0).padStart(8),
        perDomain.padStart(14),
        figures.peakHeapMb.toFixed(1).padStart(13),
    ].join("  ");
}

async function main(): Promise<void> {
    console.log(`Node ${process.version}, @pulumi/pulumi ${require("@pulumi/pulumi/package.json").version}`);
    console.log("kind     domains  resources  res./domain  load ms  wall ms  ms per domain  peak heap MB");
    for (const domains of DOMAIN_COUNTS) {
        const component = await runInChild("MtaSts", domains, 0);
        console.log(row(component));
        // The floor: the same number of resources, bare, through the same SDK and mock monitor.
        console.log(row(await runInChild("bare", domains, component.resources)));
    }
}

if (process.send) {
    const [kind, domains, resources] = process.argv.slice(2);
    runCase(kind as Figures["kind"], Number(domains), Number(resources)).then((figures) => {
        process.send!(figures, () => process.exit(0));
    });
} else {
    main().catch((error) => {
        console.error(error);
        process.exit(1);
    });
}
