/**
 * `mta-sts/testing`: mocks that give a stack using MtaSts the values AWS and Cloudflare would
 * compute, and fail by name on anything they do not know.
 */
import { execFile } from "node:child_process";
import * as path from "node:path";
import { MtaSts } from "../../components";
import { MtaStsMocks, setMtaStsMocks } from "../../components/testing";
import { valueOf } from "../helpers";

const args = { domain: "example.com", mx: ["mx1.example.com"], route53: { zoneName: "example.com" } };

function mockArgs(type: string, custom = true) {
    return { type, name: "thing", inputs: {}, custom, provider: undefined, id: undefined };
}

describe("setMtaStsMocks", () => {
    test("gives the bucket name the mocked account and region", async () => {
        await setMtaStsMocks();
        const mail = new MtaSts("mail", args);

        expect(await valueOf(mail.bucketName)).toMatch(/^mta-sts-example-com-[0-9a-f]{8}-123456789012-eu-west-1-an$/);
    });

    test("issues the certificate in us-east-1 of the mocked account", async () => {
        await setMtaStsMocks();
        const mail = new MtaSts("mail", args);

        expect(await valueOf(mail.certificateArn)).toMatch(
            /^arn:aws:acm:us-east-1:123456789012:certificate\/[0-9a-f-]{36}$/,
        );
    });

    test("gives the distribution a CloudFront domain name", async () => {
        await setMtaStsMocks();
        const mail = new MtaSts("mail", args);

        expect(await valueOf(mail.distributionDomainName)).toMatch(/^d[0-9a-f]{13}\.cloudfront\.net$/);
    });

    test("records every invoke the component makes", async () => {
        const mocks = await setMtaStsMocks();
        const mail = new MtaSts("mail", args);
        await valueOf(mail.bucketName);
        await valueOf(mail.certificateArn);

        expect(mocks.invokes.map((invoke) => invoke.token).sort()).toEqual([
            "aws:index/getCallerIdentity:getCallerIdentity",
            "aws:index/getRegion:getRegion",
            "aws:route53/getZone:getZone",
        ]);
    });
});

describe("MtaStsMocks", () => {
    test("an unmocked resource type throws, naming the type and how to mock it", () => {
        expect(() => new MtaStsMocks().newResource(mockArgs("test:index:Thing"))).toThrow(
            'mta-sts/testing has no state for resource type test:index:Thing ("thing"): pass one in new MtaStsMocks({ resources: { "test:index:Thing": (name, inputs) => ({ id, state }) } })',
        );
    });

    test("an unmocked invoke throws, naming the token and how to mock it", () => {
        expect(() => new MtaStsMocks().call({ token: "test:index:getThing", inputs: {}, provider: undefined })).toThrow(
            'mta-sts/testing has no result for invoke test:index:getThing: pass one in new MtaStsMocks({ invokes: { "test:index:getThing": (inputs) => ({ ... }) } })',
        );
    });

    test("state for the stack's other resource types comes from `resources`", () => {
        const mocks = new MtaStsMocks({
            resources: { "test:index:Thing": (name, inputs) => ({ id: `${name}-1`, state: { ...inputs, size: 3 } }) },
        });

        expect(mocks.newResource(mockArgs("test:index:Thing"))).toEqual({ id: "thing-1", state: { size: 3 } });
    });

    test("component resources need no state", () => {
        expect(new MtaStsMocks().newResource(mockArgs("acme:index:Mail", false))).toEqual({ id: "", state: {} });
    });
});

describe("under Pulumi's minimal mocks (state = inputs), the component names what is missing", () => {
    /** stderr of a stack run in a fresh process: the failure ends it as an unhandled rejection. */
    function runStack(variant: string): Promise<string> {
        return new Promise((resolve) =>
            execFile(
                process.execPath,
                [path.join(__dirname, "..", "fixtures", "pulumi-minimal-mocks.js"), variant],
                { timeout: 60000 },
                (_error, _stdout, stderr) => resolve(stderr),
            ),
        );
    }
    let minimal: string;
    let realisticInvokes: string;
    beforeAll(async () => {
        [minimal, realisticInvokes] = await Promise.all([runStack("minimal"), runStack("realistic-invokes")]);
    }, 120000);

    test("the account id, when invokes return their inputs", () => {
        expect(minimal).toContain(
            `the account id from aws.getCallerIdentity is missing. AWS and Cloudflare always return it, so this is a Pulumi mock that does not: use mta-sts/testing's mocks, or return it from yours (see "Testing a stack that uses MtaSts" in the README)`,
        );
    });

    test("the certificate's validation record, when only resource state is minimal", () => {
        expect(realisticInvokes).toContain(
            `the domainValidationOptions of the aws:acm/certificate:Certificate is missing. AWS and Cloudflare always return it`,
        );
    });
});
