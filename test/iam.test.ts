/**
 * iam/deployer-policy.json, the permissions the deployer needs, covers every AWS resource type and
 * lookup the components register. The types come from the mocks, across configurations that reach
 * every branch; a new type fails here until the table below and the policy cover it. A new branch
 * (an argument that creates other resources) needs a configuration here.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { MtaSts, MtaStsArgs, MtaStsHosting, TlsRptReceiver } from "../components";
import { valueOf } from "./helpers";
import { MockWorld, RegisteredResource, installMocks } from "./mocks";

interface Statement {
    Effect: "Allow" | "Deny";
    Action: string | string[];
    Resource: string | string[];
}

const policy: { Statement: Statement[] } = JSON.parse(
    readFileSync(path.join(__dirname, "..", "iam", "deployer-policy.json"), "utf8"),
);

/** What Pulumi (through the AWS provider) calls to create, read, update, tag and delete one resource. */
interface Permissions {
    actions: string[];
    /** The ARN the actions apply to, from the registered resource; "*" where IAM has no resource level. */
    resource: (registered: RegisteredResource) => string;
}

const bucketArn = (r: RegisteredResource) => `arn:aws:s3:::${r.inputs.bucket}`;
const anyResource = () => "*";
const DISTRIBUTION_ACTIONS = [
    "cloudfront:CreateDistribution",
    "cloudfront:GetDistribution",
    "cloudfront:GetDistributionConfig",
    "cloudfront:UpdateDistribution",
    "cloudfront:DeleteDistribution",
    "cloudfront:TagResource",
    "cloudfront:UntagResource",
    "cloudfront:ListTagsForResource",
];

