import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { DnsRecordWriter } from "./dns/writer";
import { accountRegionalBucketName, bucketNamePrefix } from "./names";
import { POLICY_CONTENT_TYPE, POLICY_PATH } from "../core/policy";
import type { PriceClass } from "../core/validate";

/**
 * AWS's managed "CachingDisabled" cache policy. With nothing cached at the edge,
 * the new body is what every edge serves as soon as S3 has it, which is what
 * RFC 8461 §8.1 requires before the TXT id changes. @pulumi/aws has no
 * invalidation resource to do the same with caching on.
 */
export const CACHING_DISABLED_POLICY_ID = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";

/** CloudFront accepts viewer certificates only from this region. */
export const CLOUDFRONT_CERTIFICATE_REGION = "us-east-1";

/** Viewer TLS floor: TLSv1.3_2025 would lock out senders that speak only TLS 1.2. */
export const MINIMUM_PROTOCOL_VERSION = "TLSv1.2_2021";

const ORIGIN_ID = "policy-bucket";

export interface PolicyHostingArgs {
    name: string;
    parent: pulumi.Resource;
    domain: string;
    /** `mta-sts.<domain>`. */
    host: string;
    policyText: string;
    priceClass: PriceClass;
    tags?: pulumi.Input<Record<string, string>>;
    /** An existing us-east-1 certificate; when absent one is requested and DNS-validated. */
    certificateArn?: pulumi.Input<string>;
    dns: DnsRecordWriter;
}

export interface PolicyHosting {
    bucket: aws.s3.Bucket;
    bucketPolicy: aws.s3.BucketPolicy;
    policyObject: aws.s3.BucketObjectv2;
    distribution: aws.cloudfront.Distribution;
    /** The validated certificate's ARN, so the distribution waits for issuance. */
    certificateArn: pulumi.Output<string>;
}

