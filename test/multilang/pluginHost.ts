/**
 * The package as another language's `pulumi up` runs it, without the Pulumi CLI:
 *
 * - a checkout like a fresh clone (no dist/, no node_modules of its own), built by the
 *   package's own `prepare` script, as `npm install` runs it;
 * - Pulumi's Node.js plugin host started on it exactly as the Node.js language host's
 *   RunPlugin does (`node @pulumi/pulumi/cmd/run-plugin <plugin dir> <engine address>`,
 *   working directory elsewhere), printing the port it serves on;
 * - a resource monitor and an engine served here over gRPC, which record what the component
 *   registers, invokes and logs, and answer with the state of the shipped mocks (mta-sts/testing).
 */
import { spawn, spawnSync, ChildProcess } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { MtaStsMocks } from "../../components/testing";

const root = path.join(__dirname, "..", "..");
const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
// The generated stubs load @grpc/grpc-js from @pulumi/pulumi's tree; use that same copy.
const grpc = require(require.resolve("@grpc/grpc-js", { paths: [pulumiDir] }));
const structproto = require("google-protobuf/google/protobuf/struct_pb");
const emptyproto = require("google-protobuf/google/protobuf/empty_pb");
const provrpc = require("@pulumi/pulumi/proto/provider_grpc_pb");
const provproto = require("@pulumi/pulumi/proto/provider_pb");
const resrpc = require("@pulumi/pulumi/proto/resource_grpc_pb");
const resproto = require("@pulumi/pulumi/proto/resource_pb");
const engrpc = require("@pulumi/pulumi/proto/engine_grpc_pb");
const engproto = require("@pulumi/pulumi/proto/engine_pb");
const rpc = require("@pulumi/pulumi/runtime/rpc");

/** Every bounded step fails with this much time at most. */
export const PREPARE_TIMEOUT_MS = 240_000;
export const START_TIMEOUT_MS = 60_000;
export const CALL_TIMEOUT_MS = 180_000;

/** What a clone holds and the plugin could read: everything but installs, builds and git's own files. */
const NOT_IN_A_CLONE = new Set(["node_modules", "dist", ".git", "coverage"]);

/**
 * Copies the package into a fresh directory and builds it the way `npm install` does after
 * `pulumi package add` clones it: the package's own `prepare` script, with node_modules/.bin
 * first on PATH. node_modules is linked, not installed: the registry install is checked by hand
 * (README), this checks that what the clone holds builds and serves.
 */
export function prepareCheckout(): string {
    const dir = mkdtempSync(path.join(os.tmpdir(), "mta-sts-plugin-"));
    cpSync(root, dir, {
        recursive: true,
        filter: (source) => !NOT_IN_A_CLONE.has(path.relative(root, source).split(path.sep)[0]),
    });
    symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"), "dir");
    const prepare: string = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")).scripts.prepare;
    const built = spawnSync("sh", ["-c", prepare], {
        cwd: dir,
        env: { ...process.env, PATH: `${path.join(dir, "node_modules", ".bin")}${path.delimiter}${process.env.PATH}` },
        encoding: "utf8",
        timeout: PREPARE_TIMEOUT_MS,
    });
    if (built.status !== 0) {
        throw new Error(`prepare (${prepare}) failed: ${built.error ?? ""}\n${built.stdout}\n${built.stderr}`);
    }
    return dir;
}

export function removeCheckout(dir: string): void {
    rmSync(dir, { recursive: true, force: true });
}

export interface Registration {
    urn: string;
    type: string;
    name: string;
    custom: boolean;
    parent: string;
    inputs: Record<string, any>;
    /** URNs the resource waits for: dependsOn and every input's dependencies. */
    dependencies: string[];
}

export interface LogEntry {
    severity: string;
    message: string;
    urn: string;
}

/** A resource monitor and an engine on loopback that record what the plugin asks of them. */
export interface FakeEngine {
    address: string;
    registrations: Registration[];
    invokes: string[];
    logs: LogEntry[];
    /** The URNs of resources that registered outputs. */
    completed: string[];
    reset(): void;
    stop(): Promise<void>;
}

const SEVERITIES = ["debug", "info", "warning", "error"];

