/**
 * schema.json read as the public API of every other language. plugin.test.ts proves that the
 * running plugin serves exactly this file, so these checks hold for what users get.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { PolicyMode, PriceClass, validateMtaStsArgs, validateTlsRptReceiverArgs } from "../../components";
import { EnumSpec, ObjectSpec, PackageSchema, PropertySpec, isEnum } from "./sdkNames";

const root = path.join(__dirname, "..", "..");
const schema: PackageSchema = JSON.parse(readFileSync(path.join(root, "schema.json"), "utf8"));
const packageJson = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
const mtaSts = schema.resources["mta-sts:index:MtaSts"];

/** Every property in the schema with the place it is declared, nested array items and map values included. */
function allProperties(): [string, PropertySpec][] {
    const blocks: [string, Record<string, PropertySpec>][] = [
        ...Object.entries(schema.resources).flatMap(([token, resource]): [string, Record<string, PropertySpec>][] => [
            [`${token} input`, resource.inputProperties],
            [`${token} output`, resource.properties],
        ]),
        ...Object.entries(schema.types)
            .filter(([, spec]) => !isEnum(spec))
            .map(([token, spec]): [string, Record<string, PropertySpec>] => [token, (spec as ObjectSpec).properties]),
    ];
    return blocks.flatMap(([where, properties]) =>
        Object.entries(properties).map(([name, spec]): [string, PropertySpec] => [`${where} ${name}`, spec]),
    );
}

function enumValues(token: string): unknown[] {
    return (schema.types[token] as EnumSpec).enum.map((member) => member.value);
}

test("the package is named after package.json, with its version and description", () => {
    expect(schema).toMatchObject({
        name: packageJson.name,
        version: packageJson.version,
        description: packageJson.description,
    });
});

test("every type token lives in the package's index module, as the plugin host requires", () => {
    for (const token of [...Object.keys(schema.resources), ...Object.keys(schema.types)]) {
        expect(token).toMatch(/^mta-sts:index:[A-Z][A-Za-z0-9]*$/);
    }
});

test("every component and every property carries its JSDoc as a description", () => {
    for (const [token, resource] of Object.entries(schema.resources)) {
        expect({ token, description: resource.description }).toEqual({ token, description: expect.any(String) });
    }
    for (const [where, spec] of allProperties()) {
        expect({ where, description: spec.description?.trim() }).toEqual({ where, description: expect.any(String) });
    }
});

test("every enum member carries its JSDoc as a description", () => {
    for (const [token, spec] of Object.entries(schema.types).filter(([, s]) => isEnum(s))) {
        for (const member of (spec as EnumSpec).enum) {
            expect({ token, member: member.name, description: member.description }).toEqual({
                token,
                member: member.name,
                description: expect.any(String),
            });
        }
    }
});

test("the enums carry exactly the values the TypeScript component accepts", () => {
    expect(enumValues("mta-sts:index:PolicyMode")).toEqual(Object.values(PolicyMode));
    expect(enumValues("mta-sts:index:PriceClass")).toEqual(Object.values(PriceClass));
    expect(mtaSts.inputProperties.mode.$ref).toBe("#/types/mta-sts:index:PolicyMode");
    expect(mtaSts.inputProperties.priceClass.$ref).toBe("#/types/mta-sts:index:PriceClass");
});

test("only domain and mx are required; every other input has a default", () => {
    expect([...mtaSts.requiredInputs].sort()).toEqual(["domain", "mx"]);
});

test("what the policy and the resource names derive from is plain; ids of other resources may be outputs", () => {
    // Plain inputs are known when the component is constructed, so it can validate them and
    // derive names and the policy id before anything is registered.
    const notPlain = (token: string) =>
        Object.entries(schema.resources[token].inputProperties)
            .filter(([, spec]) => !spec.plain)
            .map(([name]) => name)
            .sort();
    expect(notPlain("mta-sts:index:MtaSts")).toEqual(["certificateArn", "originAccessControlId"]);
    expect(notPlain("mta-sts:index:MtaStsHosting")).toEqual(["certificateArn"]);
    for (const zone of ["mta-sts:index:Route53Zone", "mta-sts:index:CloudflareZone"]) {
        const { zoneId, zoneName } = (schema.types[zone] as ObjectSpec).properties;
        expect({ zone, zoneId: zoneId.plain, zoneName: zoneName.plain }).toEqual({
            zone,
            zoneId: undefined,
            zoneName: true,
        });
    }
});

