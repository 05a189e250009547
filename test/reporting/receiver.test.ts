import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { TlsRptReceiver, TlsRptReceiverArgs, TlsRptReceiverArgsError } from "../../components";
import { accountRegionalBucketName, bucketNamePrefix } from "../../components/publishing/hosting/names";
import { valueOf } from "../helpers";
import { ACCOUNT_ID, AWS_REGION, CLOUDFLARE_ZONE_ID, MockWorld, ROUTE53_ZONE_ID, installMocks } from "../mocks";

const BUCKET = accountRegionalBucketName(bucketNamePrefix("tlsrpt", "mta-sts/test/example"), ACCOUNT_ID, AWS_REGION);
const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;
const RULE_SET = bucketNamePrefix("rules", "mta-sts/test/example");
const RULE_ARN = `arn:aws:ses:${AWS_REGION}:${ACCOUNT_ID}:receipt-rule-set/${RULE_SET}:receipt-rule/tlsrpt-reports`;

const httpsOnly: TlsRptReceiverArgs = { domains: ["example.com"] };
const withEmail: TlsRptReceiverArgs = {
    domains: ["example.com"],
    email: { domain: "tlsrpt.example.com", route53: { zoneName: "example.com" } },
};

async function deploy(
    args: TlsRptReceiverArgs,
    options: { opts?: pulumi.ComponentResourceOptions; config?: Record<string, string> } = {},
): Promise<{ world: MockWorld; receiver: TlsRptReceiver }> {
    const world = await installMocks({ config: options.config });
    const receiver = new TlsRptReceiver("example", args, options.opts);
    await valueOf(receiver.endpointUrl);
    await world.settle();
    return { world, receiver };
}

function inventory(world: MockWorld): string[] {
    return world.resources.map((r) => `${r.type} ${r.name}`).sort();
}

const HTTPS_INVENTORY = [
    "mta-sts:index:TlsRptReceiver example",
    "aws:s3/bucket:Bucket example-bucket",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock example-bucket-public-access",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls example-bucket-ownership",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration example-bucket-encryption",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration example-bucket-lifecycle",
    "aws:s3/bucketPolicy:BucketPolicy example-bucket-policy",
    "aws:cloudwatch/logGroup:LogGroup example-logs",
    "aws:iam/role:Role example-role",
    "aws:iam/rolePolicy:RolePolicy example-role-policy",
    "aws:lambda/function:Function example-function",
    "aws:lambda/functionUrl:FunctionUrl example-url",
];

describe("HTTPS reporting", () => {
    let world: MockWorld;
    let receiver: TlsRptReceiver;
    beforeAll(async () => ({ world, receiver } = await deploy(httpsOnly)));

    test("creates exactly the bucket, the function, its role and its URL, named after the component", () => {
        expect(inventory(world)).toEqual([...HTTPS_INVENTORY].sort());
    });

    test("the function runs the bundled handler on nodejs22.x with reserved concurrency", () => {
        expect(world.byName("example-function").inputs).toMatchObject({
            runtime: "nodejs22.x",
            handler: "index.handler",
            architectures: ["arm64"],
            memorySize: 512,
            timeout: 30,
            reservedConcurrentExecutions: 5,
            role: `arn:aws:iam::${ACCOUNT_ID}:role/${world.byName("example-role").id}`,
            environment: {
                variables: { REPORT_BUCKET: BUCKET, REPORT_PREFIX: "tlsrpt/", REPORT_DOMAINS: "example.com" },
            },
            loggingConfig: { logFormat: "JSON", logGroup: world.byName("example-logs").state.name },
        });
    });

    test("the endpoint is a public Function URL (senders cannot authenticate, RFC 8460 §5.4)", () => {
        expect(world.byName("example-url").inputs).toEqual({
            functionName: world.byName("example-function").id,
            authorizationType: "NONE",
            invokeMode: "BUFFERED",
        });
    });

    test("outputs say where reports go and where they are kept", async () => {
        expect(await valueOf(receiver.endpointUrl)).toBe(world.byName("example-url").state.functionUrl);
        expect(await valueOf(receiver.endpointUrl)).toMatch(
            /^https:\/\/[0-9a-f]{32}\.lambda-url\.eu-west-1\.on\.aws\/$/,
        );
        expect(await valueOf(receiver.bucketName)).toBe(BUCKET);
        expect(await valueOf(receiver.prefix)).toBe("tlsrpt/");
        expect(await valueOf(receiver.functionName)).toBe(world.byName("example-function").id);
        expect(receiver.mailto).toBeUndefined();
        expect(receiver.ruleSetName).toBeUndefined();
    });

    test("the function waits for its permissions and the bucket policy", () => {
        const fn = world.byName("example-function");
        expect(fn.dependencies).toEqual(
            expect.arrayContaining([
                world.byName("example-role-policy").urn,
                world.byName("example-bucket-policy").urn,
            ]),
        );
    });

    test("logs are kept 30 days", () => {
        expect(world.byName("example-logs").inputs).toEqual({ retentionInDays: 30 });
    });
});

