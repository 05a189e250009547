import * as aws from "@pulumi/aws";
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { MtaSts, MtaStsArgs, MtaStsArgsError, computePolicyId } from "../../components";
import { valueOf } from "../helpers";
import { describeOrdering } from "./ordering";
import {
    ACCOUNT_ID,
    AWS_REGION,
    CLOUDFLARE_ZONE_ID,
    CLOUDFRONT_ZONE_ID,
    MockWorld,
    ROUTE53_ZONE_ID,
    RegisteredResource,
    installMocks,
} from "../mocks";

const POLICY =
    "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.com\r\nmx: *.mail.example.net\r\nmax_age: 604800\r\n";
const POLICY_ID = computePolicyId(POLICY);

const route53Args: MtaStsArgs = {
    domain: "example.com",
    mode: "enforce",
    mx: ["mx1.example.com", "*.mail.example.net"],
    tlsRpt: { rua: ["mailto:tlsrpt@example.com", "https://reports.example.com/v1"] },
    route53: { zoneName: "example.com" },
};
const cloudflareArgs: MtaStsArgs = { ...route53Args, route53: undefined, cloudflare: { zoneName: "example.com" } };

async function deploy(
    args: MtaStsArgs,
    opts?: pulumi.ComponentResourceOptions,
    name = "example",
): Promise<{ world: MockWorld; site: MtaSts }> {
    const world = await installMocks();
    const site = new MtaSts(name, args, opts);
    await valueOf(site.bucketName);
    await world.settle();
    return { world, site };
}

/** Deploys while noting which resources Pulumi is told to delete before it creates their replacement. */
async function deployNotingDeleteFirst(args: MtaStsArgs): Promise<{ world: MockWorld; deleteFirst: string[] }> {
    const world = await installMocks();
    const deleteFirst: string[] = [];
    const monitor = pulumi.runtime.getMonitor() as any;
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (request: any, callback: unknown) => {
        if (request.getDeletebeforereplace()) deleteFirst.push(request.getName());
        return register(request, callback);
    };
    await valueOf(new MtaSts("example", args).bucketName);
    await world.settle();
    return { world, deleteFirst };
}

describe("the certificate validation record", () => {
    test.each([
        ["Route 53", route53Args],
        ["Cloudflare", cloudflareArgs],
    ])(
        "with %s it is deleted before its replacement is created, the only record replaced that way",
        async (_, args) => {
            const { deleteFirst } = await deployNotingDeleteFirst(args);
            expect(deleteFirst).toEqual(["example-cert-validation-record"]);
        },
    );

    test("with Route 53 it never takes over an existing record of the same name", async () => {
        const { world } = await deploy(route53Args);
        expect(world.byName("example-cert-validation-record").inputs).not.toHaveProperty("allowOverwrite");
    });

    test("with Cloudflare the validation waits for the record's own name output", async () => {
        const { world } = await deploy(cloudflareArgs);
        const record = world.byName("example-cert-validation-record");
        expect(world.byName("example-cert-validation").dependencies).toContain(record.urn);
    });
});

function inventory(world: MockWorld): string[] {
    return world.resources.map((r) => `${r.type} ${r.name}`).sort();
}

function dependsOn(resource: RegisteredResource, other: RegisteredResource): boolean {
    return resource.dependencies.includes(other.urn);
}