const resourcePermissions: Record<string, Permissions> = {
    "aws:s3/bucket:Bucket": {
        actions: [
            "s3:CreateBucket",
            "s3:ListBucket",
            "s3:GetBucketLocation",
            "s3:GetBucketPolicy",
            "s3:GetBucketAcl",
            "s3:GetBucketCORS",
            "s3:GetBucketWebsite",
            "s3:GetBucketVersioning",
            "s3:GetAccelerateConfiguration",
            "s3:GetBucketRequestPayment",
            "s3:GetBucketLogging",
            "s3:GetLifecycleConfiguration",
            "s3:GetReplicationConfiguration",
            "s3:GetEncryptionConfiguration",
            "s3:GetBucketObjectLockConfiguration",
            "s3:GetBucketTagging",
            "s3:PutBucketTagging",
            "s3:DeleteBucket",
            // forceDestroy empties the bucket first.
            "s3:ListBucketVersions",
        ],
        resource: bucketArn,
    },
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": {
        // DeletePublicAccessBlock is authorised by the Put action.
        actions: ["s3:PutBucketPublicAccessBlock", "s3:GetBucketPublicAccessBlock"],
        resource: bucketArn,
    },
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": {
        actions: ["s3:PutBucketOwnershipControls", "s3:GetBucketOwnershipControls"],
        resource: bucketArn,
    },
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": {
        actions: ["s3:PutEncryptionConfiguration", "s3:GetEncryptionConfiguration"],
        resource: bucketArn,
    },
    "aws:s3/bucketPolicy:BucketPolicy": {
        actions: ["s3:PutBucketPolicy", "s3:GetBucketPolicy", "s3:DeleteBucketPolicy"],
        resource: bucketArn,
    },
    "aws:s3/bucketObjectv2:BucketObjectv2": {
        actions: [
            "s3:PutObject",
            "s3:GetObject",
            "s3:GetObjectTagging",
            "s3:PutObjectTagging",
            "s3:DeleteObjectTagging",
            "s3:DeleteObject",
            "s3:DeleteObjectVersion",
        ],
        resource: (r) => `arn:aws:s3:::${r.inputs.bucket}/${r.inputs.key}`,
    },
    "aws:acm/certificate:Certificate": {
        actions: [
            "acm:RequestCertificate",
            "acm:DescribeCertificate",
            "acm:ListTagsForCertificate",
            "acm:AddTagsToCertificate",
            "acm:RemoveTagsFromCertificate",
            "acm:DeleteCertificate",
        ],
        resource: anyResource,
    },
    "aws:acm/certificateValidation:CertificateValidation": {
        actions: ["acm:DescribeCertificate"],
        resource: anyResource,
    },
    "aws:cloudfront/originAccessControl:OriginAccessControl": {
        actions: [
            "cloudfront:CreateOriginAccessControl",
            "cloudfront:GetOriginAccessControl",
            "cloudfront:UpdateOriginAccessControl",
            "cloudfront:DeleteOriginAccessControl",
        ],
        resource: anyResource,
    },
    "aws:cloudfront/distribution:Distribution": {
        actions: DISTRIBUTION_ACTIONS,
        resource: anyResource,
    },
    // A multi-tenant distribution is a distribution to the API: the same calls.
    "aws:cloudfront/multitenantDistribution:MultitenantDistribution": {
        actions: DISTRIBUTION_ACTIONS,
        resource: anyResource,
    },
    "aws:cloudfront/connectionGroup:ConnectionGroup": {
        actions: [
            "cloudfront:CreateConnectionGroup",
            "cloudfront:GetConnectionGroup",
            "cloudfront:UpdateConnectionGroup",
            "cloudfront:DeleteConnectionGroup",
            "cloudfront:TagResource",
            "cloudfront:UntagResource",
            "cloudfront:ListTagsForResource",
        ],
        resource: anyResource,
    },
    "aws:cloudfront/distributionTenant:DistributionTenant": {
        actions: [
            "cloudfront:CreateDistributionTenant",
            "cloudfront:GetDistributionTenant",
            "cloudfront:UpdateDistributionTenant",
            "cloudfront:DeleteDistributionTenant",
            "cloudfront:GetManagedCertificateDetails",
            "cloudfront:TagResource",
            "cloudfront:UntagResource",
            "cloudfront:ListTagsForResource",
        ],
        resource: anyResource,
    },
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": {
        actions: ["s3:PutLifecycleConfiguration", "s3:GetLifecycleConfiguration"],
        resource: bucketArn,
    },
    "aws:cloudwatch/logGroup:LogGroup": {
        actions: [
            "logs:CreateLogGroup",
            "logs:DescribeLogGroups",
            "logs:PutRetentionPolicy",
            "logs:DeleteRetentionPolicy",
            "logs:DeleteLogGroup",
            "logs:TagResource",
            "logs:UntagResource",
            "logs:ListTagsForResource",
        ],
        resource: anyResource,
    },
    "aws:iam/role:Role": {
        actions: [
            "iam:CreateRole",
            "iam:GetRole",
            "iam:UpdateRole",
            "iam:UpdateAssumeRolePolicy",
            "iam:DeleteRole",
            "iam:TagRole",
            "iam:UntagRole",
            "iam:ListRolePolicies",
            "iam:ListAttachedRolePolicies",
            "iam:ListInstanceProfilesForRole",
        ],
        resource: (r) => `arn:aws:iam::123456789012:role/${r.name}-0123abc`,
    },
    "aws:iam/rolePolicy:RolePolicy": {
        actions: ["iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy"],
        resource: () => "arn:aws:iam::123456789012:role/reports-role-0123abc",
    },
    "aws:lambda/function:Function": {
        actions: [
            "lambda:CreateFunction",
            "lambda:GetFunction",
            "lambda:GetFunctionConfiguration",
            "lambda:GetFunctionCodeSigningConfig",
            "lambda:ListVersionsByFunction",
            "lambda:UpdateFunctionCode",
            "lambda:UpdateFunctionConfiguration",
            "lambda:PutFunctionConcurrency",
            "lambda:DeleteFunctionConcurrency",
            "lambda:DeleteFunction",
            "lambda:TagResource",
            "lambda:UntagResource",
            "lambda:ListTags",
            // The function's execution role.
            "iam:PassRole",
        ],
        resource: anyResource,
    },
    "aws:lambda/functionUrl:FunctionUrl": {
        actions: [
            "lambda:CreateFunctionUrlConfig",
            "lambda:GetFunctionUrlConfig",
            "lambda:UpdateFunctionUrlConfig",
            "lambda:DeleteFunctionUrlConfig",
        ],
        resource: anyResource,
    },
    "aws:lambda/permission:Permission": {
        actions: ["lambda:AddPermission", "lambda:GetPolicy", "lambda:RemovePermission"],
        resource: anyResource,
    },
    "aws:ses/domainIdentity:DomainIdentity": {
        actions: ["ses:VerifyDomainIdentity", "ses:GetIdentityVerificationAttributes", "ses:DeleteIdentity"],
        resource: anyResource,
    },
    "aws:ses/domainIdentityVerification:DomainIdentityVerification": {
        actions: ["ses:GetIdentityVerificationAttributes"],
        resource: anyResource,
    },
    "aws:ses/receiptRuleSet:ReceiptRuleSet": {
        actions: ["ses:CreateReceiptRuleSet", "ses:DescribeReceiptRuleSet", "ses:DeleteReceiptRuleSet"],
        resource: anyResource,
    },
    "aws:ses/receiptRule:ReceiptRule": {
        actions: ["ses:CreateReceiptRule", "ses:DescribeReceiptRule", "ses:UpdateReceiptRule", "ses:DeleteReceiptRule"],
        resource: anyResource,
    },
    "aws:ses/activeReceiptRuleSet:ActiveReceiptRuleSet": {
        actions: ["ses:SetActiveReceiptRuleSet", "ses:DescribeActiveReceiptRuleSet"],
        resource: anyResource,
    },
    "aws:route53/record:Record": {
        actions: ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets", "route53:GetHostedZone"],
        resource: (r) => `arn:aws:route53:::hostedzone/${r.inputs.zoneId}`,
    },
};