describe("security defaults", () => {
    let world: MockWorld;
    beforeAll(async () => ({ world } = await deploy(httpsOnly)));

    test("blocks every kind of public access, disables ACLs and encrypts with SSE-S3", () => {
        expect(world.byName("example-bucket-public-access").inputs).toEqual({
            bucket: BUCKET,
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        });
        expect(world.byName("example-bucket-ownership").inputs.rule).toEqual({
            objectOwnership: "BucketOwnerEnforced",
        });
        expect(world.byName("example-bucket-encryption").inputs.rules).toEqual([
            { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true },
        ]);
    });

    test("the bucket lives in the account-regional namespace and destroy keeps the reports", () => {
        expect(world.byName("example-bucket").inputs).toEqual({
            bucket: BUCKET,
            bucketNamespace: "account-regional",
            forceDestroy: false,
        });
    });

    test("refuses any request without TLS and grants nothing else", () => {
        expect(JSON.parse(world.byName("example-bucket-policy").inputs.policy)).toEqual({
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "DenyInsecureTransport",
                    Effect: "Deny",
                    Principal: "*",
                    Action: "s3:*",
                    Resource: [BUCKET_ARN, `${BUCKET_ARN}/*`],
                    Condition: { Bool: { "aws:SecureTransport": "false" } },
                },
            ],
        });
    });

    test("reports expire after 365 days and abandoned uploads after one", () => {
        expect(world.byName("example-bucket-lifecycle").inputs.rules).toEqual([
            {
                id: "expire-tlsrpt-reports",
                status: "Enabled",
                filter: { prefix: "tlsrpt/" },
                expiration: { days: 365 },
                abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
            },
        ]);
    });

    test("only Lambda may assume the role", () => {
        expect(JSON.parse(world.byName("example-role").inputs.assumeRolePolicy)).toEqual({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
        });
    });

    test("the function may write reports under its own prefix and its own logs, nothing else", () => {
        const logGroupArn = world.byName("example-logs").state.arn;
        expect(JSON.parse(world.byName("example-role-policy").inputs.policy)).toEqual({
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "StoreReports",
                    Effect: "Allow",
                    Action: "s3:PutObject",
                    Resource: [`${BUCKET_ARN}/tlsrpt/raw/*`, `${BUCKET_ARN}/tlsrpt/reports/*`],
                },
                {
                    Sid: "WriteOwnLogs",
                    Effect: "Allow",
                    Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                    Resource: `${logGroupArn}:*`,
                },
            ],
        });
    });

    test("no managed policy is attached to the role", () => {
        expect(world.byType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")).toEqual([]);
        expect(world.byName("example-role").inputs.managedPolicyArns).toBeUndefined();
    });
});

