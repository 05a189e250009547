/**
 * The rollout order of RFC 8461 §8.1, as a specification every DNS provider and
 * every hosting mode must meet: the `_mta-sts` TXT record announces a policy, so
 * it may only appear once everything that serves the policy exists.
 */
import type { MockWorld, RegisteredResource } from "../mocks";

export type DnsProviderName = "route53" | "cloudflare";
export type HostingMode = "standalone" | "shared, ACM certificate" | "shared, CloudFront-managed certificate";

/** The name of the `MtaStsHosting` the shared modes are deployed with. */
export const SHARED_HOSTING_NAME = "fleet";

/** The records that point `mta-sts.<domain>` at the policy host, per provider and mode. */
export const HOST_RECORDS: Record<DnsProviderName, (name: string, hosting: HostingMode) => string[]> = {
    // Route 53 aliases a standard distribution; a connection group's routing endpoint gets a CNAME.
    route53: (name, hosting) => (hosting === "standalone" ? [`${name}-host-a`, `${name}-host-aaaa`] : [`${name}-host`]),
    cloudflare: (name) => [`${name}-host`],
};

interface Prerequisites {
    /** Per-domain resources that serve the policy: object, access, distribution or tenant. */
    serving: string[];
    /** The ACM certificate's validation and its record; absent when CloudFront manages the certificate. */
    certificate?: { validation: string; record: string };
    /** What the domain shares with others, reached through what it waits for. */
    shared: string[];
}

const acmCertificate = (name: string) => ({
    validation: `${name}-cert-validation`,
    record: `${name}-cert-validation-record`,
});
const sharedHosting = ["cdn", "bucket-policy", "bucket-encryption", "connection-group"].map(
    (role) => `${SHARED_HOSTING_NAME}-${role}`,
);

/** What serves the policy and what makes its certificate valid, per mode. */
export const SERVED_BY: Record<HostingMode, (name: string) => Prerequisites> = {
    standalone: (name) => ({
        serving: [`${name}-policy`, `${name}-bucket-policy`, `${name}-cdn`],
        certificate: acmCertificate(name),
        shared: [],
    }),
    "shared, ACM certificate": (name) => ({
        serving: [`${name}-policy`, `${name}-tenant`],
        certificate: acmCertificate(name),
        shared: sharedHosting,
    }),
    "shared, CloudFront-managed certificate": (name) => ({
        serving: [`${name}-policy`, `${name}-tenant`],
        shared: sharedHosting,
    }),
};

/** Every URN `resource` waits for, directly or through others. */
export function reachableFrom(world: MockWorld, resource: RegisteredResource): Set<string> {
    const reachable = new Set<string>();
    const pending = [...resource.dependencies];
    while (pending.length > 0) {
        const urn = pending.pop()!;
        if (reachable.has(urn)) continue;
        reachable.add(urn);
        pending.push(...(world.resources.find((r) => r.urn === urn)?.dependencies ?? []));
    }
    return reachable;
}

/**
 * Registers the ordering tests for one provider and hosting mode. `deploy`
 * returns a settled mock world holding one component named `name`.
 */
export function describeOrdering(
    provider: DnsProviderName,
    hosting: HostingMode,
    deploy: () => Promise<MockWorld>,
    name = "example",
): void {
    describe(`ordering (RFC 8461 §8.1) with ${provider} and ${hosting} hosting`, () => {
        let world: MockWorld;
        beforeAll(async () => {
            world = await deploy();
        });
        const { serving, certificate, shared } = SERVED_BY[hosting](name);

        test("the _mta-sts TXT waits for the policy object, its access, the distribution or tenant and the host records", () => {
            const txt = world.byName(`${name}-mta-sts-txt`);
            for (const prerequisite of [...serving, ...HOST_RECORDS[provider](name, hosting)]) {
                const waits = txt.dependencies.includes(world.byName(prerequisite).urn);
                expect({ prerequisite, waits }).toEqual({ prerequisite, waits: true });
            }
        });

        test("what serves the policy means deployed to every edge", () => {
            const serving = world.resources.find((r) => r.name === `${name}-cdn` || r.name === `${name}-tenant`)!;
            expect(serving.inputs.waitForDeployment).toBe(true);
        });

        test("through those it also waits for the certificate and for everything it shares", () => {
            const reachable = reachableFrom(world, world.byName(`${name}-mta-sts-txt`));
            const certificatePrerequisites = certificate ? [certificate.validation, certificate.record] : [];
            for (const prerequisite of [...certificatePrerequisites, ...shared]) {
                const waits = reachable.has(world.byName(prerequisite).urn);
                expect({ prerequisite, waits }).toEqual({ prerequisite, waits: true });
            }
        });

        if (certificate) {
            test("the certificate validation waits for its validation record", () => {
                const reachable = reachableFrom(world, world.byName(certificate.validation));
                expect(reachable.has(world.byName(certificate.record).urn)).toBe(true);
            });
        }

        test("nothing the policy is served from waits for the TXT record", () => {
            const txt = world.byName(`${name}-mta-sts-txt`);
            expect(world.resources.filter((r) => reachableFrom(world, r).has(txt.urn)).map((r) => r.name)).toEqual([]);
        });
    });
}
