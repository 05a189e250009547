import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["node_modules/", "dist/", "coverage/"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        languageOptions: {
            globals: {
                require: "readonly",
                module: "writable",
                __dirname: "readonly",
                __filename: "readonly",
                process: "readonly",
                console: "readonly",
            },
        },
        rules: {
            "@typescript-eslint/no-non-null-assertion": "off",
        },
    },
    {
        // Tests read untyped mock state and registered inputs.
        files: ["test/**/*.ts", "test/**/*.js", "bench/**/*.ts", "scripts/**/*.js"],
        rules: { "@typescript-eslint/no-explicit-any": "off", "@typescript-eslint/no-require-imports": "off" },
    },
);