describe("email reporting (SES inbound)", () => {
    let world: MockWorld;
    let receiver: TlsRptReceiver;
    beforeAll(async () => ({ world, receiver } = await deploy(withEmail)));

    test("adds the verified subdomain, its records, the rule set, the rule and SES's permission", () => {
        expect(inventory(world)).toEqual(
            [
                ...HTTPS_INVENTORY,
                "aws:ses/domainIdentity:DomainIdentity example-ses-domain",
                "aws:route53/record:Record example-ses-verification-txt",
                "aws:ses/domainIdentityVerification:DomainIdentityVerification example-ses-domain-verification",
                "aws:ses/receiptRuleSet:ReceiptRuleSet example-rule-set",
                "aws:lambda/permission:Permission example-ses-permission",
                "aws:ses/receiptRule:ReceiptRule example-rule",
                "aws:route53/record:Record example-tlsrpt-mx",
            ].sort(),
        );
    });

    test("the MX goes on the reporting subdomain and points at SES in the deployment's region", () => {
        expect(world.byName("example-tlsrpt-mx").inputs).toEqual({
            zoneId: ROUTE53_ZONE_ID,
            name: "tlsrpt.example.com",
            type: "MX",
            records: [`10 inbound-smtp.${AWS_REGION}.amazonaws.com`],
            ttl: 300,
        });
    });

    test("the subdomain is verified for SES through its _amazonses TXT record", () => {
        expect(world.byName("example-ses-verification-txt").inputs).toEqual({
            zoneId: ROUTE53_ZONE_ID,
            name: "_amazonses.tlsrpt.example.com",
            type: "TXT",
            records: [world.byName("example-ses-domain").state.verificationToken],
            ttl: 300,
        });
        const verification = world.byName("example-ses-domain-verification");
        expect(verification.dependencies).toContain(world.byName("example-ses-verification-txt").urn);
    });

    test("the rule stores mail for the one address under inbound/, then invokes the handler", () => {
        expect(world.byName("example-rule").inputs).toEqual({
            name: "tlsrpt-reports",
            ruleSetName: RULE_SET,
            recipients: ["tlsrpt@tlsrpt.example.com"],
            enabled: true,
            scanEnabled: true,
            tlsPolicy: "Optional",
            s3Actions: [{ position: 1, bucketName: BUCKET, objectKeyPrefix: "tlsrpt/inbound/" }],
            lambdaActions: [
                { position: 2, functionArn: world.byName("example-function").state.arn, invocationType: "Event" },
            ],
        });
    });

    test("SES may invoke the function only for this rule in this account", () => {
        expect(world.byName("example-ses-permission").inputs).toEqual({
            function: world.byName("example-function").id,
            action: "lambda:InvokeFunction",
            principal: "ses.amazonaws.com",
            sourceAccount: ACCOUNT_ID,
            sourceArn: RULE_ARN,
        });
    });

    test("SES may write only under inbound/, only for this rule in this account", () => {
        const statements = JSON.parse(world.byName("example-bucket-policy").inputs.policy).Statement;
        expect(statements[1]).toEqual({
            Sid: "AllowThisReceiptRuleToStoreMail",
            Effect: "Allow",
            Principal: { Service: "ses.amazonaws.com" },
            Action: "s3:PutObject",
            Resource: `${BUCKET_ARN}/tlsrpt/inbound/*`,
            Condition: { StringEquals: { "AWS:SourceAccount": ACCOUNT_ID, "AWS:SourceArn": RULE_ARN } },
        });
    });

    test("the function may also read received mail, and still write only reports", () => {
        const statements = JSON.parse(world.byName("example-role-policy").inputs.policy).Statement;
        expect(statements.map((s: { Sid: string }) => s.Sid)).toEqual([
            "StoreReports",
            "ReadReceivedMail",
            "WriteOwnLogs",
        ]);
        expect(statements[1]).toEqual({
            Sid: "ReadReceivedMail",
            Effect: "Allow",
            Action: "s3:GetObject",
            Resource: `${BUCKET_ARN}/tlsrpt/inbound/*`,
        });
    });

    test("the rule waits for SES's permission, the bucket policy and the verified domain; the MX waits for the rule", () => {
        const rule = world.byName("example-rule");
        expect(rule.dependencies).toEqual(
            expect.arrayContaining([
                world.byName("example-ses-permission").urn,
                world.byName("example-bucket-policy").urn,
                world.byName("example-ses-domain-verification").urn,
            ]),
        );
        expect(world.byName("example-tlsrpt-mx").dependencies).toContain(rule.urn);
    });

    test("the rule set is not activated unless asked, so an active one in the account keeps working", () => {
        expect(world.byType("aws:ses/activeReceiptRuleSet:ActiveReceiptRuleSet")).toEqual([]);
    });

    test("outputs add the mailto: URI and the rule set", async () => {
        expect(await valueOf(receiver.mailto!)).toBe("mailto:tlsrpt@tlsrpt.example.com");
        expect(await valueOf(receiver.ruleSetName!)).toBe(RULE_SET);
    });
});

