/**
 * The rollout order of RFC 8461 §8.1, as a specification every DNS provider and
 * every hosting mode must meet: the `_mta-sts` TXT record announces a policy, so
 * it may only appear once everything that serves the policy exists.
 */
import type { MockWorld, RegisteredResource } from "../mocks";

export type DnsProviderName = "route53" | "cloudflare";
export type HostingMode = "standalone";

/** The records that point `mta-sts.<domain>` at the policy host, per provider. */
export const HOST_RECORDS: Record<DnsProviderName, (name: string) => string[]> = {
    route53: (name) => [`${name}-host-a`, `${name}-host-aaaa`],
    cloudflare: (name) => [`${name}-host`],
};

/** What serves the policy (object, access, distribution) and what makes its certificate valid, per mode. */
export const SERVED_BY: Record<
    HostingMode,
    (name: string) => { serving: string[]; certificate: { validation: string; record: string } }
> = {
    standalone: (name) => ({
        serving: [`${name}-policy`, `${name}-bucket-policy`, `${name}-cdn`],
        certificate: { validation: `${name}-cert-validation`, record: `${name}-cert-validation-record` },
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
        const { serving, certificate } = SERVED_BY[hosting](name);

        test("the _mta-sts TXT waits for the policy object, its access, the distribution and the host records", () => {
            const txt = world.byName(`${name}-mta-sts-txt`);
            for (const prerequisite of [...serving, ...HOST_RECORDS[provider](name)]) {
                const waits = txt.dependencies.includes(world.byName(prerequisite).urn);
                expect({ prerequisite, waits }).toEqual({ prerequisite, waits: true });
            }
        });

        test("through the distribution it also waits for the validated certificate and its validation record", () => {
            const reachable = reachableFrom(world, world.byName(`${name}-mta-sts-txt`));
            for (const prerequisite of [certificate.validation, certificate.record]) {
                const waits = reachable.has(world.byName(prerequisite).urn);
                expect({ prerequisite, waits }).toEqual({ prerequisite, waits: true });
            }
        });

        test("the certificate validation waits for its validation record", () => {
            const reachable = reachableFrom(world, world.byName(certificate.validation));
            expect(reachable.has(world.byName(certificate.record).urn)).toBe(true);
        });

        test("nothing the policy is served from waits for the TXT record", () => {
            const txt = world.byName(`${name}-mta-sts-txt`);
            expect(world.resources.filter((r) => reachableFrom(world, r).has(txt.urn)).map((r) => r.name)).toEqual([]);
        });
    });
}
