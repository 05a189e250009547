/**
 * One mock world for every test: realistic state per resource type, a record of
 * what was registered (inputs, parent, provider, dependencies), and a failure
 * for anything the component was not expected to create or call.
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";

export const ACCOUNT_ID = "123456789012";
export const AWS_REGION = "eu-west-1";
export const ROUTE53_ZONE_ID = "Z0123456789ABCDEFGHIJ";
export const CLOUDFLARE_ZONE_ID = "023e105f4ecef8ad9ca31a8372d0c353";
/** The fixed hosted zone of every CloudFront distribution. */
export const CLOUDFRONT_ZONE_ID = "Z2FDTNDATAQYW2";

export interface RegisteredResource {
    type: string;
    name: string;
    urn: string;
    id: string;
    inputs: Record<string, any>;
    state: Record<string, any>;
    /** `urn::id` of the provider, or "" for the default provider. */
    provider: string;
    parent: string;
    /** URNs this resource waits for (dependsOn plus input dependencies). */
    dependencies: string[];
}

export interface InvokeCall {
    token: string;
    inputs: Record<string, any>;
    provider: string;
}

export interface MockWorld {
    resources: RegisteredResource[];
    calls: InvokeCall[];
    /** Waits until every pending registration has reached the mock monitor. */
    settle(): Promise<void>;
    byType(type: string): RegisteredResource[];
    byName(name: string): RegisteredResource;
}

export interface MockOptions {
    project?: string;
    stack?: string;
    preview?: boolean;
    config?: Record<string, string>;
}

function hashOf(text: string, length: number): string {
    return createHash("sha256").update(text).digest("hex").slice(0, length);
}

function stateFor(type: string, name: string, inputs: Record<string, any>): { id: string; state: Record<string, any> } {
    const id = `${name}-id`;
    switch (type) {
        case "aws:s3/bucket:Bucket": {
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
        }
        case "aws:acm/certificate:Certificate": {
            const token = hashOf(inputs.domainName, 32);
            return {
                id: `arn:aws:acm:${inputs.region}:${ACCOUNT_ID}:certificate/${hashOf(name, 8)}-0000-4000-8000-${hashOf(name, 12)}`,
                state: {
                    ...inputs,
                    arn: `arn:aws:acm:${inputs.region}:${ACCOUNT_ID}:certificate/${hashOf(name, 8)}-0000-4000-8000-${hashOf(name, 12)}`,
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
        }
        case "aws:acm/certificateValidation:CertificateValidation":
            return { id: `${inputs.certificateArn}-validation`, state: { ...inputs } };
        case "aws:cloudfront/distribution:Distribution": {
            const distributionId = `E${hashOf(name, 13).toUpperCase()}`;
            return {
                id: distributionId,
                state: {
                    ...inputs,
                    arn: `arn:aws:cloudfront::${ACCOUNT_ID}:distribution/${distributionId}`,
                    domainName: `d${hashOf(name, 13)}.cloudfront.net`,
                    hostedZoneId: CLOUDFRONT_ZONE_ID,
                    status: "Deployed",
                },
            };
        }
        case "aws:cloudfront/originAccessControl:OriginAccessControl":
        case "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy":
            return { id: `${hashOf(name, 8)}-0000-4000-8000-${hashOf(name, 12)}`, state: { ...inputs } };
        case "aws:route53/record:Record":
            return {
                id: `${inputs.zoneId}_${inputs.name}_${inputs.type}`,
                state: { ...inputs, fqdn: String(inputs.name).replace(/\.$/, "") },
            };
        case "aws:s3/bucketObjectv2:BucketObjectv2":
            return { id: `${inputs.bucket}/${inputs.key}`, state: { ...inputs, etag: hashOf(inputs.content, 32) } };
        case "aws:s3/bucketPolicy:BucketPolicy":
        case "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock":
        case "aws:s3/bucketOwnershipControls:BucketOwnershipControls":
        case "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration":
            return { id: inputs.bucket, state: { ...inputs } };
        case "cloudflare:index/dnsRecord:DnsRecord":
            return { id: hashOf(name, 32), state: { ...inputs } };
        case "pulumi:providers:aws":
        case "pulumi:providers:cloudflare":
            return { id, state: { ...inputs } };
        default:
            throw new Error(`unmocked resource type ${type} (${name})`);
    }
}

function callResult(token: string, inputs: Record<string, any>): Record<string, any> {
    switch (token) {
        case "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                accountId: ACCOUNT_ID,
                arn: `arn:aws:iam::${ACCOUNT_ID}:user/deployer`,
                id: ACCOUNT_ID,
                userId: "AIDAEXAMPLE",
            };
        case "aws:index/getRegion:getRegion":
            return {
                id: AWS_REGION,
                name: AWS_REGION,
                region: AWS_REGION,
                endpoint: `ec2.${AWS_REGION}.amazonaws.com`,
            };
        case "aws:route53/getZone:getZone":
            return { id: ROUTE53_ZONE_ID, zoneId: ROUTE53_ZONE_ID, name: inputs.name, privateZone: false };
        case "cloudflare:index/getZone:getZone":
            return { id: CLOUDFLARE_ZONE_ID, zoneId: CLOUDFLARE_ZONE_ID, name: inputs.filter?.name, status: "active" };
        default:
            throw new Error(`unmocked call ${token}`);
    }
}

/** Installs fresh mocks (and config) for one test. */
export async function installMocks(options: MockOptions = {}): Promise<MockWorld> {
    const resources: RegisteredResource[] = [];
    const calls: InvokeCall[] = [];
    const pending = new Map<string, Omit<RegisteredResource, "inputs" | "state" | "urn" | "id">>();

    pulumi.runtime.setAllConfig(options.config ?? {});
    await pulumi.runtime.setMocks(
        {
            newResource(args) {
                // Component resources are registered too; only custom resources need provider state.
                const { id, state } = args.custom ? stateFor(args.type, args.name, args.inputs) : { id: "", state: {} };
                const meta = pending.get(`${args.type}::${args.name}`);
                resources.push({
                    type: args.type,
                    name: args.name,
                    urn: "",
                    id,
                    inputs: args.inputs,
                    state,
                    provider: args.provider ?? "",
                    parent: meta?.parent ?? "",
                    dependencies: meta?.dependencies ?? [],
                });
                return { id, state };
            },
            call(args) {
                calls.push({ token: args.token, inputs: args.inputs, provider: args.provider ?? "" });
                return callResult(args.token, args.inputs);
            },
        },
        options.project ?? "mta-sts",
        options.stack ?? "test",
        options.preview ?? false,
    );

    // Parents and dependencies never reach the mocks, so read them off the requests.
    const monitor = pulumi.runtime.getMonitor() as any;
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: (err: unknown, resp: any) => void) => {
        pending.set(`${req.getType()}::${req.getName()}`, {
            type: req.getType(),
            name: req.getName(),
            provider: req.getProvider(),
            parent: req.getParent(),
            dependencies: req.getDependenciesList(),
        });
        return register(req, (err: unknown, resp: any) => {
            const record = resources.find((r) => r.type === req.getType() && r.name === req.getName() && r.urn === "");
            if (!err && record) {
                record.urn = resp.getUrn();
            }
            callback(err, resp);
        });
    };

    return {
        resources,
        calls,
        async settle() {
            await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
        },
        byType(type: string) {
            return resources.filter((r) => r.type === type);
        },
        byName(name: string) {
            const found = resources.find((r) => r.name === name);
            if (!found) {
                throw new Error(`no resource named ${name}; registered: ${resources.map((r) => r.name).join(", ")}`);
            }
            return found;
        },
    };
}
