import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { CloudflareZone, Route53Zone } from "../publishing/mtaSts";
import { computed } from "../publishing/computed";
import { createDnsRecordWriter } from "../publishing/dns/writer";
import { createPrivateBucket, denyInsecureTransport } from "../publishing/hosting/bucket";
import { accountRegionalBucketName, bucketNamePrefix } from "../publishing/hosting/names";
import { ENV_BUCKET, ENV_DOMAINS, ENV_PREFIX, INBOUND_FOLDER, RAW_FOLDER, REPORTS_FOLDER } from "./handler";
import { HANDLER_ENTRY, HANDLER_FILE, HANDLER_RUNTIME, bundleHandler } from "./package";
import {
    TlsRptReceiverArgsError,
    ValidatedReceiverEmail,
    ValidatedTlsRptReceiverArgs,
    sesInboundHost,
    sesRegionProblem,
    validateTlsRptReceiverArgs,
} from "./receiverArgs";

/** Mail for TLS-RPT reports (RFC 8460 §5.3), received by SES on a reporting subdomain. */
export interface TlsRptReceiverEmail {
    /**
     * The reporting subdomain that receives the mail, e.g. `tlsrpt.example.com`. Required. It gets an
     * MX record pointing at SES, so it must be a subdomain (three or more labels), never a mail domain's
     * apex, whose mail the MX would take over.
     */
    domain: string;
    /** The address's local part. Default `tlsrpt`, giving `mailto:tlsrpt@<domain>`. */
    localPart?: string;
    /** Write the MX and SES verification records in Route 53. Set exactly one of `route53` and `cloudflare`. */
    route53?: Route53Zone;
    /** Write the MX and SES verification records in Cloudflare (DNS-only). Set exactly one of `route53` and `cloudflare`. */
    cloudflare?: CloudflareZone;
    /** TTL of the MX and verification records: a whole number of seconds, 60 to 86400. Default 300. */
    ttl?: number;
    /**
     * Make this receiver's receipt rule set the account's active one. Default false: SES has one active
     * rule set per account and region, and activating ours would switch off one already in use. Leave
     * it false and add the rule to your active set, or activate `ruleSetName` yourself.
     */
    activateRuleSet?: boolean;
}

/** The arguments of a TLS-RPT report receiver. */
export interface TlsRptReceiverArgs {
    /**
     * Policy domains whose reports are kept, e.g. `["example.com"]`. Reports about other domains are
     * refused (HTTP 403) or dropped (mail), so strangers cannot fill the bucket with reports about
     * domains you do not run. Default: every report is kept.
     */
    domains?: string[];
    /**
     * Key prefix of everything the receiver stores, ending in `/`. Default `tlsrpt/`. Reports go to
     * `<prefix>raw/` (as delivered) and `<prefix>reports/` (normalised JSON), both under
     * `YYYY/MM/DD/<organisation>/<report-id>-<hash>`; SES mail to `<prefix>inbound/`.
     */
    prefix?: string;
    /** Days after which stored reports (and received mail) are deleted: a whole number, 1 to 36500. Default 365. */
    expirationDays?: number;
    /**
     * Concurrent executions reserved for the handler (a whole number), which also caps them: flood
     * protection (RFC 8460 §7). Default 5; a sender that meets the cap gets 429 and retries later (§5.5). `-1` reserves
     * nothing and leaves the function uncapped: needed in accounts whose concurrency quota is at its
     * minimum, because Lambda keeps 10 executions unreserved and refuses any reservation that would
     * eat into them (new accounts often start with a quota of 10).
     */
    reservedConcurrency?: number;
    /** Let `pulumi destroy` delete the bucket with the reports in it. Default false: destroy stops at a non-empty bucket. */
    forceDestroy?: boolean;
    /** Tags applied to every taggable AWS resource. Default none. */
    tags?: { [key: string]: string };
    /**
     * Also receive reports by mail (`mailto:`) through SES inbound. Default: HTTPS only. Only in regions
     * where SES receives mail; the deployment fails with the list of those regions elsewhere.
     */
    email?: TlsRptReceiverEmail;
}

/** The handler's memory: room to parse a report of the largest accepted size (16 MiB of JSON). */
const MEMORY_MB = 512;
/** Reading a mail from S3 and parsing it takes well under a second; this bounds a stuck call. */
const TIMEOUT_SECONDS = 30;
const LOG_RETENTION_DAYS = 30;
const RULE_NAME = "tlsrpt-reports";

