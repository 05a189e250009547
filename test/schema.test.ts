import { readFileSync } from "node:fs";
import * as path from "node:path";
import Ajv2020 from "ajv/dist/2020";
import { parse } from "yaml";
import { DEFAULT_MAX_AGE, DEFAULT_MODE, DEFAULT_PRICE_CLASS, DEFAULT_TTL } from "../components";

const root = path.join(__dirname, "..");
const project = parse(readFileSync(path.join(root, "Pulumi.yaml"), "utf8"));

describe("Pulumi.yaml", () => {
    // A copy of Pulumi's own project-file schema (sdk/go/common/workspace/project.json).
    const schema = JSON.parse(readFileSync(path.join(__dirname, "fixtures", "pulumi-project.schema.json"), "utf8"));

    test("is valid against Pulumi's project-file schema", () => {
        const validate = new Ajv2020({ strict: false, allErrors: true }).compile(schema);
        expect(validate(project) ? [] : validate.errors).toEqual([]);
    });

    test("declares every config key the program reads, each with a type and a description", () => {
        const program = readFileSync(path.join(root, "index.ts"), "utf8");
        const read = [...program.matchAll(/config\.(?:get|require)\w*(?:<[^>]+>)?\("(\w+)"\)/g)].map((m) => m[1]);
        expect(new Set(read).size).toBeGreaterThan(5);
        for (const key of new Set(read)) {
            expect({ key, declared: project.config[key] }).toEqual({
                key,
                declared: expect.objectContaining({ type: expect.any(String), description: expect.any(String) }),
            });
        }
    });

    test("every key has a default, so a hosting-only stack needs no mx; the program demands mx when it publishes", () => {
        const required = Object.entries(project.config as Record<string, { default?: unknown }>)
            .filter(([, declaration]) => declaration.default === undefined)
            .map(([key]) => key);
        expect(required).toEqual([]);
    });

    test("its defaults are the component's defaults", () => {
        expect(project.config.mode.default).toBe(DEFAULT_MODE);
        expect(project.config.maxAge.default).toBe(DEFAULT_MAX_AGE);
        expect(project.config.ttl.default).toBe(DEFAULT_TTL);
        expect(project.config.priceClass.default).toBe(DEFAULT_PRICE_CLASS);
    });

    test("runs index.ts with the Node.js runtime", () => {
        expect(project).toMatchObject({ name: "mta-sts", runtime: { name: "nodejs" }, main: "index.ts" });
    });
});

