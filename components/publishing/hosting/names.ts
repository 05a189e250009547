import { createHash } from "node:crypto";

/** S3's account-regional suffix `-<12-digit account>-<region>-an` leaves this much of 63. */
const BUCKET_PREFIX_LENGTH = 32;
const BUCKET_NAME_LENGTH = 63;

/**
 * A readable, deterministic bucket-name prefix for one component instance:
 * `mta-sts-<domain slug>-<hash>`. The slug helps an admin recognise the bucket;
 * the hash of the instance key (project, stack, component name) keeps two
 * instances apart even when their slugs are cut to the same text. The fixed
 * `mta-sts-` start also avoids S3's reserved `xn--` prefix for IDN domains.
 */
export function bucketNamePrefix(domain: string, instanceKey: string): string {
    const hash = createHash("sha256").update(`${instanceKey}\n${domain}`).digest("hex").slice(0, 8);
    const head = "mta-sts-";
    const room = BUCKET_PREFIX_LENGTH - head.length - hash.length - 1;
    const slug = domain
        .replace(/[^a-z0-9]+/g, "-")
        .slice(0, room)
        .replace(/-+$/, "");
    return `${head}${slug}-${hash}`;
}

/**
 * The full name in the account-regional namespace: only this account can
 * create it, so it cannot collide with (or be squatted by) another account.
 */
export function accountRegionalBucketName(prefix: string, accountId: string, region: string): string {
    const name = `${prefix}-${accountId}-${region}-an`;
    if (name.length > BUCKET_NAME_LENGTH) {
        throw new Error(`bucket name "${name}" is ${name.length} characters; S3 allows ${BUCKET_NAME_LENGTH}`);
    }
    return name;
}

/**
 * The tenant parameter that carries the domain into the shared distribution's
 * origin path. Tenants of that distribution must set it (it has no default), so
 * no tenant can fall through to the bucket's root.
 */
export const TENANT_DOMAIN_PARAMETER = "domain";

/** The shared distribution's origin path: each tenant reads only under its own domain's prefix. */
export const TENANT_ORIGIN_PATH = `/{{${TENANT_DOMAIN_PARAMETER}}}`;

/**
 * Where a domain's policy lives in the shared bucket: `<domain>/.well-known/mta-sts.txt`,
 * which is exactly what CloudFront reads for a tenant whose parameter is the domain
 * (origin path `/<domain>` plus the request path). A normalised domain holds only
 * `a-z`, `0-9`, `-` and `.`, never `/`, so its first path segment names exactly one
 * domain and no domain's prefix contains another's key.
 */
export function tenantPolicyKey(domain: string, policyPath: string): string {
    if (!/^[a-z0-9.-]+$/.test(domain) || domain.startsWith(".") || domain.includes("..")) {
        throw new Error(`"${domain}" is not a normalised domain name; validate it first`);
    }
    return `${domain}/${policyPath}`;
}

/** A readable, unique name for a domain's tenant or an instance's shared resources, within 63 characters. */
export function readableUniqueName(head: string, text: string, instanceKey: string): string {
    const hash = createHash("sha256").update(`${instanceKey}\n${text}`).digest("hex").slice(0, 8);
    const room = BUCKET_NAME_LENGTH - head.length - hash.length - 1;
    const slug = text
        .replace(/[^a-z0-9]+/g, "-")
        .slice(0, room)
        .replace(/^-+|-+$/g, "");
    return `${head}${slug}-${hash}`;
}