/**
 * Receives TLS-RPT reports (RFC 8460) and keeps them in a private S3 bucket:
 * an HTTPS endpoint (a Lambda Function URL) for `https:` reporting and,
 * optionally, SES inbound mail on a reporting subdomain for `mailto:`. Each
 * report is stored as delivered and as normalised JSON, under a key that a
 * retried delivery overwrites. Pass it to `MtaSts` as `tlsRpt: { receiver }`.
 */
export class TlsRptReceiver extends pulumi.ComponentResource {
    /** The `https:` URI to publish in `rua` (the Function URL). */
    public readonly endpointUrl: pulumi.Output<string>;
    /** The `mailto:` URI to publish in `rua`; only when `email` is set. */
    public readonly mailto?: pulumi.Output<string>;
    /** The bucket that holds the reports. */
    public readonly bucketName: pulumi.Output<string>;
    /** The key prefix under which everything is stored. */
    public readonly prefix: pulumi.Output<string>;
    /** The handler function. */
    public readonly functionName: pulumi.Output<string>;
    /** The SES receipt rule set holding the rule; only when `email` is set. */
    public readonly ruleSetName?: pulumi.Output<string>;

    constructor(name: string, args: TlsRptReceiverArgs, opts?: pulumi.ComponentResourceOptions) {
        // Before super(): bad input must fail preview without registering anything.
        const valid = validateTlsRptReceiverArgs(name, args, configuredRegion(opts));
        super("mta-sts:index:TlsRptReceiver", name, {}, opts);

        const tags = valid.tags as TlsRptReceiverArgs["tags"];
        const accountId = computed(
            aws.getCallerIdentityOutput({}, { parent: this }).accountId,
            "the account id from aws.getCallerIdentity",
        );
        const region = computed(aws.getRegionOutput({}, { parent: this }).region, "the region from aws.getRegion");
        const storage = createStorage(name, this, valid, accountId, region, tags);

        const logGroup = new aws.cloudwatch.LogGroup(
            `${name}-logs`,
            { retentionInDays: LOG_RETENTION_DAYS, tags },
            { parent: this },
        );
        const role = new aws.iam.Role(
            `${name}-role`,
            { assumeRolePolicy: LAMBDA_ASSUME_ROLE_POLICY, description: "TLS-RPT report receiver", tags },
            { parent: this },
        );
        const rolePolicy = new aws.iam.RolePolicy(
            `${name}-role-policy`,
            {
                role: role.id,
                policy: handlerPolicy(storage.bucket.arn, valid.prefix, logGroup.arn, valid.email !== undefined),
            },
            { parent: this },
        );
        const handler = new aws.lambda.Function(
            `${name}-function`,
            {
                description: "Receives TLS-RPT reports (RFC 8460) and stores them in S3",
                runtime: HANDLER_RUNTIME,
                handler: HANDLER_ENTRY,
                code: new pulumi.asset.AssetArchive({ [HANDLER_FILE]: new pulumi.asset.StringAsset(bundleHandler()) }),
                role: role.arn,
                // Graviton: the bundle is plain JavaScript, and arm64 costs less per millisecond.
                architectures: ["arm64"],
                memorySize: MEMORY_MB,
                timeout: TIMEOUT_SECONDS,
                reservedConcurrentExecutions: valid.reservedConcurrency,
                environment: {
                    variables: {
                        [ENV_BUCKET]: storage.bucket.bucket,
                        [ENV_PREFIX]: valid.prefix,
                        [ENV_DOMAINS]: valid.domains.join(","),
                    },
                },
                loggingConfig: { logFormat: "JSON", logGroup: logGroup.name },
                tags,
            },
            // Without its permissions in place the first report would fail to store.
            { parent: this, dependsOn: [rolePolicy, storage.policy] },
        );
        // A Function URL, not API Gateway: free, no extra per-account quota, TLS on an AWS name,
        // and its 6 MB request limit is far above any real report. With authorization NONE the
        // provider also grants the public invoke permissions a Function URL needs.
        const url = new aws.lambda.FunctionUrl(
            `${name}-url`,
            { functionName: handler.name, authorizationType: "NONE", invokeMode: "BUFFERED" },
            { parent: this },
        );

        this.endpointUrl = url.functionUrl;
        this.bucketName = storage.bucket.bucket;
        this.prefix = pulumi.output(valid.prefix);
        this.functionName = handler.name;
        if (valid.email !== undefined) {
            const email = createEmailReceiving(name, this, valid.email, {
                prefix: valid.prefix,
                bucket: storage.bucket,
                bucketPolicy: storage.policy,
                handler,
                ruleSetName: storage.ruleSetName,
                ruleArn: storage.ruleArn,
                accountId,
                region,
            });
            this.mailto = pulumi.output(`mailto:${valid.email.address}`);
            this.ruleSetName = email.ruleSetName;
        }
        this.registerOutputs({
            endpointUrl: this.endpointUrl,
            mailto: this.mailto,
            bucketName: this.bucketName,
            prefix: this.prefix,
            functionName: this.functionName,
            ruleSetName: this.ruleSetName,
        });
    }
}

