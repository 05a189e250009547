/**
 * End-to-end conformance: what MtaSts registers is served for real on loopback
 * (DNS + HTTPS with a throwaway CA) and resolved by an independent MTA-STS
 * client, mailauth, in strict mode, as a sending mail server would.
 */
import * as pulumi from "@pulumi/pulumi";
import { MtaSts, MtaStsArgs, MtaStsHosting, POLICY_PATH, PolicyMode, computePolicyId, matchMx } from "../../components";
import { valueOf } from "../helpers";
import { MockWorld, RegisteredResource, installMocks } from "../mocks";
import { keyCloudFrontReads } from "../support/cloudfront";
import {
    CertificateAuthority,
    DnsServer,
    HttpsServer,
    createCertificateAuthority,
    issueCertificate,
    startDnsServer,
    startHttpsServer,
    trustCertificateAuthority,
} from "../support/loopback";
import {
    parsePolicyLenient,
    parsePolicyStrict,
    parseStsRecordLenient,
    parseStsRecordStrict,
    parseTlsRptRecordLenient,
    parseTlsRptRecordStrict,
    rfcMatches,
} from "./conformance/parsers";
const { getPolicy, validateMx } = require("mailauth/lib/mta-sts");

const DOMAIN = "example.com";
const HOST = `mta-sts.${DOMAIN}`;

/** What a deployment publishes, read off the registered resource inputs. */
interface Published {
    host: string;
    body: string;
    contentType: string;
    stsTxt: string[];
    tlsRptTxt: string[];
    /** Registered resources, in registration order, with what each waits for. */
    graph: { name: string; urn: string; dependencies: string[] }[];
}

/** Cloudflare stores TXT content as written and serves what is inside the quotes. */
function unquoteCloudflare(content: string): string {
    const match = /^"((?:[^"\\]|\\.)*)"$/.exec(content);
    if (!match) throw new Error(`Cloudflare TXT content ${content} is not one quoted string`);
    return match[1].replace(/\\(.)/g, "$1");
}

function txtValues(resource: { type: string; inputs: any } | undefined): string[] {
    if (!resource) return [];
    return resource.type.startsWith("aws:") ? resource.inputs.records : [unquoteCloudflare(resource.inputs.content)];
}

type HostingMode = "standalone" | "shared";
const HOSTING_MODES: HostingMode[] = ["standalone", "shared"];

/**
 * The policy a deployment serves at /.well-known/mta-sts.txt. Standalone: the one object
 * in the domain's own bucket. Shared: the object at the key CloudFront reads for the
 * tenant, resolved from the multi-tenant distribution's origin path and the tenant's
 * parameters as registered, in the bucket that distribution reads.
 */
function servedObject(world: MockWorld, mode: HostingMode): RegisteredResource {
    const objects = world.byType("aws:s3/bucketObjectv2:BucketObjectv2");
    if (mode === "standalone") return objects[0];
    const tenant = world.byType("aws:cloudfront/distributionTenant:DistributionTenant")[0];
    const distribution = world.byType("aws:cloudfront/multitenantDistribution:MultitenantDistribution")[0];
    expect(tenant.inputs.distributionId).toBe(distribution.id);
    const origin = distribution.inputs.origins[0];
    const bucket = world
        .byType("aws:s3/bucket:Bucket")
        .find((b) => b.state.bucketRegionalDomainName === origin.domainName)!;
    const key = keyCloudFrontReads(origin.originPath, tenant.inputs.parameters, `/${POLICY_PATH}`);
    const object = objects.find((o) => o.inputs.bucket === bucket.inputs.bucket && o.inputs.key === key);
    if (!object) throw new Error(`CloudFront would read s3://${bucket.inputs.bucket}/${key}, which holds no object`);
    return object;
}

