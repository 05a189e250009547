/**
 * The programs in examples/ use only what the schema defines, under the names each language's
 * generated SDK gives it. None of them is run here: there is no Pulumi CLI to generate the SDKs.
 */
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import {
    PackageSchema,
    PropertySpec,
    goEnumConstant,
    goName,
    isEnum,
    pythonEnumMember,
    pythonName,
    codeOnly,
    readCalls,
    resolveResourceToken,
    shortName,
} from "./sdkNames";

const root = path.join(__dirname, "..", "..");
const schema: PackageSchema = JSON.parse(readFileSync(path.join(root, "schema.json"), "utf8"));
const examplesDir = path.join(root, "examples");

function examples(language: string): { name: string; dir: string }[] {
    const dir = path.join(examplesDir, language);
    return readdirSync(dir).map((name) => ({ name, dir: path.join(dir, name) }));
}

function typeSpec(ref: string) {
    const spec = schema.types[ref.replace("#/types/", "")];
    if (!spec) throw new Error(`dangling reference ${ref}`);
    return spec;
}

/** Problems with a YAML value for a schema property, each naming where it is. */
function checkValue(where: string, value: unknown, spec: PropertySpec): string[] {
    if (typeof value === "string" && /^\$\{[^}]+\}$/.test(value)) return [];
    if (spec.$ref) {
        const target = typeSpec(spec.$ref);
        if (isEnum(target)) {
            const values = target.enum.map((member) => member.value);
            return values.includes(value as string)
                ? []
                : [`${where}: ${JSON.stringify(value)} is not one of ${values}`];
        }
        return checkObject(where, value, target.properties, target.required ?? []);
    }
    switch (spec.type) {
        case "string":
        case "number":
        case "boolean":
            return typeof value === spec.type ? [] : [`${where}: ${JSON.stringify(value)} is not a ${spec.type}`];
        case "array":
            return Array.isArray(value)
                ? value.flatMap((item, i) => checkValue(`${where}[${i}]`, item, spec.items!))
                : [`${where}: not a list`];
        case "object":
            return value !== null && typeof value === "object" && !Array.isArray(value)
                ? Object.entries(value).flatMap(([key, item]) =>
                      checkValue(`${where}.${key}`, item, spec.additionalProperties!),
                  )
                : [`${where}: not a map`];
        default:
            return [`${where}: unsupported schema type ${JSON.stringify(spec)}`];
    }
}

function checkObject(where: string, value: unknown, properties: Record<string, PropertySpec>, required: string[]) {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return [`${where}: not an object`];
    const given = value as Record<string, unknown>;
    return [
        ...required.filter((name) => !(name in given)).map((name) => `${where}.${name}: required, missing`),
        ...Object.entries(given).flatMap(([name, item]) =>
            properties[name]
                ? checkValue(`${where}.${name}`, item, properties[name])
                : [`${where}.${name}: no such property`],
        ),
    ];
}

/** Problems with the YAML program's resources and the outputs it reads from them. */
function checkYamlProgram(program: { resources: Record<string, any>; outputs?: Record<string, string> }): string[] {
    const problems: string[] = [];
    const ours = new Map<string, string>();
    for (const [name, resource] of Object.entries(program.resources)) {
        if (!String(resource.type).startsWith(`${schema.name}:`)) continue;
        const token = resolveResourceToken(schema, resource.type);
        if (!token) {
            problems.push(`${name}: no resource type ${resource.type}`);
            continue;
        }
        ours.set(name, token);
        const spec = schema.resources[token];
        problems.push(...checkObject(name, resource.properties ?? {}, spec.inputProperties, spec.requiredInputs));
    }
    // Every `${resource.output}` the program reads, in properties and outputs alike.
    for (const [, resource, property] of JSON.stringify(program).matchAll(/\$\{(\w+)\.(\w+)\}/g)) {
        const token = ours.get(resource);
        if (token && !schema.resources[token].properties[property]) {
            problems.push(`${resource} has no output ${property}`);
        }
    }
    return problems;
}

const resourceNames = Object.keys(schema.resources).map(shortName);
const objectTypes = Object.entries(schema.types).filter(([, spec]) => !isEnum(spec));
const enumTypes = Object.entries(schema.types).filter(([, spec]) => isEnum(spec));

describe.each(examples("yaml"))("YAML example $name", ({ dir }) => {
    const program = parse(readFileSync(path.join(dir, "Pulumi.yaml"), "utf8"));

    test("is a YAML program that uses a component of this package", () => {
        expect(program.runtime).toBe("yaml");
        expect(Object.values(program.resources).map((r: any) => resolveResourceToken(schema, r.type))).toContain(
            "mta-sts:index:MtaSts",
        );
    });

    test("sets only properties the schema defines, with the schema's types, and every required one", () => {
        expect(checkYamlProgram(program)).toEqual([]);
    });
});

describe("the YAML check", () => {
    test("reports an unknown property, a wrong type, a bad enum value, a missing required input and an unknown output", () => {
        expect(
            checkYamlProgram({
                resources: {
                    mail: {
                        type: "mta-sts:MtaSts",
                        properties: { domain: "example.com", maxAge: "week", mode: "strict", zone: "x" },
                    },
                },
                outputs: { id: "${mail.policyIdentifier}" },
            }),
        ).toEqual([
            "mail.mx: required, missing",
            'mail.maxAge: "week" is not a number',
            'mail.mode: "strict" is not one of testing,enforce,none',
            "mail.zone: no such property",
            "mail has no output policyIdentifier",
        ]);
    });
});

