import * as pulumi from "@pulumi/pulumi";
import { createDnsRecordWriter } from "./dns/writer";
import { SharedHosting, selectPolicyHosting } from "./hosting";
import {
    PolicyMode,
    computePolicyId,
    mtaStsRecordName,
    policyHost,
    policyUrl,
    renderMtaStsRecord,
    renderPolicy,
    renderTlsRptRecord,
    tlsRptRecordName,
} from "../core/policy";
import { evaluateMxPreflight, preflightLookup } from "./preflight";
import {
    MtaStsArgsError,
    PriceClass,
    ValidatedMtaStsArgs,
    checkResolvedTlsRpt,
    tlsRptUris,
    validateMtaStsArgs,
} from "../core/validate";

/** A Route 53 hosted zone that holds (or is a parent of) the mail domain. */
export interface Route53Zone {
    /** The hosted zone id, e.g. `Z0123456789ABCDEFGHIJ`. Set this or `zoneName`. */
    zoneId?: pulumi.Input<string>;
    /** The public hosted zone's name, looked up at deploy time. The domain itself or a parent of it. Set this or `zoneId`. */
    zoneName?: string;
}

/** A Cloudflare zone that holds (or is a parent of) the mail domain. */
export interface CloudflareZone {
    /** The zone id (32 hex characters). Set this or `zoneName`. */
    zoneId?: pulumi.Input<string>;
    /** The zone's name, looked up at deploy time. The domain itself or a parent of it. Set this or `zoneId`. */
    zoneName?: string;
}

/**
 * A TLS-RPT report receiver's addresses: a `TlsRptReceiver` passed as it is, or its
 * outputs read from another stack (`StackReference`).
 */
export interface TlsRptReceiverRef {
    /** The `https:` URI senders POST reports to (RFC 8460 §5.4): the receiver's `endpointUrl`. Required. */
    endpointUrl: pulumi.Input<string>;
    /** A `mailto:` URI senders mail reports to (§5.3): the receiver's `mailto`. Default: HTTPS only. */
    mailto?: pulumi.Input<string>;
}

/** Where senders send daily TLS reports (RFC 8460). Set `rua`, `receiver` or both. */
export interface TlsRpt {
    /**
     * Report destinations, published in this order: `mailto:` with exactly one address,
     * or `https:` without userinfo or fragment. No raw `,`, `!`, `;` or whitespace.
     * The whole record, the receiver's URIs included, must fit in 255 octets.
     * Required unless `receiver` is set; default none then.
     */
    rua?: string[];
    /**
     * A report receiver whose URIs are published after `rua` (its https endpoint, then its
     * mailto address when it has one). Default none. When its URIs are outputs, their rules and
     * the record's length are checked at deployment, before the record is written.
     */
    receiver?: TlsRptReceiverRef;
}