describe("schema inference for other languages", () => {
    // The same analysis `pulumi package add` runs on a TypeScript component, done offline.
    const { Analyzer } = require("@pulumi/pulumi/provider/experimental/analyzer");
    const { generateSchema } = require("@pulumi/pulumi/provider/experimental/schema");
    let schema: any;

    beforeAll(() => {
        const analysis = new Analyzer(
            root,
            "mta-sts",
            { main: "components/index.ts" },
            new Set(["MtaSts", "MtaStsHosting", "TlsRptReceiver"]),
        ).analyze();
        schema = generateSchema(
            "mta-sts",
            "0.1.0",
            "MTA-STS",
            analysis.components,
            analysis.typeDefinitions,
            analysis.dependencies,
        );
    }, 60000);

    test("infers every component under its type token", () => {
        expect(Object.keys(schema.resources).sort()).toEqual([
            "mta-sts:index:MtaSts",
            "mta-sts:index:MtaStsHosting",
            "mta-sts:index:TlsRptReceiver",
        ]);
        expect(schema.resources["mta-sts:index:TlsRptReceiver"].isComponent).toBe(true);
        expect(schema.resources["mta-sts:index:MtaSts"].isComponent).toBe(true);
        expect(schema.resources["mta-sts:index:MtaStsHosting"].isComponent).toBe(true);
    });

    test("infers hosting as one named type whose fields MtaStsHosting exports", () => {
        const hosting = schema.resources["mta-sts:index:MtaSts"].inputProperties.hosting;
        expect(hosting.$ref).toBe("#/types/mta-sts:index:SharedHosting");
        const fields = Object.keys(schema.types["mta-sts:index:SharedHosting"].properties).sort();
        expect(fields).toEqual(["bucketName", "connectionGroupId", "distributionId", "routingEndpoint"]);
        const exported = Object.keys(schema.resources["mta-sts:index:MtaStsHosting"].properties);
        expect(fields.filter((field) => !exported.includes(field))).toEqual([]);
        expect(Object.keys(schema.resources["mta-sts:index:MtaStsHosting"].inputProperties).sort()).toEqual([
            "certificateArn",
            "tags",
        ]);
    });

    test("infers tlsRpt.receiver as one named type whose fields TlsRptReceiver exports", () => {
        const tlsRpt = schema.resources["mta-sts:index:MtaSts"].inputProperties.tlsRpt;
        expect(tlsRpt.$ref).toBe("#/types/mta-sts:index:TlsRptArgs");
        const receiver = schema.types["mta-sts:index:TlsRptArgs"].properties.receiver;
        expect(receiver.$ref).toBe("#/types/mta-sts:index:TlsRptReceiverRef");
        const ref = schema.types["mta-sts:index:TlsRptReceiverRef"];
        expect(Object.keys(ref.properties).sort()).toEqual(["endpointUrl", "mailto"]);
        expect(ref.required).toEqual(["endpointUrl"]);
        const exported = Object.keys(schema.resources["mta-sts:index:TlsRptReceiver"].properties);
        expect(["endpointUrl", "mailto"].filter((field) => !exported.includes(field))).toEqual([]);
    });

    test("infers the receiver's inputs, none required, email as a named type", () => {
        const resource = schema.resources["mta-sts:index:TlsRptReceiver"];
        expect(Object.keys(resource.inputProperties).sort()).toEqual([
            "domains",
            "email",
            "expirationDays",
            "forceDestroy",
            "prefix",
            "reservedConcurrency",
            "tags",
        ]);
        expect(resource.requiredInputs ?? []).toEqual([]);
        expect(resource.inputProperties.email.$ref).toBe("#/types/mta-sts:index:TlsRptReceiverEmailArgs");
        expect(schema.types["mta-sts:index:TlsRptReceiverEmailArgs"].required).toEqual(["domain"]);
    });

    test("infers every input with its type, and only domain and mx as required", () => {
        const resource = schema.resources["mta-sts:index:MtaSts"];
        expect(Object.keys(resource.inputProperties).sort()).toEqual([
            "certificateArn",
            "cloudFrontManagedCertificate",
            "cloudflare",
            "domain",
            "hosting",
            "maxAge",
            "mode",
            "mx",
            "originAccessControlId",
            "preflight",
            "preflightDnsServer",
            "preflightTimeout",
            "priceClass",
            "route53",
            "tags",
            "tlsRpt",
            "ttl",
        ]);
        expect(resource.requiredInputs.sort()).toEqual(["domain", "mx"]);
        expect(resource.inputProperties.mode.$ref).toBe("#/types/mta-sts:index:PolicyMode");
        expect(resource.inputProperties.mx).toMatchObject({ type: "array", items: { type: "string" } });
        expect(resource.inputProperties.domain.description).toMatch(/mail domain/);
    });

    test("infers the enums from the as-const objects", () => {
        expect(schema.types["mta-sts:index:PolicyMode"].enum.map((e: { value: string }) => e.value)).toEqual([
            "testing",
            "enforce",
            "none",
        ]);
        expect(schema.types["mta-sts:index:PriceClass"].enum.map((e: { value: string }) => e.value)).toEqual([
            "PriceClass_100",
            "PriceClass_200",
            "PriceClass_All",
        ]);
        expect(Object.keys(schema.types["mta-sts:index:Route53Zone"].properties).sort()).toEqual([
            "zoneId",
            "zoneName",
        ]);
    });

    test("infers every output", () => {
        expect(Object.keys(schema.resources["mta-sts:index:MtaSts"].properties).sort()).toEqual([
            "bucketName",
            "certificateArn",
            "distributionDomainName",
            "distributionId",
            "distributionTenantId",
            "mtaStsRecord",
            "policyId",
            "policyObjectKey",
            "policyText",
            "policyUrl",
            "tlsRptRecord",
        ]);
    });
});