describe.each(examples("python"))("Python example $name", ({ dir }) => {
    const source = readFileSync(path.join(dir, "__main__.py"), "utf8");
    const code = codeOnly(source);
    const calls = readCalls(source, "mta_sts", "(", "=");

    test("imports the generated SDK under its package name", () => {
        expect(source).toMatch(/^import pulumi_mta_sts as mta_sts$/m);
        expect(calls.length).toBeGreaterThan(0);
    });

    test("constructs resources and argument types with the SDK's snake_case keyword arguments", () => {
        for (const { callee, names } of calls) {
            const resource = Object.entries(schema.resources).find(([token]) => shortName(token) === callee)?.[1];
            const type = objectTypes.find(([token]) => `${shortName(token)}Args` === callee)?.[1];
            const properties = resource?.inputProperties ?? (type && !isEnum(type) ? type.properties : undefined);
            expect({ callee, known: properties !== undefined }).toEqual({ callee, known: true });
            const allowed = Object.keys(properties!).map(pythonName);
            expect({ callee, unknown: names.filter((name) => !allowed.includes(name)) }).toEqual({
                callee,
                unknown: [],
            });
            const required = (resource?.requiredInputs ?? []).map(pythonName);
            expect({ callee, missing: required.filter((name) => !names.includes(name)) }).toEqual({
                callee,
                missing: [],
            });
        }
    });

    test("uses enum members and outputs that exist", () => {
        for (const [, type, member] of code.matchAll(/\bmta_sts\.(\w+)\.(\w+)\b/g)) {
            const spec = enumTypes.find(([token]) => shortName(token) === type)?.[1];
            const members = spec && isEnum(spec) ? spec.enum.map((m) => pythonEnumMember(m.name)) : [];
            expect({ type, member, exists: members.includes(member) }).toEqual({ type, member, exists: true });
        }
        for (const [, variable, callee] of code.matchAll(/^\s*(\w+) = mta_sts\.(\w+)\(/gm)) {
            const resource = schema.resources[`mta-sts:index:${callee}`];
            if (!resource) continue;
            const outputs = Object.keys(resource.properties).map(pythonName);
            for (const [, attribute] of code.matchAll(new RegExp(`\\b${variable}\\.(\\w+)`, "g"))) {
                expect({ variable, attribute, exists: outputs.includes(attribute) }).toEqual({
                    variable,
                    attribute,
                    exists: true,
                });
            }
        }
    });
});

describe.each(examples("go"))("Go example $name", ({ dir }) => {
    const source = readFileSync(path.join(dir, "main.go"), "utf8");
    const code = codeOnly(source);
    const literals = readCalls(source, "mtasts", "{", ":");

    test("imports the generated SDK at the path Pulumi gives a schema without a Go import path", () => {
        expect(source).toContain('"example.com/pulumi-mta-sts/sdk/go/mtasts"');
        expect(literals.length).toBeGreaterThan(0);
    });

    test("fills the SDK's Args structs with PascalCase fields that exist, and every required one", () => {
        for (const { callee, names } of literals) {
            const resource = Object.entries(schema.resources).find(([token]) => `${shortName(token)}Args` === callee);
            const type = objectTypes.find(([token]) => `${shortName(token)}Args` === callee)?.[1];
            const properties = resource?.[1].inputProperties ?? (type && !isEnum(type) ? type.properties : undefined);
            expect({ callee, known: properties !== undefined }).toEqual({ callee, known: true });
            const allowed = Object.keys(properties!).map(goName);
            expect({ callee, unknown: names.filter((name) => !allowed.includes(name)) }).toEqual({
                callee,
                unknown: [],
            });
            const required = (resource?.[1].requiredInputs ?? []).map(goName);
            expect({ callee, missing: required.filter((name) => !names.includes(name)) }).toEqual({
                callee,
                missing: [],
            });
        }
    });

    test("calls constructors, enum constants and outputs that exist", () => {
        const constants = enumTypes.flatMap(([token, spec]) =>
            isEnum(spec) ? spec.enum.map((m) => goEnumConstant(shortName(token), m.name)) : [],
        );
        const argsStructs = [...resourceNames, ...objectTypes.map(([token]) => shortName(token))].map(
            (n) => `${n}Args`,
        );
        for (const [, name] of code.matchAll(/\bmtasts\.(\w+)/g)) {
            const known = name.startsWith("New")
                ? resourceNames.includes(name.slice(3))
                : constants.includes(name) || argsStructs.includes(name);
            expect({ name, known }).toEqual({ name, known: true });
        }
        for (const [, variable, callee] of code.matchAll(/(\w+), err := mtasts\.New(\w+)\(/g)) {
            const outputs = Object.keys(schema.resources[`mta-sts:index:${callee}`].properties).map(goName);
            for (const [, field] of code.matchAll(new RegExp(`\\b${variable}\\.(\\w+)`, "g"))) {
                expect({ variable, field, exists: outputs.includes(field) }).toEqual({ variable, field, exists: true });
            }
        }
    });
});

describe("the call reader", () => {
    test("reads top-level keys only, and none from strings, comments or nested calls", () => {
        const source = 'x = m.A(a=1, b=m.B(c="d=2"), # e=3\n f=[m.C(g=1)])';
        expect(readCalls(source, "m", "(", "=")).toEqual([
            { callee: "A", names: ["a", "b", "f"] },
            { callee: "B", names: ["c"] },
            { callee: "C", names: ["g"] },
        ]);
    });
});
