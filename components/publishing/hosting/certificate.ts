import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { DnsRecordWriter } from "../dns/writer";
import { CLOUDFRONT_CERTIFICATE_REGION } from "./cloudfront";

/**
 * A DNS-validated ACM certificate for `host` in us-east-1. Returns the
 * validation's ARN, so whatever serves it waits for issuance.
 */
export function requestCertificate(
    name: string,
    parent: pulumi.Resource,
    host: string,
    dns: DnsRecordWriter,
    tags: pulumi.Input<Record<string, string>> | undefined,
): pulumi.Output<string> {
    // `region` on the resource (@pulumi/aws v7) avoids asking the caller for a second provider.
    const certificate = new aws.acm.Certificate(
        `${name}-cert`,
        { domainName: host, validationMethod: "DNS", region: CLOUDFRONT_CERTIFICATE_REGION, tags },
        { parent },
    );
    const validationRecordFqdn = dns.writeCertificateValidationRecord(certificate);
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