const LAMBDA_ASSUME_ROLE_POLICY = JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
});

/**
 * What the handler may do, and nothing more: write reports under `<prefix>raw/` and `<prefix>reports/`,
 * read the mail SES left under `<prefix>inbound/` (only with email), and write its own log group.
 */
export function handlerPolicy(
    bucketArn: pulumi.Input<string>,
    prefix: string,
    logGroupArn: pulumi.Input<string>,
    email: boolean,
): pulumi.Output<string> {
    return pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "StoreReports",
                Effect: "Allow",
                Action: "s3:PutObject",
                Resource: [
                    pulumi.interpolate`${bucketArn}/${prefix}${RAW_FOLDER}*`,
                    pulumi.interpolate`${bucketArn}/${prefix}${REPORTS_FOLDER}*`,
                ],
            },
            ...(email
                ? [
                      {
                          Sid: "ReadReceivedMail",
                          Effect: "Allow",
                          Action: "s3:GetObject",
                          Resource: pulumi.interpolate`${bucketArn}/${prefix}${INBOUND_FOLDER}*`,
                      },
                  ]
                : []),
            {
                Sid: "WriteOwnLogs",
                Effect: "Allow",
                Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                Resource: pulumi.interpolate`${logGroupArn}:*`,
            },
        ],
    });
}

interface Storage {
    bucket: aws.s3.Bucket;
    policy: aws.s3.BucketPolicy;
    /** The SES names are fixed here because the bucket policy must name the rule before it exists. */
    ruleSetName: string;
    ruleArn: pulumi.Output<string>;
}

/** The private bucket: all public-access blocks, ACLs off, SSE-S3, TLS only, and an expiry. */
function createStorage(
    name: string,
    parent: pulumi.Resource,
    valid: ValidatedTlsRptReceiverArgs,
    accountId: pulumi.Output<string>,
    region: pulumi.Output<string>,
    tags: TlsRptReceiverArgs["tags"],
): Storage {
    const opts = { parent };
    const namePrefix = bucketNamePrefix("tlsrpt", `${pulumi.getProject()}/${pulumi.getStack()}/${name}`);
    const { bucket, publicAccessBlock } = createPrivateBucket(
        name,
        parent,
        pulumi
            .all([accountId, region])
            .apply(([account, regionName]) => accountRegionalBucketName(namePrefix, account, regionName)),
        tags,
        { forceDestroy: valid.forceDestroy },
    );
    new aws.s3.BucketLifecycleConfiguration(
        `${name}-bucket-lifecycle`,
        {
            bucket: bucket.id,
            rules: [
                {
                    id: "expire-tlsrpt-reports",
                    status: "Enabled",
                    filter: { prefix: valid.prefix },
                    expiration: { days: valid.expirationDays },
                    abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
                },
            ],
        },
        opts,
    );

    const ruleSetName = bucketNamePrefix("rules", `${pulumi.getProject()}/${pulumi.getStack()}/${name}`);
    const ruleArn = pulumi.interpolate`arn:aws:ses:${region}:${accountId}:receipt-rule-set/${ruleSetName}:receipt-rule/${RULE_NAME}`;
    const policy = new aws.s3.BucketPolicy(
        `${name}-bucket-policy`,
        {
            bucket: bucket.id,
            policy: pulumi.jsonStringify({
                Version: "2012-10-17",
                Statement: [
                    denyInsecureTransport(bucket),
                    ...(valid.email !== undefined
                        ? [
                              {
                                  Sid: "AllowThisReceiptRuleToStoreMail",
                                  Effect: "Allow",
                                  Principal: { Service: "ses.amazonaws.com" },
                                  Action: "s3:PutObject",
                                  Resource: pulumi.interpolate`${bucket.arn}/${valid.prefix}${INBOUND_FOLDER}*`,
                                  Condition: {
                                      StringEquals: { "AWS:SourceAccount": accountId, "AWS:SourceArn": ruleArn },
                                  },
                              },
                          ]
                        : []),
                ],
            }),
        },
        // With all public-access blocks on first, S3 would reject a policy that made the bucket public.
        { parent, dependsOn: [publicAccessBlock] },
    );
    return { bucket, policy, ruleSetName, ruleArn };
}

