import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { validationOption, zoneIdOf } from "../computed";
import type { DnsRecordWriter, DnsWriterContext, HostTarget, MxRecordRole, TxtRecordRole } from "./writer";

/** Route 53: alias records for the host, unquoted TXT values (the provider quotes them). */
export class Route53RecordWriter implements DnsRecordWriter {
    private readonly zoneId: pulumi.Output<string>;

    constructor(private readonly context: DnsWriterContext) {
        const { zone, parent } = context;
        this.zoneId = zoneIdOf(zone, (name) => ({
            value: aws.route53.getZoneOutput({ name, privateZone: false }, { parent }).zoneId,
            what: "the zoneId from aws.route53.getZone",
        }));
    }

    pointHostAt(host: string, target: HostTarget): pulumi.Resource[] {
        const { aliasZoneId } = target;
        if (aliasZoneId === undefined) {
            return [
                new aws.route53.Record(
                    `${this.context.name}-host`,
                    {
                        zoneId: this.zoneId,
                        name: host,
                        type: "CNAME",
                        records: [target.domainName],
                        ttl: this.context.ttl,
                    },
                    { parent: this.context.parent },
                ),
            ];
        }
        // An alias (not a CNAME) answers A and AAAA at the CloudFront edge and costs no queries.
        return (["A", "AAAA"] as const).map(
            (type) =>
                new aws.route53.Record(
                    `${this.context.name}-host-${type.toLowerCase()}`,
                    {
                        zoneId: this.zoneId,
                        name: host,
                        type,
                        aliases: [{ name: target.domainName, zoneId: aliasZoneId, evaluateTargetHealth: false }],
                    },
                    { parent: this.context.parent },
                ),
        );
    }

    writeCertificateValidationRecord(certificate: aws.acm.Certificate): pulumi.Output<string> {
        const option = validationOption(certificate);
        const record = new aws.route53.Record(
            `${this.context.name}-cert-validation-record`,
            {
                zoneId: this.zoneId,
                name: option.resourceRecordName,
                type: option.resourceRecordType,
                records: [option.resourceRecordValue],
                ttl: this.context.ttl,
            },
            {
                parent: this.context.parent,
                // ACM derives the validation name from account and host, so a replacement record has the
                // old one's name. Deleting first keeps replacement working without allowOverwrite, which
                // would silently adopt a record another stack owns (its certificate for the same host)
                // and break that stack's renewal when either is destroyed. Such a record now makes
                // creation fail with Route 53's "already exists" error instead.
                deleteBeforeReplace: true,
            },
        );
        return record.fqdn;
    }

    writeTxtRecord(
        role: TxtRecordRole,
        fqdn: string,
        value: pulumi.Input<string>,
        dependsOn: pulumi.Resource[],
    ): pulumi.Resource {
        return new aws.route53.Record(
            `${this.context.name}-${role}`,
            { zoneId: this.zoneId, name: fqdn, type: "TXT", records: [value], ttl: this.context.ttl },
            { parent: this.context.parent, dependsOn },
        );
    }

    writeMxRecord(
        role: MxRecordRole,
        fqdn: string,
        exchange: pulumi.Input<string>,
        priority: number,
        dependsOn: pulumi.Resource[],
    ): pulumi.Resource {
        // Route 53 takes the priority inside the record value.
        return new aws.route53.Record(
            `${this.context.name}-${role}`,
            {
                zoneId: this.zoneId,
                name: fqdn,
                type: "MX",
                records: [pulumi.interpolate`${priority} ${exchange}`],
                ttl: this.context.ttl,
            },
            { parent: this.context.parent, dependsOn },
        );
    }
}
