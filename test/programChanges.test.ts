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
// Each run loads the program, and with it a fresh copy of the SDK, which adds a beforeExit listener.
process.setMaxListeners(64);
const project = parse(readFileSync(path.join(root, "Pulumi.yaml"), "utf8"));
const fleet = parse(readFileSync(path.join(root, "Pulumi.fleet.yaml"), "utf8")).config as Record<string, unknown>;

/** Runs the program with Pulumi.yaml's defaults overlaid by `settings`; returns each resource's inputs by name. */
async function registered(settings: Record<string, unknown>): Promise<Map<string, string>> {
    return new Map(
        [...(await registeredByUrn(settings))].map(([urn, inputs]) => [nameOf(urn), JSON.stringify(inputs)]),
    );
}

/** "type name" from a URN, which ends in `<parent types $ ...>type::name`. */
function nameOf(urn: string): string {
    const [types, name] = urn.split("::").slice(-2);
    return `${types.split("$").pop()} ${name}`;
}

/** Runs the program as registered() does; returns each resource's inputs by URN. */
async function registeredByUrn(settings: Record<string, unknown>): Promise<Map<string, Record<string, unknown>>> {
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
    return new Map(world.resources.map((r) => [r.urn, r.inputs]));
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

    test("retiring a domain changes only its policy object and _mta-sts TXT", async () => {
        const before = await registered(fleet);
        const after = await registered({ ...fleet, "mta-sts:retire": ["example.org"] });
        expect(diff(before, after)).toEqual({
            added: [],
            removed: [],
            changed: perDomain("example.org", ["mta-sts-txt", "policy"]).sort(),
        });
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

/** The input keys whose values differ; inside objects both sides hold, the innermost keys that differ. */
function changedKeys(old: Record<string, any>, now: Record<string, any>): string[] {
    const differs = (a: unknown, b: unknown) => JSON.stringify(a) !== JSON.stringify(b);
    const isObject = (value: unknown) => typeof value === "object" && value !== null && !Array.isArray(value);
    return [...new Set([...Object.keys(old), ...Object.keys(now)])]
        .filter((key) => differs(old[key], now[key]))
        .flatMap((key) =>
            isObject(old[key]) && isObject(now[key])
                ? changedKeys(old[key], now[key]).map((inner) => inner.split(".")[0])
                : [key],
        );
}

describe("upgrading a domains stack deployed before shared hosting", () => {
    test.each(["route53", "cloudflare"])(
        "with sharedHosting false (%s), every resource keeps its URN; only the custom headers policies go",
        async (provider) => {
            const release = JSON.parse(
                readFileSync(path.join(__dirname, "fixtures", "upgrade", `release-034c0d0-${provider}.json`), "utf8"),
            ) as { settings: Record<string, unknown>; resources: { urn: string; inputs: Record<string, unknown> }[] };
            const before = new Map(release.resources.map((r) => [r.urn, r.inputs]));
            const after = await registeredByUrn({ ...release.settings, "mta-sts:sharedHosting": false });
            const names = (urns: string[]) => urns.map((urn) => nameOf(urn).split(" ")[1]).sort();
            expect(names([...after.keys()].filter((urn) => !before.has(urn)))).toEqual([]);
            // AWS's managed SecurityHeadersPolicy replaces the policy each domain had to create.
            expect(names([...before.keys()].filter((urn) => !after.has(urn)))).toEqual([
                "example.com-headers",
                "example.org-headers",
            ]);
            // What changes in place: the distributions name the managed policy, and the validation
            // records no longer take over a record someone else owns.
            const changed = [...after.keys()]
                .filter((urn) => before.has(urn))
                .flatMap((urn) =>
                    changedKeys(before.get(urn)!, after.get(urn)!).map((key) => `${nameOf(urn).split(" ")[1]}: ${key}`),
                );
            expect(changed.sort()).toEqual(
                [
                    "example.com-cdn: responseHeadersPolicyId",
                    "example.org-cdn: responseHeadersPolicyId",
                    ...(provider === "route53"
                        ? [
                              "example.com-cert-validation-record: allowOverwrite",
                              "example.org-cert-validation-record: allowOverwrite",
                          ]
                        : []),
                ].sort(),
            );
        },
    );

    test("without it, the same stack would move every domain to shared hosting: a replacement, not an upgrade", async () => {
        const release = JSON.parse(
            readFileSync(path.join(__dirname, "fixtures", "upgrade", "release-034c0d0-route53.json"), "utf8"),
        ) as { settings: Record<string, unknown>; resources: { urn: string }[] };
        const after = await registeredByUrn(release.settings);
        const kept = release.resources.filter((r) => after.has(r.urn)).map((r) => nameOf(r.urn).split(" ")[1]);
        expect(kept).not.toContain("example.com-cdn");
        expect([...after.keys()].map((urn) => nameOf(urn).split(" ")[1])).toContain("example.com-tenant");
    });
});