export async function startFakeEngine(project: string, stack: string): Promise<FakeEngine> {
    const engine = {
        registrations: [] as Registration[],
        invokes: [] as string[],
        logs: [] as LogEntry[],
        completed: [] as string[],
    };
    const stackUrn = `urn:pulumi:${stack}::${project}::pulumi:pulumi:Stack::${project}-${stack}`;
    const mocks = new MtaStsMocks();

    function urnOf(parent: string, type: string, name: string): string {
        const parentType = parent ? parent.split("::")[2] : "";
        const qualified = parent && parent !== stackUrn ? `${parentType}$${type}` : type;
        return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
    }

    const server = new grpc.Server();
    server.addService(resrpc.ResourceMonitorService, {
        getDeploymentInfo(_call: unknown, callback: (err: unknown, resp?: unknown) => void) {
            // Output values stay off, as with Pulumi's own mock monitor, so inputs arrive as plain values.
            const features = resproto.ResourceMonitorFeature;
            const resp = new resproto.DeploymentInfo();
            resp.setSupportedfeaturesList([
                features.RESOURCE_MONITOR_FEATURE_SECRETS,
                features.RESOURCE_MONITOR_FEATURE_RESOURCE_REFERENCES,
                features.RESOURCE_MONITOR_FEATURE_ALIAS_SPECS,
                features.RESOURCE_MONITOR_FEATURE_DELETED_WITH,
            ]);
            callback(null, resp);
        },
        registerResource(call: any, callback: (err: unknown, resp?: unknown) => void) {
            const req = call.request;
            const inputs = req.getObject()?.toJavaScript() ?? {};
            const registration: Registration = {
                urn: urnOf(req.getParent(), req.getType(), req.getName()),
                type: req.getType(),
                name: req.getName(),
                custom: req.getCustom(),
                parent: req.getParent(),
                inputs,
                dependencies: [
                    ...req.getDependenciesList(),
                    ...[...req.getPropertydependenciesMap().entries()].flatMap(([, deps]: [string, any]) =>
                        deps.getUrnsList(),
                    ),
                ],
            };
            engine.registrations.push(registration);
            try {
                const { id, state } = mocks.newResource({ ...registration, provider: req.getProvider() });
                const resp = new resproto.RegisterResourceResponse();
                resp.setUrn(registration.urn);
                resp.setId(id);
                resp.setObject(structproto.Struct.fromJavaScript(state));
                callback(null, resp);
            } catch (error) {
                callback(error);
            }
        },
        registerResourceOutputs(call: any, callback: (err: unknown, resp?: unknown) => void) {
            engine.completed.push(call.request.getUrn());
            callback(null, new emptyproto.Empty());
        },
        invoke(call: any, callback: (err: unknown, resp?: unknown) => void) {
            const token: string = call.request.getTok();
            engine.invokes.push(token);
            try {
                const resp = new resproto.ResourceInvokeResponse();
                resp.setReturn(
                    structproto.Struct.fromJavaScript(
                        mocks.call({ token, inputs: call.request.getArgs()?.toJavaScript() ?? {}, provider: "" }),
                    ),
                );
                callback(null, resp);
            } catch (error) {
                callback(error);
            }
        },
    });
    server.addService(engrpc.EngineService, {
        log(call: any, callback: (err: unknown, resp?: unknown) => void) {
            const req = call.request;
            engine.logs.push({ severity: SEVERITIES[req.getSeverity()], message: req.getMessage(), urn: req.getUrn() });
            callback(null, new emptyproto.Empty());
        },
        getRootResource(_call: unknown, callback: (err: unknown, resp?: unknown) => void) {
            const resp = new engproto.GetRootResourceResponse();
            resp.setUrn(stackUrn);
            callback(null, resp);
        },
        setRootResource(_call: unknown, callback: (err: unknown, resp?: unknown) => void) {
            callback(null, new engproto.SetRootResourceResponse());
        },
    });
    const port: number = await new Promise((resolve, reject) =>
        server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err: Error | null, p: number) =>
            err ? reject(err) : resolve(p),
        ),
    );
    return {
        address: `127.0.0.1:${port}`,
        ...engine,
        reset() {
            for (const list of [engine.registrations, engine.invokes, engine.logs, engine.completed]) {
                list.length = 0;
            }
        },
        stop: () =>
            new Promise<void>((resolve) => {
                const force = setTimeout(() => server.forceShutdown(), 5000);
                server.tryShutdown(() => {
                    clearTimeout(force);
                    resolve();
                });
            }),
    };
}

