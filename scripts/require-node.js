// The package declares node >=22 (current @pulumi/pulumi requires it). Inside npm scripts the
// `node` devDependency comes first on PATH, so this only fails when tests are run another way.
const major = Number(process.versions.node.split(".")[0]);
if (major < 22) {
    console.error(`Node ${process.version} is below the declared >=22: run the tests through npm (npm test).`);
    process.exit(1);
}
