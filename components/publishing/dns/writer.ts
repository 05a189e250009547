import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ValidatedMtaStsArgs } from "../../core/validate";
import { CloudflareRecordWriter } from "./cloudflare";
import { Route53RecordWriter } from "./route53";

/**
 * Writes the records one DNS provider needs. Each provider's quirks live in
 * its implementation; the component talks only to this interface.
 */
export interface DnsRecordWriter {
    /** Points `mta-sts.<domain>` at the CloudFront host that serves the policy; returns every record created. */
    pointHostAt(host: string, target: HostTarget): pulumi.Resource[];
    /** Publishes the ACM DNS-validation record; returns the FQDN ACM should wait for. */
    writeCertificateValidationRecord(certificate: aws.acm.Certificate): pulumi.Output<string>;
    /** Publishes a single-string TXT record at `fqdn`, after `dependsOn`. */
    writeTxtRecord(
        role: TxtRecordRole,
        fqdn: string,
        value: pulumi.Input<string>,
        dependsOn: pulumi.Resource[],
    ): pulumi.Resource;
    /** Publishes one MX record at `fqdn` pointing at `exchange`, after `dependsOn`. */
    writeMxRecord(
        role: MxRecordRole,
        fqdn: string,
        exchange: pulumi.Input<string>,
        priority: number,
        dependsOn: pulumi.Resource[],
    ): pulumi.Resource;
}

/**
 * Where `mta-sts.<domain>` points: a CloudFront distribution's domain name, or a
 * connection group's routing endpoint. The hosting mode says which; the writer
 * says how its provider spells it.
 */
export interface HostTarget {
    /** The CloudFront host name, e.g. `d111111abcdef8.cloudfront.net`. */
    domainName: pulumi.Input<string>;
    /**
     * The hosted zone of a standard distribution, so a provider with aliases can answer A and AAAA
     * itself. Absent for a connection group's routing endpoint, which is reached by CNAME.
     */
    aliasZoneId?: pulumi.Input<string>;
}

export type TxtRecordRole = "mta-sts-txt" | "tlsrpt-txt" | "ses-verification-txt";
export type MxRecordRole = "tlsrpt-mx";

export interface DnsWriterContext {
    /** Prefix of child resource names, the component's name. */
    name: string;
    /** Parent of every record, so providers passed to the component reach it. */
    parent: pulumi.Resource;
    zone: ValidatedMtaStsArgs["dns"];
    ttl: number;
}

export function createDnsRecordWriter(context: DnsWriterContext): DnsRecordWriter {
    switch (context.zone.provider) {
        case "route53":
            return new Route53RecordWriter(context);
        case "cloudflare":
            return new CloudflareRecordWriter(context);
    }
}
