import type * as pulumi from "@pulumi/pulumi";
import type { DnsRecordWriter } from "../dns/writer";

/** One domain's policy, as `MtaSts` hands it to a hosting mode. */
export interface SiteSpec {
    /** Prefix of every child's name: the component's name. */
    name: string;
    /** Parent of every per-domain resource, so the component's providers reach it. */
    parent: pulumi.Resource;
    /** Normalised: lowercase A-labels, no trailing dot. */
    domain: string;
    /** `mta-sts.<domain>`. */
    host: string;
    policyText: string;
    tags?: pulumi.Input<Record<string, string>>;
    /** An existing us-east-1 certificate; when absent the mode obtains one. */
    certificateArn?: pulumi.Input<string>;
    /** Writes the host record, and the certificate's validation record when the mode needs one. */
    dns: DnsRecordWriter;
}

/** What a hosting mode created for one domain. */
export interface HostedSite {
    /**
     * Everything that must be live before the `_mta-sts` TXT announces the policy
     * (RFC 8461 §8.1): the object, what grants access to it, what serves it (deployed)
     * and the host record.
     */
    servedBy: pulumi.Resource[];
    /** The certificate the policy host presents; undefined when CloudFront manages it. */
    certificateArn: pulumi.Output<string | undefined>;
    /** The distribution that serves the policy (the multi-tenant one when shared). */
    distributionId: pulumi.Output<string>;
    /** The CloudFront host name `mta-sts.<domain>` points at. */
    distributionDomainName: pulumi.Output<string>;
    /** The distribution tenant of this domain; undefined when the domain has its own distribution. */
    distributionTenantId: pulumi.Output<string | undefined>;
    bucketName: pulumi.Output<string>;
    /** The S3 key of the policy object. */
    policyObjectKey: string;
}

/**
 * A way of serving `https://mta-sts.<domain>/.well-known/mta-sts.txt`. `MtaSts`
 * talks only to this interface; each mode's resources, and the order they need
 * (a CloudFront-validated certificate needs the host record first), live in its
 * implementation. The host record goes through the DNS writer's provider-neutral
 * `pointHostAt`.
 */
export interface PolicyHosting {
    host(site: SiteSpec): HostedSite;
}
