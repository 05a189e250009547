/**
 * `mta-sts/testing`: Pulumi mocks that answer every resource and lookup MtaSts
 * and TlsRptReceiver make with the values AWS and Cloudflare would compute (ARNs, the distribution's
 * domain name and hosted zone, the certificate's validation record, the account
 * and region, zone ids), so a stack that uses MtaSts can be unit-tested with jest.
 * Anything it has no state for throws, naming the type or call and how to add it.
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";

export const ACCOUNT_ID = "123456789012";
export const AWS_REGION = "eu-west-1";
export const ROUTE53_ZONE_ID = "Z0123456789ABCDEFGHIJ";
export const CLOUDFLARE_ZONE_ID = "023e105f4ecef8ad9ca31a8372d0c353";
/** The fixed hosted zone of every CloudFront distribution. */
export const CLOUDFRONT_ZONE_ID = "Z2FDTNDATAQYW2";

/** What a provider would return on create: the physical id and the full state, computed outputs included. */
export interface MockState {
    id: string;
    state: Record<string, any>;
}

/** Computes a resource's state from its name and inputs. */
export type ResourceStateMock = (name: string, inputs: Record<string, any>) => MockState;

/** Computes an invoke's (data source's) result from its inputs. */
export type InvokeMock = (inputs: Record<string, any>) => Record<string, any>;

function hashOf(text: string, length: number): string {
    return createHash("sha256").update(text).digest("hex").slice(0, length);
}

/** A deployed CloudFront resource of `kind` (the ARN's resource type) with this id, its inputs and `extra`. */
function cloudFrontState(inputs: Record<string, any>, id: string, kind: string, extra: Record<string, unknown>) {
    return {
        id,
        state: { ...inputs, arn: `arn:aws:cloudfront::${ACCOUNT_ID}:${kind}/${id}`, ...extra, status: "Deployed" },
    };
}

function uuidFor(name: string): string {
    return `${hashOf(name, 8)}-0000-4000-8000-${hashOf(name, 12)}`;
}

const keyedByBucket: ResourceStateMock = (_name, inputs) => ({ id: inputs.bucket, state: { ...inputs } });
const keyedByUuid: ResourceStateMock = (name, inputs) => ({ id: uuidFor(name), state: { ...inputs } });
const providerState: ResourceStateMock = (name, inputs) => ({ id: `${name}-id`, state: { ...inputs } });

