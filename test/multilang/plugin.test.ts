/**
 * The path every other language takes: Pulumi's Node.js plugin host serving this package
 * over gRPC, as `pulumi package add` and a Python, Go or YAML `pulumi up` start it.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { getPulumiComponents } from "@pulumi/pulumi/provider/experimental";
import { computePolicyId, MtaSts, MtaStsArgs, MtaStsHosting, TlsRptReceiver, renderPolicy } from "../../components";
import { installMocks } from "../mocks";
import {
    CALL_TIMEOUT_MS,
    FakeEngine,
    PREPARE_TIMEOUT_MS,
    RunningPlugin,
    START_TIMEOUT_MS,
    prepareCheckout,
    removeCheckout,
    startFakeEngine,
    startPlugin,
    outputValue,
} from "./pluginHost";

const PROJECT = "consumer";
const STACK = "dev";
const STACK_URN = `urn:pulumi:${STACK}::${PROJECT}::pulumi:pulumi:Stack::${PROJECT}-${STACK}`;
const checkedIn = JSON.parse(readFileSync(path.join(__dirname, "..", "..", "schema.json"), "utf8"));

let checkout: string;
let workDir: string;
let engine: FakeEngine;
let plugin: RunningPlugin;
let servedSchema: string;

beforeAll(
    async () => {
        checkout = prepareCheckout();
        workDir = mkdtempSync(path.join(os.tmpdir(), "mta-sts-consumer-"));
        engine = await startFakeEngine(PROJECT, STACK);
        plugin = await startPlugin(checkout, engine.address, workDir);
        // Pulumi asks for the schema first; the host infers it from the TypeScript once and caches it.
        servedSchema = await plugin.getSchema();
    },
    PREPARE_TIMEOUT_MS + START_TIMEOUT_MS + CALL_TIMEOUT_MS,
);

afterAll(async () => {
    await plugin?.stop();
    await engine?.stop();
    for (const dir of [checkout, workDir]) {
        if (dir) removeCheckout(dir);
    }
}, 20000);

beforeEach(() => engine.reset());

function construct(
    type: string,
    name: string,
    inputs: Record<string, unknown>,
    inputDependencies?: Record<string, string[]>,
) {
    return plugin.construct({
        type,
        name,
        inputs,
        inputDependencies,
        project: PROJECT,
        stack: STACK,
        monitor: engine.address,
        parent: STACK_URN,
    });
}

describe("GetSchema", () => {
    test("serves exactly the checked-in schema.json (run `npm run schema` after changing the public API)", () => {
        expect(JSON.parse(servedSchema)).toEqual(checkedIn);
    });

    test("serves every component the package entry point exports", () => {
        const exported = getPulumiComponents(require("../../components")).map((component) => component.name);
        expect(exported).toContain("MtaSts");
        expect(Object.keys(JSON.parse(servedSchema).resources).sort()).toEqual(
            exported.map((name) => `mta-sts:index:${name}`).sort(),
        );
    });
});

/** The children a component registers as `type name`, and the same run in TypeScript under the shipped mocks. */
async function childrenOverGrpcAndInTypeScript(type: string, create: () => void) {
    const component = engine.registrations.find((r) => r.type === type)!;
    const overGrpc = engine.registrations.filter((r) => r !== component);
    const world = await installMocks({ project: PROJECT, stack: STACK });
    create();
    await world.settle();
    const inTypeScript = world.resources.filter((r) => r.type !== type);
    return {
        component,
        overGrpc,
        names: (list: { type: string; name: string }[]) => list.map((r) => `${r.type} ${r.name}`).sort(),
        inTypeScript,
    };
}

