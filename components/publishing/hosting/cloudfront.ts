/**
 * CloudFront settings both hosting modes share. Every id here is AWS-managed,
 * so none of them counts against the account's quota of 20 custom policies.
 */

/**
 * AWS's managed "CachingDisabled" cache policy. With nothing cached at the edge,
 * the new body is what every edge serves as soon as S3 has it, which is what
 * RFC 8461 §8.1 requires before the TXT id changes. @pulumi/aws has no
 * invalidation resource to do the same with caching on.
 */
export const CACHING_DISABLED_POLICY_ID = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";

/**
 * AWS's managed "SecurityHeadersPolicy": `X-Content-Type-Options: nosniff` always, and
 * `Strict-Transport-Security: max-age=31536000` unless the origin sends its own (a
 * private S3 origin sends none), which is what SPEC §6 asks for. It also adds
 * `X-Frame-Options`, `Referrer-Policy` and `X-XSS-Protection`, harmless on a text
 * file. The other managed policies with these headers add CORS, which nothing here
 * needs. A custom policy per domain would stop the 21st domain of an account.
 */
export const SECURITY_HEADERS_POLICY_ID = "67f7725c-6f97-4210-82d7-5512b31e9d03";

/** CloudFront accepts viewer certificates only from this region. */
export const CLOUDFRONT_CERTIFICATE_REGION = "us-east-1";

/** Viewer TLS floor: TLSv1.3_2025 would lock out senders that speak only TLS 1.2. */
export const MINIMUM_PROTOCOL_VERSION = "TLSv1.2_2021";

/** HTTP/1.1 keeps working alongside: the Python and Node clients speak only HTTP/1.1. */
export const HTTP_VERSION = "http2and3";

export const ORIGIN_ID = "policy-bucket";