async function publish(args: MtaStsArgs, mode: HostingMode = "standalone"): Promise<Published> {
    const world = await installMocks();
    const hosting = mode === "shared" ? new MtaStsHosting("fleet") : undefined;
    const site = new MtaSts("site", { ...args, ...(hosting ? { hosting } : {}) });
    await valueOf(pulumi.all([site.bucketName, site.distributionTenantId, site.policyId]));
    await world.settle();
    const object = servedObject(world, mode);
    const host =
        mode === "standalone"
            ? world.byType("aws:cloudfront/distribution:Distribution")[0].inputs.aliases[0]
            : world.byType("aws:cloudfront/distributionTenant:DistributionTenant")[0].inputs.domains[0].domain;
    return {
        host,
        body: object.inputs.content,
        contentType: object.inputs.contentType,
        stsTxt: txtValues(world.resources.find((r) => r.name === "site-mta-sts-txt")),
        tlsRptTxt: txtValues(world.resources.find((r) => r.name === "site-tlsrpt-txt")),
        graph: world.resources.map(({ name, urn, dependencies }) => ({ name, urn, dependencies })),
    };
}

let ca: CertificateAuthority;
let untrustedCa: CertificateAuthority;
let dns: DnsServer;
let policyHost: HttpsServer;
let untrust: () => void;
const extraServers: HttpsServer[] = [];

beforeAll(async () => {
    // Short max_age warnings are expected in the matrix; they are tested in mtaSts.test.ts.
    jest.spyOn(pulumi.log, "warn").mockImplementation(() => Promise.resolve());
    ca = await createCertificateAuthority("mta-sts test CA");
    untrustedCa = await createCertificateAuthority("untrusted CA");
    untrust = trustCertificateAuthority(ca);
    dns = await startDnsServer();
    policyHost = await startHttpsServer(await issueCertificate(ca, HOST), { status: 404, headers: {}, body: "" });
}, 30000);

afterAll(async () => {
    jest.restoreAllMocks();
    untrust?.();
    await Promise.all([dns?.close(), policyHost?.close(), ...extraServers.map((server) => server.close())]);
});

function serveBody(published: Published): void {
    policyHost.respond = { status: 200, headers: { "content-type": published.contentType }, body: published.body };
}

function serveDns(published: Published, address = policyHost.address): void {
    dns.zone.set(`_mta-sts.${DOMAIN}`, { TXT: published.stsTxt });
    dns.zone.set(`_smtp._tls.${DOMAIN}`, { TXT: published.tlsRptTxt });
    dns.zone.set(published.host, { A: [address] });
}

function serve(published: Published, address?: string): void {
    serveBody(published);
    serveDns(published, address);
}

function resolveAsSender(knownPolicy?: object): Promise<any> {
    return getPolicy(DOMAIN, knownPolicy ?? null, { resolver: dns.resolve, strict: true, timeout: 3000 });
}

interface Expected {
    mode: string;
    mx: string[];
    maxAge: number;
    rua?: string[];
}