/** The arguments of an MTA-STS deployment for one mail domain. */
export interface MtaStsArgs {
    /**
     * The mail domain (the part after `@`). Trimmed, lowercased, one trailing dot
     * allowed, IDN converted to punycode. The policy is served at
     * `https://mta-sts.<domain>/.well-known/mta-sts.txt`.
     */
    domain: string;
    /**
     * What senders do when TLS to your MX fails. Default `testing`: they report
     * (with `tlsRpt`) but still deliver. `enforce`: they refuse to deliver.
     * `none`: withdraws the policy before removal (RFC 8461 §8.3).
     */
    mode?: PolicyMode;
    /**
     * Patterns every MX host of the domain must match: host names or `*.` plus a
     * name of two or more labels (`*` covers exactly one label). Required, in every
     * mode. Lowercased; trailing dots and duplicates removed.
     */
    mx: string[];
    /**
     * How long senders may cache the policy: a whole number of seconds, 1 to 31557600. Default 604800 (one week).
     * A warning is logged below 86400, and below 604800 in `enforce`. Lower it well
     * before changing MX hosts.
     */
    maxAge?: number;
    /** Publishes the `_smtp._tls` TLS-RPT record. Leave it out to publish none. */
    tlsRpt?: TlsRpt;
    /** Manage DNS in Route 53. Set exactly one of `route53` and `cloudflare`. */
    route53?: Route53Zone;
    /** Manage DNS in Cloudflare (all records DNS-only). Set exactly one of `route53` and `cloudflare`. */
    cloudflare?: CloudflareZone;
    /** TTL of every DNS record created: a whole number of seconds, 60 to 86400. Default 300. */
    ttl?: number;
    /** Tags applied to every taggable AWS resource (bucket, object, certificate, distribution). Default none. */
    tags?: { [key: string]: string };
    /** CloudFront edge locations that serve the policy. Default `PriceClass_100` (North America and Europe). */
    priceClass?: PriceClass;
    /**
     * An existing, issued ACM certificate in us-east-1 covering `mta-sts.<domain>`.
     * Default: a certificate is requested in us-east-1 and validated through DNS.
     */
    certificateArn?: pulumi.Input<string>;
    /**
     * An existing CloudFront origin access control (S3, sigv4, always sign) for this
     * domain's distribution to use. Share one across standalone domains: an account
     * holds 100 OACs by default, and each serves up to 100 distributions. Default: each
     * domain creates its own.
     */
    originAccessControlId?: pulumi.Input<string>;
    /**
     * Attach this domain to a shared hosting instead of giving it its own bucket and
     * distribution: an `MtaStsHosting`, or its outputs read from another stack through a
     * `StackReference`. The domain then adds only its policy object (at
     * `<domain>/.well-known/mta-sts.txt`), a distribution tenant, a certificate, the host
     * record (a CNAME to the routing endpoint) and the TXT records. Default: standalone
     * hosting, which spends one distribution per domain (500 per account).
     */
    hosting?: SharedHosting;
    /**
     * With `hosting`: let CloudFront issue and renew the tenant's certificate (validated
     * over HTTP once the host record points at CloudFront) instead of requesting an ACM
     * certificate validated through DNS. Saves three resources per domain and the ACM
     * quota, but see the README for the provider bugs it works around. Default false.
     */
    cloudFrontManagedCertificate?: boolean;
    /**
     * Before anything is published, resolve the domain's live MX records and compare them with `mx`
     * (the same check as `mta-sts check`'s mx-coverage). In `enforce`, an MX host no pattern covers
     * stops the deployment with an error naming the host and a pattern that would cover it; in other
     * modes it is a warning. When DNS cannot be reached it warns and carries on. Default false.
     */
    preflight?: boolean;
    /** The resolver the preflight asks, `ip` or `ip:port`. Default: the system resolver. */
    preflightDnsServer?: string;
    /**
     * The most the preflight waits for DNS, a whole number of seconds from 1 to 60; past it the preflight warns and the
     * deployment goes on. Once a resolver has given no answer at all within it (not even to a question about the root),
     * later preflights in the same program do not ask it again for five minutes (they warn at once), so a dead resolver
     * costs one wait, not one per domain; to resolve many domains within one wait in all, call `prefetchMxPreflight`
     * first. Default 5.
     */
    preflightTimeout?: number;
}

/**
 * Everything MTA-STS (RFC 8461) and TLS-RPT (RFC 8460) need for one mail
 * domain: the policy served over HTTPS from a private S3 bucket behind
 * CloudFront, the `_mta-sts` TXT record whose id follows the policy, and the
 * optional `_smtp._tls` record, in Route 53 or Cloudflare.
 */
export class MtaSts extends pulumi.ComponentResource {
    /** The id published in the `_mta-sts` TXT record: 32 hex characters of SHA-256 over the policy body. */
    public readonly policyId: pulumi.Output<string>;
    /** The exact policy body served, CRLF line endings. */
    public readonly policyText: pulumi.Output<string>;
    /** Where senders fetch the policy. */
    public readonly policyUrl: pulumi.Output<string>;
    /** The `_mta-sts.<domain>` TXT value. */
    public readonly mtaStsRecord: pulumi.Output<string>;
    /** The `_smtp._tls.<domain>` TXT value; undefined when `tlsRpt` is not set. */
    public readonly tlsRptRecord: pulumi.Output<string | undefined>;
    /** The us-east-1 certificate CloudFront serves for `mta-sts.<domain>`; undefined when CloudFront manages it. */
    public readonly certificateArn: pulumi.Output<string | undefined>;
    /** The CloudFront distribution id (the shared multi-tenant one with `hosting`). */
    public readonly distributionId: pulumi.Output<string>;
    /** The CloudFront host name `mta-sts.<domain>` points at (the connection group's routing endpoint with `hosting`). */
    public readonly distributionDomainName: pulumi.Output<string>;
    /** This domain's distribution tenant with `hosting`; undefined with its own distribution. */
    public readonly distributionTenantId: pulumi.Output<string | undefined>;
    /** The private bucket that holds the policy object. */
    public readonly bucketName: pulumi.Output<string>;
    /** The policy object's key in that bucket. */
    public readonly policyObjectKey: pulumi.Output<string>;