describe("email options", () => {
    test("activateRuleSet makes the rule set the active one, after the rule exists", async () => {
        const { world } = await deploy({ ...withEmail, email: { ...withEmail.email!, activateRuleSet: true } });
        const active = world.byName("example-active-rule-set");
        expect(active.inputs).toEqual({ ruleSetName: RULE_SET });
        expect(active.dependencies).toContain(world.byName("example-rule").urn);
    });

    test("with Cloudflare the MX carries the priority as a field and is DNS-only", async () => {
        const { world } = await deploy({
            email: { domain: "tlsrpt.example.com", localPart: "reports", cloudflare: { zoneId: CLOUDFLARE_ZONE_ID } },
        });
        expect(world.byName("example-tlsrpt-mx").inputs).toEqual({
            zoneId: CLOUDFLARE_ZONE_ID,
            name: "tlsrpt.example.com",
            type: "MX",
            content: `inbound-smtp.${AWS_REGION}.amazonaws.com`,
            priority: 10,
            proxied: false,
            ttl: 300,
            comment: "Managed by the mta-sts Pulumi component",
        });
        expect(world.byName("example-ses-verification-txt").inputs.content).toBe(
            JSON.stringify(world.byName("example-ses-domain").state.verificationToken),
        );
        expect(world.byName("example-rule").inputs.recipients).toEqual(["reports@tlsrpt.example.com"]);
    });

    test("a configured region where SES does not receive mail is refused before anything is registered", async () => {
        const world = await installMocks({ config: { "aws:region": "eu-south-1" } });
        expect(() => new TlsRptReceiver("example", withEmail)).toThrow(
            new TlsRptReceiverArgsError("example", [
                'email: SES receives mail only in us-east-1, us-east-2, us-west-2, ca-central-1, eu-central-1, eu-west-1, eu-west-2, ap-northeast-1, ap-southeast-1, ap-southeast-2, ap-southeast-3; the region is "eu-south-1". ' +
                    "Deploy the receiver with a provider in one of those regions, or leave email out and use the https endpoint alone",
            ]),
        );
        await world.settle();
        expect(world.resources).toEqual([]);
    });

    test("the same region is fine for HTTPS reporting alone", async () => {
        const { world } = await deploy(httpsOnly, { config: { "aws:region": "eu-south-1" } });
        expect(inventory(world)).toEqual([...HTTPS_INVENTORY].sort());
    });
});

describe("options", () => {
    test("prefix, expiry, concurrency, forceDestroy and tags are applied", async () => {
        const { world } = await deploy({
            prefix: "reports/tls/",
            expirationDays: 30,
            reservedConcurrency: 2,
            forceDestroy: true,
            tags: { team: "mail" },
        });
        expect(world.byName("example-function").inputs).toMatchObject({
            reservedConcurrentExecutions: 2,
            environment: { variables: { REPORT_PREFIX: "reports/tls/", REPORT_DOMAINS: "" } },
            tags: { team: "mail" },
        });
        expect(world.byName("example-bucket-lifecycle").inputs.rules[0]).toMatchObject({
            filter: { prefix: "reports/tls/" },
            expiration: { days: 30 },
        });
        expect(world.byName("example-bucket").inputs).toMatchObject({ forceDestroy: true, tags: { team: "mail" } });
        expect(JSON.parse(world.byName("example-role-policy").inputs.policy).Statement[0].Resource).toEqual([
            `${BUCKET_ARN}/reports/tls/raw/*`,
            `${BUCKET_ARN}/reports/tls/reports/*`,
        ]);
        for (const name of ["example-logs", "example-role"]) {
            expect(world.byName(name).inputs.tags).toEqual({ team: "mail" });
        }
    });

    test("reservedConcurrency -1 reserves nothing, for accounts at the minimum concurrency quota", async () => {
        const { world } = await deploy({ reservedConcurrency: -1 });
        expect(world.byName("example-function").inputs.reservedConcurrentExecutions).toBe(-1);
    });
});

describe("the registered handler archive", () => {
    test("holds one bundled index.js and nothing else", async () => {
        const { world } = await deploy(httpsOnly);
        const code = world.byName("example-function").inputs.code as pulumi.asset.AssetArchive;
        const assets = await code.assets;
        expect(Object.keys(assets)).toEqual(["index.js"]);
    });

    test("is the same bytes on every deployment, so an unchanged handler shows no diff", async () => {
        const first = await (await deploy(httpsOnly)).world.byName("example-function").inputs.code.assets;
        const second = await (await deploy(httpsOnly)).world.byName("example-function").inputs.code.assets;
        expect(await first["index.js"].text).toBe(await second["index.js"].text);
    });
});