export interface RunningPlugin {
    port: number;
    output(): string;
    exited(): boolean;
    getSchema(): Promise<string>;
    construct(request: ConstructCall): Promise<ConstructResult>;
    stop(): Promise<void>;
}

export interface ConstructCall {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
    project: string;
    stack: string;
    monitor: string;
    parent: string;
    /** URNs each input depends on, as the engine passes them for outputs of other resources. */
    inputDependencies?: Record<string, string[]>;
    dryRun?: boolean;
}

export interface ConstructResult {
    urn: string;
    state: Record<string, unknown>;
}

/**
 * An output of another resource as a program in another language passes it to a component: its
 * value, plus the resources it comes from (Pulumi's wire format for output values).
 */
export function outputValue(value: unknown, dependencies: string[]): Record<string, unknown> {
    return { [rpc.specialSigKey]: rpc.specialOutputValueSig, value, dependencies };
}

/** Starts Pulumi's plugin host on `pluginDir` the way the Node.js language host's RunPlugin does. */
export async function startPlugin(pluginDir: string, engineAddress: string, workDir: string): Promise<RunningPlugin> {
    const child: ChildProcess = spawn(
        process.execPath,
        [require.resolve("@pulumi/pulumi/cmd/run-plugin"), pluginDir, engineAddress],
        // The language host adds this when the runtime's `typescript` option is on (the default).
        { cwd: workDir, env: { ...process.env, PULUMI_NODEJS_TYPESCRIPT: "true" }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    let exitCode: number | null = null;
    child.stdout!.on("data", (chunk) => (output += chunk));
    child.stderr!.on("data", (chunk) => (output += chunk));
    const exited = new Promise<void>((resolve) =>
        child.on("exit", (code) => {
            exitCode = code ?? -1;
            resolve();
        }),
    );
    const port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(
            () => reject(new Error(`no port within ${START_TIMEOUT_MS} ms:\n${output}`)),
            START_TIMEOUT_MS,
        );
        const onData = () => {
            const line = output.match(/^(\d+)\n/m);
            if (line) {
                clearTimeout(timer);
                child.stdout!.off("data", onData);
                resolve(Number(line[1]));
            }
        };
        child.stdout!.on("data", onData);
        exited.then(() => {
            clearTimeout(timer);
            reject(new Error(`plugin host exited with ${exitCode} before printing a port:\n${output}`));
        });
    });
    const client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const deadline = () => ({ deadline: Date.now() + CALL_TIMEOUT_MS });

    return {
        port,
        output: () => output,
        exited: () => exitCode !== null,
        getSchema() {
            return new Promise((resolve, reject) =>
                client.getSchema(new provproto.GetSchemaRequest(), deadline(), (err: Error | null, resp: any) =>
                    err ? reject(err) : resolve(resp.getSchema()),
                ),
            );
        },
        construct(call) {
            const req = new provproto.ConstructRequest();
            req.setProject(call.project);
            req.setStack(call.stack);
            req.setDryrun(call.dryRun ?? false);
            req.setParallel(4);
            req.setMonitorendpoint(call.monitor);
            req.setType(call.type);
            req.setName(call.name);
            req.setParent(call.parent);
            req.setInputs(structproto.Struct.fromJavaScript(call.inputs));
            for (const [key, urns] of Object.entries(call.inputDependencies ?? {})) {
                const dependencies = new provproto.ConstructRequest.PropertyDependencies();
                dependencies.setUrnsList(urns);
                req.getInputdependenciesMap().set(key, dependencies);
            }
            return new Promise((resolve, reject) =>
                client.construct(req, deadline(), (err: Error | null, resp: any) =>
                    err ? reject(err) : resolve({ urn: resp.getUrn(), state: resp.getState()?.toJavaScript() ?? {} }),
                ),
            );
        },
        async stop() {
            client.close();
            if (exitCode === null) {
                child.kill("SIGTERM");
                const killed = setTimeout(() => child.kill("SIGKILL"), 5000);
                await exited;
                clearTimeout(killed);
            }
        },
    };
}