/** The private bucket, the policy object and the CloudFront distribution that serves it over HTTPS. */
export function createPolicyHosting(args: PolicyHostingArgs): PolicyHosting {
    const { name, parent, tags } = args;
    const opts = { parent };

    const bucket = createPrivateBucket(args);
    const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
        `${name}-bucket-public-access`,
        {
            bucket: bucket.id,
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        },
        opts,
    );
    const ownership = new aws.s3.BucketOwnershipControls(
        `${name}-bucket-ownership`,
        // ACLs off: access is decided by the bucket policy alone.
        { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
        opts,
    );
    const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
        `${name}-bucket-encryption`,
        {
            bucket: bucket.id,
            // SSE-S3 rather than KMS: CloudFront's OAC reads it without a key policy.
            rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true }],
        },
        opts,
    );

    const policyObject = new aws.s3.BucketObjectv2(
        `${name}-policy`,
        {
            bucket: bucket.id,
            key: POLICY_PATH,
            content: args.policyText,
            // Without it S3 serves application/octet-stream, which five clients read as "no policy".
            contentType: POLICY_CONTENT_TYPE,
            cacheControl: "no-cache",
            tags,
        },
        { parent, dependsOn: [ownership, encryption] },
    );

    const certificateArn =
        args.certificateArn !== undefined ? pulumi.output(args.certificateArn) : requestCertificate(args);

    const originAccessControl = new aws.cloudfront.OriginAccessControl(
        `${name}-oac`,
        {
            description: `Lets the MTA-STS distribution for ${args.domain} read its private bucket`,
            originAccessControlOriginType: "s3",
            signingBehavior: "always",
            signingProtocol: "sigv4",
        },
        opts,
    );
    const headers = new aws.cloudfront.ResponseHeadersPolicy(
        `${name}-headers`,
        {
            comment: `MTA-STS policy host ${args.host}`,
            securityHeadersConfig: {
                strictTransportSecurity: {
                    accessControlMaxAgeSec: 31536000,
                    includeSubdomains: false,
                    override: true,
                },
                contentTypeOptions: { override: true },
            },
        },
        opts,
    );
    const distribution = new aws.cloudfront.Distribution(
        `${name}-cdn`,
        {
            enabled: true,
            comment: `MTA-STS policy for ${args.domain}`,
            aliases: [args.host],
            origins: [
                {
                    originId: ORIGIN_ID,
                    domainName: bucket.bucketRegionalDomainName,
                    originAccessControlId: originAccessControl.id,
                },
            ],
            defaultCacheBehavior: {
                targetOriginId: ORIGIN_ID,
                // Senders never follow redirects (RFC 8461 §3.3), so plain HTTP gets no redirect either.
                viewerProtocolPolicy: "https-only",
                allowedMethods: ["GET", "HEAD"],
                cachedMethods: ["GET", "HEAD"],
                cachePolicyId: CACHING_DISABLED_POLICY_ID,
                responseHeadersPolicyId: headers.id,
                // Senders get the exact bytes; some clients mishandle Content-Encoding.
                compress: false,
            },
            priceClass: args.priceClass,
            isIpv6Enabled: true,
            // HTTP/1.1 keeps working alongside: the Python and Node clients speak only HTTP/1.1.
            httpVersion: "http2and3",
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
        opts,
    );

    const bucketPolicy = new aws.s3.BucketPolicy(
        `${name}-bucket-policy`,
        {
            bucket: bucket.id,
            policy: pulumi.jsonStringify({
                Version: "2012-10-17",
                Statement: [
                    {
                        Sid: "AllowThisDistributionOnly",
                        Effect: "Allow",
                        Principal: { Service: "cloudfront.amazonaws.com" },
                        Action: "s3:GetObject",
                        Resource: pulumi.interpolate`${bucket.arn}/*`,
                        Condition: { StringEquals: { "AWS:SourceArn": distribution.arn } },
                    },
                    {
                        Sid: "DenyInsecureTransport",
                        Effect: "Deny",
                        Principal: "*",
                        Action: "s3:*",
                        Resource: [bucket.arn, pulumi.interpolate`${bucket.arn}/*`],
                        Condition: { Bool: { "aws:SecureTransport": "false" } },
                    },
                ],
            }),
        },
        // With all public-access blocks on first, S3 would reject a policy that made the bucket public.
        { parent, dependsOn: [publicAccessBlock] },
    );

    return { bucket, bucketPolicy, policyObject, distribution, certificateArn };
}

function createPrivateBucket({ name, parent, domain, tags }: PolicyHostingArgs): aws.s3.Bucket {
    const prefix = bucketNamePrefix(domain, `${pulumi.getProject()}/${pulumi.getStack()}/${name}`);
    const account = aws.getCallerIdentityOutput({}, { parent });
    const region = aws.getRegionOutput({}, { parent });
    return new aws.s3.Bucket(
        `${name}-bucket`,
        {
            bucket: pulumi
                .all([account.accountId, region.region])
                .apply(([accountId, regionName]) => accountRegionalBucketName(prefix, accountId, regionName)),
            bucketNamespace: "account-regional",
            // The bucket holds only the policy object this component manages; destroy must leave nothing.
            forceDestroy: true,
            tags,
        },
        { parent },
    );
}

function requestCertificate(args: PolicyHostingArgs): pulumi.Output<string> {
    const { name, parent, tags } = args;
    // `region` on the resource (@pulumi/aws v7) avoids asking the caller for a second provider.
    const certificate = new aws.acm.Certificate(
        `${name}-cert`,
        { domainName: args.host, validationMethod: "DNS", region: CLOUDFRONT_CERTIFICATE_REGION, tags },
        { parent },
    );
    const validationRecordFqdn = args.dns.writeCertificateValidationRecord(certificate);
    const validation = new aws.acm.CertificateValidation(
        `${name}-cert-validation`,
        {
            certificateArn: certificate.arn,
            validationRecordFqdns: [validationRecordFqdn],
            region: CLOUDFRONT_CERTIFICATE_REGION,
        },
        { parent },
    );
    return validation.certificateArn;
}