/** Lookups, by invoke token. */
const invokePermissions: Record<string, { actions: string[]; resource: string }> = {
    // STS answers GetCallerIdentity for every principal; no permission can deny it.
    "aws:index/getCallerIdentity:getCallerIdentity": { actions: [], resource: "*" },
    // Read from the provider's configuration; no AWS call.
    "aws:index/getRegion:getRegion": { actions: [], resource: "*" },
    "aws:route53/getZone:getZone": { actions: ["route53:ListHostedZones"], resource: "*" },
};

/** Route 53 changes are polled until INSYNC. */
const ROUTE53_CHANGE_ACTION = { action: "route53:GetChange", resource: "arn:aws:route53:::change/C0123456789" };

const base: MtaStsArgs = { domain: "example.com", mode: "enforce", mx: ["mx1.example.com"] };
const EXISTING_CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-4000-8000-000000000000";

/**
 * Configurations that together reach every resource and lookup the components can register;
 * each builds its stack and returns the outputs to wait for.
 */
const configurations: Record<string, () => pulumi.Output<unknown>[]> = {
    "Route 53 by zone name, with TLS-RPT and tags": () => {
        const mail = new MtaSts("mail", {
            ...base,
            route53: { zoneName: "example.com" },
            tlsRpt: { rua: ["mailto:tlsrpt@example.com"] },
            tags: { team: "mail" },
        });
        return [mail.distributionDomainName];
    },
    "Route 53 by zone id, with an existing certificate": () => {
        const mail = new MtaSts("mail", {
            ...base,
            route53: { zoneId: "Z0123456789ABCDEFGHIJ" },
            certificateArn: EXISTING_CERTIFICATE,
        });
        return [mail.distributionDomainName];
    },
    "Cloudflare by zone name": () => [
        new MtaSts("mail", { ...base, cloudflare: { zoneName: "example.com" } }).distributionDomainName,
    ],
    "an existing origin access control": () => [
        new MtaSts("mail", { ...base, route53: { zoneName: "example.com" }, originAccessControlId: "E0123456789ABC" })
            .distributionDomainName,
    ],
    "a TLS-RPT receiver with email on Route 53 and an active rule set, feeding the domain's rua": () => {
        const receiver = new TlsRptReceiver("reports", {
            domains: ["example.com"],
            email: { domain: "tlsrpt.example.com", route53: { zoneName: "example.com" }, activateRuleSet: true },
            tags: { team: "mail" },
        });
        const mail = new MtaSts("mail", { ...base, route53: { zoneName: "example.com" }, tlsRpt: { receiver } });
        return [receiver.endpointUrl, receiver.bucketName, mail.distributionDomainName];
    },
    "shared hosting with a certificate and tags, and a domain that requests its own certificate": () => {
        const hosting = new MtaStsHosting("fleet", { certificateArn: EXISTING_CERTIFICATE, tags: { team: "mail" } });
        const mail = new MtaSts("mail", { ...base, route53: { zoneName: "example.com" }, hosting });
        return [hosting.routingEndpoint, mail.distributionTenantId, mail.certificateArn];
    },
    "shared hosting, and a domain with a CloudFront-managed certificate on Cloudflare": () => {
        const hosting = new MtaStsHosting("fleet");
        const mail = new MtaSts("mail", {
            ...base,
            cloudflare: { zoneName: "example.com" },
            hosting,
            cloudFrontManagedCertificate: true,
        });
        return [hosting.routingEndpoint, mail.distributionTenantId];
    },
};

