/**
 * One mock world for every test: the shipped `mta-sts/testing` mocks (realistic
 * state per resource type, a failure for anything unmocked), plus a record of
 * what was registered with its parent, provider, URN and dependencies.
 */
import * as pulumi from "@pulumi/pulumi";
import { MockedInvoke, MtaStsMocks, MtaStsMocksOptions } from "../components/testing";

export { ACCOUNT_ID, AWS_REGION, CLOUDFLARE_ZONE_ID, CLOUDFRONT_ZONE_ID, ROUTE53_ZONE_ID } from "../components/testing";

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
    /** Properties whose changes the engine ignores. */
    ignoreChanges: string[];
}

export type { MockedInvoke as InvokeCall } from "../components/testing";

export interface MockWorld {
    resources: RegisteredResource[];
    calls: MockedInvoke[];
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
    /** Extra resource states, e.g. a StackReference's outputs. */
    resources?: MtaStsMocksOptions["resources"];
}

/** Installs fresh mocks (and config) for one test. */
export async function installMocks(options: MockOptions = {}): Promise<MockWorld> {
    const mocks = new MtaStsMocks({ resources: options.resources });
    const resources: RegisteredResource[] = [];
    const pending = new Map<string, Omit<RegisteredResource, "inputs" | "state" | "urn" | "id">>();

    pulumi.runtime.setAllConfig(options.config ?? {});
    await pulumi.runtime.setMocks(
        {
            newResource(args) {
                const { id, state } = mocks.newResource(args);
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
                    ignoreChanges: meta?.ignoreChanges ?? [],
                });
                return { id, state };
            },
            call: (args) => mocks.call(args),
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
            ignoreChanges: req.getIgnorechangesList(),
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
        calls: mocks.invokes,
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