/** Every check a sender (and our stricter reading) applies; returns what failed. */
async function conformanceFailures(expected: Expected): Promise<string[]> {
    const failures: string[] = [];
    const attempt = (what: string, check: () => void) => {
        try {
            check();
        } catch (error) {
            failures.push(`${what}: ${(error as Error).message}`);
        }
    };

    const result = await resolveAsSender();
    attempt("mailauth", () => {
        if (result.status !== "found")
            throw new Error(
                `status ${result.status}: ${result.policy.error?.code ?? ""} ${result.policy.error?.message ?? ""}`,
            );
        if (result.warnings) throw new Error(`warnings ${result.warnings}`);
        expect({ mode: result.policy.mode, mx: result.policy.mx, maxAge: result.policy.maxAge }).toEqual({
            mode: expected.mode,
            mx: expected.mx,
            maxAge: expected.maxAge,
        });
    });

    const stsRecords = ((await dns.resolve(`_mta-sts.${DOMAIN}`, "TXT")) as string[][]).map((strings) =>
        strings.join(""),
    );
    attempt("one discovery record", () => expect(stsRecords.filter((r) => /^v=STSv1/i.test(r))).toHaveLength(1));
    const served = policyHost.respond.body;
    attempt("strict and lenient policy parsers agree", () => {
        const strict = parsePolicyStrict(served);
        expect(parsePolicyLenient(served)).toEqual(strict);
        expect({ mode: strict.mode, mx: strict.mx, maxAge: strict.maxAge }).toEqual({
            mode: expected.mode,
            mx: expected.mx,
            maxAge: expected.maxAge,
        });
    });
    attempt("the id in DNS is the hash of the served body", () => {
        const id = parseStsRecordStrict(stsRecords[0]);
        expect(parseStsRecordLenient(stsRecords[0])).toBe(id);
        expect(id).toBe(computePolicyId(served));
        if (result.status === "found") expect(result.policy.id).toBe(id);
    });
    if (expected.rua) {
        const rptRecords = ((await dns.resolve(`_smtp._tls.${DOMAIN}`, "TXT")) as string[][]).map((s) => s.join(""));
        attempt("TLS-RPT record", () => {
            expect(rptRecords).toHaveLength(1);
            expect(parseTlsRptRecordStrict(rptRecords[0])).toEqual(expected.rua);
            expect(parseTlsRptRecordLenient(rptRecords[0])).toEqual(expected.rua);
        });
    }
    return failures;
}

function hostsAround(pattern: string): string[] {
    const base = pattern.replace(/^\*\./, "");
    return [pattern.startsWith("*.") ? `a.${base}` : base, `a.b.${base}`, base, `x${base}`];
}

const MODES: PolicyMode[] = ["testing", "enforce", "none"];
const MX_SETS: Record<string, string[]> = {
    "1 exact": ["mx1.example.com"],
    "1 wildcard": ["*.mail.protection.outlook.com"],
    "5 exact": ["mx1.example.com", "mx2.example.com", "mx3.example.com", "mx4.example.net", "mx5.example.org"],
    "5 wildcard": [
        "*.mail.example.net",
        "*.a-v1.mx.microsoft",
        "*.aspmx.l.google.com",
        "*.mx.example.org",
        "*.in.example.com",
    ],
};
const MAX_AGES = [86400, 604800, 31557600];
const RUAS = [["mailto:tlsrpt@example.com"], ["https://reports.example.com/v1", "mailto:tls-reports@example.net"]];
const PROVIDERS: Pick<MtaStsArgs, "route53" | "cloudflare">[] = [
    { route53: { zoneName: DOMAIN } },
    { cloudflare: { zoneName: DOMAIN } },
];

const matrix = MODES.flatMap((mode) =>
    Object.entries(MX_SETS).flatMap(([mxName, mx]) =>
        MAX_AGES.flatMap((maxAge) =>
            RUAS.flatMap((rua, ruaIndex) =>
                PROVIDERS.map((provider) => ({
                    label: `${mode}, ${mxName}, max_age ${maxAge}, rua #${ruaIndex + 1}, ${provider.route53 ? "Route 53" : "Cloudflare"}`,
                    args: { domain: DOMAIN, mode, mx, maxAge, tlsRpt: { rua }, ...provider } as MtaStsArgs,
                })),
            ),
        ),
    ),
);

describe.each(HOSTING_MODES)("a sender accepts what MtaSts publishes on %s hosting", (mode) => {
    test.each(matrix.map((entry) => [entry.label, entry.args] as const))("%s", async (_label, args) => {
        const published = await publish(args, mode);
        expect(published.host).toBe(HOST);
        serve(published);
        expect(
            await conformanceFailures({ mode: args.mode!, mx: args.mx, maxAge: args.maxAge!, rua: args.tlsRpt!.rua }),
        ).toEqual([]);

        for (const pattern of args.mx) {
            for (const host of hostsAround(pattern)) {
                const rfc = rfcMatches(pattern, host);
                expect({ pattern, host, ours: matchMx(pattern, host) }).toEqual({ pattern, host, ours: rfc });
                if (args.mode !== "none") {
                    const policy = { mode: args.mode, mx: args.mx };
                    const covered = args.mx.some((p) => rfcMatches(p, host));
                    expect({ host, mailauth: validateMx(host, policy).valid }).toEqual({ host, mailauth: covered });
                }
            }
        }
    });
});

