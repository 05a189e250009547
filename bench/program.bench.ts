/**
 * `npm run bench`: evaluate MtaSts under mocks for many domains in one stack,
 * each case next to a floor measured in the same run:
 * - standalone (1, 10, 100 domains) against bare resources, as many as the component registers;
 * - shared hosting (100 and 1,000 domains; ACM and CloudFront-managed certificates) against
 *   registering the same per-domain resource classes directly, under a component of the
 *   same type, with constant inputs: what the SDK costs before our code does anything.
 * Each case runs in a fresh process with Node's default heap limit, so peak heap is its own.
 * A benchmark prints figures; it asserts nothing.
 */
import { fork } from "node:child_process";
import { getHeapStatistics } from "node:v8";
import * as pulumi from "@pulumi/pulumi";

type Kind = "standalone" | "bare" | "shared" | "shared floor" | "managed" | "managed floor";

interface Figures {
    kind: Kind;
    domains: number;
    resources: number;
    loadMs: number;
    wallMs: number;
    peakHeapMb: number;
    heapLimitMb: number;
}

/** The least a resource can be: one plain input, no outputs of other resources. */
class BareResource extends pulumi.CustomResource {
    constructor(name: string, value: number) {
        super("bench:index:Bare", name, { value });
    }
}

const args = (index: number) => ({
    domain: `domain${index}.example.com`,
    mode: "enforce" as const,
    mx: ["mx1.example.net", "*.mail.example.net"],
    tlsRpt: { rua: [`mailto:tlsrpt@domain${index}.example.com`] },
    route53: { zoneName: "example.com" },
});

/** A component of MtaSts's type that does nothing but hold children. */
class FloorComponent extends pulumi.ComponentResource {
    constructor(name: string) {
        super("mta-sts:index:MtaSts", name);
    }

    done(): void {
        this.registerOutputs({});
    }
}

/** What the component registers per domain on shared hosting, with constant inputs. */
function floorDomain(aws: typeof import("@pulumi/aws"), index: number, managed: boolean): pulumi.Output<unknown> {
    const parent = new FloorComponent(`domain${index}`);
    const opts = { parent };
    const name = `domain${index}`;
    const record = (role: string) =>
        new aws.route53.Record(
            `${name}-${role}`,
            { zoneId: "Z1", name: "x", type: "TXT", records: ["x"], ttl: 300 },
            opts,
        );
    if (!managed) {
        new aws.acm.Certificate(`${name}-cert`, { domainName: "x", validationMethod: "DNS" }, opts);
        new aws.acm.CertificateValidation(`${name}-cert-validation`, { certificateArn: "arn" }, opts);
        record("cert-validation-record");
    }
    const tenant = new aws.cloudfront.DistributionTenant(`${name}-tenant`, { distributionId: "E1" }, opts);
    new aws.s3.BucketObjectv2(`${name}-policy`, { bucket: "b", key: "k", content: "c" }, opts);
    record("host");
    record("mta-sts-txt");
    record("tlsrpt-txt");
    parent.done();
    return tenant.id;
}

async function runCase(kind: Kind, domains: number, resourcesToRegister: number): Promise<Figures> {
    let registered = 0;
    await pulumi.runtime.setMocks(
        {
            newResource: (mocked) => {
                registered++;
                return { id: `${mocked.name}-id`, state: mockState(mocked.type, mocked.inputs) };
            },
            call: (mocked) => mockCall(mocked.token),
        },
        "mta-sts",
        "bench",
        false,
    );
    // Loading @pulumi/aws and @pulumi/cloudflare is paid once per program; it is reported apart.
    const loadStarted = performance.now();
    const components: typeof import("../components") | undefined =
        kind === "bare" ? undefined : require("../components");
    const aws: typeof import("@pulumi/aws") = require("@pulumi/aws");
    const loadMs = performance.now() - loadStarted;
    let peakHeap = process.memoryUsage().heapUsed;
    const sampler = setInterval(() => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)), 2);
    const started = performance.now();
    const waitFor: pulumi.Output<unknown>[] = [];
    if (kind === "standalone") {
        for (let index = 0; index < domains; index++) {
            waitFor.push(new components!.MtaSts(`domain${index}`, args(index)).bucketName);
        }
    } else if (kind === "shared" || kind === "managed") {
        const hosting = new components!.MtaStsHosting("hosting");
        for (let index = 0; index < domains; index++) {
            const site = new components!.MtaSts(`domain${index}`, {
                ...args(index),
                hosting,
                cloudFrontManagedCertificate: kind === "managed",
            });
            waitFor.push(site.distributionTenantId);
        }
    } else if (kind === "shared floor" || kind === "managed floor") {
        // The shared hosting is paid once either way, so the floor builds it too.
        waitFor.push(new components!.MtaStsHosting("hosting").bucketName);
        for (let index = 0; index < domains; index++) {
            waitFor.push(floorDomain(aws, index, kind === "managed floor"));
        }
    } else {
        for (let index = 0; index < resourcesToRegister; index++) {
            new BareResource(`bare${index}`, index);
        }
    }
    await Promise.all(waitFor.map((output) => new Promise((resolve) => output.apply(resolve))));
    await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
    const wallMs = performance.now() - started;
    clearInterval(sampler);
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    return {
        kind,
        domains,
        resources: registered,
        loadMs,
        wallMs,
        peakHeapMb: peakHeap / 2 ** 20,
        heapLimitMb: getHeapStatistics().heap_size_limit / 2 ** 20,
    };
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
        case "aws:cloudfront/multitenantDistribution:MultitenantDistribution":
            return { ...inputs, arn: "arn:aws:cloudfront::123456789012:distribution/E2" };
        case "aws:cloudfront/connectionGroup:ConnectionGroup":
            return { ...inputs, routingEndpoint: "d2.cloudfront.net" };
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

