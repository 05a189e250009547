/**
 * `npm run schema`: writes schema.json, the package schema every other language sees.
 *
 * It asks the same ComponentProvider that Pulumi's Node.js plugin host runs when
 * `pulumi package add` starts this package (@pulumi/pulumi/cmd/run-plugin), for the same
 * components (every ComponentResource the package entry point exports) under the same
 * package name, so the file is byte for byte what GetSchema serves. test/multilang checks
 * that the running plugin still serves exactly this file.
 */
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { ComponentProvider, getPulumiComponents } from "@pulumi/pulumi/provider/experimental";
import * as prettier from "prettier";
import * as entryPoint from "../components";

export const root = path.join(__dirname, "..");
export const schemaPath = path.join(root, "schema.json");

/** The plugin's package name and namespace, derived from package.json as run-plugin derives them. */
export function pluginIdentity(packageName: string): { name: string; namespace?: string } {
    const [, scope, bare] = packageName.match(/^(@.*?\/)?(.+)$/)!;
    return { name: bare.replace(/[^-a-zA-Z0-9_]/g, "-"), namespace: scope?.slice(1, -1) };
}

export async function inferSchema(): Promise<Record<string, unknown>> {
    const packageJson = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
    const provider = new ComponentProvider({
        ...pluginIdentity(packageJson.name),
        dirname: root,
        components: getPulumiComponents(entryPoint),
    });
    return JSON.parse(await provider.getSchema());
}

async function main(): Promise<void> {
    const schema = await inferSchema();
    const options = await prettier.resolveConfig(schemaPath);
    writeFileSync(schemaPath, await prettier.format(JSON.stringify(schema), { ...options, filepath: schemaPath }));
    console.log(
        `wrote ${path.relative(process.cwd(), schemaPath)}: ${Object.keys(schema.resources as object).join(", ")}`,
    );
}

if (require.main === module) {
    main().catch((error) => {
        console.error(error);
        process.exit(1);
    });
}