describe("Construct MtaSts", () => {
    const args = {
        domain: "Example.COM.",
        mode: "enforce",
        mx: ["mx1.example.com", "*.mail.example.net"],
        maxAge: 604800,
        tlsRpt: { rua: ["mailto:tlsrpt@example.com"] },
        route53: { zoneName: "example.com" },
    };
    const body = renderPolicy({ mode: "enforce", mx: ["mx1.example.com", "*.mail.example.net"], maxAge: 604800 });

    test(
        "returns the outputs: what was published, under the component's URN",
        async () => {
            const result = await construct("mta-sts:index:MtaSts", "mail", args);
            expect(result.urn).toBe(`urn:pulumi:${STACK}::${PROJECT}::mta-sts:index:MtaSts::mail`);
            expect(result.state).toMatchObject({
                policyId: computePolicyId(body),
                policyText: body,
                policyUrl: "https://mta-sts.example.com/.well-known/mta-sts.txt",
                mtaStsRecord: `v=STSv1; id=${computePolicyId(body)}`,
                tlsRptRecord: "v=TLSRPTv1; rua=mailto:tlsrpt@example.com",
                distributionId: expect.stringMatching(/^E[0-9A-F]{13}$/),
                distributionDomainName: expect.stringMatching(/\.cloudfront\.net$/),
                certificateArn: expect.stringMatching(/^arn:aws:acm:us-east-1:/),
                bucketName: expect.stringMatching(/^mta-sts-example-com-/),
            });
        },
        CALL_TIMEOUT_MS,
    );

    test(
        "registers the same children as the component run in TypeScript, all parented to it",
        async () => {
            await construct("mta-sts:index:MtaSts", "mail", args);
            const world = await installMocks({ project: PROJECT, stack: STACK });
            new MtaSts("mail", args as MtaStsArgs);
            await world.settle();

            const component = engine.registrations.find((r) => r.type === "mta-sts:index:MtaSts")!;
            expect(component).toMatchObject({ name: "mail", custom: false, parent: STACK_URN });
            const children = engine.registrations.filter((r) => r !== component);
            expect(children.map((r) => `${r.type} ${r.name}`).sort()).toEqual(
                world.resources
                    .filter((r) => r.type !== "mta-sts:index:MtaSts")
                    .map((r) => `${r.type} ${r.name}`)
                    .sort(),
            );
            expect(new Set(children.map((r) => r.parent))).toEqual(new Set([component.urn]));
            expect(engine.completed).toContain(component.urn);
        },
        CALL_TIMEOUT_MS,
    );

    test(
        "publishes the TXT record with the returned policy id",
        async () => {
            const { state } = await construct("mta-sts:index:MtaSts", "mail", args);
            const txt = engine.registrations.find((r) => r.name === "mail-mta-sts-txt")!;
            expect(txt.inputs).toMatchObject({
                name: "_mta-sts.example.com",
                type: "TXT",
                records: [state.mtaStsRecord],
            });
        },
        CALL_TIMEOUT_MS,
    );

    test(
        "forwards the component's warnings to the engine, attached to the component",
        async () => {
            const { urn } = await construct("mta-sts:index:MtaSts", "mail", { ...args, maxAge: 86400 });
            expect(engine.logs).toContainEqual({
                severity: "warning",
                urn,
                message: expect.stringContaining("maxAge 86400: enforce is meant to be cached for weeks"),
            });
        },
        CALL_TIMEOUT_MS,
    );

    test(
        "bad input comes back as the component's error, naming every argument, and the host keeps serving",
        async () => {
            const bad = { domain: "https://example.com", mx: ["mx1.example.com", "*.*.example.com"], maxAge: 86400.5 };
            const error = await construct("mta-sts:index:MtaSts", "mail", bad).then(
                () => undefined,
                (e: Error & { details?: string }) => e,
            );
            let expected: Error | undefined;
            try {
                new MtaSts("mail", bad as MtaStsArgs);
            } catch (e) {
                expected = e as Error;
            }
            expect(expected?.name).toBe("MtaStsArgsError");
            expect(error?.details).toBe(expected!.message);
            expect(error?.details).toMatch(/domain "https:\/\/example\.com"/);
            expect(error?.details).toMatch(/mx\[1\] "\*\.\*\.example\.com"/);
            expect(error?.details).toMatch(/maxAge 86400\.5: must be a whole number/);
            expect(engine.registrations).toEqual([]);

            const again = await construct("mta-sts:index:MtaSts", "mail", args);
            expect(again.state.policyId).toBe(computePolicyId(body));
            expect(plugin.exited()).toBe(false);
        },
        CALL_TIMEOUT_MS,
    );
});