describe("bad input", () => {
    test("throws one error listing every problem and registers nothing", async () => {
        const world = await installMocks();
        const bad = {
            domains: ["example.com", undefined],
            prefix: "/tlsrpt",
            expirationDays: 0,
            reservedConcurrency: 0,
            forceDestroy: "yes",
            colour: "blue",
            email: { domain: "example.com", localPart: "a b", route53: { zoneName: "example.org" }, ttl: 5 },
        } as unknown as TlsRptReceiverArgs;
        expect(() => new TlsRptReceiver("example", bad)).toThrow(
            new TlsRptReceiverArgsError("example", [
                "colour: unknown argument; known arguments are domains, prefix, expirationDays, reservedConcurrency, forceDestroy, tags, email",
                'domains[1]: expected a domain name such as "example.com", got nothing',
                `prefix "/tlsrpt": must be 1 to 200 of A-Z, a-z, 0-9 and !_.*'()/-, ending in "/" and not starting with "/", without empty or "." / ".." segments, e.g. "tlsrpt/"`,
                "expirationDays 0: must be a whole number from 1 to 36500 (days after which stored reports are deleted)",
                "reservedConcurrency 0: must be a whole number from 1 to 1000, or -1 to reserve nothing (for accounts whose concurrency quota leaves none to reserve); 0 would refuse every report",
                'forceDestroy "yes": must be true or false',
                'email.domain "example.com": must be a reporting subdomain such as "tlsrpt.example.com"; its MX record points at SES, which on a mail domain\'s apex would take over all of its mail',
                'email.localPart "a b": must be 1 to 64 letters, digits or !#$%&\'*+/=?^_`{|}~- in dot-separated words, e.g. "tlsrpt"',
                'email.route53.zoneName "example.org": must be a parent of email.domain "example.com"; the MX goes on the reporting subdomain, never on the zone\'s apex',
                "email.ttl 5: must be a whole number from 60 to 86400 (seconds DNS resolvers cache the MX and verification records)",
            ]),
        );
        await world.settle();
        expect(world.resources).toEqual([]);
    });

    test("a reporting domain that is one of the served mail domains is refused", async () => {
        await installMocks();
        expect(
            () =>
                new TlsRptReceiver("example", {
                    domains: ["mail.example.com"],
                    email: { domain: "mail.example.com", route53: { zoneId: ROUTE53_ZONE_ID } },
                }),
        ).toThrow(
            new TlsRptReceiverArgsError("example", [
                'email.domain "mail.example.com": is one of domains; use a subdomain such as "tlsrpt.mail.example.com", because its MX record points at SES and would take over the domain\'s mail',
            ]),
        );
    });

    test("email without a DNS provider is refused", async () => {
        await installMocks();
        expect(() => new TlsRptReceiver("example", { email: { domain: "tlsrpt.example.com" } })).toThrow(
            new TlsRptReceiverArgsError("example", [
                'email.route53/email.cloudflare: neither is set; set exactly one DNS provider for the reporting subdomain\'s records, e.g. route53: { zoneName: "example.com" }',
            ]),
        );
    });
});

describe("composition", () => {
    test("every child is parented to the component", async () => {
        const { world } = await deploy(withEmail);
        const component = world.byName("example");
        for (const child of world.resources.filter((r) => r !== component)) {
            expect({ child: child.name, parent: child.parent }).toEqual({ child: child.name, parent: component.urn });
        }
    });

    test("a provider passed to the component reaches every child resource and lookup", async () => {
        const world = await installMocks();
        const provider = new aws.Provider("eu", { region: "eu-west-1" });
        const receiver = new TlsRptReceiver("example", withEmail, { providers: { aws: provider } });
        await valueOf(receiver.endpointUrl);
        await world.settle();
        const awsChildren = world.resources.filter((r) => r.type.startsWith("aws:"));
        expect(awsChildren.length).toBeGreaterThan(0);
        for (const child of awsChildren) {
            expect({ child: child.name, provider: child.provider }).toEqual({
                child: child.name,
                provider: expect.stringContaining("pulumi:providers:aws::eu::"),
            });
        }
        for (const call of world.calls.filter((c) => c.token.startsWith("aws:"))) {
            expect(call.provider).toContain("pulumi:providers:aws::eu::");
        }
    });
});
