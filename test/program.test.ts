import { createSocket } from "node:dgram";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { computePolicyId } from "../components";
import { valueOf } from "./helpers";
import { CLOUDFLARE_ZONE_ID, MockOptions, MockWorld, installMocks } from "./mocks";

const root = path.join(__dirname, "..");
// Each run loads the program, and with it a fresh copy of the SDK, which adds a beforeExit listener.
process.setMaxListeners(64);

function asConfigValue(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

/** What the CLI hands the program: Pulumi.yaml defaults, overlaid by the stack's settings. */
function stackConfig(settings: Record<string, unknown>): Record<string, string> {
    const project = parse(readFileSync(path.join(root, "Pulumi.yaml"), "utf8"));
    const config: Record<string, string> = {};
    for (const [key, declaration] of Object.entries(project.config as Record<string, { default?: unknown }>)) {
        if (declaration.default !== undefined) {
            config[`mta-sts:${key}`] = asConfigValue(declaration.default);
        }
    }
    for (const [key, value] of Object.entries(settings)) {
        config[key.includes(":") ? key : `mta-sts:${key}`] = asConfigValue(value);
    }
    return config;
}

/** What a hosting stack exports as `hosting`, as a StackReference reads it. */
const HOSTING_STACK_OUTPUTS = {
    bucketName: "mta-sts-hosting-0a1b2c3d-123456789012-eu-west-1-an",
    distributionId: "E1SHAREDEXAMPLE",
    connectionGroupId: "cg_2wjDWTBKTlRB87cAaUQFaakDOTAB",
    routingEndpoint: "d1sharedexample.cloudfront.net",
};

/** A shipped example stack config, Pulumi.<stack>.yaml. */
function exampleConfig(stack: string): Record<string, unknown> {
    return parse(readFileSync(path.join(root, `Pulumi.${stack}.yaml`), "utf8")).config;
}

async function runProgram(
    stack: string,
    settings: Record<string, unknown>,
    resources?: MockOptions["resources"],
    /** Runs just before the program, with the Pulumi SDK instance the program will use. */
    before?: (sdk: typeof pulumi) => void,
): Promise<{ world: MockWorld; outputs: any }> {
    const world = await installMocks({ stack, config: stackConfig(settings), resources });
    let outputs: any;
    jest.isolateModules(() => {
        before?.(require("@pulumi/pulumi"));
        outputs = require("../index");
    });
    await valueOf(pulumi.output(outputs.mtaSts));
    await world.settle();
    return { world, outputs };
}

describe("the program", () => {
    test("deploys the domain named by the stack with the shipped example config", async () => {
        const example = parse(readFileSync(path.join(root, "Pulumi.example.com.yaml"), "utf8")).config;
        const { world, outputs } = await runProgram("example.com", example);

        const components = world.byType("mta-sts:index:MtaSts");
        expect(components.map((c) => c.name)).toEqual(["example.com"]);
        const body = world.byName("example.com-policy").inputs.content;
        expect(body).toBe(
            "version: STSv1\r\nmode: testing\r\nmx: mx1.example.com\r\nmx: *.mail.example.net\r\nmax_age: 604800\r\n",
        );
        expect(world.byName("example.com-mta-sts-txt").inputs.records).toEqual([
            `v=STSv1; id=${computePolicyId(body)}`,
        ]);
        expect(world.byName("example.com-tlsrpt-txt").inputs.records).toEqual([
            "v=TLSRPTv1; rua=mailto:tlsrpt@example.com",
        ]);

        expect(await valueOf(outputs.policyUrl)).toBe("https://mta-sts.example.com/.well-known/mta-sts.txt");
        expect(await valueOf(outputs.policyId)).toBe(computePolicyId(body));
        expect(await valueOf(outputs.mtaStsRecord)).toBe(`v=STSv1; id=${computePolicyId(body)}`);
        const perDomain = await valueOf(pulumi.output(outputs.mtaSts));
        expect(Object.keys(perDomain)).toEqual(["example.com"]);
        expect(perDomain["example.com"]).toMatchObject({ policyText: body, bucketName: expect.stringMatching(/-an$/) });
    });

    test("a domains list serves several domains from one shared hosting, each in its own zone", async () => {
        const { world, outputs } = await runProgram("mail", {
            domains: ["example.com", "example.org"],
            mx: ["mx.example.net"],
            mode: "enforce",
        });
        expect(world.byType("mta-sts:index:MtaStsHosting").map((c) => c.name)).toEqual(["hosting"]);
        expect(world.byType("aws:cloudfront/distribution:Distribution")).toEqual([]);
        expect(
            world
                .byType("aws:cloudfront/distributionTenant:DistributionTenant")
                .map((t) => t.name)
                .sort(),
        ).toEqual(["example.com-tenant", "example.org-tenant"]);
        const zoneLookups = world.calls
            .filter((c) => c.token === "aws:route53/getZone:getZone")
            .map((c) => c.inputs.name);
        expect(zoneLookups.sort()).toEqual(["example.com", "example.org"]);
        expect(world.byName("example.org-mta-sts-txt").inputs.name).toBe("_mta-sts.example.org");
        expect(Object.keys(await valueOf(pulumi.output(outputs.mtaSts))).sort()).toEqual([
            "example.com",
            "example.org",
        ]);
        expect(outputs.policyId).toBeUndefined();
        expect(await valueOf(pulumi.output(outputs.hosting))).toEqual({
            bucketName: world.byName("hosting-bucket").inputs.bucket,
            distributionId: world.byName("hosting-cdn").id,
            connectionGroupId: world.byName("hosting-connection-group").id,
            routingEndpoint: world.byName("hosting-connection-group").state.routingEndpoint,
        });
    });

    test("the shipped fleet config serves its domains list from one shared hosting", async () => {
        const { world } = await runProgram("fleet", exampleConfig("fleet"));
        expect(world.byType("mta-sts:index:MtaStsHosting")).toHaveLength(1);
        expect(world.byType("mta-sts:index:MtaSts").map((c) => c.name)).toEqual([
            "example.com",
            "example.org",
            "example.net",
        ]);
        expect(world.byName("example.net-policy").inputs.key).toBe("example.net/.well-known/mta-sts.txt");
    });

    test("the shipped hosting config creates only the hosting and exports it", async () => {
        const { world, outputs } = await runProgram("hosting", exampleConfig("hosting"));
        expect(world.byType("mta-sts:index:MtaSts")).toEqual([]);
        expect(
            world.resources
                .filter((r) => r.type.startsWith("aws:"))
                .map((r) => r.name)
                .sort(),
        ).toEqual(
            [
                "hosting-bucket",
                "hosting-bucket-encryption",
                "hosting-bucket-ownership",
                "hosting-bucket-policy",
                "hosting-bucket-public-access",
                "hosting-cdn",
                "hosting-connection-group",
                "hosting-oac",
            ].sort(),
        );
        expect(Object.keys(await valueOf(pulumi.output(outputs.hosting))).sort()).toEqual([
            "bucketName",
            "connectionGroupId",
            "distributionId",
            "routingEndpoint",
        ]);
        expect(await valueOf(pulumi.output(outputs.mtaSts))).toEqual({});
    });

    test("the shipped per-domain config attaches to the hosting stack through a StackReference", async () => {
        const { world, outputs } = await runProgram("example.net", exampleConfig("example.net"), {
            "pulumi:pulumi:StackReference": (name) => ({
                id: name,
                state: { name, outputs: { hosting: HOSTING_STACK_OUTPUTS }, secretOutputNames: [] },
            }),
        });
        expect(world.byType("pulumi:pulumi:StackReference").map((r) => r.name)).toEqual([
            "organization/mta-sts/hosting",
        ]);
        expect(world.byType("mta-sts:index:MtaStsHosting")).toEqual([]);
        expect(world.byName("example.net-policy").inputs).toMatchObject({
            bucket: HOSTING_STACK_OUTPUTS.bucketName,
            key: "example.net/.well-known/mta-sts.txt",
        });
        expect(world.byName("example.net-tenant").inputs).toMatchObject({
            distributionId: HOSTING_STACK_OUTPUTS.distributionId,
            connectionGroupId: HOSTING_STACK_OUTPUTS.connectionGroupId,
        });
        expect(world.byName("example.net-host").inputs.records).toEqual([HOSTING_STACK_OUTPUTS.routingEndpoint]);
        expect(await valueOf(outputs.distributionTenantId)).toBe(world.byName("example.net-tenant").id);
    });

    test("a bad value in a domains list fails before the shared hosting is created", async () => {
        const world = await installMocks({
            stack: "fleet",
            config: stackConfig({
                domains: ["example.com", "example..org"],
                mx: ["mx.example.com"],
                zoneId: "Z0EXAMPLE",
            }),
        });
        expect(() => jest.isolateModules(() => require("../index"))).toThrow(
            'config domains: 1 problem(s):\n  - domains[1] "example..org": has an empty label; remove the extra "."',
        );
        await world.settle();
        expect(world.resources).toEqual([]);
    });

    test("a domains list with preflight waits for DNS once for all its domains, not once each", async () => {
        // A resolver that never answers; this process is blocked while the lookup runs, which does not matter to it.
        const blackHole = createSocket("udp4");
        await new Promise<void>((resolve) => blackHole.bind(0, "127.0.0.1", resolve));
        const warnings: string[] = [];
        try {
            const domains = Array.from({ length: 10 }, (_, i) => `example${i}.com`);
            const settings = {
                domains,
                mx: ["mx.example.com"],
                zoneId: "Z0EXAMPLE",
                preflightDnsServer: `127.0.0.1:${blackHole.address().port}`,
                preflightTimeout: 1,
            };
            // The same program without preflight, in the same run, is the baseline.
            let started = performance.now();
            await runProgram("fleet", settings);
            const baseline = performance.now() - started;
            started = performance.now();
            await runProgram("fleet", { ...settings, preflight: true }, undefined, (sdk) =>
                jest.spyOn(sdk.log, "warn").mockImplementation((message) => {
                    warnings.push(message);
                    return Promise.resolve();
                }),
            );
            // One wait of 1 s (one per domain would be 10 s), with room for a loaded machine.
            expect(performance.now() - started - baseline).toBeLessThan(1000 + 4000);
            expect(warnings).toEqual(
                domains.map(
                    (domain) =>
                        `preflight: could not resolve the MX records of ${domain} (no answer within 1 s); MX coverage was not checked`,
                ),
            );
        } finally {
            blackHole.close();
        }
    });

    test("sharedHosting false keeps each domain of a list on its own distribution", async () => {
        const { world } = await runProgram("fleet", {
            domains: ["example.com", "example.org"],
            mx: ["mx.example.com"],
            zoneId: "Z0EXAMPLE",
            sharedHosting: false,
        });
        expect(world.byType("mta-sts:index:MtaStsHosting")).toEqual([]);
        expect(world.byType("aws:cloudfront/distribution:Distribution").map((d) => d.name)).toEqual([
            "example.com-cdn",
            "example.org-cdn",
        ]);
    });

    test("sharedHosting false with hostingOnly is refused", async () => {
        await installMocks({ stack: "hosting", config: stackConfig({ hostingOnly: true, sharedHosting: false }) });
        expect(() => jest.isolateModules(() => require("../index"))).toThrow(
            "config sharedHosting false: each domain gets its own distribution, so there is no shared hosting to create (hostingOnly); leave sharedHosting out",
        );
    });

    test("retire makes one domain of a list publish mode none with max_age 86400, and no other", async () => {
        const { world } = await runProgram("fleet", {
            domains: ["example.com", "example.org"],
            mx: ["mx.example.com"],
            zoneId: "Z0EXAMPLE",
            mode: "enforce",
            retire: ["Example.ORG."],
        });
        expect(world.byName("example.org-policy").inputs.content).toBe(
            "version: STSv1\r\nmode: none\r\nmx: mx.example.com\r\nmax_age: 86400\r\n",
        );
        expect(world.byName("example.com-policy").inputs.content).toContain("mode: enforce\r\n");
    });

    test.each([
        [
            "a retire entry that is not one of the stack's domains",
            { domains: ["example.com"], retire: ["example.net"] },
            'config retire: 1 problem(s):\n  - retire[0] "example.net": not one of this stack\'s domains (example.com)',
        ],
        [
            "cloudFrontManagedCertificate on a domain's own distribution",
            { domain: "example.com", cloudFrontManagedCertificate: true },
            "config: 1 problem(s):\n  - cloudFrontManagedCertificate true: applies to shared hosting (a domains list, or hostingStack); a domain on its own distribution gets an ACM certificate",
        ],
        [
            "an OAC and a price class with shared hosting, and mail reporting without a receiver",
            {
                domains: ["example.com", "example.org"],
                originAccessControlId: "E2QWRUHAPOMQZL",
                priceClass: "PriceClass_All",
                tlsRptEmailDomain: "tlsrpt.example.com",
            },
            "config: 3 problem(s):\n" +
                '  - originAccessControlId "E2QWRUHAPOMQZL": applies to domains on their own distributions; shared hosting has one origin access control of its own\n' +
                '  - priceClass "PriceClass_All": applies to domains on their own distributions; leave it at PriceClass_100 with shared hosting\n' +
                '  - tlsRptEmailDomain "tlsrpt.example.com": needs tlsRptReceiver true',
        ],
    ])("%s is a config error, and nothing is created", async (_label, settings, message) => {
        const world = await installMocks({
            stack: "fleet",
            config: stackConfig({ mx: ["mx.example.com"], zoneId: "Z0EXAMPLE", ...settings }),
        });
        expect(() => jest.isolateModules(() => require("../index"))).toThrow(message);
        await world.settle();
        expect(world.resources).toEqual([]);
    });

    test("with a receiver, a bad domain argument still creates nothing, not even the receiver", async () => {
        const world = await installMocks({
            stack: "example.com",
            config: stackConfig({ mx: ["mx.example.com"], zoneId: "Z0EXAMPLE", tlsRptReceiver: true, mode: "strict" }),
        });
        expect(() => jest.isolateModules(() => require("../index"))).toThrow(/mode "strict"/);
        await world.settle();
        expect(world.resources).toEqual([]);
    });

    test("a hosting-only stack refuses domains", async () => {
        await installMocks({ stack: "hosting", config: stackConfig({ hostingOnly: true, domain: "example.com" }) });
        expect(() => jest.isolateModules(() => require("../index"))).toThrow(
            "config hostingOnly: a hosting stack publishes no domain and attaches to no other hosting; leave domain, domains and hostingStack out, and attach the domains' stacks to it with hostingStack",
        );
    });

    test("an explicit domain and Cloudflare zone id are honoured", async () => {
        const { world } = await runProgram("prod", {
            domain: "Example.COM",
            mx: ["mx.example.com"],
            dnsProvider: "cloudflare",
            zoneId: CLOUDFLARE_ZONE_ID,
            ttl: 600,
            maxAge: 86400,
        });
        expect(world.byType("mta-sts:index:MtaSts").map((c) => c.name)).toEqual(["Example.COM"]);
        expect(world.byName("Example.COM-mta-sts-txt").inputs).toMatchObject({
            zoneId: CLOUDFLARE_ZONE_ID,
            name: "_mta-sts.example.com",
            ttl: 600,
            proxied: false,
        });
        expect(world.byName("Example.COM-policy").inputs.content).toContain("max_age: 86400\r\n");
    });

    test("a bad config value fails with the component's message and creates nothing", async () => {
        const world = await installMocks({
            stack: "example.com",
            config: stackConfig({ mx: ["*.com"], mode: "strict" }),
        });
        expect(() => jest.isolateModules(() => require("../index"))).toThrow(
            'MtaSts "example.com": 2 invalid arguments:\n' +
                '  - mode "strict": must be one of "testing", "enforce", "none"\n' +
                '  - mx[0] "*.com": a wildcard needs a base of at least two labels, e.g. "*.example.com"',
        );
        await world.settle();
        expect(world.resources).toEqual([]);
    });

    test("a domain listed twice after normalisation is rejected, naming both entries, and nothing is created", async () => {
        const world = await installMocks({
            stack: "mail",
            config: stackConfig({ domains: ["example.com", "EXAMPLE.com.", "bad_domain.com"], mx: ["mx.example.com"] }),
        });
        expect(() => jest.isolateModules(() => require("../index"))).toThrow(
            "config domains: 2 problem(s):\n" +
                '  - domains[1] "EXAMPLE.com.": the same domain as domains[0] "example.com" (both are example.com); list each domain once\n' +
                '  - domains[2] "bad_domain.com": must not contain "_": host names are letters, digits and "-"',
        );
        await world.settle();
        expect(world.resources).toEqual([]);
    });

    test("every domain's arguments are checked before any component is created, and all failures reported", async () => {
        const world = await installMocks({
            stack: "mail",
            config: stackConfig({
                domains: ["example.com", "example.org"],
                mx: ["mx.example.com"],
                zoneName: "example.net",
            }),
        });
        const zoneProblem = (domain: string) =>
            `MtaSts "${domain}": 1 invalid argument:\n` +
            `  - route53.zoneName "example.net": must be "${domain}" or one of its parent domains, because the records are created under ${domain}`;
        expect(() => jest.isolateModules(() => require("../index"))).toThrow(
            `2 domains have invalid arguments:\n${zoneProblem("example.com")}\n${zoneProblem("example.org")}`,
        );
        await world.settle();
        expect(world.resources).toEqual([]);
    });

    test("an unknown DNS provider is named in the error", async () => {
        await installMocks({
            stack: "example.com",
            config: stackConfig({ mx: ["mx.example.com"], dnsProvider: "gandi" }),
        });
        expect(() => jest.isolateModules(() => require("../index"))).toThrow(
            'config dnsProvider "gandi": must be "route53" or "cloudflare"',
        );
    });

    test("tlsRptReceiver deploys one receiver for the domains and adds its endpoint to every rua", async () => {
        const { world, outputs } = await runProgram("mail", {
            domains: ["example.com", "example.org"],
            mx: ["mx.example.net"],
            rua: ["mailto:tlsrpt@example.com"],
            tlsRptReceiver: true,
        });
        expect(world.byType("mta-sts:index:TlsRptReceiver").map((c) => c.name)).toEqual(["tlsrpt"]);
        const receiver = await valueOf(pulumi.output(outputs.tlsRptReceiver));
        expect(receiver).toEqual({
            endpointUrl: world.byName("tlsrpt-url").state.functionUrl,
            bucketName: world.byName("tlsrpt-bucket").state.bucket,
            prefix: "tlsrpt/",
        });
        for (const domain of ["example.com", "example.org"]) {
            expect(world.byName(`${domain}-tlsrpt-txt`).inputs.records).toEqual([
                `v=TLSRPTv1; rua=mailto:tlsrpt@example.com,${receiver.endpointUrl}`,
            ]);
        }
        expect(world.byName("tlsrpt-function").inputs.environment.variables.REPORT_DOMAINS).toBe(
            "example.com,example.org",
        );
    });

    test("tlsRptEmailDomain adds mail reporting on that subdomain, in the zone of the domain above it", async () => {
        const { world, outputs } = await runProgram("example.com", {
            mx: ["mx.example.com"],
            tlsRptReceiver: true,
            tlsRptEmailDomain: "tlsrpt.example.com",
        });
        expect(world.byName("tlsrpt-tlsrpt-mx").inputs).toMatchObject({ name: "tlsrpt.example.com", type: "MX" });
        expect(world.byType("aws:ses/activeReceiptRuleSet:ActiveReceiptRuleSet")).toEqual([]);
        const receiver = await valueOf(pulumi.output(outputs.tlsRptReceiver));
        expect(receiver.mailto).toBe("mailto:tlsrpt@tlsrpt.example.com");
        expect(await valueOf(outputs.tlsRptRecord)).toBe(
            `v=TLSRPTv1; rua=${receiver.endpointUrl},mailto:tlsrpt@tlsrpt.example.com`,
        );
    });

    test("without tlsRptReceiver no receiver is deployed", async () => {
        const { world, outputs } = await runProgram("example.com", { mx: ["mx.example.com"] });
        expect(world.byType("mta-sts:index:TlsRptReceiver")).toEqual([]);
        expect(outputs.tlsRptReceiver).toBeUndefined();
    });

    test("mx is required", async () => {
        await installMocks({ stack: "example.com", config: stackConfig({}) });
        expect(() => jest.isolateModules(() => require("../index"))).toThrow(/mta-sts:mx/);
    });
});
