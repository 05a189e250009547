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

    test("ignores unknown extension fields and reads fields in any order", () => {
        const body =
            "version: STSv1\r\nx-note: hello world\r\nmax_age: 86400\r\nmx: mx.example.com\r\nmode: testing\r\n";
        expect(readPolicy(body).policy).toEqual({
            version: "STSv1",
            mode: "testing",
            mx: ["mx.example.com"],
            maxAge: 86400,
        });
    });

    test.each([
        [
            "mode",
            canonical.replace("max_age: 604800\r\n", "max_age: 604800\r\nmode: none\r\n"),
            'mode appears 2 times (line 2 "enforce", line 6 "none"); RFC 8461 §3.2 requires it exactly once, and senders disagree on which one counts',
        ],
        [
            "max_age",
            `${canonical}max_age: 86400\r\n`,
            'max_age appears 2 times (line 5 "604800", line 6 "86400"); RFC 8461 §3.2 requires it exactly once, and senders disagree on which one counts',
        ],
        [
            "version",
            `${canonical}version: STSv1\r\n`,
            'version appears 2 times (line 1 "STSv1", line 6 "STSv1"); RFC 8461 §3.2 requires it exactly once, and senders disagree on which one counts',
        ],
    ])("a second %s line is a failure, not a warning", (_key, body, error) => {
        expect(readPolicy(body)).toEqual({ errors: [error], warnings: [] });
    });

    test("a blank line is outside the grammar and rejected, naming the clients that refuse it", () => {
        const reading = readPolicy(canonical.replace("mode: enforce\r\n", "mode: enforce\r\n\r\n"));
        expect(reading.policy).toBeUndefined();
        expect(reading.errors).toEqual([
            "line 3 is blank; RFC 8461 §3.2 allows no blank line, and mox, go-mtasts and postfix-tlspol reject the whole policy",
        ]);
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

    test("reads fields in any order and ignores unknown extensions (RFC 8461 §3.1)", () => {
        expect(readStsRecord("v=STSv1; ext1=foo; id=abc123")).toEqual({
            value: { id: "abc123" },
            errors: [],
            warnings: ['"v=STSv1; ext1=foo; id=abc123" is not exactly "v=STSv1; id=abc123"'],
        });
    });

    test.each([
        [
            "v=STSv1; id=" + "a".repeat(33),
            `the id "${"a".repeat(33)}" is not 1 to 32 letters or digits (mox and postfix-tlspol reject it)`,
        ],
        ["v=STSv1; id=a+b/c", 'the id "a+b/c" is not 1 to 32 letters or digits (mox and postfix-tlspol reject it)'],
        ["v=STSv1; id=a+b/c=", '"v=STSv1; id=a+b/c=": expected ";" at character 18, found "="'],
        ["v=STSv1", '"v=STSv1" has no field after "v=STSv1"'],
        ["v=stsv1; id=abc", '"v=stsv1; id=abc" does not start with "v=STSv1"'],
        ["v=STSv1; ext=1", '"v=STSv1; ext=1" has no id field'],
        ["v=STSv1; id=abc; id=def", '"v=STSv1; id=abc; id=def" has 2 id fields; RFC 8461 §3.1 requires one'],
        ["v=STSv1; id=abc ", '"v=STSv1; id=abc ": expected ";" at character 17, found the end'],
        [
            "v=STSv1; =abc",
            '"v=STSv1; =abc": expected a field "name=value" at character 10 (a name is a letter or digit, then up to 31 letters, digits, "_", "-" or ".")',
        ],
    ])("rejects %j", (record, error) => {
        expect(readStsRecord(record)).toEqual({ errors: [error], warnings: [] });
    });
});

describe("readTlsRptRecord", () => {
    test("reads mailto and https destinations", () => {
        expect(readTlsRptRecord("v=TLSRPTv1; rua=mailto:a@example.com,https://r.example.com/v1").value).toEqual({
            rua: ["mailto:a@example.com", "https://r.example.com/v1"],
        });
    });

    test.each([
        ["an extension after rua", "v=TLSRPTv1; rua=mailto:a@example.com; ext1=value"],
        ["an extension before rua", "v=TLSRPTv1; ext1=value; rua=mailto:a@example.com"],
        ["a trailing delimiter with spaces", "v=TLSRPTv1 ; rua=mailto:a@example.com ; "],
    ])("reads %s (RFC 8460 §3: any order, extensions ignored)", (_label, record) => {
        expect(readTlsRptRecord(record)).toEqual({
            value: { rua: ["mailto:a@example.com"] },
            errors: [],
            warnings: [],
        });
    });

    test("reads an upper-case scheme or host with a warning, since URIs compare them case-insensitively", () => {
        expect(readTlsRptRecord("v=TLSRPTv1; rua=mailto:a@Example.com")).toEqual({
            value: { rua: ["mailto:a@Example.com"] },
            errors: [],
            warnings: [
                'rua "mailto:a@Example.com": the domain "Example.com" must be written "example.com": lowercase, without a trailing dot',
            ],
        });
    });

    test.each([
        ["v=TLSRPTv1; ext=1", '"v=TLSRPTv1; ext=1" has no rua field; it needs "rua=<uri>[,<uri>]"'],
        [
            "v=TLSRPTv1; rua=mailto:a@example.com; rua=mailto:b@example.com",
            '"v=TLSRPTv1; rua=mailto:a@example.com; rua=mailto:b@example.com" has 2 rua fields; RFC 8460 §3 requires one',
        ],
        [
            "v=TLSRPTv1; rua=mailto:a@example.com ",
            '"v=TLSRPTv1; rua=mailto:a@example.com ": expected ";" at character 38, found the end',
        ],
    ])("rejects %j", (record, error) => {
        expect(readTlsRptRecord(record)).toEqual({ errors: [error], warnings: [] });
    });

    test("reads an 8 KB record of spaces in linear time, without a backtracking pattern", () => {
        const record = `v=TLSRPTv1;${" ".repeat(8192)}rua=mailto:a@example.com${" ".repeat(8192)}x`;
        const started = performance.now();
        expect(readTlsRptRecord(record).errors).toEqual([
            `rua "mailto:a@example.com${" ".repeat(8192)}x": must be printable ASCII without whitespace; percent-encode anything else`,
        ]);
        expect(performance.now() - started).toBeLessThan(1000);
    });

    test("rejects a mailto with two addresses", () => {
        expect(readTlsRptRecord("v=TLSRPTv1; rua=mailto:a@example.com?cc=b@example.com").errors).toEqual([
            'rua "mailto:a@example.com?cc=b@example.com": a mailto: URI holds exactly one address, without "?" headers or "#"',
        ]);
    });
});