/** Realistic state per resource type token, as the provider would compute it. */
export const resourceStates: Record<string, ResourceStateMock> = {
    "aws:s3/bucket:Bucket": (_name, inputs) => {
        const bucket: string = inputs.bucket;
        return {
            id: bucket,
            state: {
                ...inputs,
                arn: `arn:aws:s3:::${bucket}`,
                bucketDomainName: `${bucket}.s3.amazonaws.com`,
                bucketRegionalDomainName: `${bucket}.s3.${AWS_REGION}.amazonaws.com`,
                region: AWS_REGION,
            },
        };
    },
    "aws:s3/bucketObjectv2:BucketObjectv2": (_name, inputs) => ({
        id: `${inputs.bucket}/${inputs.key}`,
        state: { ...inputs, etag: hashOf(String(inputs.content ?? ""), 32) },
    }),
    "aws:s3/bucketPolicy:BucketPolicy": keyedByBucket,
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": keyedByBucket,
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": keyedByBucket,
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": keyedByBucket,
    "aws:acm/certificate:Certificate": (name, inputs) => {
        const arn = `arn:aws:acm:${inputs.region ?? AWS_REGION}:${ACCOUNT_ID}:certificate/${uuidFor(name)}`;
        const token = hashOf(inputs.domainName, 32);
        return {
            id: arn,
            state: {
                ...inputs,
                arn,
                status: "PENDING_VALIDATION",
                // ACM writes absolute names with a trailing dot.
                domainValidationOptions: [
                    {
                        domainName: inputs.domainName,
                        resourceRecordName: `_${token}.${inputs.domainName}.`,
                        resourceRecordType: "CNAME",
                        resourceRecordValue: `_${hashOf(token, 32)}.xlfgrmvvlj.acm-validations.aws.`,
                    },
                ],
            },
        };
    },
    "aws:acm/certificateValidation:CertificateValidation": (_name, inputs) => ({
        id: `${inputs.certificateArn}-validation`,
        state: { ...inputs },
    }),
    "aws:cloudfront/distribution:Distribution": (name, inputs) => {
        const id = `E${hashOf(name, 13).toUpperCase()}`;
        return {
            id,
            state: {
                ...inputs,
                arn: `arn:aws:cloudfront::${ACCOUNT_ID}:distribution/${id}`,
                domainName: `d${hashOf(name, 13)}.cloudfront.net`,
                hostedZoneId: CLOUDFRONT_ZONE_ID,
                status: "Deployed",
            },
        };
    },
    // A multi-tenant distribution has no routing endpoint of its own; tenants are reached through a connection group.
    "aws:cloudfront/multitenantDistribution:MultitenantDistribution": (name, inputs) =>
        cloudFrontState(inputs, `E${hashOf(name, 13).toUpperCase()}`, "distribution", {
            domainName: "",
            connectionMode: "tenant-only",
        }),
    "aws:cloudfront/connectionGroup:ConnectionGroup": (name, inputs) =>
        cloudFrontState(inputs, `cg_${hashOf(name, 27)}`, "connection-group", {
            routingEndpoint: `d${hashOf(name, 13)}.cloudfront.net`,
            isDefault: false,
        }),
    "aws:cloudfront/distributionTenant:DistributionTenant": (name, inputs) =>
        cloudFrontState(inputs, `dt_${hashOf(name, 27)}`, "distribution-tenant", {
            connectionGroupId: inputs.connectionGroupId,
        }),
    "aws:cloudfront/originAccessControl:OriginAccessControl": keyedByUuid,
    "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy": keyedByUuid,
    "aws:route53/record:Record": (_name, inputs) => ({
        id: `${inputs.zoneId}_${inputs.name}_${inputs.type}`,
        state: { ...inputs, fqdn: String(inputs.name).replace(/\.$/, "") },
    }),
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": keyedByBucket,
    "aws:cloudwatch/logGroup:LogGroup": (name, inputs) => {
        const logGroupName = inputs.name ?? `${name}-${hashOf(name, 7)}`;
        return {
            id: logGroupName,
            state: {
                ...inputs,
                name: logGroupName,
                arn: `arn:aws:logs:${AWS_REGION}:${ACCOUNT_ID}:log-group:${logGroupName}`,
            },
        };
    },
    "aws:iam/role:Role": (name, inputs) => {
        const roleName = inputs.name ?? `${name}-${hashOf(name, 7)}`;
        return {
            id: roleName,
            state: {
                ...inputs,
                name: roleName,
                arn: `arn:aws:iam::${ACCOUNT_ID}:role/${roleName}`,
                uniqueId: `AROA${hashOf(name, 17).toUpperCase()}`,
            },
        };
    },
    "aws:iam/rolePolicy:RolePolicy": (name, inputs) => ({ id: `${inputs.role}:${name}`, state: { ...inputs, name } }),
    "aws:lambda/function:Function": (name, inputs) => {
        const functionName = inputs.name ?? `${name}-${hashOf(name, 7)}`;
        const arn = `arn:aws:lambda:${AWS_REGION}:${ACCOUNT_ID}:function:${functionName}`;
        return {
            id: functionName,
            state: {
                ...inputs,
                name: functionName,
                arn,
                invokeArn: `arn:aws:apigateway:${AWS_REGION}:lambda:path/2015-03-31/functions/${arn}/invocations`,
                qualifiedArn: `${arn}:$LATEST`,
                version: "$LATEST",
            },
        };
    },
    "aws:lambda/functionUrl:FunctionUrl": (name, inputs) => ({
        id: inputs.functionName,
        state: {
            ...inputs,
            functionArn: `arn:aws:lambda:${AWS_REGION}:${ACCOUNT_ID}:function:${inputs.functionName}`,
            functionUrl: `https://${hashOf(name, 32)}.lambda-url.${AWS_REGION}.on.aws/`,
            urlId: hashOf(name, 32),
        },
    }),
    "aws:lambda/permission:Permission": (name, inputs) => ({
        id: `${inputs.function}/${name}`,
        state: { ...inputs, statementId: name },
    }),
    "aws:ses/domainIdentity:DomainIdentity": (_name, inputs) => ({
        id: inputs.domain,
        state: {
            ...inputs,
            arn: `arn:aws:ses:${AWS_REGION}:${ACCOUNT_ID}:identity/${inputs.domain}`,
            verificationToken: Buffer.from(hashOf(inputs.domain, 32), "hex").toString("base64"),
        },
    }),
    "aws:ses/domainIdentityVerification:DomainIdentityVerification": (_name, inputs) => ({
        id: inputs.domain,
        state: { ...inputs, arn: `arn:aws:ses:${AWS_REGION}:${ACCOUNT_ID}:identity/${inputs.domain}` },
    }),
    "aws:ses/receiptRuleSet:ReceiptRuleSet": (_name, inputs) => ({
        id: inputs.ruleSetName,
        state: { ...inputs, arn: `arn:aws:ses:${AWS_REGION}:${ACCOUNT_ID}:receipt-rule-set/${inputs.ruleSetName}` },
    }),
    "aws:ses/receiptRule:ReceiptRule": (_name, inputs) => ({
        id: inputs.name,
        state: {
            ...inputs,
            arn: `arn:aws:ses:${AWS_REGION}:${ACCOUNT_ID}:receipt-rule-set/${inputs.ruleSetName}:receipt-rule/${inputs.name}`,
        },
    }),
    "aws:ses/activeReceiptRuleSet:ActiveReceiptRuleSet": (_name, inputs) => ({
        id: inputs.ruleSetName,
        state: { ...inputs },
    }),
    "cloudflare:index/dnsRecord:DnsRecord": (name, inputs) => ({ id: hashOf(name, 32), state: { ...inputs } }),
    "pulumi:providers:aws": providerState,
    "pulumi:providers:cloudflare": providerState,
};