describe.each(HOSTING_MODES)("negative controls on %s hosting: the checks catch a broken deployment", (mode) => {
    const good: MtaStsArgs = {
        domain: DOMAIN,
        mode: "enforce",
        mx: ["mx1.example.com"],
        maxAge: 604800,
        route53: { zoneName: DOMAIN },
    };
    const expected = { mode: "enforce", mx: ["mx1.example.com"], maxAge: 604800 };
    let published: Published;
    beforeAll(async () => (published = await publish(good, mode)));

    test("the unbroken copy passes", async () => {
        serve(published);
        expect(await conformanceFailures(expected)).toEqual([]);
    });

    test("a wrong content type fails", async () => {
        serve({ ...published, contentType: "application/octet-stream" });
        expect((await conformanceFailures(expected)).join("\n")).toMatch(
            /mailauth: status errored: invalid_content_type/,
        );
    });

    test("a 301 redirect on the policy URL fails", async () => {
        serveDns(published);
        policyHost.respond = { status: 301, headers: { location: `https://www.${DOMAIN}/mta-sts.txt` }, body: "" };
        expect((await conformanceFailures(expected)).join("\n")).toMatch(/mailauth: status errored: http_status_301/);
    });

    test("a certificate from an untrusted CA fails", async () => {
        const server = await startHttpsServer(await issueCertificate(untrustedCa, HOST), policyHost.respond);
        extraServers.push(server);
        serve(published, server.address);
        server.respond = { ...policyHost.respond };
        expect((await conformanceFailures(expected)).join("\n")).toMatch(
            /mailauth: status errored: \S*(CERT|cert|SIGNATURE|ISSUER)/,
        );
    });

    test("a certificate for the wrong name fails", async () => {
        const server = await startHttpsServer(await issueCertificate(ca, `mta-sts.other.example`), policyHost.respond);
        extraServers.push(server);
        serve(published, server.address);
        server.respond = { ...policyHost.respond };
        expect((await conformanceFailures(expected)).join("\n")).toMatch(
            /mailauth: status errored: ERR_TLS_CERT_ALTNAME_INVALID/,
        );
    });

    test("a TXT id that does not match the body fails", async () => {
        serve({ ...published, stsTxt: [`v=STSv1; id=${computePolicyId("something else")}`] });
        expect((await conformanceFailures(expected)).join("\n")).toMatch(
            /the id in DNS is the hash of the served body/,
        );
    });

    test("a blank line in the policy fails", async () => {
        serve({ ...published, body: published.body.replace("mode: enforce\r\n", "mode: enforce\r\n\r\n") });
        expect((await conformanceFailures(expected)).join("\n")).toMatch(
            /strict and lenient policy parsers agree: policy line 3: blank line/,
        );
    });

    test("a second v=STSv1 TXT record fails", async () => {
        serve({ ...published, stsTxt: [...published.stsTxt, "v=STSv1; id=second"] });
        const failures = (await conformanceFailures(expected)).join("\n");
        expect(failures).toMatch(/mailauth: status errored: multi_sts_records/);
        expect(failures).toMatch(/one discovery record/);
    });
});

