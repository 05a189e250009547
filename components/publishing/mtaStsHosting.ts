import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
    accountRegionalName,
    createOriginAccessControl,
    createPrivateBucket,
    grantDistributionRead,
} from "./hosting/bucket";
import {
    CACHING_DISABLED_POLICY_ID,
    HTTP_VERSION,
    MINIMUM_PROTOCOL_VERSION,
    ORIGIN_ID,
    SECURITY_HEADERS_POLICY_ID,
} from "./hosting/cloudfront";
import {
    TENANT_DOMAIN_PARAMETER,
    TENANT_ORIGIN_PATH,
    accountRegionalBucketName,
    bucketNamePrefix,
    readableUniqueName,
} from "./hosting/names";
import { validateMtaStsHostingArgs } from "../core/validate";
import { computed } from "./computed";

/** The arguments of a shared hosting; every one is optional. */
export interface MtaStsHostingArgs {
    /**
     * An issued us-east-1 ACM certificate for the multi-tenant distribution itself
     * (each domain's tenant brings its own). Default: CloudFront's default certificate,
     * which is enough because no sender ever reaches the distribution except through a tenant.
     */
    certificateArn?: pulumi.Input<string>;
    /** Tags on the bucket, the distribution and the connection group. Default none. */
    tags?: { [key: string]: string };
}

/**
 * What many `MtaSts` domains share in one AWS account: one private bucket, one
 * origin access control, one CloudFront multi-tenant distribution (CloudFront
 * SaaS Manager) whose origin path comes from each tenant's `domain` parameter,
 * and one connection group (IPv6 on) that every domain's host record points at.
 * Pass it, or its outputs from another stack, as `MtaSts`'s `hosting`.
 */
export class MtaStsHosting extends pulumi.ComponentResource {
    /** The private bucket; each domain's policy is at `<domain>/.well-known/mta-sts.txt`. Known once the bucket is hardened. */
    public readonly bucketName: pulumi.Output<string>;
    /** The multi-tenant distribution. */
    public readonly distributionId: pulumi.Output<string>;
    /** The multi-tenant distribution's ARN, the only principal the bucket policy lets read. */
    public readonly distributionArn: pulumi.Output<string>;
    /** The connection group every domain's tenant joins. */
    public readonly connectionGroupId: pulumi.Output<string>;
    /** Where every `mta-sts.<domain>` points (CNAME). */
    public readonly routingEndpoint: pulumi.Output<string>;
    /** The origin access control CloudFront signs bucket reads with. */
    public readonly originAccessControlId: pulumi.Output<string>;

    constructor(name: string, args: MtaStsHostingArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        validateMtaStsHostingArgs(name, args);
        super("mta-sts:index:MtaStsHosting", name, {}, opts);
        const tags = args.tags;
        const instanceKey = `${pulumi.getProject()}/${pulumi.getStack()}/${name}`;

        const prefix = bucketNamePrefix("hosting", instanceKey);
        const privateBucket = createPrivateBucket(
            name,
            this,
            accountRegionalName(this, (account, region) => accountRegionalBucketName(prefix, account, region)),
            tags,
        );
        const { bucket } = privateBucket;
        const originAccessControl = createOriginAccessControl(
            name,
            this,
            "Lets the shared MTA-STS distribution read its private bucket",
        );
        const distribution = new aws.cloudfront.MultitenantDistribution(
            `${name}-cdn`,
            {
                enabled: true,
                comment: "MTA-STS policies, one tenant per domain",
                origins: [
                    {
                        id: ORIGIN_ID,
                        domainName: bucket.bucketRegionalDomainName,
                        originAccessControlId: originAccessControl.id,
                        originPath: TENANT_ORIGIN_PATH,
                    },
                ],
                defaultCacheBehavior: {
                    targetOriginId: ORIGIN_ID,
                    // Senders never follow redirects (RFC 8461 §3.3), so plain HTTP gets no redirect either.
                    viewerProtocolPolicy: "https-only",
                    allowedMethods: { items: ["GET", "HEAD"], cachedMethods: ["GET", "HEAD"] },
                    cachePolicyId: CACHING_DISABLED_POLICY_ID,
                    responseHeadersPolicyId: SECURITY_HEADERS_POLICY_ID,
                    // Senders get the exact bytes; some clients mishandle Content-Encoding.
                    compress: false,
                },
                httpVersion: HTTP_VERSION,
                restrictions: { geoRestriction: { restrictionType: "none" } },
                tenantConfig: {
                    parameterDefinitions: [
                        {
                            name: TENANT_DOMAIN_PARAMETER,
                            // Required, no default: a tenant without it must fail, not read the bucket's root.
                            definitions: [
                                {
                                    stringSchemas: [
                                        {
                                            required: true,
                                            comment: "The mail domain; its policy is read from /<domain>/",
                                        },
                                    ],
                                },
                            ],
                        },
                    ],
                },
                viewerCertificate:
                    args.certificateArn !== undefined
                        ? {
                              acmCertificateArn: args.certificateArn,
                              sslSupportMethod: "sni-only",
                              minimumProtocolVersion: MINIMUM_PROTOCOL_VERSION,
                          }
                        : { cloudfrontDefaultCertificate: true, minimumProtocolVersion: MINIMUM_PROTOCOL_VERSION },
                tags,
            },
            { parent: this },
        );
        const bucketPolicy = grantDistributionRead(name, this, privateBucket, distribution.arn);
        const connectionGroup = new aws.cloudfront.ConnectionGroup(
            `${name}-connection-group`,
            {
                name: readableUniqueName("mta-sts-", "hosting", instanceKey),
                enabled: true,
                ipv6Enabled: true,
                waitForDeployment: true,
                tags,
            },
            { parent: this },
        );

        // Domains write into the bucket only once nothing can make it public and the distribution may read it.
        this.bucketName = pulumi
            .all([bucket.bucket, bucketPolicy.id, ...privateBucket.settings.map((setting) => setting.id)])
            .apply(([bucketName]) => bucketName);
        this.distributionId = distribution.id;
        this.distributionArn = distribution.arn;
        this.connectionGroupId = connectionGroup.id;
        this.routingEndpoint = computed(
            connectionGroup.routingEndpoint,
            "the routingEndpoint of the aws:cloudfront/connectionGroup:ConnectionGroup",
        );
        this.originAccessControlId = originAccessControl.id;
        this.registerOutputs({
            bucketName: this.bucketName,
            distributionId: this.distributionId,
            distributionArn: this.distributionArn,
            connectionGroupId: this.connectionGroupId,
            routingEndpoint: this.routingEndpoint,
            originAccessControlId: this.originAccessControlId,
        });
    }
}