function runInChild(kind: Kind, domains: number, resources: number): Promise<Figures> {
    return new Promise((resolve, reject) => {
        const child = fork(__filename, [kind, String(domains), String(resources)], {
            execArgv: process.execArgv,
            stdio: ["ignore", "inherit", "inherit", "ipc"],
        });
        child.once("message", (figures) => resolve(figures as Figures));
        child.once("exit", (code) => (code === 0 ? undefined : reject(new Error(`${kind} ${domains} exited ${code}`))));
    });
}

function row(figures: Figures, floor?: Figures): string {
    const ratio = (value: number, base: number | undefined) =>
        base === undefined ? "" : `${(value / base).toFixed(2)}×`;
    return [
        figures.kind.padEnd(13),
        String(figures.domains).padStart(7),
        String(figures.resources).padStart(9),
        (figures.resources / figures.domains).toFixed(1).padStart(11),
        figures.loadMs.toFixed(0).padStart(7),
        figures.wallMs.toFixed(0).padStart(8),
        (figures.wallMs / figures.domains).toFixed(2).padStart(14),
        figures.peakHeapMb.toFixed(1).padStart(13),
        ratio(figures.wallMs, floor?.wallMs).padStart(11),
        ratio(figures.peakHeapMb, floor?.peakHeapMb).padStart(11),
    ].join("  ");
}

async function main(): Promise<void> {
    // `program.bench.ts [standalone|shared] [domains]`: one group, and one fleet size.
    const only = process.argv[2];
    if (only !== undefined && only !== "standalone" && only !== "shared") {
        throw new Error(`${JSON.stringify(only)}: expected standalone or shared, then optionally a number of domains`);
    }
    const size = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
    if (size !== undefined && !(Number.isSafeInteger(size) && size > 0)) {
        throw new Error(`domains ${JSON.stringify(process.argv[3])}: expected a whole number above 0`);
    }
    console.log(`Node ${process.version}, @pulumi/pulumi ${require("@pulumi/pulumi/package.json").version}`);
    console.log(`default heap limit ${(getHeapStatistics().heap_size_limit / 2 ** 20).toFixed(0)} MB`);
    console.log(
        "kind           domains  resources  res./domain  load ms  wall ms  ms per domain  peak heap MB  time/floor  heap/floor",
    );
    if (only === undefined || only === "standalone") {
        for (const domains of size !== undefined ? [size] : [1, 10, 100]) {
            const component = await runInChild("standalone", domains, 0);
            // The floor: the same number of resources, bare, through the same SDK and mock monitor.
            const floor = await runInChild("bare", domains, component.resources);
            console.log(row(component, floor));
            console.log(row(floor));
        }
    }
    if (only === undefined || only === "shared") {
        for (const [kind, floorKind] of [
            ["shared", "shared floor"],
            ["managed", "managed floor"],
        ] as const) {
            for (const domains of size !== undefined ? [size] : [100, 1000]) {
                const floor = await runInChild(floorKind, domains, 0);
                const component = await runInChild(kind, domains, 0);
                console.log(row(component, floor));
                console.log(row(floor));
            }
        }
    }
}

if (process.send) {
    const [kind, domains, resources] = process.argv.slice(2);
    runCase(kind as Kind, Number(domains), Number(resources)).then((figures) => {
        process.send!(figures, () => process.exit(0));
    });
} else {
    main().catch((error) => {
        console.error(error);
        process.exit(1);
    });
}
