import fc from "fast-check";
import {
    PolicyMode,
    computePolicyId,
    mtaStsRecordName,
    policyHost,
    policyUrl,
    renderMtaStsRecord,
    renderPolicy,
    renderTlsRptRecord,
    tlsRptRecordName,
} from "../../components";

describe("renderPolicy", () => {
    test("writes version, mode, every mx and max_age in that order, each line ending in CRLF", () => {
        expect(renderPolicy({ mode: "enforce", mx: ["mx1.example.com", "*.mail.example.net"], maxAge: 604800 })).toBe(
            "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.com\r\nmx: *.mail.example.net\r\nmax_age: 604800\r\n",
        );
    });

    test("keeps an mx line in mode none", () => {
        expect(renderPolicy({ mode: "none", mx: ["mx.example.com"], maxAge: 86400 })).toBe(
            "version: STSv1\r\nmode: none\r\nmx: mx.example.com\r\nmax_age: 86400\r\n",
        );
    });

    test("has no blank line, no bare LF, no trailing whitespace and only ASCII", () => {
        const body = renderPolicy({ mode: "testing", mx: ["a.example.com", "b.example.com"], maxAge: 1 });
        expect(body).not.toMatch(/\r\n\r\n/);
        expect(body.replace(/\r\n/g, "")).not.toMatch(/[\r\n]/);
        expect(body).not.toMatch(/[ \t]\r\n/);
        expect(body).toMatch(/^[\x20-\x7e\r\n]+$/);
    });
});

describe("computePolicyId", () => {
    const policyArbitrary = fc.record({
        mode: fc.constantFrom<PolicyMode>("testing", "enforce", "none"),
        mx: fc.uniqueArray(
            fc.domain().map((name) => name.toLowerCase()),
            { minLength: 1, maxLength: 5 },
        ),
        maxAge: fc.integer({ min: 1, max: 31557600 }),
    });

    test("is 32 ASCII letters or digits, as mox and postfix-tlspol require", () => {
        fc.assert(
            fc.property(policyArbitrary, (policy) => {
                expect(computePolicyId(renderPolicy(policy))).toMatch(/^[A-Za-z0-9]{32}$/);
            }),
        );
    });

    test("changes if and only if the policy body changes", () => {
        fc.assert(
            fc.property(policyArbitrary, policyArbitrary, (first, second) => {
                const firstBody = renderPolicy(first);
                const secondBody = renderPolicy(second);
                expect(computePolicyId(firstBody) === computePolicyId(secondBody)).toBe(firstBody === secondBody);
            }),
        );
    });

    test("is the same on every run for the same input, so a second deploy shows no diff", () => {
        fc.assert(
            fc.property(policyArbitrary, (policy) => {
                expect(computePolicyId(renderPolicy({ ...policy, mx: [...policy.mx] }))).toBe(
                    computePolicyId(renderPolicy(policy)),
                );
            }),
        );
    });

    test("is the first 32 hex characters of SHA-256 over the exact bytes served", () => {
        // sha256("version: STSv1\r\nmode: testing\r\nmx: mx.example.com\r\nmax_age: 604800\r\n")
        const body = renderPolicy({ mode: "testing", mx: ["mx.example.com"], maxAge: 604800 });
        expect(computePolicyId(body)).toBe(
            require("node:crypto").createHash("sha256").update(Buffer.from(body, "ascii")).digest("hex").slice(0, 32),
        );
    });
});

describe("TXT records and names", () => {
    test("the discovery record is exactly v=STSv1; id=<id>", () => {
        expect(renderMtaStsRecord("0123456789abcdef0123456789abcdef")).toBe(
            "v=STSv1; id=0123456789abcdef0123456789abcdef",
        );
    });

    test("the reporting record joins rua with commas and no spaces", () => {
        expect(renderTlsRptRecord(["mailto:tlsrpt@example.com", "https://reports.example.com/v1"])).toBe(
            "v=TLSRPTv1; rua=mailto:tlsrpt@example.com,https://reports.example.com/v1",
        );
    });

    test("names and URL follow RFC 8461 §3 and RFC 8460 §3", () => {
        expect(policyHost("example.com")).toBe("mta-sts.example.com");
        expect(policyUrl("example.com")).toBe("https://mta-sts.example.com/.well-known/mta-sts.txt");
        expect(mtaStsRecordName("example.com")).toBe("_mta-sts.example.com");
        expect(tlsRptRecordName("example.com")).toBe("_smtp._tls.example.com");
    });
});