describe("with Route 53", () => {
    let world: MockWorld;
    let site: MtaSts;
    beforeAll(async () => ({ world, site } = await deploy(route53Args)));

    test("creates exactly the hosting, certificate and DNS resources, named after the component", () => {
        expect(inventory(world)).toEqual(
            [
                "mta-sts:index:MtaSts example",
                "aws:s3/bucket:Bucket example-bucket",
                "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock example-bucket-public-access",
                "aws:s3/bucketOwnershipControls:BucketOwnershipControls example-bucket-ownership",
                "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration example-bucket-encryption",
                "aws:s3/bucketPolicy:BucketPolicy example-bucket-policy",
                "aws:s3/bucketObjectv2:BucketObjectv2 example-policy",
                "aws:acm/certificate:Certificate example-cert",
                "aws:acm/certificateValidation:CertificateValidation example-cert-validation",
                "aws:route53/record:Record example-cert-validation-record",
                "aws:cloudfront/originAccessControl:OriginAccessControl example-oac",
                "aws:cloudfront/distribution:Distribution example-cdn",
                "aws:route53/record:Record example-host-a",
                "aws:route53/record:Record example-host-aaaa",
                "aws:route53/record:Record example-mta-sts-txt",
                "aws:route53/record:Record example-tlsrpt-txt",
            ].sort(),
        );
    });

    test("uploads the canonical policy body with a text/plain content type", () => {
        expect(world.byName("example-policy").inputs).toMatchObject({
            key: ".well-known/mta-sts.txt",
            content: POLICY,
            contentType: "text/plain; charset=utf-8",
        });
    });

    test("publishes the _mta-sts TXT with the id of the uploaded bytes, unquoted", () => {
        const served = world.byName("example-policy").inputs.content;
        expect(world.byName("example-mta-sts-txt").inputs).toEqual({
            zoneId: ROUTE53_ZONE_ID,
            name: "_mta-sts.example.com",
            type: "TXT",
            records: [`v=STSv1; id=${computePolicyId(served)}`],
            ttl: 300,
        });
    });

    test("publishes the _smtp._tls TXT with comma-joined rua", () => {
        expect(world.byName("example-tlsrpt-txt").inputs).toEqual({
            zoneId: ROUTE53_ZONE_ID,
            name: "_smtp._tls.example.com",
            type: "TXT",
            records: ["v=TLSRPTv1; rua=mailto:tlsrpt@example.com,https://reports.example.com/v1"],
            ttl: 300,
        });
    });

    test("looks the zone up by name, public zones only", () => {
        expect(
            world.calls.filter((call) => call.token === "aws:route53/getZone:getZone").map((call) => call.inputs),
        ).toEqual([{ name: "example.com", privateZone: false }]);
    });

    test("points mta-sts.<domain> at the distribution with A and AAAA aliases", () => {
        const cdn = world.byName("example-cdn");
        for (const [name, type] of [
            ["example-host-a", "A"],
            ["example-host-aaaa", "AAAA"],
        ]) {
            expect(world.byName(name).inputs).toEqual({
                zoneId: ROUTE53_ZONE_ID,
                name: "mta-sts.example.com",
                type,
                aliases: [{ name: cdn.state.domainName, zoneId: CLOUDFRONT_ZONE_ID, evaluateTargetHealth: false }],
            });
        }
    });

    test("requests a DNS-validated certificate for mta-sts.<domain> in us-east-1", () => {
        const certificate = world.byName("example-cert");
        expect(certificate.inputs).toMatchObject({
            domainName: "mta-sts.example.com",
            validationMethod: "DNS",
            region: "us-east-1",
        });
        const option = certificate.state.domainValidationOptions[0];
        expect(world.byName("example-cert-validation-record").inputs).toMatchObject({
            zoneId: ROUTE53_ZONE_ID,
            name: option.resourceRecordName,
            type: "CNAME",
            records: [option.resourceRecordValue],
            ttl: 300,
        });
        expect(world.byName("example-cert-validation").inputs).toEqual({
            certificateArn: certificate.state.arn,
            validationRecordFqdns: [option.resourceRecordName.replace(/\.$/, "")],
            region: "us-east-1",
        });
    });

    test("gives CloudFront the validated certificate ARN, so it waits for issuance", () => {
        const cdn = world.byName("example-cdn");
        expect(cdn.inputs.viewerCertificate.acmCertificateArn).toBe(world.byName("example-cert").state.arn);
        expect(dependsOn(cdn, world.byName("example-cert-validation"))).toBe(true);
    });

    test("exposes what it published as outputs", async () => {
        expect(await valueOf(site.policyId)).toBe(POLICY_ID);
        expect(await valueOf(site.policyText)).toBe(POLICY);
        expect(await valueOf(site.policyUrl)).toBe("https://mta-sts.example.com/.well-known/mta-sts.txt");
        expect(await valueOf(site.mtaStsRecord)).toBe(`v=STSv1; id=${POLICY_ID}`);
        expect(await valueOf(site.tlsRptRecord)).toBe(
            "v=TLSRPTv1; rua=mailto:tlsrpt@example.com,https://reports.example.com/v1",
        );
        expect(await valueOf(site.certificateArn)).toBe(world.byName("example-cert").state.arn);
        expect(await valueOf(site.distributionId)).toMatch(/^E[0-9A-F]{13}$/);
        expect(await valueOf(site.distributionDomainName)).toBe(world.byName("example-cdn").state.domainName);
        expect(await valueOf(site.bucketName)).toBe(world.byName("example-bucket").inputs.bucket);
    });
});

