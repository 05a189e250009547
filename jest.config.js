/** Transpile-only: type-checking @pulumi/aws inside jest costs ~20 s and 1.4 GB a file; `npm run typecheck` does it once. */
module.exports = {
    testEnvironment: "node",
    // Pulumi keeps its runtime state on globals that Jest 30 would otherwise clear between files.
    testEnvironmentOptions: { globalsCleanup: "off" },
    transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.jest.json" }] },
    testMatch: ["<rootDir>/test/**/*.test.ts"],
    // The package by name, as a user's test imports it (tsconfig.json "paths" does the same for tsc).
    moduleNameMapper: {
        "^mta-sts$": "<rootDir>/components/index.ts",
        "^mta-sts/core$": "<rootDir>/components/pure.ts",
        "^mta-sts/testing$": "<rootDir>/components/testing/index.ts",
    },
    testTimeout: 30000,
    // A scratch directory for the run, where the packed package is built once for the tests that use it.
    globalSetup: "<rootDir>/test/support/globalSetup.js",
    globalTeardown: "<rootDir>/test/support/globalTeardown.js",
};
