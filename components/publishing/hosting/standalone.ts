import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { POLICY_CONTENT_TYPE, POLICY_PATH } from "../../core/policy";
import type { PriceClass } from "../../core/validate";
import { accountRegionalName, createOriginAccessControl, createPrivateBucket, grantDistributionRead } from "./bucket";
import { requestCertificate } from "./certificate";
import {
    CACHING_DISABLED_POLICY_ID,
    HTTP_VERSION,
    MINIMUM_PROTOCOL_VERSION,
    ORIGIN_ID,
    SECURITY_HEADERS_POLICY_ID,
} from "./cloudfront";
import { accountRegionalBucketName, bucketNamePrefix } from "./names";
import type { HostedSite, PolicyHosting, SiteSpec } from "./policyHosting";

export interface StandaloneHostingOptions {
    priceClass: PriceClass;
    /** An OAC shared with other domains; when absent, each domain creates its own. */
    originAccessControlId?: pulumi.Input<string>;
}

/**
 * One domain, its own stack of hosting: a private bucket, a distribution and a
 * certificate. Spends one distribution per domain, and one OAC unless shared.
 */
export class StandaloneHosting implements PolicyHosting {
    constructor(private readonly options: StandaloneHostingOptions) {}

    host(site: SiteSpec): HostedSite {
        const { name, parent, tags } = site;
        const prefix = bucketNamePrefix(site.domain, `${pulumi.getProject()}/${pulumi.getStack()}/${name}`);
        const bucketName = accountRegionalName(parent, (account, region) =>
            accountRegionalBucketName(prefix, account, region),
        );
        const privateBucket = createPrivateBucket(name, parent, bucketName, tags);
        const { bucket } = privateBucket;

        const policyObject = new aws.s3.BucketObjectv2(
            `${name}-policy`,
            {
                bucket: bucket.id,
                key: POLICY_PATH,
                content: site.policyText,
                // Without it S3 serves application/octet-stream, which five clients read as "no policy".
                contentType: POLICY_CONTENT_TYPE,
                cacheControl: "no-cache",
                tags,
            },
            { parent, dependsOn: privateBucket.settings },
        );

        const certificateArn =
            site.certificateArn !== undefined
                ? pulumi.output(site.certificateArn)
                : requestCertificate(name, parent, site.host, site.dns, tags);
        const originAccessControlId =
            this.options.originAccessControlId ??
            createOriginAccessControl(
                name,
                parent,
                `Lets the MTA-STS distribution for ${site.domain} read its private bucket`,
            ).id;

        const distribution = new aws.cloudfront.Distribution(
            `${name}-cdn`,
            {
                enabled: true,
                comment: `MTA-STS policy for ${site.domain}`,
                aliases: [site.host],
                origins: [
                    {
                        originId: ORIGIN_ID,
                        domainName: bucket.bucketRegionalDomainName,
                        originAccessControlId,
                    },
                ],
                defaultCacheBehavior: {
                    targetOriginId: ORIGIN_ID,
                    // Senders never follow redirects (RFC 8461 §3.3), so plain HTTP gets no redirect either.
                    viewerProtocolPolicy: "https-only",
                    allowedMethods: ["GET", "HEAD"],
                    cachedMethods: ["GET", "HEAD"],
                    cachePolicyId: CACHING_DISABLED_POLICY_ID,
                    responseHeadersPolicyId: SECURITY_HEADERS_POLICY_ID,
                    // Senders get the exact bytes; some clients mishandle Content-Encoding.
                    compress: false,
                },
                priceClass: this.options.priceClass,
                isIpv6Enabled: true,
                httpVersion: HTTP_VERSION,
                restrictions: { geoRestriction: { restrictionType: "none" } },
                viewerCertificate: {
                    acmCertificateArn: certificateArn,
                    sslSupportMethod: "sni-only",
                    minimumProtocolVersion: MINIMUM_PROTOCOL_VERSION,
                },
                // The TXT record waits on this resource, so it must mean "deployed to every edge".
                waitForDeployment: true,
                tags,
            },
            { parent },
        );
        const bucketPolicy = grantDistributionRead(name, parent, privateBucket, distribution.arn);

        const hostRecords = site.dns.pointHostAt(site.host, {
            domainName: distribution.domainName,
            aliasZoneId: distribution.hostedZoneId,
        });

        return {
            servedBy: [policyObject, bucketPolicy, distribution, ...hostRecords],
            certificateArn,
            distributionId: distribution.id,
            distributionDomainName: distribution.domainName,
            distributionTenantId: pulumi.output(undefined),
            bucketName: bucket.bucket,
            policyObjectKey: POLICY_PATH,
        };
    }
}
