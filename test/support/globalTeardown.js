const { rmSync } = require("node:fs");

module.exports = () => {
    if (process.env.MTA_STS_TEST_SCRATCH) rmSync(process.env.MTA_STS_TEST_SCRATCH, { recursive: true, force: true });
};