describe("with Cloudflare", () => {
    let world: MockWorld;
    beforeAll(async () => ({ world } = await deploy(cloudflareArgs)));
    const records = () => world.byType("cloudflare:index/dnsRecord:DnsRecord");

    test("creates the host, validation and TXT records as Cloudflare records and nothing in Route 53", () => {
        expect(
            records()
                .map((r) => r.name)
                .sort(),
        ).toEqual(["example-cert-validation-record", "example-host", "example-mta-sts-txt", "example-tlsrpt-txt"]);
        expect(world.byType("aws:route53/record:Record")).toEqual([]);
    });

    test("makes every record DNS-only with an explicit ttl in the looked-up zone", () => {
        for (const record of records()) {
            expect(record.inputs).toMatchObject({ proxied: false, ttl: 300, zoneId: CLOUDFLARE_ZONE_ID });
        }
        expect(
            world.calls.filter((call) => call.token === "cloudflare:index/getZone:getZone").map((c) => c.inputs),
        ).toEqual([{ filter: { name: "example.com" } }]);
    });

    test("quotes TXT content and uses full names", () => {
        expect(world.byName("example-mta-sts-txt").inputs).toMatchObject({
            name: "_mta-sts.example.com",
            type: "TXT",
            content: `"v=STSv1; id=${POLICY_ID}"`,
        });
        expect(world.byName("example-tlsrpt-txt").inputs).toMatchObject({
            name: "_smtp._tls.example.com",
            type: "TXT",
            content: '"v=TLSRPTv1; rua=mailto:tlsrpt@example.com,https://reports.example.com/v1"',
        });
    });

    test("points mta-sts.<domain> at the distribution with a CNAME", () => {
        expect(world.byName("example-host").inputs).toMatchObject({
            name: "mta-sts.example.com",
            type: "CNAME",
            content: world.byName("example-cdn").state.domainName,
        });
    });

    test("strips the trailing dots ACM puts on validation names and values", () => {
        const option = world.byName("example-cert").state.domainValidationOptions[0];
        expect(option.resourceRecordName).toMatch(/\.$/);
        const record = world.byName("example-cert-validation-record").inputs;
        expect(record).toMatchObject({
            name: option.resourceRecordName.slice(0, -1),
            type: "CNAME",
            content: option.resourceRecordValue.slice(0, -1),
        });
        expect(world.byName("example-cert-validation").inputs.validationRecordFqdns).toEqual([record.name]);
    });
});

