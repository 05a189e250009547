import * as pulumi from "@pulumi/pulumi";
import fc from "fast-check";
import {
    MtaSts,
    MtaStsArgs,
    MtaStsArgsError,
    MtaStsHosting,
    MtaStsHostingArgsError,
    SharedHosting,
    computePolicyId,
} from "../../components";
import { tenantPolicyKey } from "../../components/publishing/hosting/names";
import { valueOf } from "../helpers";
import { keyCloudFrontReads } from "../support/cloudfront";
import { ACCOUNT_ID, AWS_REGION, CLOUDFLARE_ZONE_ID, MockWorld, ROUTE53_ZONE_ID, installMocks } from "../mocks";

const POLICY =
    "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.com\r\nmx: *.mail.example.net\r\nmax_age: 604800\r\n";

const domainArgs = (domain = "example.com"): Omit<MtaStsArgs, "hosting"> => ({
    domain,
    mode: "enforce",
    mx: ["mx1.example.com", "*.mail.example.net"],
    tlsRpt: { rua: ["mailto:tlsrpt@example.com"] },
    route53: { zoneName: domain },
});

/** What another stack's `MtaStsHosting` exports, as a StackReference hands it over. */
const exported: SharedHosting = {
    bucketName: "mta-sts-hosting-0a1b2c3d-123456789012-eu-west-1-an",
    distributionId: "E1SHAREDEXAMPLE",
    connectionGroupId: "cg_2wjDWTBKTlRB87cAaUQFaakDOTAB",
    routingEndpoint: "d1sharedexample.cloudfront.net",
};

async function settle(world: MockWorld, ...outputs: pulumi.Output<unknown>[]): Promise<void> {
    await Promise.all(outputs.map((output) => valueOf(output)));
    await world.settle();
}

function inventory(world: MockWorld, parentName: string): string[] {
    const parent = world.byName(parentName).urn;
    return world.resources
        .filter((r) => r.parent === parent)
        .map((r) => `${r.type.split(":").pop()} ${r.name}`)
        .sort();
}

/** URNs a resource waits for, directly or through what it waits for. */
function waitsFor(world: MockWorld, name: string): Set<string> {
    const reached = new Set<string>();
    const visit = (urn: string) => {
        if (reached.has(urn)) return;
        reached.add(urn);
        world.resources.find((r) => r.urn === urn)?.dependencies.forEach(visit);
    };
    world.byName(name).dependencies.forEach(visit);
    return reached;
}

