// Writes every ```ts block of README.md to test/readme-samples/, which tsconfig.json includes, so
// `npm run typecheck` compiles the README's samples with the project (one load of @pulumi/aws's
// declarations instead of a second one in a test) and a sample that no longer compiles fails
// `npm test`. Samples import the package by name; tsconfig.json "paths" maps it to components/.
const fs = require("node:fs");
const path = require("node:path");

const root = path.join(__dirname, "..");
// Another directory as the first argument: the test of this script writes there.
const out = process.argv[2] ?? path.join(root, "test", "readme-samples");
const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");

fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out);
const lines = readme.split("\n");
let sample;
let count = 0;
for (let index = 0; index < lines.length; index++) {
    const line = lines[index];
    if (sample === undefined && line === "```ts") {
        sample = { start: index + 2, lines: [] };
    } else if (sample !== undefined && line === "```") {
        count++;
        // `export {}` keeps each sample a module, so their top-level names cannot collide.
        const text = `// README.md line ${sample.start}\n${sample.lines.join("\n")}\nexport {};\n`;
        fs.writeFileSync(path.join(out, `sample-${count}.ts`), text);
        sample = undefined;
    } else if (sample !== undefined) {
        sample.lines.push(line);
    }
}
if (sample !== undefined) {
    console.error(`README.md line ${sample.start - 1}: a \`\`\`ts block is never closed`);
    process.exit(1);
}
console.log(`README.md: ${count} TypeScript samples written to ${path.relative(root, out)}/`);
