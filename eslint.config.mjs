import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["node_modules/", "dist/", "coverage/", "test/readme-samples/"] },
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
        // Tests and the shipped mocks read untyped provider state and registered inputs (Pulumi's Mocks type them any).
        files: [
            "test/**/*.ts",
            "test/**/*.js",
            "bench/**/*.ts",
            "scripts/**/*.js",
            "bin/**/*.js",
            "components/testing/**/*.ts",
        ],
        rules: { "@typescript-eslint/no-explicit-any": "off", "@typescript-eslint/no-require-imports": "off" },
    },
);
