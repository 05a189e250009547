/**
 * RFC 8461 §8.1 on shared hosting, for every DNS provider: the specification in
 * ordering.ts, with the domain and its `MtaStsHosting` in one stack (the
 * standalone cases run in mtaSts.test.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import { MtaSts, MtaStsArgs, MtaStsHosting } from "../../components";
import { valueOf } from "../helpers";
import { MockWorld, installMocks } from "../mocks";
import { DnsProviderName, HostingMode, SHARED_HOSTING_NAME, describeOrdering } from "./ordering";

const ZONES: Record<DnsProviderName, Pick<MtaStsArgs, "route53" | "cloudflare">> = {
    route53: { route53: { zoneName: "example.com" } },
    cloudflare: { cloudflare: { zoneName: "example.com" } },
};

async function deployShared(provider: DnsProviderName, cloudFrontManagedCertificate: boolean): Promise<MockWorld> {
    const world = await installMocks();
    const hosting = new MtaStsHosting(SHARED_HOSTING_NAME);
    const site = new MtaSts("example", {
        domain: "example.com",
        mx: ["mx1.example.com"],
        tlsRpt: { rua: ["mailto:tlsrpt@example.com"] },
        ...ZONES[provider],
        hosting,
        cloudFrontManagedCertificate,
    });
    await valueOf(pulumi.all([site.policyId, site.distributionTenantId, hosting.bucketName]));
    await world.settle();
    return world;
}

const MODES: [HostingMode, boolean][] = [
    ["shared, ACM certificate", false],
    ["shared, CloudFront-managed certificate", true],
];
for (const provider of ["route53", "cloudflare"] as const) {
    for (const [mode, managed] of MODES) {
        describeOrdering(provider, mode, () => deployShared(provider, managed));
    }
}
