import { readPolicy, readStsRecord, readTlsRptRecord, renderPolicy } from "../../components";

const canonical = renderPolicy({ mode: "enforce", mx: ["mx1.example.com", "*.mail.example.net"], maxAge: 604800 });

describe("readPolicy", () => {
    test("reads the canonical body with no warning", () => {
        expect(readPolicy(canonical)).toEqual({
            policy: {
                version: "STSv1",
                mode: "enforce",
                mx: ["mx1.example.com", "*.mail.example.net"],
                maxAge: 604800,
            },
            errors: [],
            warnings: [],
        });
    });

    test.each([
        ["bare LF", canonical.replace(/\r\n/g, "\n"), "lines end in bare LF; some checkers demand CRLF"],
        [
            "no final line end",
            canonical.slice(0, -2),
            "the last line has no line end; some checkers demand CRLF on every line",
        ],
        [
            "version not first",
            canonical.replace("version: STSv1\r\nmode: enforce\r\n", "mode: enforce\r\nversion: STSv1\r\n"),
            "version is not the first line; Google requires it first",
        ],
        [
            "a trailing dot",
            canonical.replace("mx1.example.com", "mx1.example.com."),
            "mx mx1.example.com. has a trailing dot; mox rejects the policy and mailauth, KumoMTA and Postfix 3.10.5+ never match it",
        ],
        [
            "two spaces",
            canonical.replace("mode: enforce", "mode:  enforce"),
            'line 2 "mode:  enforce" is not "key: value" with one space and no trailing whitespace',
        ],
        ["max_age 0", canonical.replace("max_age: 604800", "max_age: 0"), "max_age is 0; chasquid rejects it"],
        [
            "mode none without mx",
            "version: STSv1\r\nmode: none\r\nmax_age: 86400\r\n",
            "there is no mx line; chasquid and Stalwart reject a policy without one",
        ],
    ])("%s is accepted with a warning", (_label, body, warning) => {
        const reading = readPolicy(body);
        expect(reading.policy).toBeDefined();
        expect(reading.warnings).toContain(warning);
    });

    test.each([
        ["a byte-order mark", `\uFEFF${canonical}`, "the body starts with a byte-order mark; five clients reject it"],
        ["a wrong version", canonical.replace("STSv1", "STSv2"), 'version must be "STSv1", got "STSv2"'],
        [
            "an unknown mode",
            canonical.replace("enforce", "strict"),
            'mode must be testing, enforce or none, got "strict"',
        ],
        [
            "max_age over a year",
            canonical.replace("604800", "31557601"),
            'max_age must be a number of seconds up to 31557600, got "31557601"',
        ],
        [
            "a bad pattern",
            canonical.replace("mx1.example.com", "mx_1.example.com"),
            'mx "mx_1.example.com" is not a host name or "*." plus a host name',
        ],
        [
            "enforce without mx",
            "version: STSv1\r\nmode: enforce\r\nmax_age: 86400\r\n",
            "there is no mx line; a testing or enforce policy needs at least one",
        ],
    ])("%s is rejected", (_label, body, error) => {
        const reading = readPolicy(body);
        expect(reading.policy).toBeUndefined();
        expect(reading.errors).toContain(error);
    });
});

describe("readStsRecord", () => {
    test("reads the canonical record", () => {
        expect(readStsRecord("v=STSv1; id=abc123")).toEqual({ value: { id: "abc123" }, errors: [], warnings: [] });
    });

    test("accepts RFC extensions and whitespace with a warning", () => {
        expect(readStsRecord("v=STSv1 ;  id=abc123; ext=1;")).toEqual({
            value: { id: "abc123" },
            errors: [],
            warnings: ['"v=STSv1 ;  id=abc123; ext=1;" is not exactly "v=STSv1; id=abc123"'],
        });
    });

    test.each([
        ["v=STSv1; id=" + "a".repeat(33), /is not 1 to 32 letters or digits/],
        ["v=STSv1; id=a+b/c=", /is not 1 to 32 letters or digits/],
        ["v=STSv1", /is not "v=STSv1; id=<id>"/],
        ["v=stsv1; id=abc", /is not "v=STSv1; id=<id>"/],
    ])("rejects %j", (record, error) => {
        expect(readStsRecord(record).errors[0]).toMatch(error);
    });
});

describe("readTlsRptRecord", () => {
    test("reads mailto and https destinations", () => {
        expect(readTlsRptRecord("v=TLSRPTv1; rua=mailto:a@example.com,https://r.example.com/v1").value).toEqual({
            rua: ["mailto:a@example.com", "https://r.example.com/v1"],
        });
    });

    test("rejects a mailto with two addresses", () => {
        expect(readTlsRptRecord("v=TLSRPTv1; rua=mailto:a@example.com?cc=b@example.com").errors).toEqual([
            'rua "mailto:a@example.com?cc=b@example.com": a mailto: URI holds exactly one address, without "?" headers or "#"',
        ]);
    });
});