describe("MtaStsHosting with no arguments", () => {
    let world: MockWorld;
    let hosting: MtaStsHosting;
    beforeAll(async () => {
        world = await installMocks();
        hosting = new MtaStsHosting("fleet");
        await settle(world, hosting.bucketName, hosting.routingEndpoint);
    });

    test("creates one hardened bucket, one OAC, one multi-tenant distribution and one connection group", () => {
        expect(inventory(world, "fleet")).toEqual(
            [
                "Bucket fleet-bucket",
                "BucketPublicAccessBlock fleet-bucket-public-access",
                "BucketOwnershipControls fleet-bucket-ownership",
                "BucketServerSideEncryptionConfiguration fleet-bucket-encryption",
                "BucketPolicy fleet-bucket-policy",
                "OriginAccessControl fleet-oac",
                "MultitenantDistribution fleet-cdn",
                "ConnectionGroup fleet-connection-group",
            ].sort(),
        );
        expect(world.resources).toHaveLength(9);
    });

    test("hardens the bucket exactly as standalone hosting does", () => {
        expect(world.byName("fleet-bucket").inputs).toMatchObject({
            bucketNamespace: "account-regional",
            forceDestroy: true,
            bucket: expect.stringMatching(new RegExp(`^mta-sts-hosting-[0-9a-f]{8}-${ACCOUNT_ID}-${AWS_REGION}-an$`)),
        });
        expect(world.byName("fleet-bucket-public-access").inputs).toMatchObject({
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        });
        expect(world.byName("fleet-bucket-ownership").inputs.rule).toEqual({ objectOwnership: "BucketOwnerEnforced" });
        expect(world.byName("fleet-bucket-encryption").inputs.rules).toEqual([
            { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true },
        ]);
    });

    test("lets only the multi-tenant distribution read, through OAC, and only over TLS", () => {
        const bucket = world.byName("fleet-bucket").state;
        const statements = JSON.parse(world.byName("fleet-bucket-policy").inputs.policy).Statement;
        expect(statements).toEqual([
            {
                Sid: "AllowThisDistributionOnly",
                Effect: "Allow",
                Principal: { Service: "cloudfront.amazonaws.com" },
                Action: "s3:GetObject",
                Resource: `${bucket.arn}/*`,
                Condition: { StringEquals: { "AWS:SourceArn": world.byName("fleet-cdn").state.arn } },
            },
            {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [bucket.arn, `${bucket.arn}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
        ]);
        expect(world.byName("fleet-oac").inputs).toMatchObject({
            originAccessControlOriginType: "s3",
            signingBehavior: "always",
            signingProtocol: "sigv4",
        });
    });

    test("reads each tenant's policy under the origin path its required domain parameter names", () => {
        const cdn = world.byName("fleet-cdn").inputs;
        expect(cdn.origins).toEqual([
            {
                id: "policy-bucket",
                domainName: world.byName("fleet-bucket").state.bucketRegionalDomainName,
                originAccessControlId: world.byName("fleet-oac").id,
                originPath: "/{{domain}}",
            },
        ]);
        expect(cdn.tenantConfig).toEqual({
            parameterDefinitions: [
                {
                    name: "domain",
                    definitions: [
                        {
                            stringSchemas: [
                                { required: true, comment: "The mail domain; its policy is read from /<domain>/" },
                            ],
                        },
                    ],
                },
            ],
        });
    });

    test("serves HTTPS only, TLS 1.2+, HTTP/1.1 to 3, uncached, uncompressed, with managed HSTS and nosniff", () => {
        const cdn = world.byName("fleet-cdn").inputs;
        expect(cdn).toMatchObject({
            enabled: true,
            httpVersion: "http2and3",
            restrictions: { geoRestriction: { restrictionType: "none" } },
            viewerCertificate: { cloudfrontDefaultCertificate: true, minimumProtocolVersion: "TLSv1.2_2021" },
        });
        expect(cdn.defaultCacheBehavior).toEqual({
            targetOriginId: "policy-bucket",
            viewerProtocolPolicy: "https-only",
            allowedMethods: { items: ["GET", "HEAD"], cachedMethods: ["GET", "HEAD"] },
            cachePolicyId: "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
            responseHeadersPolicyId: "67f7725c-6f97-4210-82d7-5512b31e9d03",
            compress: false,
        });
        expect(world.byType("aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy")).toEqual([]);
    });

    test("turns IPv6 on in the connection group and waits for it to deploy", () => {
        expect(world.byName("fleet-connection-group").inputs).toMatchObject({
            enabled: true,
            ipv6Enabled: true,
            waitForDeployment: true,
        });
    });

    test("exports what a domain attaches to, the bucket name only once the bucket is hardened and readable", async () => {
        expect(await valueOf(hosting.bucketName)).toBe(world.byName("fleet-bucket").inputs.bucket);
        expect(await valueOf(hosting.distributionId)).toBe(world.byName("fleet-cdn").id);
        expect(await valueOf(hosting.connectionGroupId)).toBe(world.byName("fleet-connection-group").id);
        expect(await valueOf(hosting.routingEndpoint)).toBe(
            world.byName("fleet-connection-group").state.routingEndpoint,
        );
        const resources = await (hosting.bucketName as any).allResources();
        const names = [...resources].map((r: any) => r.__name).sort();
        expect(names).toEqual(
            ["fleet-bucket", "fleet-bucket-encryption", "fleet-bucket-ownership", "fleet-bucket-policy"].sort(),
        );
    });
});

describe("MtaStsHosting arguments", () => {
    test("a certificate for the distribution itself is served with SNI and TLS 1.2+", async () => {
        const world = await installMocks();
        const arn = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-4333-8444-555555555555";
        const hosting = new MtaStsHosting("fleet", { certificateArn: arn, tags: { team: "mail" } });
        await settle(world, hosting.bucketName);
        expect(world.byName("fleet-cdn").inputs.viewerCertificate).toEqual({
            acmCertificateArn: arn,
            sslSupportMethod: "sni-only",
            minimumProtocolVersion: "TLSv1.2_2021",
        });
        for (const name of ["fleet-bucket", "fleet-cdn", "fleet-connection-group"]) {
            expect(world.byName(name).inputs.tags).toEqual({ team: "mail" });
        }
    });

    test("bad arguments fail with one error listing each and create nothing", async () => {
        const world = await installMocks();
        expect(
            () =>
                new MtaStsHosting("fleet", {
                    certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/x",
                    tags: { "aws:x": "y" },
                    priceClass: "PriceClass_All",
                } as any),
        ).toThrow(
            new MtaStsHostingArgsError("fleet", [
                "priceClass: unknown argument; known arguments are certificateArn, tags",
                'certificateArn "arn:aws:acm:eu-west-1:123456789012:certificate/x": must be an ACM certificate ARN in us-east-1 ("arn:aws:acm:us-east-1:<account>:certificate/<id>"), the only region CloudFront accepts; leave it out to have one created',
                'tags.aws:x: the "aws:" prefix is reserved by AWS; choose another tag name',
            ]).message,
        );
        await world.settle();
        expect(world.resources).toEqual([]);
    });
});

const PROVIDERS = {
    "Route 53": (domain: string) => ({ route53: { zoneName: domain } }),
    Cloudflare: (domain: string) => ({ cloudflare: { zoneName: domain } }),
};

describe.each(Object.entries(PROVIDERS))("a domain on shared hosting, with %s", (provider, zone) => {
    let world: MockWorld;
    let site: MtaSts;
    let hosting: MtaStsHosting;
    const records = provider === "Route 53" ? "Record" : "DnsRecord";
    beforeAll(async () => {
        world = await installMocks();
        hosting = new MtaStsHosting("fleet");
        site = new MtaSts("example", { ...domainArgs(), route53: undefined, ...zone("example.com"), hosting });
        await settle(world, site.policyObjectKey, site.distributionTenantId, hosting.bucketName);
    });

    test("creates only what is per domain: object, tenant, ACM certificate, host CNAME and TXT records", () => {
        expect(inventory(world, "example")).toEqual(
            [
                "BucketObjectv2 example-policy",
                "DistributionTenant example-tenant",
                "Certificate example-cert",
                "CertificateValidation example-cert-validation",
                `${records} example-cert-validation-record`,
                `${records} example-host`,
                `${records} example-mta-sts-txt`,
                `${records} example-tlsrpt-txt`,
            ].sort(),
        );
    });

    test("writes the policy at <domain>/.well-known/mta-sts.txt in the shared bucket", async () => {
        expect(world.byName("example-policy").inputs).toEqual({
            bucket: await valueOf(hosting.bucketName),
            key: "example.com/.well-known/mta-sts.txt",
            content: POLICY,
            contentType: "text/plain; charset=utf-8",
            cacheControl: "no-cache",
        });
    });

    test("makes mta-sts.<domain> a deployed tenant whose domain parameter is the domain, with the validated certificate", () => {
        expect(world.byName("example-tenant").inputs).toEqual({
            name: expect.stringMatching(/^mta-sts-example-com-[0-9a-f]{8}$/),
            distributionId: world.byName("fleet-cdn").id,
            connectionGroupId: world.byName("fleet-connection-group").id,
            domains: [{ domain: "mta-sts.example.com" }],
            parameters: [{ name: "domain", value: "example.com" }],
            enabled: true,
            customizations: { certificate: { arn: world.byName("example-cert").state.arn } },
            waitForDeployment: true,
        });
        expect(waitsFor(world, "example-tenant").has(world.byName("example-cert-validation").urn)).toBe(true);
        expect(world.byName("example-cert").inputs).toMatchObject({
            domainName: "mta-sts.example.com",
            validationMethod: "DNS",
            region: "us-east-1",
        });
    });

    test("points mta-sts.<domain> at the connection group's routing endpoint with a CNAME", () => {
        const endpoint = world.byName("fleet-connection-group").state.routingEndpoint;
        const host = world.byName("example-host").inputs;
        if (provider === "Route 53") {
            expect(host).toEqual({
                zoneId: ROUTE53_ZONE_ID,
                name: "mta-sts.example.com",
                type: "CNAME",
                records: [endpoint],
                ttl: 300,
            });
        } else {
            expect(host).toMatchObject({
                zoneId: CLOUDFLARE_ZONE_ID,
                name: "mta-sts.example.com",
                type: "CNAME",
                content: endpoint,
                proxied: false,
            });
        }
    });

    test("publishes the _mta-sts TXT with the id of the uploaded bytes", () => {
        const txt = world.byName("example-mta-sts-txt").inputs;
        const value = provider === "Route 53" ? txt.records[0] : JSON.parse(txt.content);
        expect(value).toBe(`v=STSv1; id=${computePolicyId(world.byName("example-policy").inputs.content)}`);
    });

    test("says what it published and where", async () => {
        expect(await valueOf(site.policyObjectKey)).toBe("example.com/.well-known/mta-sts.txt");
        expect(await valueOf(site.distributionTenantId)).toBe(world.byName("example-tenant").id);
        expect(await valueOf(site.distributionId)).toBe(world.byName("fleet-cdn").id);
        expect(await valueOf(site.distributionDomainName)).toBe(
            world.byName("fleet-connection-group").state.routingEndpoint,
        );
        expect(await valueOf(site.bucketName)).toBe(world.byName("fleet-bucket").inputs.bucket);
        expect(await valueOf(site.certificateArn)).toBe(world.byName("example-cert").state.arn);
    });
});

describe("a CloudFront-managed certificate", () => {
    let world: MockWorld;
    let site: MtaSts;
    beforeAll(async () => {
        world = await installMocks();
        site = new MtaSts("example", { ...domainArgs(), hosting: exported, cloudFrontManagedCertificate: true });
        await settle(world, site.distributionTenantId);
    });

    test("leaves five resources per domain: object, tenant, host record and the two TXT records", () => {
        expect(inventory(world, "example")).toEqual(
            [
                "BucketObjectv2 example-policy",
                "DistributionTenant example-tenant",
                "Record example-host",
                "Record example-mta-sts-txt",
                "Record example-tlsrpt-txt",
            ].sort(),
        );
    });

    test("asks CloudFront for the certificate, validated at the routing endpoint once the host record points there", () => {
        const tenant = world.byName("example-tenant");
        expect(tenant.inputs.managedCertificateRequest).toEqual({
            primaryDomainName: "mta-sts.example.com",
            validationTokenHost: "cloudfront",
            certificateTransparencyLoggingPreference: "enabled",
        });
        expect(tenant.inputs.customizations).toBeUndefined();
        expect(tenant.dependencies).toContain(world.byName("example-host").urn);
    });

    test("ignores the certificate CloudFront writes back into customizations", () => {
        expect(world.byName("example-tenant").ignoreChanges).toEqual(["customizations"]);
    });

    test("has no ACM certificate ARN to report", async () => {
        expect(await valueOf(site.certificateArn)).toBeUndefined();
    });
});

describe("attaching to another stack's hosting through its outputs", () => {
    test("uses the exported names as given and creates nothing shared", async () => {
        const world = await installMocks();
        const site = new MtaSts("example", { ...domainArgs(), hosting: exported });
        await settle(world, site.distributionTenantId);
        expect(world.byName("example-policy").inputs.bucket).toBe(exported.bucketName);
        expect(world.byName("example-tenant").inputs).toMatchObject({
            distributionId: exported.distributionId,
            connectionGroupId: exported.connectionGroupId,
        });
        expect(world.byName("example-host").inputs.records).toEqual([exported.routingEndpoint]);
        expect(world.byType("aws:s3/bucket:Bucket")).toEqual([]);
        expect(world.byType("aws:cloudfront/multitenantDistribution:MultitenantDistribution")).toEqual([]);
        expect(world.byType("aws:cloudfront/originAccessControl:OriginAccessControl")).toEqual([]);
    });

    test("accepts outputs (what StackReference.getOutput returns) as well as strings", async () => {
        const world = await installMocks();
        const outputs = Object.fromEntries(
            Object.entries(exported).map(([key, value]) => [key, pulumi.output(value)]),
        ) as unknown as SharedHosting;
        const site = new MtaSts("example", { ...domainArgs(), hosting: outputs });
        await settle(world, site.distributionTenantId);
        expect(world.byName("example-tenant").inputs.distributionId).toBe(exported.distributionId);
    });

    test("an incomplete hosting, or a standalone-only argument beside it, is refused before anything is created", async () => {
        const world = await installMocks();
        expect(
            () =>
                new MtaSts("example", {
                    ...domainArgs(),
                    hosting: { ...exported, routingEndpoint: "", connectionGroupId: undefined } as any,
                    priceClass: "PriceClass_All",
                    originAccessControlId: "E2QWRUHAPOMQZL",
                }),
        ).toThrow(
            new MtaStsArgsError("example", [
                "hosting.connectionGroupId (missing): must be a non-empty string or an output, e.g. the connectionGroupId output of an MtaStsHosting",
                'hosting.routingEndpoint "": must be a non-empty string or an output, e.g. the routingEndpoint output of an MtaStsHosting',
                'priceClass "PriceClass_All": applies to a standalone distribution only; with hosting the shared multi-tenant distribution decides it, so leave it out',
                'originAccessControlId "E2QWRUHAPOMQZL": applies to a standalone distribution only; with hosting the shared multi-tenant distribution decides it, so leave it out',
            ]).message,
        );
        await world.settle();
        expect(world.resources).toEqual([]);
    });

    test("a CloudFront-managed certificate needs shared hosting", async () => {
        await installMocks();
        expect(() => new MtaSts("example", { ...domainArgs(), cloudFrontManagedCertificate: true })).toThrow(
            new MtaStsArgsError("example", [
                "cloudFrontManagedCertificate true: only a domain on shared hosting (a distribution tenant) can have a CloudFront-managed certificate; set hosting, or leave it out to have an ACM certificate validated through DNS",
            ]).message,
        );
    });
});

describe("per-domain keys: a tenant can never read or overwrite another domain's policy", () => {
    const domains = [
        "example.com",
        "example.com.au",
        "mta-sts.example.com",
        "a.example.com",
        "example.com.evil.example",
        "Bücher.Example.",
    ];
    let world: MockWorld;
    beforeAll(async () => {
        world = await installMocks();
        const hosting = new MtaStsHosting("fleet");
        const sites = domains.map((domain, index) => new MtaSts(`site${index}`, { ...domainArgs(domain), hosting }));
        await settle(world, ...sites.map((site) => site.distributionTenantId));
    });

    const objects = () => world.byType("aws:s3/bucketObjectv2:BucketObjectv2");
    const tenants = () => world.byType("aws:cloudfront/distributionTenant:DistributionTenant");
    const originPath = () => world.byName("fleet-cdn").inputs.origins[0].originPath;

    test("each domain's object has its own key, named by the normalised domain", () => {
        expect(objects().map((o) => o.inputs.key)).toEqual([
            "example.com/.well-known/mta-sts.txt",
            "example.com.au/.well-known/mta-sts.txt",
            "mta-sts.example.com/.well-known/mta-sts.txt",
            "a.example.com/.well-known/mta-sts.txt",
            "example.com.evil.example/.well-known/mta-sts.txt",
            "xn--bcher-kva.example/.well-known/mta-sts.txt",
        ]);
    });

    test("the key CloudFront reads for each tenant's policy URL is that domain's own object", () => {
        tenants().forEach((tenant, index) => {
            const read = keyCloudFrontReads(originPath(), tenant.inputs.parameters, "/.well-known/mta-sts.txt");
            expect({ tenant: tenant.name, read }).toEqual({ tenant: tenant.name, read: objects()[index].inputs.key });
        });
    });

    test("no request path through one tenant reaches another domain's object", () => {
        for (const tenant of tenants()) {
            // Whatever path a client sends, CloudFront reads under this prefix.
            const prefix = keyCloudFrontReads(originPath(), tenant.inputs.parameters, "/");
            const reachable = objects().filter((o) => o.inputs.key.startsWith(prefix));
            expect({ tenant: tenant.name, reachable: reachable.map((o) => o.name) }).toEqual({
                tenant: tenant.name,
                reachable: [tenant.name.replace(/-tenant$/, "-policy")],
            });
        }
    });

    test("tenants only read (GET and HEAD); only each domain's own MtaSts writes its key", () => {
        expect(world.byName("fleet-cdn").inputs.defaultCacheBehavior.allowedMethods.items).toEqual(["GET", "HEAD"]);
        expect(JSON.parse(world.byName("fleet-bucket-policy").inputs.policy).Statement[0].Action).toBe("s3:GetObject");
        for (const object of objects()) {
            const owner = world.resources.find((r) => r.urn === object.parent)!;
            expect(object.inputs.key.split("/")[0]).toBe(
                world.byName(`${owner.name}-tenant`).inputs.parameters[0].value,
            );
        }
    });

    test.each([
        "../example.org",
        "example.com/../example.org",
        "example.com%2f..%2fexample.org",
        "example.com\\..\\example.org",
        "example.com?/example.org",
        "example.com#/../example.org",
        "{{domain}}.example.com",
        "example.com\u0000.example.org",
        ".example.com",
        "example..com",
        "*.example.com",
        "example.com:443",
        "example.com/",
    ])("the hostile domain %j is refused before anything is created", async (domain) => {
        const world = await installMocks();
        expect(() => new MtaSts("site", { ...domainArgs("example.com"), domain, hosting: exported })).toThrow(
            MtaStsArgsError,
        );
        await world.settle();
        expect(world.resources).toEqual([]);
    });

    test("the key function refuses anything not normalised, so no caller can smuggle in a path", () => {
        for (const domain of ["../example.org", "Example.com", "a/b.com", ".example.com", "example..com", ""]) {
            expect(() => tenantPolicyKey(domain, ".well-known/mta-sts.txt")).toThrow(
                `"${domain}" is not a normalised domain name; validate it first`,
            );
        }
    });

    test("for any two different domains, neither's prefix reaches the other's key", () => {
        fc.assert(
            fc.property(fc.domain(), fc.domain(), (first, second) => {
                fc.pre(first !== second);
                const key = (domain: string) => tenantPolicyKey(domain, ".well-known/mta-sts.txt");
                expect(key(second).startsWith(`${first}/`)).toBe(false);
                expect(key(first).startsWith(`${second}/`)).toBe(false);
            }),
            { numRuns: 500 },
        );
    });
});
