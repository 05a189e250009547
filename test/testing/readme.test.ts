import { readFileSync } from "node:fs";
import * as path from "node:path";

const root = path.join(__dirname, "..", "..");

test("the README's testing example is exactly the example this suite runs", () => {
    const readme = readFileSync(path.join(root, "README.md"), "utf8");
    const example = readFileSync(path.join(__dirname, "readmeExample.test.ts"), "utf8");

    expect(readme).toContain(`## Testing a stack that uses MtaSts`);
    expect(readme).toContain("```ts\n" + example + "```\n");
});
