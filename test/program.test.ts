import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { computePolicyId } from "../components";
import { valueOf } from "./helpers";
import { CLOUDFLARE_ZONE_ID, MockWorld, installMocks } from "./mocks";

const root = path.join(__dirname, "..");

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

async function runProgram(
    stack: string,
    settings: Record<string, unknown>,
): Promise<{ world: MockWorld; outputs: any }> {
    const world = await installMocks({ stack, config: stackConfig(settings) });
    let outputs: any;
    jest.isolateModules(() => {
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

    test("a domains list serves several domains from one stack, each in its own zone", async () => {
        const { world, outputs } = await runProgram("mail", {
            domains: ["example.com", "example.org"],
            mx: ["mx.example.net"],
            mode: "enforce",
        });
        expect(
            world
                .byType("mta-sts:index:MtaSts")
                .map((c) => c.name)
                .sort(),
        ).toEqual(["example.com", "example.org"]);
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
