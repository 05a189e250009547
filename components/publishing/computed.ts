import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ValidatedMtaStsArgs } from "../core/validate";

/**
 * A value AWS or Cloudflare always computes (an ARN, a zone id, the account id). Only a Pulumi
 * mock can leave it out, and then the component would otherwise publish `undefined` into names
 * and policies or fail deep inside a serializer; this says what is missing instead.
 */
export function computed<T>(value: pulumi.Output<T | undefined>, what: string): pulumi.Output<T> {
    return value.apply((known) => {
        if (known === undefined || known === null || (Array.isArray(known) && known.length === 0)) {
            throw new Error(
                `${what} is missing. AWS and Cloudflare always return it, so this is a Pulumi mock that does not: ` +
                    `use mta-sts/testing's mocks, or return it from yours (see "Testing a stack that uses MtaSts" in the README)`,
            );
        }
        return known;
    });
}

/** The certificate's one DNS-validation option (one name is requested, so ACM returns exactly one). */
export function validationOption(
    certificate: aws.acm.Certificate,
): pulumi.Output<aws.types.output.acm.CertificateDomainValidationOption> {
    return computed(
        certificate.domainValidationOptions,
        "the domainValidationOptions of the aws:acm/certificate:Certificate",
    ).apply((options) => options[0]);
}

/**
 * The zone id the user gave, or the one the provider's lookup by zone name finds (named if a mock
 * leaves it out). `lookUp` starts the provider's lookup for a zone name and says what it is, for
 * that message.
 */
export function zoneIdOf(
    zone: ValidatedMtaStsArgs["dns"],
    lookUp: (zoneName: string) => { value: pulumi.Output<string | undefined>; what: string },
): pulumi.Output<string> {
    if (zone.zoneId !== undefined) return pulumi.output(zone.zoneId as pulumi.Input<string>);
    const { value, what } = lookUp(zone.zoneName!);
    return computed(value, `${what} for "${zone.zoneName}"`);
}