function matches(pattern: string, value: string): boolean {
    const regex = new RegExp(
        `^${pattern
            .replace(/[.+^${}()|[\]\\]/g, "\\$&")
            .replace(/\*/g, ".*")
            .replace(/\?/g, ".")}$`,
        "i",
    );
    return regex.test(value);
}

const list = (value: string | string[]) => (Array.isArray(value) ? value : [value]);

/** Whether an Allow statement grants `action` on `resource` ("*": a statement for every resource). */
function allowed(action: string, resource: string): boolean {
    return policy.Statement.some(
        (statement) =>
            statement.Effect === "Allow" &&
            list(statement.Action).some((pattern) => matches(pattern, action)) &&
            list(statement.Resource).some((pattern) =>
                resource === "*" ? pattern === "*" : matches(pattern, resource),
            ),
    );
}

const worlds: MockWorld[] = [];
beforeAll(async () => {
    for (const build of Object.values(configurations)) {
        const world = await installMocks();
        await Promise.all(build().map(valueOf));
        await world.settle();
        worlds.push(world);
    }
}, 120000);

const awsResources = () => worlds.flatMap((world) => world.resources).filter((r) => r.type.startsWith("aws:"));
const awsInvokes = () => worlds.flatMap((world) => world.calls).filter((call) => call.token.startsWith("aws:"));

test("every AWS resource type the component registers has its permissions listed here", () => {
    const types = new Set(awsResources().map((r) => r.type));

    expect([...types].filter((type) => !(type in resourcePermissions))).toEqual([]);
});

test("every AWS lookup the component makes has its permissions listed here", () => {
    const tokens = new Set(awsInvokes().map((call) => call.token));

    expect([...tokens].filter((token) => !(token in invokePermissions))).toEqual([]);
});

test("every type and lookup listed here is registered by some configuration, so none is stale", () => {
    const seen = new Set([...awsResources().map((r) => r.type), ...awsInvokes().map((call) => call.token)]);

    expect(
        [...Object.keys(resourcePermissions), ...Object.keys(invokePermissions)].filter((k) => !seen.has(k)),
    ).toEqual([]);
});

test("the policy allows every action on every resource the configurations register", () => {
    const missing = new Set<string>();
    for (const registered of awsResources()) {
        const { actions, resource } = resourcePermissions[registered.type] ?? { actions: [], resource: anyResource };
        for (const action of actions) {
            if (!allowed(action, resource(registered))) missing.add(`${action} on ${resource(registered)}`);
        }
    }
    for (const call of awsInvokes()) {
        for (const action of invokePermissions[call.token]?.actions ?? []) {
            if (!allowed(action, invokePermissions[call.token].resource)) missing.add(`${action} (${call.token})`);
        }
    }
    if (awsResources().some((r) => r.type === "aws:route53/record:Record")) {
        if (!allowed(ROUTE53_CHANGE_ACTION.action, ROUTE53_CHANGE_ACTION.resource))
            missing.add(ROUTE53_CHANGE_ACTION.action);
    }

    expect([...missing]).toEqual([]);
});

test("the policy grants nothing on S3 beyond this component's buckets", () => {
    const s3Resources = policy.Statement.filter((s) => list(s.Action).some((a) => a.startsWith("s3:"))).flatMap((s) =>
        list(s.Resource),
    );

    expect(s3Resources.every((resource) => resource.startsWith("arn:aws:s3:::mta-sts-"))).toBe(true);
});
