import type * as aws from "@pulumi/aws";
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { validationOption, zoneIdOf } from "../computed";
import type { DnsRecordWriter, DnsWriterContext, HostTarget, MxRecordRole, TxtRecordRole } from "./writer";

const COMMENT = "Managed by the mta-sts Pulumi component";

/**
 * Cloudflare: every record DNS-only, full FQDN names without trailing dots,
 * TXT content quoted, ttl explicit.
 */
export class CloudflareRecordWriter implements DnsRecordWriter {
    private readonly zoneId: pulumi.Output<string>;

    constructor(private readonly context: DnsWriterContext) {
        const { zone, parent } = context;
        this.zoneId = zoneIdOf(zone, (name) => ({
            value: cloudflare.getZoneOutput({ filter: { name } }, { parent }).id,
            what: "the id from cloudflare.getZone",
        }));
    }

    pointHostAt(host: string, target: HostTarget): pulumi.Resource[] {
        // Cloudflare has no alias into CloudFront, so both kinds of target get a CNAME.
        return [this.record("host", { name: host, type: "CNAME", content: target.domainName })];
    }

    writeCertificateValidationRecord(certificate: aws.acm.Certificate): pulumi.Output<string> {
        const option = validationOption(certificate);
        // ACM writes absolute names with a trailing dot; Cloudflare stores them without, so keeping
        // the dot would show a diff on every preview.
        const record = this.record(
            "cert-validation-record",
            {
                name: option.apply((o) => stripTrailingDot(o.resourceRecordName)),
                type: option.resourceRecordType,
                content: option.apply((o) => stripTrailingDot(o.resourceRecordValue)),
            },
            [],
            // Same reason as Route 53: the replacement has the old record's name.
            { deleteBeforeReplace: true },
        );
        // The record's own output, so the certificate validation waits for the record and fails with
        // it, instead of waiting out ACM's validation timeout for a record that never appeared.
        return record.name;
    }

    writeTxtRecord(
        role: TxtRecordRole,
        fqdn: string,
        value: pulumi.Input<string>,
        dependsOn: pulumi.Resource[],
    ): pulumi.Resource {
        // Cloudflare stores TXT content as written; unquoted content is shown as a diff and warned about.
        const content = pulumi.output(value).apply((text) => JSON.stringify(text));
        return this.record(role, { name: fqdn, type: "TXT", content }, dependsOn);
    }

    writeMxRecord(
        role: MxRecordRole,
        fqdn: string,
        exchange: pulumi.Input<string>,
        priority: number,
        dependsOn: pulumi.Resource[],
    ): pulumi.Resource {
        // Cloudflare takes the priority as its own field, not inside the content.
        return this.record(role, { name: fqdn, type: "MX", content: exchange, priority }, dependsOn);
    }

    private record(
        role: string,
        args: Pick<cloudflare.DnsRecordArgs, "name" | "type" | "content" | "priority">,
        dependsOn: pulumi.Resource[] = [],
        options: pulumi.CustomResourceOptions = {},
    ): cloudflare.DnsRecord {
        return new cloudflare.DnsRecord(
            `${this.context.name}-${role}`,
            {
                ...args,
                zoneId: this.zoneId,
                // A proxied record would put Cloudflare's WAF and bot checks between senders and the policy.
                proxied: false,
                // Cloudflare requires ttl; 1 would mean "automatic".
                ttl: this.context.ttl,
                comment: COMMENT,
            },
            { ...options, parent: this.context.parent, dependsOn },
        );
    }
}

function stripTrailingDot(name: string): string {
    return name.endsWith(".") ? name.slice(0, -1) : name;
}
