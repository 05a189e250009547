import * as pulumi from "@pulumi/pulumi";
import { MtaSts } from "mta-sts";
import { ACCOUNT_ID, setMtaStsMocks } from "mta-sts/testing";

function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply(resolve));
}

test("example.com enforces MTA-STS from a bucket in our account", async () => {
    const mocks = await setMtaStsMocks();

    const mail = new MtaSts("mail", {
        domain: "example.com",
        mode: "enforce",
        mx: ["mx1.example.com", "mx2.example.com"],
        route53: { zoneName: "example.com" },
    });

    expect(await valueOf(mail.policyText)).toContain("mode: enforce\r\n");
    expect(await valueOf(mail.bucketName)).toContain(ACCOUNT_ID);
    await valueOf(mail.distributionDomainName);
    const cdn = mocks.resources.find((r) => r.type === "aws:cloudfront/distribution:Distribution");
    expect(cdn?.inputs.aliases).toEqual(["mta-sts.example.com"]);
});
