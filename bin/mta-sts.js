#!/usr/bin/env node
// Plain ES5 and no imports, so that it runs on any Node and says what is wrong before
// loading code that needs Node 22.19 (tls.getCACertificates, @pulumi/pulumi's engines).
"use strict";
var version = process.versions.node.split(".").map(Number);
if (version[0] < 22 || (version[0] === 22 && version[1] < 19)) {
    process.stderr.write(
        "mta-sts needs Node.js 22.19 or newer, and this is " +
            process.version +
            ": install Node.js 22 from https://nodejs.org/en/download (or run `nvm install 22`)\n",
    );
    process.exit(2);
}
require("../dist/components/cli.js").run(process.argv.slice(2));
