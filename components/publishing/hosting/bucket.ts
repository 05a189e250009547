import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { computed } from "../computed";

export interface PrivateBucket {
    bucket: aws.s3.Bucket;
    /** Ownership and encryption: objects written before these exist would miss them. */
    settings: pulumi.CustomResource[];
    publicAccessBlock: aws.s3.BucketPublicAccessBlock;
}

/**
 * A bucket nobody can make public: all four public-access blocks, ACLs off (access is decided by
 * the bucket policy alone), SSE-S3. Shared by the policy hosting and the TLS-RPT receiver.
 */
export function createPrivateBucket(
    name: string,
    parent: pulumi.Resource,
    bucketName: pulumi.Input<string>,
    tags: pulumi.Input<Record<string, string>> | undefined,
    options: {
        /**
         * Whether destroy empties the bucket first. The policy buckets hold only objects this project
         * manages, so they always do; the receiver's holds reports and lets the user choose.
         */
        forceDestroy?: boolean;
    } = {},
): PrivateBucket {
    const opts = { parent };
    const bucket = new aws.s3.Bucket(
        `${name}-bucket`,
        {
            bucket: bucketName,
            bucketNamespace: "account-regional",
            forceDestroy: options.forceDestroy ?? true,
            tags,
        },
        opts,
    );
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
        { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
        opts,
    );
    const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
        `${name}-bucket-encryption`,
        {
            bucket: bucket.id,
            // SSE-S3 rather than KMS: CloudFront's OAC, SES and the receiver's handler use it without a key policy.
            rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true }],
        },
        opts,
    );
    return { bucket, settings: [ownership, encryption], publicAccessBlock };
}

/** The bucket policy statement that refuses every request made without TLS. */
export function denyInsecureTransport(bucket: aws.s3.Bucket) {
    return {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucket.arn, pulumi.interpolate`${bucket.arn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
    };
}

/** Lets exactly one distribution read through its OAC (`AWS:SourceArn`), and refuses any request without TLS. */
export function grantDistributionRead(
    name: string,
    parent: pulumi.Resource,
    { bucket, publicAccessBlock }: PrivateBucket,
    distributionArn: pulumi.Input<string>,
): aws.s3.BucketPolicy {
    return new aws.s3.BucketPolicy(
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
                        Condition: { StringEquals: { "AWS:SourceArn": distributionArn } },
                    },
                    denyInsecureTransport(bucket),
                ],
            }),
        },
        // With all public-access blocks on first, S3 would reject a policy that made the bucket public.
        { parent, dependsOn: [publicAccessBlock] },
    );
}

/** The signer CloudFront uses to read a private bucket (OAC, not the legacy OAI). */
export function createOriginAccessControl(
    name: string,
    parent: pulumi.Resource,
    description: string,
): aws.cloudfront.OriginAccessControl {
    return new aws.cloudfront.OriginAccessControl(
        `${name}-oac`,
        { description, originAccessControlOriginType: "s3", signingBehavior: "always", signingProtocol: "sigv4" },
        { parent },
    );
}

/** The account-regional bucket name: only this account can create it, so nobody can squat it. */
export function accountRegionalName(
    parent: pulumi.Resource,
    build: (accountId: string, region: string) => string,
): pulumi.Output<string> {
    const account = aws.getCallerIdentityOutput({}, { parent });
    const region = aws.getRegionOutput({}, { parent });
    return pulumi
        .all([
            computed(account.accountId, "the account id from aws.getCallerIdentity"),
            computed(region.region, "the region from aws.getRegion"),
        ])
        .apply(([accountId, regionName]) => build(accountId, regionName));
}
