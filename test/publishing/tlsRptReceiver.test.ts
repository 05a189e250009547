import * as pulumi from "@pulumi/pulumi";
import { MtaSts, MtaStsArgs, MtaStsArgsError, TlsRptReceiver } from "../../components";
import { valueOf } from "../helpers";
import { MockWorld, installMocks } from "../mocks";

const args: MtaStsArgs = {
    domain: "example.com",
    mx: ["mx1.example.com"],
    route53: { zoneName: "example.com" },
};

async function publish(tlsRpt: MtaStsArgs["tlsRpt"], withReceiver?: (world: MockWorld) => void) {
    const world = await installMocks();
    withReceiver?.(world);
    const site = new MtaSts("example", { ...args, tlsRpt });
    await valueOf(site.bucketName);
    await world.settle();
    return { world, site };
}

describe("MtaSts with tlsRpt.receiver", () => {
    test("publishes the receiver's https endpoint in rua", async () => {
        const world = await installMocks();
        const receiver = new TlsRptReceiver("reports", { domains: ["example.com"] });
        const site = new MtaSts("example", { ...args, tlsRpt: { receiver } });
        const url = await valueOf(receiver.endpointUrl);
        expect(await valueOf(site.tlsRptRecord)).toBe(`v=TLSRPTv1; rua=${url}`);
        await world.settle();
        expect(world.byName("example-tlsrpt-txt").inputs.records).toEqual([`v=TLSRPTv1; rua=${url}`]);
    });

    test("publishes explicit rua first, then the endpoint, then the receiver's mailto", async () => {
        const world = await installMocks();
        const receiver = new TlsRptReceiver("reports", {
            email: { domain: "tlsrpt.example.com", route53: { zoneName: "example.com" } },
        });
        const site = new MtaSts("example", {
            ...args,
            tlsRpt: { rua: ["mailto:tlsrpt@example.net"], receiver },
        });
        const url = await valueOf(receiver.endpointUrl);
        expect(await valueOf(site.tlsRptRecord)).toBe(
            `v=TLSRPTv1; rua=mailto:tlsrpt@example.net,${url},mailto:tlsrpt@tlsrpt.example.com`,
        );
        await world.settle();
    });

    test("takes the receiver's outputs from another stack, as plain outputs", async () => {
        const { site } = await publish({
            receiver: { endpointUrl: pulumi.output("https://abcdef0123456789.lambda-url.eu-west-1.on.aws/") },
        });
        expect(await valueOf(site.tlsRptRecord)).toBe(
            "v=TLSRPTv1; rua=https://abcdef0123456789.lambda-url.eu-west-1.on.aws/",
        );
    });

    test("publishes a URI given both in rua and by the receiver once", async () => {
        const url = "https://abcdef0123456789.lambda-url.eu-west-1.on.aws/";
        const { site } = await publish({ rua: [url], receiver: { endpointUrl: url } });
        expect(await valueOf(site.tlsRptRecord)).toBe(`v=TLSRPTv1; rua=${url}`);
    });

    test("a known receiver URI that breaks the rules fails before anything is registered", async () => {
        const world = await installMocks();
        expect(
            () =>
                new MtaSts("example", {
                    ...args,
                    tlsRpt: { receiver: { endpointUrl: "http://reports.example.com/", mailto: "tlsrpt@example.com" } },
                }),
        ).toThrow(
            new MtaStsArgsError("example", [
                'tlsRpt.receiver.endpointUrl "http://reports.example.com/": must start with "mailto:" or "https:", e.g. "mailto:tlsrpt@example.com"',
                'tlsRpt.receiver.mailto "tlsrpt@example.com": must start with "mailto:" or "https:", e.g. "mailto:tlsrpt@example.com"',
            ]),
        );
        await world.settle();
        expect(world.resources).toEqual([]);
    });

    test("a receiver URI of the wrong scheme for its field is refused", async () => {
        await installMocks();
        expect(
            () =>
                new MtaSts("example", {
                    ...args,
                    tlsRpt: { receiver: { endpointUrl: "mailto:tlsrpt@example.com" } },
                }),
        ).toThrow(
            new MtaStsArgsError("example", [
                'tlsRpt.receiver.endpointUrl "mailto:tlsrpt@example.com": must be a "https:" URI',
            ]),
        );
    });

    test("a receiver without endpointUrl is refused", async () => {
        await installMocks();
        expect(() => new MtaSts("example", { ...args, tlsRpt: { receiver: {} as { endpointUrl: string } } })).toThrow(
            new MtaStsArgsError("example", [
                "tlsRpt.receiver.endpointUrl: missing; give the receiver's https:// endpoint",
            ]),
        );
    });

    test("an unknown tlsRpt field is named", async () => {
        await installMocks();
        expect(
            () =>
                new MtaSts("example", {
                    ...args,
                    tlsRpt: { rua: ["mailto:tlsrpt@example.com"], reciever: {} } as MtaStsArgs["tlsRpt"],
                }),
        ).toThrow(
            new MtaStsArgsError("example", ["tlsRpt.reciever: unknown argument; known arguments are rua, receiver"]),
        );
    });
});