test("MtaSts's hosting takes MtaStsHosting's outputs, each of which may be an output", () => {
    expect(mtaSts.inputProperties.hosting.$ref).toBe("#/types/mta-sts:index:SharedHosting");
    const fields = Object.entries((schema.types["mta-sts:index:SharedHosting"] as ObjectSpec).properties);
    const outputs = schema.resources["mta-sts:index:MtaStsHosting"].properties;
    for (const [name, spec] of fields) {
        expect({ name, output: outputs[name]?.type, plain: spec.plain }).toEqual({
            name,
            output: spec.type,
            plain: undefined,
        });
    }
});

test("tlsRpt.receiver takes TlsRptReceiver's URIs, each of which may be an output", () => {
    const tlsRpt = schema.types["mta-sts:index:TlsRpt"] as ObjectSpec;
    expect(mtaSts.inputProperties.tlsRpt.$ref).toBe("#/types/mta-sts:index:TlsRpt");
    expect(tlsRpt.properties.receiver.$ref).toBe("#/types/mta-sts:index:TlsRptReceiverRef");
    const ref = schema.types["mta-sts:index:TlsRptReceiverRef"] as ObjectSpec;
    expect(ref.required).toEqual(["endpointUrl"]);
    const outputs = schema.resources["mta-sts:index:TlsRptReceiver"].properties;
    for (const [name, spec] of Object.entries(ref.properties)) {
        expect({ name, output: outputs[name]?.type, plain: spec.plain }).toEqual({
            name,
            output: spec.type,
            plain: undefined,
        });
    }
});

describe("whole numbers", () => {
    // Pulumi's inference maps TypeScript `number` to the schema's `number` (float64 in Go, float in
    // Python) and has no way to say `integer`; the description says it, and validation enforces it.
    const numbers = allProperties().filter(([where, spec]) => spec.type === "number" && !where.includes(" output "));

    test("every number argument's description says it is a whole number", () => {
        expect(numbers.map(([where]) => where).sort()).toEqual([
            "mta-sts:index:MtaSts input maxAge",
            "mta-sts:index:MtaSts input preflightTimeout",
            "mta-sts:index:MtaSts input ttl",
            "mta-sts:index:TlsRptReceiver input expirationDays",
            "mta-sts:index:TlsRptReceiver input reservedConcurrency",
            "mta-sts:index:TlsRptReceiverEmail ttl",
        ]);
        for (const [where, spec] of numbers) {
            expect({ where, description: spec.description }).toEqual({
                where,
                description: expect.stringContaining("a whole number"),
            });
        }
    });

    const domain = { domain: "example.com", mx: ["mx1.example.com"], route53: { zoneName: "example.com" } };
    test.each([
        ["maxAge", () => validateMtaStsArgs("mail", { ...domain, maxAge: 300.5 })],
        ["ttl", () => validateMtaStsArgs("mail", { ...domain, ttl: 300.5 })],
        ["expirationDays", () => validateTlsRptReceiverArgs("reports", { expirationDays: 300.5 })],
        ["reservedConcurrency", () => validateTlsRptReceiverArgs("reports", { reservedConcurrency: 300.5 })],
        [
            "email.ttl",
            () =>
                validateTlsRptReceiverArgs("reports", {
                    email: { domain: "tlsrpt.example.com", route53: { zoneName: "example.com" }, ttl: 300.5 },
                }),
        ],
    ])("a fraction for %s is rejected, naming the argument", (name, validate) => {
        expect(validate).toThrow(`${name} 300.5: must be a whole number`);
    });
});

test("no type's name ends in Args: every SDK appends Args to argument types (TlsRptArgs would read TlsRptArgsArgs)", () => {
    expect(Object.keys(schema.types).filter((token) => token.endsWith("Args"))).toEqual([]);
});