describe("security defaults", () => {
    let world: MockWorld;
    beforeAll(async () => ({ world } = await deploy({ ...route53Args, tags: { team: "mail" } })));

    test("blocks every kind of public access to the bucket", () => {
        expect(world.byName("example-bucket-public-access").inputs).toMatchObject({
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        });
    });

    test("disables ACLs and encrypts by default", () => {
        expect(world.byName("example-bucket").inputs.acl).toBeUndefined();
        expect(world.byName("example-bucket-ownership").inputs.rule).toEqual({
            objectOwnership: "BucketOwnerEnforced",
        });
        expect(world.byName("example-bucket-encryption").inputs.rules).toEqual([
            { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true },
        ]);
    });

    test("names the bucket in the account-regional namespace and lets destroy empty it", () => {
        expect(world.byName("example-bucket").inputs).toMatchObject({
            bucketNamespace: "account-regional",
            forceDestroy: true,
        });
        expect(world.byName("example-bucket").inputs.bucket).toMatch(
            new RegExp(`^mta-sts-example-com-[0-9a-f]{8}-${ACCOUNT_ID}-${AWS_REGION}-an$`),
        );
    });

    test("lets only this distribution read, and only over TLS", () => {
        const bucket = world.byName("example-bucket").state;
        const distribution = world.byName("example-cdn").state;
        expect(JSON.parse(world.byName("example-bucket-policy").inputs.policy)).toEqual({
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "AllowThisDistributionOnly",
                    Effect: "Allow",
                    Principal: { Service: "cloudfront.amazonaws.com" },
                    Action: "s3:GetObject",
                    Resource: `${bucket.arn}/*`,
                    Condition: { StringEquals: { "AWS:SourceArn": distribution.arn } },
                },
                {
                    Sid: "DenyInsecureTransport",
                    Effect: "Deny",
                    Principal: "*",
                    Action: "s3:*",
                    Resource: [bucket.arn, `${bucket.arn}/*`],
                    Condition: { Bool: { "aws:SecureTransport": "false" } },
                },
            ],
        });
    });

    test("signs every origin request with an S3 origin access control", () => {
        expect(world.byName("example-oac").inputs).toMatchObject({
            originAccessControlOriginType: "s3",
            signingBehavior: "always",
            signingProtocol: "sigv4",
        });
        const origins = world.byName("example-cdn").inputs.origins;
        expect(origins).toEqual([
            {
                originId: "policy-bucket",
                domainName: world.byName("example-bucket").state.bucketRegionalDomainName,
                originAccessControlId: world.byName("example-oac").id,
            },
        ]);
    });

    test("serves HTTPS only, SNI, TLS 1.2+, IPv6, HTTP/1.1 to 3, uncached and uncompressed", () => {
        const cdn = world.byName("example-cdn").inputs;
        expect(cdn).toMatchObject({
            enabled: true,
            aliases: ["mta-sts.example.com"],
            isIpv6Enabled: true,
            httpVersion: "http2and3",
            priceClass: "PriceClass_100",
            waitForDeployment: true,
            viewerCertificate: { sslSupportMethod: "sni-only", minimumProtocolVersion: "TLSv1.2_2021" },
            restrictions: { geoRestriction: { restrictionType: "none" } },
        });
        expect(cdn.defaultCacheBehavior).toMatchObject({
            targetOriginId: "policy-bucket",
            viewerProtocolPolicy: "https-only",
            allowedMethods: ["GET", "HEAD"],
            cachePolicyId: "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
            compress: false,
        });
    });

    test("adds HSTS and nosniff through AWS's managed SecurityHeadersPolicy, spending no custom-policy quota", () => {
        expect(world.byName("example-cdn").inputs.defaultCacheBehavior.responseHeadersPolicyId).toBe(
            "67f7725c-6f97-4210-82d7-5512b31e9d03",
        );
        expect(world.byType("aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy")).toEqual([]);
    });

    test("tags every taggable AWS resource", () => {
        for (const name of ["example-bucket", "example-policy", "example-cert", "example-cdn"]) {
            expect(world.byName(name).inputs.tags).toEqual({ team: "mail" });
        }
    });
});

describeOrdering("route53", "standalone", async () => (await deploy(route53Args)).world);
describeOrdering("cloudflare", "standalone", async () => (await deploy(cloudflareArgs)).world);

describe("policy id across deployments", () => {
    async function publishedTxt(args: MtaStsArgs): Promise<{ txt: string; body: string }> {
        const { world } = await deploy(args);
        return {
            txt: world.byName("example-mta-sts-txt").inputs.records[0],
            body: world.byName("example-policy").inputs.content,
        };
    }

    test("the same input publishes the same id, so a second deploy shows no diff", async () => {
        expect(await publishedTxt(route53Args)).toEqual(await publishedTxt(route53Args));
    });

    test("a changed mx list changes the policy id", async () => {
        const before = await publishedTxt(route53Args);
        const after = await publishedTxt({ ...route53Args, mx: ["mx2.example.com"] });
        expect(after.body).not.toBe(before.body);
        expect(after.txt).not.toBe(before.txt);
        expect(after.txt).toBe(`v=STSv1; id=${computePolicyId(after.body)}`);
    });

    test("changing only the TLS-RPT record or the ttl keeps the policy id", async () => {
        const before = await publishedTxt(route53Args);
        expect(await publishedTxt({ ...route53Args, tlsRpt: undefined, ttl: 3600 })).toEqual(before);
    });
});

