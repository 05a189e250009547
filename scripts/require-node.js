// package.json declares node >=22.19: @pulumi/pulumi needs 22, `mta-sts check` reads the CA stores
// with tls.getCACertificates (22.15) and the tests install a throwaway CA with
// tls.setDefaultCACertificates (22.19). Inside npm scripts the `node` devDependency comes first
// on PATH, so this only fails when the tests are run another way.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
    console.error(
        `Node ${process.version} is below the declared >=22.19: run the tests through npm (npm test, or npm run test:unit -- <file>), which puts the project's Node 22 first on PATH.`,
    );
    process.exit(1);
}
