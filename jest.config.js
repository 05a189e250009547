/** Transpile-only: type-checking @pulumi/aws inside jest costs ~20 s and 1.4 GB a file; `npm run typecheck` does it once. */
module.exports = {
    testEnvironment: "node",
    // Pulumi keeps its runtime state on globals that Jest 30 would otherwise clear between files.
    testEnvironmentOptions: { globalsCleanup: "off" },
    transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.jest.json" }] },
    testMatch: ["<rootDir>/test/**/*.test.ts"],
    testTimeout: 30000,
};