    constructor(name: string, args: MtaStsArgs, opts?: pulumi.ComponentResourceOptions) {
        // Before super(): bad input, or an enforce that would bounce mail, must fail preview
        // without registering anything.
        const { args: valid, warnings } = validateMtaStsArgs(name, args);
        const preflight = valid.preflight ? runPreflight(name, valid) : [];
        super("mta-sts:index:MtaSts", name, {}, opts);
        for (const warning of [...warnings, ...preflight]) {
            pulumi.log.warn(warning, this);
        }

        const text = renderPolicy(valid);
        const id = computePolicyId(text);
        const host = policyHost(valid.domain);
        const dns = createDnsRecordWriter({ name, parent: this, zone: valid.dns, ttl: valid.ttl });
        const site = selectPolicyHosting(valid).host({
            name,
            parent: this,
            domain: valid.domain,
            host,
            policyText: text,
            tags: valid.tags as MtaStsArgs["tags"],
            certificateArn: valid.certificateArn as MtaStsArgs["certificateArn"],
            dns,
        });

        // RFC 8461 §8.1: a sender that sees the new id must already get the new body,
        // and on creation the host must answer before the TXT announces it.
        const stsRecord = renderMtaStsRecord(id);
        dns.writeTxtRecord("mta-sts-txt", mtaStsRecordName(valid.domain), stsRecord, site.servedBy);
        const tlsRptRecord = valid.rua !== undefined ? renderTlsRptValue(name, valid) : undefined;
        if (tlsRptRecord !== undefined) {
            dns.writeTxtRecord("tlsrpt-txt", tlsRptRecordName(valid.domain), tlsRptRecord, []);
        }

        this.policyId = pulumi.output(id);
        this.policyText = pulumi.output(text);
        this.policyUrl = pulumi.output(policyUrl(valid.domain));
        this.mtaStsRecord = pulumi.output(stsRecord);
        this.tlsRptRecord = pulumi.output(tlsRptRecord);
        this.certificateArn = site.certificateArn;
        this.distributionId = site.distributionId;
        this.distributionDomainName = site.distributionDomainName;
        this.distributionTenantId = site.distributionTenantId;
        this.bucketName = site.bucketName;
        this.policyObjectKey = pulumi.output(site.policyObjectKey);
        this.registerOutputs({
            policyId: this.policyId,
            policyText: this.policyText,
            policyUrl: this.policyUrl,
            mtaStsRecord: this.mtaStsRecord,
            tlsRptRecord: this.tlsRptRecord,
            certificateArn: this.certificateArn,
            distributionId: this.distributionId,
            distributionDomainName: this.distributionDomainName,
            distributionTenantId: this.distributionTenantId,
            bucketName: this.bucketName,
            policyObjectKey: this.policyObjectKey,
        });
    }
}

/** The `_smtp._tls` value: known now from `rua` alone, or once the receiver's URIs resolve. */
function renderTlsRptValue(name: string, valid: ValidatedMtaStsArgs): pulumi.Input<string> {
    const rua = valid.rua ?? [];
    const receiver = valid.tlsRptReceiver;
    if (receiver === undefined) {
        return renderTlsRptRecord(rua);
    }
    return pulumi
        .all([receiver.endpointUrl as pulumi.Input<string>, receiver.mailto as pulumi.Input<string | undefined>])
        .apply(([endpointUrl, mailto]) => {
            const resolved = { endpointUrl, ...(mailto !== undefined ? { mailto } : {}) };
            const problems = checkResolvedTlsRpt(valid.domain, rua, resolved);
            if (problems.length > 0) {
                throw new MtaStsArgsError(name, problems);
            }
            return renderTlsRptRecord(tlsRptUris(rua, resolved));
        });
}

/** Resolves the live MX hosts and throws, like invalid args, when enforcing would bounce mail; returns warnings. */
function runPreflight(name: string, valid: ValidatedMtaStsArgs): string[] {
    const lookup = preflightLookup(valid.domain, valid.preflightDnsServer, valid.preflightTimeout * 1000);
    const { errors, warnings } = evaluateMxPreflight(valid.domain, valid.mx, valid.mode, lookup);
    if (errors.length > 0) {
        throw new MtaStsPreflightError(name, errors);
    }
    return warnings;
}

/** Thrown by the preflight when enforcing the policy would bounce mail. */
export class MtaStsPreflightError extends Error {
    constructor(
        readonly componentName: string,
        readonly problems: readonly string[],
    ) {
        super(
            `MtaSts "${componentName}": preflight failed:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`,
        );
        this.name = "MtaStsPreflightError";
    }
}