describe("options", () => {
    test("an existing certificate ARN is used as is and no certificate is requested", async () => {
        const arn = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-4333-8444-555555555555";
        const { world, site } = await deploy({ ...route53Args, certificateArn: arn });
        expect(world.byType("aws:acm/certificate:Certificate")).toEqual([]);
        expect(world.byType("aws:acm/certificateValidation:CertificateValidation")).toEqual([]);
        expect(world.resources.map((r) => r.name)).not.toContain("example-cert-validation-record");
        expect(world.byName("example-cdn").inputs.viewerCertificate.acmCertificateArn).toBe(arn);
        expect(await valueOf(site.certificateArn)).toBe(arn);
    });

    test("an existing origin access control is shared instead of creating one", async () => {
        const { world } = await deploy({ ...route53Args, originAccessControlId: "E2QWRUHAPOMQZL" });
        expect(world.byType("aws:cloudfront/originAccessControl:OriginAccessControl")).toEqual([]);
        expect(world.byName("example-cdn").inputs.origins[0].originAccessControlId).toBe("E2QWRUHAPOMQZL");
    });

    test("ttl, priceClass and a zone id are applied", async () => {
        const { world } = await deploy({
            ...route53Args,
            route53: { zoneId: "ZEXPLICIT" },
            ttl: 3600,
            priceClass: "PriceClass_All",
        });
        expect(world.byName("example-cdn").inputs.priceClass).toBe("PriceClass_All");
        expect(world.byName("example-mta-sts-txt").inputs).toMatchObject({ zoneId: "ZEXPLICIT", ttl: 3600 });
        expect(world.calls.filter((call) => call.token === "aws:route53/getZone:getZone")).toEqual([]);
    });

    test("without tlsRpt no _smtp._tls record is published and the output is undefined", async () => {
        const { world, site } = await deploy({ ...route53Args, tlsRpt: undefined });
        expect(world.resources.map((r) => r.name)).not.toContain("example-tlsrpt-txt");
        expect(await valueOf(site.tlsRptRecord)).toBeUndefined();
    });

    test("warnings go through Pulumi's log, attached to the component", async () => {
        const warn = jest.spyOn(pulumi.log, "warn").mockImplementation(() => Promise.resolve());
        try {
            const { site } = await deploy({ ...route53Args, maxAge: 3600 });
            expect(warn).toHaveBeenCalledWith(
                "maxAge 3600: below 86400 (one day) some senders ignore the policy or cache it for a day anyway",
                site,
            );
        } finally {
            warn.mockRestore();
        }
    });
});

describe("bad input", () => {
    test("throws one error listing every problem and registers nothing", async () => {
        const world = await installMocks();
        expect(() => new MtaSts("example", { ...route53Args, domain: "https://example.com", mx: ["*.com"] })).toThrow(
            MtaStsArgsError,
        );
        await world.settle();
        expect(world.resources).toEqual([]);
    });
});

describe("composition", () => {
    test("every child is parented to the component", async () => {
        const { world } = await deploy(route53Args);
        const component = world.byName("example");
        for (const child of world.resources.filter((r) => r !== component)) {
            expect({ child: child.name, parent: child.parent }).toEqual({ child: child.name, parent: component.urn });
        }
    });

    test("two instances for two domains in one stack do not collide", async () => {
        const world = await installMocks();
        const first = new MtaSts("example-com", route53Args);
        const second = new MtaSts("example-org", {
            ...route53Args,
            domain: "example.org",
            route53: { zoneName: "example.org" },
        });
        await Promise.all([valueOf(first.bucketName), valueOf(second.bucketName)]);
        await world.settle();
        const urns = world.resources.map((r) => r.urn);
        expect(new Set(urns).size).toBe(urns.length);
        const buckets = world.byType("aws:s3/bucket:Bucket").map((r) => r.inputs.bucket);
        expect(new Set(buckets).size).toBe(2);
        expect(world.byName("example-org-mta-sts-txt").inputs.name).toBe("_mta-sts.example.org");
    });

    test("providers passed to the component reach every child resource and lookup", async () => {
        const world = await installMocks();
        const awsProvider = new aws.Provider("aws-eu", { region: "eu-central-1" });
        const cloudflareProvider = new cloudflare.Provider("cf", { apiToken: "token" });
        const site = new MtaSts("example", cloudflareArgs, { providers: [awsProvider, cloudflareProvider] });
        await valueOf(site.bucketName);
        await world.settle();
        const awsUrn = await valueOf(awsProvider.urn);
        const cloudflareUrn = await valueOf(cloudflareProvider.urn);
        const children = world.resources.filter((r) => !r.type.startsWith("pulumi:providers:") && r.name !== "example");
        for (const child of children) {
            const expected = child.type.startsWith("aws:") ? awsUrn : cloudflareUrn;
            expect({ child: child.name, provider: child.provider.split("::").slice(0, -1).join("::") }).toEqual({
                child: child.name,
                provider: expected,
            });
        }
        for (const call of world.calls) {
            expect(call.provider.startsWith(call.token.startsWith("aws:") ? awsUrn : cloudflareUrn)).toBe(true);
        }
    });
});
