// One scratch directory per jest run, shared by the workers (they inherit the environment):
// the packed package (test/support/artifact.ts) is built there once. globalTeardown.js removes it.
const { mkdtempSync } = require("node:fs");
const { tmpdir } = require("node:os");
const path = require("node:path");

module.exports = () => {
    process.env.MTA_STS_TEST_SCRATCH = mkdtempSync(path.join(tmpdir(), "mta-sts-test-run-"));
};