describe.each(HOSTING_MODES)(
    "a rollout on %s hosting: testing, enforce, an mx change, a lower max_age, none",
    (mode) => {
        const base = { domain: DOMAIN, tlsRpt: { rua: ["mailto:tlsrpt@example.com"] }, route53: { zoneName: DOMAIN } };
        const steps: [string, MtaStsArgs][] = [
            ["testing", { ...base, mode: "testing", mx: ["mx1.example.com"], maxAge: 604800 }],
            ["enforce", { ...base, mode: "enforce", mx: ["mx1.example.com"], maxAge: 604800 }],
            ["mx change", { ...base, mode: "enforce", mx: ["mx1.example.com", "*.mail.example.net"], maxAge: 604800 }],
            [
                "max_age lowered",
                { ...base, mode: "enforce", mx: ["mx1.example.com", "*.mail.example.net"], maxAge: 86400 },
            ],
            ["none", { ...base, mode: "none", mx: ["mx1.example.com", "*.mail.example.net"], maxAge: 86400 }],
        ];

        /**
         * Applies a deployment the way the engine would: resources in an order that
         * respects the registered dependencies. The policy object changes what HTTPS
         * serves, the _mta-sts TXT what DNS answers; after every step, a visible id
         * must never name a body that is not yet served.
         */
        function applyInDependencyOrder(published: Published): string[] {
            const applied = new Set<string>();
            const order: string[] = [];
            const byUrn = new Map(published.graph.map((node) => [node.urn, node]));
            while (applied.size < published.graph.length) {
                const ready = published.graph.filter(
                    (node) =>
                        !applied.has(node.urn) && node.dependencies.every((dep) => applied.has(dep) || !byUrn.has(dep)),
                );
                if (ready.length === 0) throw new Error("dependency cycle");
                // Adversarial scheduling: the TXT goes first whenever the graph allows it.
                ready.sort((a, b) => Number(b.name === "site-mta-sts-txt") - Number(a.name === "site-mta-sts-txt"));
                const node = ready[0];
                if (node.name === "site-policy") serveBody(published);
                if (node.name === "site-mta-sts-txt") serveDns(published);
                const visibleId = parseStsRecordStrict(dns.zone.get(`_mta-sts.${DOMAIN}`)!.TXT![0] as string);
                if (policyHost.respond.status === 200 && visibleId === parseStsRecordStrict(published.stsTxt[0])) {
                    expect({ after: node.name, served: computePolicyId(policyHost.respond.body) }).toEqual({
                        after: node.name,
                        served: visibleId,
                    });
                }
                applied.add(node.urn);
                order.push(node.name);
            }
            return order;
        }

        test("every step changes the id, and a sender holding the previous id fetches the new body", async () => {
            let cached: any = undefined;
            let previous: Published | undefined;
            for (const [label, args] of steps) {
                const published = await publish(args, mode);
                if (previous) {
                    expect({ step: label, changed: published.stsTxt[0] !== previous.stsTxt[0] }).toEqual({
                        step: label,
                        changed: true,
                    });
                } else {
                    serve({ ...published, stsTxt: ["v=STSv1; id=bootstrap"] });
                }
                const order = applyInDependencyOrder(published);
                expect(order.indexOf("site-policy")).toBeLessThan(order.indexOf("site-mta-sts-txt"));

                const fetchesBefore = policyHost.requests;
                const result = await resolveAsSender(cached);
                expect({ step: label, status: result.status }).toEqual({ step: label, status: "found" });
                expect(policyHost.requests).toBe(fetchesBefore + 1);
                expect(result.policy).toMatchObject({
                    id: parseStsRecordStrict(published.stsTxt[0]),
                    mode: args.mode,
                    mx: args.mx,
                    maxAge: args.maxAge,
                });
                expect(await conformanceFailures({ mode: args.mode!, mx: args.mx, maxAge: args.maxAge! })).toEqual([]);

                // Rerunning the step with unchanged config publishes the same id; the sender does not fetch again.
                const rerun = await publish(args, mode);
                expect(rerun.stsTxt).toEqual(published.stsTxt);
                applyInDependencyOrder(rerun);
                const fetchesBeforeRerun = policyHost.requests;
                const renewed = await resolveAsSender(result.policy);
                expect({ step: label, status: renewed.status }).toEqual({ step: label, status: "renewed" });
                expect(policyHost.requests).toBe(fetchesBeforeRerun);

                cached = result.policy;
                previous = published;
            }
        });
    },
);