interface EmailContext {
    prefix: string;
    bucket: aws.s3.Bucket;
    bucketPolicy: aws.s3.BucketPolicy;
    handler: aws.lambda.Function;
    ruleSetName: string;
    ruleArn: pulumi.Output<string>;
    accountId: pulumi.Output<string>;
    region: pulumi.Output<string>;
}

/** SES inbound for the reporting subdomain: verified identity, MX, receipt rule (S3, then the handler). */
function createEmailReceiving(
    name: string,
    parent: pulumi.Resource,
    email: ValidatedReceiverEmail,
    context: EmailContext,
) {
    const opts = { parent };
    // The configured region was checked before anything was registered; a provider's region is known
    // only now, so it is checked again here, before the MX can point at an endpoint that does not exist.
    const inboundHost = context.region.apply((region) => {
        const problem = sesRegionProblem(region);
        if (problem !== undefined) throw new TlsRptReceiverArgsError(name, [problem]);
        return sesInboundHost(region);
    });
    const dns = createDnsRecordWriter({ name, parent, zone: email.dns, ttl: email.ttl });

    // SES accepts mail only for verified domains.
    const identity = new aws.ses.DomainIdentity(`${name}-ses-domain`, { domain: email.domain }, opts);
    const verificationRecord = dns.writeTxtRecord(
        "ses-verification-txt",
        `_amazonses.${email.domain}`,
        identity.verificationToken,
        [],
    );
    const verification = new aws.ses.DomainIdentityVerification(
        `${name}-ses-domain-verification`,
        { domain: identity.domain },
        { parent, dependsOn: [verificationRecord] },
    );

    const ruleSet = new aws.ses.ReceiptRuleSet(`${name}-rule-set`, { ruleSetName: context.ruleSetName }, opts);
    const permission = new aws.lambda.Permission(
        `${name}-ses-permission`,
        {
            function: context.handler.name,
            action: "lambda:InvokeFunction",
            principal: "ses.amazonaws.com",
            sourceAccount: context.accountId,
            sourceArn: context.ruleArn,
        },
        opts,
    );
    // SES checks at creation that it may write the bucket and invoke the function.
    const rule = new aws.ses.ReceiptRule(
        `${name}-rule`,
        {
            name: RULE_NAME,
            ruleSetName: ruleSet.ruleSetName,
            recipients: [email.address],
            enabled: true,
            scanEnabled: true,
            // Optional, not Require: a report about broken TLS may come from a sender whose TLS is broken.
            tlsPolicy: "Optional",
            s3Actions: [
                {
                    position: 1,
                    bucketName: context.bucket.bucket,
                    objectKeyPrefix: `${context.prefix}${INBOUND_FOLDER}`,
                },
            ],
            lambdaActions: [{ position: 2, functionArn: context.handler.arn, invocationType: "Event" }],
        },
        { parent, dependsOn: [permission, context.bucketPolicy, verification] },
    );
    if (email.activateRuleSet) {
        new aws.ses.ActiveReceiptRuleSet(
            `${name}-active-rule-set`,
            { ruleSetName: ruleSet.ruleSetName },
            { parent, dependsOn: [rule] },
        );
    }
    // Mail is routed to SES only once SES accepts it for the address and hands it on.
    dns.writeMxRecord("tlsrpt-mx", email.domain, inboundHost, 10, [rule]);
    return { ruleSetName: ruleSet.ruleSetName };
}

/** The region in the stack's `aws:region` config, when the caller passed no provider that could override it. */
function configuredRegion(opts: pulumi.ComponentResourceOptions | undefined): string | undefined {
    if (opts?.provider !== undefined || opts?.providers !== undefined) return undefined;
    return new pulumi.Config("aws").get("region");
}
