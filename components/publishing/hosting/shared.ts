import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { POLICY_CONTENT_TYPE, POLICY_PATH } from "../../core/policy";
import { requestCertificate } from "./certificate";
import { TENANT_DOMAIN_PARAMETER, readableUniqueName, tenantPolicyKey } from "./names";
import type { HostedSite, PolicyHosting, SiteSpec } from "./policyHosting";

/**
 * What a domain needs from an `MtaStsHosting`: the outputs of the same names.
 * Pass the `MtaStsHosting` itself, or these values read from another stack
 * (a `StackReference`), so per-domain stacks attach to one shared hosting.
 */
export interface SharedHosting {
    /** The shared private bucket that holds every domain's policy object. */
    bucketName: pulumi.Input<string>;
    /** The multi-tenant distribution each domain becomes a tenant of. */
    distributionId: pulumi.Input<string>;
    /** The connection group every tenant joins; its routing endpoint is where the host records point. */
    connectionGroupId: pulumi.Input<string>;
    /** The connection group's CloudFront host name, e.g. `d111111abcdef8.cloudfront.net`. */
    routingEndpoint: pulumi.Input<string>;
}

export interface SharedTenantOptions {
    /**
     * Let CloudFront issue and renew the certificate (HTTP-validated through the
     * routing endpoint, so the host record must exist first) instead of an ACM
     * certificate validated through DNS.
     */
    cloudFrontManagedCertificate: boolean;
}

/**
 * One domain as a tenant of a shared multi-tenant distribution: its policy
 * object under its own key, a distribution tenant, a certificate and the host
 * record. Spends one tenant per domain, and one ACM certificate unless CloudFront
 * manages it.
 */
export class SharedTenantHosting implements PolicyHosting {
    constructor(
        private readonly shared: SharedHosting,
        private readonly options: SharedTenantOptions,
    ) {}

    host(site: SiteSpec): HostedSite {
        const { name, parent, tags } = site;
        const target = { domainName: this.shared.routingEndpoint };
        const managed = this.options.cloudFrontManagedCertificate && site.certificateArn === undefined;
        // CloudFront validates its own certificate over HTTP at the routing endpoint, so the name must point there first.
        const hostRecords = managed ? site.dns.pointHostAt(site.host, target) : [];
        const certificateArn = managed
            ? undefined
            : site.certificateArn !== undefined
              ? pulumi.output(site.certificateArn)
              : requestCertificate(name, parent, site.host, site.dns, tags);

        const tenant = new aws.cloudfront.DistributionTenant(
            `${name}-tenant`,
            {
                name: readableUniqueName("mta-sts-", site.domain, ""),
                distributionId: this.shared.distributionId,
                connectionGroupId: this.shared.connectionGroupId,
                domains: [{ domain: site.host }],
                parameters: [{ name: TENANT_DOMAIN_PARAMETER, value: site.domain }],
                enabled: true,
                ...(certificateArn !== undefined
                    ? { customizations: { certificate: { arn: certificateArn } } }
                    : {
                          managedCertificateRequest: {
                              primaryDomainName: site.host,
                              validationTokenHost: "cloudfront",
                              certificateTransparencyLoggingPreference: "enabled",
                          },
                      }),
                // The TXT record waits on this resource, so it must mean "deployed to every edge".
                waitForDeployment: true,
                tags,
            },
            {
                parent,
                dependsOn: hostRecords,
                // CloudFront writes the issued certificate into `customizations` (terraform-provider-aws
                // #45987); without this every preview would plan to remove it.
                ...(managed ? { ignoreChanges: ["customizations"] } : {}),
            },
        );

        // After the tenant: CloudFront gives a name to one tenant only, so a second claim on this
        // domain fails there, before it could write over the first one's policy.
        const key = tenantPolicyKey(site.domain, POLICY_PATH);
        const policyObject = new aws.s3.BucketObjectv2(
            `${name}-policy`,
            {
                bucket: this.shared.bucketName,
                key,
                content: site.policyText,
                // Without it S3 serves application/octet-stream, which five clients read as "no policy".
                contentType: POLICY_CONTENT_TYPE,
                cacheControl: "no-cache",
                tags,
            },
            { parent, dependsOn: [tenant] },
        );
        const records = managed ? hostRecords : site.dns.pointHostAt(site.host, target);

        return {
            servedBy: [policyObject, tenant, ...records],
            certificateArn: pulumi.output(certificateArn),
            distributionId: pulumi.output(this.shared.distributionId),
            distributionDomainName: pulumi.output(this.shared.routingEndpoint),
            distributionTenantId: tenant.id,
            bucketName: pulumi.output(this.shared.bucketName),
            policyObjectKey: key,
        };
    }
}
