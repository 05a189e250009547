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