/** Realistic results per invoke token. */
export const invokeResults: Record<string, InvokeMock> = {
    "aws:index/getCallerIdentity:getCallerIdentity": () => ({
        accountId: ACCOUNT_ID,
        arn: `arn:aws:iam::${ACCOUNT_ID}:user/deployer`,
        id: ACCOUNT_ID,
        userId: "AIDAEXAMPLE",
    }),
    "aws:index/getRegion:getRegion": () => ({
        id: AWS_REGION,
        name: AWS_REGION,
        region: AWS_REGION,
        endpoint: `ec2.${AWS_REGION}.amazonaws.com`,
    }),
    "aws:route53/getZone:getZone": (inputs) => ({
        id: ROUTE53_ZONE_ID,
        zoneId: ROUTE53_ZONE_ID,
        name: inputs.name,
        privateZone: false,
    }),
    "cloudflare:index/getZone:getZone": (inputs) => ({
        id: CLOUDFLARE_ZONE_ID,
        zoneId: CLOUDFLARE_ZONE_ID,
        name: inputs.filter?.name,
        status: "active",
    }),
};

/** A resource as the mocks saw it. */
export interface MockedResource {
    type: string;
    name: string;
    id: string;
    inputs: Record<string, any>;
    state: Record<string, any>;
    /** `urn::id` of the provider, or "" for the default provider. */
    provider: string;
}

/** An invoke as the mocks saw it. */
export interface MockedInvoke {
    token: string;
    inputs: Record<string, any>;
    provider: string;
}

export interface MtaStsMocksOptions {
    /** State for the other resource types of your stack, by type token; also overrides the built-in ones. */
    resources?: Record<string, ResourceStateMock>;
    /** Results for the other invokes of your stack, by token; also overrides the built-in ones. */
    invokes?: Record<string, InvokeMock>;
}

/** `pulumi.runtime.Mocks` with realistic state for MtaSts, recording every resource and invoke. */
export class MtaStsMocks implements pulumi.runtime.Mocks {
    /** Every resource registered, in registration order (components included, with empty state). */
    readonly resources: MockedResource[] = [];
    /** Every invoke made, in order. */
    readonly invokes: MockedInvoke[] = [];
    private readonly states: Record<string, ResourceStateMock>;
    private readonly results: Record<string, InvokeMock>;

    constructor(options: MtaStsMocksOptions = {}) {
        this.states = { ...resourceStates, ...options.resources };
        this.results = { ...invokeResults, ...options.invokes };
    }

    newResource(args: pulumi.runtime.MockResourceArgs): MockState {
        const mock = this.states[args.type];
        if (args.custom && mock === undefined) {
            throw new Error(
                `mta-sts/testing has no state for resource type ${args.type} ("${args.name}"): ` +
                    `pass one in new MtaStsMocks({ resources: { "${args.type}": (name, inputs) => ({ id, state }) } })`,
            );
        }
        // Component resources have no provider state.
        const { id, state } = args.custom ? mock(args.name, args.inputs) : { id: "", state: {} };
        this.resources.push({
            type: args.type,
            name: args.name,
            id,
            inputs: args.inputs,
            state,
            provider: args.provider ?? "",
        });
        return { id, state };
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
        const mock = this.results[args.token];
        this.invokes.push({ token: args.token, inputs: args.inputs, provider: args.provider ?? "" });
        if (mock === undefined) {
            throw new Error(
                `mta-sts/testing has no result for invoke ${args.token}: ` +
                    `pass one in new MtaStsMocks({ invokes: { "${args.token}": (inputs) => ({ ... }) } })`,
            );
        }
        return mock(args.inputs);
    }
}

export interface SetMtaStsMocksOptions extends MtaStsMocksOptions {
    /** Default "project". */
    project?: string;
    /** Default "stack". */
    stack?: string;
    /** Whether the program runs as a preview (unknown computed outputs). Default false. */
    preview?: boolean;
}

/** Installs `MtaStsMocks` as the Pulumi runtime's mocks and returns them, to inspect what was registered. */
export async function setMtaStsMocks(options: SetMtaStsMocksOptions = {}): Promise<MtaStsMocks> {
    const mocks = new MtaStsMocks(options);
    await pulumi.runtime.setMocks(mocks, options.project ?? "project", options.stack ?? "stack", options.preview);
    return mocks;
}