describe("Construct MtaStsHosting, and MtaSts on it", () => {
    const sharedFields = Object.keys(checkedIn.types["mta-sts:index:SharedHosting"].properties);

    test(
        "MtaStsHosting returns every output its schema lists and registers the children the TypeScript run does",
        async () => {
            const hosting = await construct("mta-sts:index:MtaStsHosting", "shared", {});
            expect(Object.keys(hosting.state).sort()).toEqual(
                Object.keys(checkedIn.resources["mta-sts:index:MtaStsHosting"].properties).sort(),
            );
            const { component, overGrpc, inTypeScript, names } = await childrenOverGrpcAndInTypeScript(
                "mta-sts:index:MtaStsHosting",
                () => new MtaStsHosting("shared"),
            );
            expect(names(overGrpc)).toEqual(names(inTypeScript));
            expect(new Set(overGrpc.map((r) => r.parent))).toEqual(new Set([component.urn]));
        },
        CALL_TIMEOUT_MS,
    );

    test(
        "a domain given the hosting's outputs, as another language passes them, publishes into the shared bucket and waits for it",
        async () => {
            const hosting = await construct("mta-sts:index:MtaStsHosting", "shared", {});
            engine.reset();
            const inputs = {
                domain: "example.com",
                mx: ["mx1.example.com"],
                route53: { zoneName: "example.com" },
                hosting: Object.fromEntries(
                    sharedFields.map((field) => [field, outputValue(hosting.state[field], [hosting.urn])]),
                ),
            };
            const { state } = await construct("mta-sts:index:MtaSts", "mail", inputs, { hosting: [hosting.urn] });

            expect(state).toMatchObject({
                policyUrl: "https://mta-sts.example.com/.well-known/mta-sts.txt",
                bucketName: hosting.state.bucketName,
            });
            const policyObject = engine.registrations.find((r) => r.type === "aws:s3/bucketObjectv2:BucketObjectv2")!;
            expect(policyObject.inputs).toMatchObject({
                bucket: hosting.state.bucketName,
                key: "example.com/.well-known/mta-sts.txt",
            });
            expect(policyObject.dependencies).toContain(hosting.urn);
            const host = engine.registrations.find((r) => r.name === "mail-host")!;
            expect(host.inputs).toMatchObject({ type: "CNAME", records: [hosting.state.routingEndpoint] });
        },
        CALL_TIMEOUT_MS,
    );
});

describe("Construct TlsRptReceiver, and MtaSts reporting to it", () => {
    test(
        "TlsRptReceiver returns its endpoint and registers the children the TypeScript run does, with the handler bundled from dist/",
        async () => {
            const receiver = await construct("mta-sts:index:TlsRptReceiver", "reports", { domains: ["example.com"] });
            expect(receiver.state).toMatchObject({
                endpointUrl: expect.stringMatching(/^https:\/\//),
                bucketName: expect.any(String),
                prefix: "tlsrpt/",
            });
            const { component, overGrpc, inTypeScript, names } = await childrenOverGrpcAndInTypeScript(
                "mta-sts:index:TlsRptReceiver",
                () => new TlsRptReceiver("reports", { domains: ["example.com"] }),
            );
            expect(names(overGrpc)).toEqual(names(inTypeScript));
            expect(new Set(overGrpc.map((r) => r.parent))).toEqual(new Set([component.urn]));
            const handler = overGrpc.find((r) => r.type === "aws:lambda/function:Function")!;
            expect(JSON.stringify(handler.inputs.code)).toContain("TLSRPT");
        },
        CALL_TIMEOUT_MS,
    );

    test(
        "a domain given the receiver's endpoint as an output value publishes it in rua",
        async () => {
            const receiver = await construct("mta-sts:index:TlsRptReceiver", "reports", { domains: ["example.com"] });
            engine.reset();
            const { state } = await construct(
                "mta-sts:index:MtaSts",
                "mail",
                {
                    domain: "example.com",
                    mx: ["mx1.example.com"],
                    route53: { zoneName: "example.com" },
                    tlsRpt: { receiver: { endpointUrl: outputValue(receiver.state.endpointUrl, [receiver.urn]) } },
                },
                { tlsRpt: [receiver.urn] },
            );
            expect(state.tlsRptRecord).toBe(`v=TLSRPTv1; rua=${receiver.state.endpointUrl}`);
            const txt = engine.registrations.find((r) => r.name === "mail-tlsrpt-txt")!;
            expect(txt.dependencies).toContain(receiver.urn);
        },
        CALL_TIMEOUT_MS,
    );
});
