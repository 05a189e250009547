/**
 * Changes stay small: two runs of the program under mocks, and a diff of what
 * each registered (type, name and inputs of every resource). What a change
 * touches here is what `pulumi up` would update.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { valueOf } from "./helpers";
import { installMocks } from "./mocks";

const root = path.join(__dirname, "..");
const project = parse(readFileSync(path.join(root, "Pulumi.yaml"), "utf8"));
const fleet = parse(readFileSync(path.join(root, "Pulumi.fleet.yaml"), "utf8")).config as Record<string, unknown>;

/** Runs the program with Pulumi.yaml's defaults overlaid by `settings`; returns each resource's inputs by name. */
async function registered(settings: Record<string, unknown>): Promise<Map<string, string>> {
    const config: Record<string, string> = {};
    const entries = [
        ...Object.entries(project.config as Record<string, { default?: unknown }>).map(
            ([key, declaration]) => [`mta-sts:${key}`, declaration.default] as const,
        ),
        ...Object.entries(settings),
    ];
    for (const [key, value] of entries) {
        if (value !== undefined) config[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
    const world = await installMocks({ stack: "fleet", config });
    let outputs: any;
    jest.isolateModules(() => {
        outputs = require("../index");
    });
    await valueOf(pulumi.output(outputs.mtaSts));
    await world.settle();
    return new Map(world.resources.map((r) => [`${r.type} ${r.name}`, JSON.stringify(r.inputs)]));
}

/** Resources added, removed and changed between two runs, by name. */
function diff(before: Map<string, string>, after: Map<string, string>) {
    const name = (key: string) => key.split(" ")[1];
    return {
        added: [...after.keys()]
            .filter((key) => !before.has(key))
            .map(name)
            .sort(),
        removed: [...before.keys()]
            .filter((key) => !after.has(key))
            .map(name)
            .sort(),
        changed: [...after.keys()]
            .filter((key) => before.has(key) && before.get(key) !== after.get(key))
            .map(name)
            .sort(),
    };
}

const domains = fleet["mta-sts:domains"] as string[];
const perDomain = (domain: string, roles: string[]) => roles.map((role) => `${domain}-${role}`);

describe("a policy change on shared hosting", () => {
    let before: Map<string, string>;
    beforeAll(async () => (before = await registered(fleet)));

    test.each([
        ["mode", { "mta-sts:mode": "enforce" }],
        ["mx", { "mta-sts:mx": ["mx2.example.com"] }],
        ["max_age", { "mta-sts:maxAge": 86400 }],
    ])("of %s changes exactly each domain's policy object and _mta-sts TXT, and nothing shared", async (_, change) => {
        const after = await registered({ ...fleet, ...change });
        expect(diff(before, after)).toEqual({
            added: [],
            removed: [],
            changed: domains.flatMap((domain) => perDomain(domain, ["mta-sts-txt", "policy"])).sort(),
        });
    });
});

describe("the fleet changing", () => {
    test("adding a domain changes no existing resource", async () => {
        const before = await registered(fleet);
        const after = await registered({ ...fleet, "mta-sts:domains": [...domains, "example.io"] });
        const { added, removed, changed } = diff(before, after);
        expect({ removed, changed }).toEqual({ removed: [], changed: [] });
        expect(added.filter((name) => !name.startsWith("example.io"))).toEqual([]);
        expect(added).toContain("example.io-tenant");
    });

    test("removing a domain touches only its own resources", async () => {
        const before = await registered(fleet);
        const after = await registered({ ...fleet, "mta-sts:domains": domains.filter((d) => d !== "example.org") });
        const { added, removed, changed } = diff(before, after);
        expect({ added, changed }).toEqual({ added: [], changed: [] });
        expect(removed).toEqual(
            [
                "example.org",
                ...perDomain("example.org", [
                    "policy",
                    "tenant",
                    "cert",
                    "cert-validation",
                    "cert-validation-record",
                    "host",
                    "mta-sts-txt",
                    "tlsrpt-txt",
                ]),
            ].sort(),
        );
    });
});
