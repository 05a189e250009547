import { MtaStsArgsError, RawMtaStsArgs, validateMtaStsArgs } from "../../components";
import { checkResolvedTlsRpt, tlsRptUris } from "../../components/core/validate";

const valid: RawMtaStsArgs = {
    domain: "example.com",
    mx: ["mx1.example.com"],
    route53: { zoneId: "Z0123456789ABCDEFGHIJ" },
};

function problemsOf(args: RawMtaStsArgs): readonly string[] {
    try {
        validateMtaStsArgs("site", args);
    } catch (error) {
        if (error instanceof MtaStsArgsError) {
            return error.problems;
        }
        throw error;
    }
    throw new Error("expected validation to fail");
}

function onlyProblem(args: RawMtaStsArgs): string {
    const problems = problemsOf(args);
    expect(problems).toHaveLength(1);
    return problems[0];
}

describe("defaults and normalisation", () => {
    test("applies mode testing, maxAge 604800, ttl 300 and PriceClass_100", () => {
        const { args, warnings } = validateMtaStsArgs("site", valid);
        expect(args).toMatchObject({ mode: "testing", maxAge: 604800, ttl: 300, priceClass: "PriceClass_100" });
        expect(args.rua).toBeUndefined();
        expect(warnings).toEqual([]);
    });

    test("trims and lowercases the domain, drops one trailing dot and converts IDN to punycode", () => {
        expect(validateMtaStsArgs("site", { ...valid, domain: "  Example.COM. " }).args.domain).toBe("example.com");
        expect(validateMtaStsArgs("site", { ...valid, domain: "bücher.example" }).args.domain).toBe(
            "xn--bcher-kva.example",
        );
    });

    test("lowercases mx patterns, strips trailing dots and publishes duplicates once with a warning", () => {
        const { args, warnings } = validateMtaStsArgs("site", {
            ...valid,
            mx: ["MX1.Example.com.", "*.Mail.Example.NET", "mx1.example.com"],
        });
        expect(args.mx).toEqual(["mx1.example.com", "*.mail.example.net"]);
        expect(warnings).toEqual(['mx[2] "mx1.example.com": duplicate of "mx1.example.com"; it is published once']);
    });

    test("passes a zone id given as a Pulumi output through untouched", () => {
        const output = { apply: () => undefined };
        expect(validateMtaStsArgs("site", { ...valid, route53: { zoneId: output } }).args.dns).toEqual({
            provider: "route53",
            zoneId: output,
        });
    });
});

describe("domain", () => {
    test.each([
        ["", 'domain "": must not be empty; give a domain name such as "example.com"'],
        [
            "https://example.com",
            'domain "https://example.com": must be a bare domain name without a scheme, e.g. "example.com"',
        ],
        ["example.com:443", 'domain "example.com:443": must be a bare domain name without a port'],
        ["example.com/mail", 'domain "example.com/mail": must be a bare domain name without a path'],
        ["192.0.2.1", 'domain "192.0.2.1": must be a domain name, not an IP address'],
        ["[2001:db8::1]", 'domain "[2001:db8::1]": must be a domain name, not an IP address'],
        ["localhost", 'domain "localhost": needs at least two labels, e.g. "example.com"'],
        ["example..com", 'domain "example..com": has an empty label; remove the extra "."'],
        ["ex_ample.com", 'domain "ex_ample.com": must not contain "_": host names are letters, digits and "-"'],
        [
            "-example.com",
            'domain "-example.com": label "-example" must be 1 to 63 of a-z, 0-9 and "-", not starting or ending with "-"',
        ],
        [
            `${"a".repeat(64)}.com`,
            `domain "${"a".repeat(64)}.com": label "${"a".repeat(64)}" must be 1 to 63 of a-z, 0-9 and "-", not starting or ending with "-"`,
        ],
        ["１２７．０．０．１", 'domain "１２７．０．０．１": must be a domain name, not an IP address'],
        ["127.1", 'domain "127.1": must be a domain name, not an IP address (URL parsers read it as 127.0.0.1)'],
        ["0x7f.1", 'domain "0x7f.1": must be a domain name, not an IP address (URL parsers read it as 127.0.0.1)'],
        [
            "example.123",
            'domain "example.123": the top-level label "123" must not be numeric (RFC 3696 §2); URL parsers would read the name as an IPv4 address',
        ],
        [
            "xn--a.example",
            'domain "xn--a.example": label "xn--a" is not valid punycode; an "xn--" label must decode to an internationalised label (RFC 5891 §5.4)',
        ],
    ])("rejects %j", (domain, message) => {
        expect(onlyProblem({ ...valid, domain })).toBe(message);
    });

    test("rejects a name longer than 242 octets", () => {
        const domain = `${Array(4).fill("a".repeat(60)).join(".")}.com`; // 247 octets
        expect(onlyProblem({ ...valid, domain })).toBe(
            `domain "${domain}": is 247 octets; at most 242 fit, so that "_smtp._tls." plus the name stays within 253`,
        );
    });

    test("rejects a missing domain", () => {
        expect(onlyProblem({ ...valid, domain: undefined })).toBe(
            'domain: expected a domain name such as "example.com", got nothing',
        );
    });
});

describe("mode", () => {
    test("accepts testing, enforce and none", () => {
        for (const mode of ["testing", "enforce", "none"]) {
            expect(validateMtaStsArgs("site", { ...valid, mode }).args.mode).toBe(mode);
        }
    });

    test("rejects anything else, case included", () => {
        expect(onlyProblem({ ...valid, mode: "Enforce" })).toBe(
            'mode "Enforce": must be one of "testing", "enforce", "none"',
        );
    });
});

describe("mx", () => {
    test("rejects a missing or empty list", () => {
        const message =
            'must be a non-empty list of MX host patterns, e.g. ["mx1.example.com", "*.mail.example.net"]; ' +
            "every mode needs one, because chasquid and Stalwart reject a policy without mx";
        expect(onlyProblem({ ...valid, mx: [] })).toBe(`mx []: ${message}`);
        expect(onlyProblem({ ...valid, mx: undefined })).toBe(`mx (missing): ${message}`);
    });

    test.each([
        ["192.0.2.25", 'mx[0] "192.0.2.25": must be a host name, not an IP address'],
        ["mx.example.com:25", 'mx[0] "mx.example.com:25": must be a bare host name without a port'],
        ["mx .example.com", 'mx[0] "mx .example.com": must not contain whitespace'],
        ["mx_1.example.com", 'mx[0] "mx_1.example.com": must not contain "_": host names are letters, digits and "-"'],
        [
            "mx*.example.com",
            'mx[0] "mx*.example.com": a wildcard may only replace the leftmost label, e.g. "*.example.com"',
        ],
        [
            "a.*.example.com",
            'mx[0] "a.*.example.com": a wildcard may only replace the leftmost label, e.g. "*.example.com"',
        ],
        [
            "*.*.example.com",
            'mx[0] "*.*.example.com": a wildcard may only replace the leftmost label, e.g. "*.example.com"',
        ],
        ["*.com", 'mx[0] "*.com": a wildcard needs a base of at least two labels, e.g. "*.example.com"'],
        ["*", 'mx[0] "*": a wildcard may only replace the leftmost label, e.g. "*.example.com"'],
        ["mx", 'mx[0] "mx": needs at least two labels, e.g. "example.com"'],
    ])("rejects %j", (pattern, message) => {
        expect(onlyProblem({ ...valid, mx: [pattern] })).toBe(message);
    });

    test("checks every element of a sparse list, holes included", () => {
        expect(problemsOf({ ...valid, mx: new Array(2) })).toEqual([
            'mx[0]: expected a host name pattern such as "mx1.example.com", got nothing',
            'mx[1]: expected a host name pattern such as "mx1.example.com", got nothing',
        ]);
        // eslint-disable-next-line no-sparse-arrays
        expect(onlyProblem({ ...valid, mx: ["mx1.example.com", , "mx2.example.com"] })).toBe(
            'mx[1]: expected a host name pattern such as "mx1.example.com", got nothing',
        );
    });

    test("rejects a list longer than any policy can hold without visiting each entry", () => {
        expect(onlyProblem({ ...valid, mx: new Array(2 ** 32 - 1) })).toBe(
            'mx (4294967295 entries): at most 1137 patterns fit in a policy of 10240 bytes; use wildcards such as "*.mail.example.com" to shorten the list',
        );
    });

    test("names the index of every bad pattern", () => {
        expect(problemsOf({ ...valid, mx: ["ok.example.com", "*.com", 25] })).toEqual([
            'mx[1] "*.com": a wildcard needs a base of at least two labels, e.g. "*.example.com"',
            'mx[2]: expected a host name pattern such as "mx1.example.com", got number 25',
        ]);
    });

    test("rejects a list whose policy would exceed 10 KiB", () => {
        const mx = Array.from({ length: 250 }, (_, index) => `mx${index}.a-rather-long-mail-host-name.example.com`);
        expect(onlyProblem({ ...valid, mx })).toMatch(
            /^mx \(250 patterns\): the policy would be \d+ bytes, over 10240; chasquid cuts bodies at 10 KiB and loses max_age/,
        );
    });
});

describe("maxAge", () => {
    test.each([0, -1, 31557601, 1.5, "604800", Number.NaN])("rejects %p", (maxAge) => {
        expect(onlyProblem({ ...valid, maxAge })).toBe(
            `maxAge ${JSON.stringify(maxAge)}: must be a whole number of seconds from 1 to 31557600 (RFC 8461 §3.2); 604800 (one week) is the default`,
        );
    });

    test("accepts the bounds 1 and 31557600", () => {
        expect(validateMtaStsArgs("site", { ...valid, maxAge: 1 }).args.maxAge).toBe(1);
        expect(validateMtaStsArgs("site", { ...valid, maxAge: 31557600 }).args.maxAge).toBe(31557600);
    });

    test("warns below one day", () => {
        expect(validateMtaStsArgs("site", { ...valid, maxAge: 3600 }).warnings).toEqual([
            "maxAge 3600: below 86400 (one day) some senders ignore the policy or cache it for a day anyway",
        ]);
    });

    test("warns in enforce below one week", () => {
        expect(validateMtaStsArgs("site", { ...valid, mode: "enforce", maxAge: 86400 }).warnings).toEqual([
            "maxAge 86400: enforce is meant to be cached for weeks (RFC 8461 §3.2); consider 604800 or more",
        ]);
        expect(validateMtaStsArgs("site", { ...valid, mode: "testing", maxAge: 86400 }).warnings).toEqual([]);
    });
});

describe("tlsRpt.rua", () => {
    test("accepts mailto and https URIs and keeps their order", () => {
        const rua = ["mailto:tlsrpt@example.com", "https://reports.example.com/v1"];
        expect(validateMtaStsArgs("site", { ...valid, tlsRpt: { rua } }).args.rua).toEqual(rua);
    });

    test("rejects an empty list", () => {
        expect(onlyProblem({ ...valid, tlsRpt: { rua: [] } })).toBe(
            'tlsRpt.rua []: must be a non-empty list of report URIs, e.g. ["mailto:tlsrpt@example.com"], unless tlsRpt.receiver is set; leave tlsRpt out to publish no reporting record',
        );
    });

    test.each([
        ["MAILTO:tlsrpt@example.com", 'the scheme must be lowercase "mailto:"'],
        ["http://reports.example.com", 'must start with "mailto:" or "https:", e.g. "mailto:tlsrpt@example.com"'],
        ["tlsrpt@example.com", 'must start with "mailto:" or "https:", e.g. "mailto:tlsrpt@example.com"'],
        [
            "mailto:a@example.com,b@example.com",
            'must not contain a raw "," (it delimits the record, RFC 8460 §3); percent-encode it',
        ],
        [
            "mailto:tlsrpt@example.com!10m",
            'must not contain a raw "!" (it delimits the record, RFC 8460 §3); percent-encode it',
        ],
        [
            "https://example.com/a;b",
            'must not contain a raw ";" (it delimits the record, RFC 8460 §3); percent-encode it',
        ],
        ["mailto: tlsrpt@example.com", "must be printable ASCII without whitespace; percent-encode anything else"],
        ["mailto:tlsrpt@example.com?subject=x", 'a mailto: URI holds exactly one address, without "?" headers or "#"'],
        ["mailto:tlsrpt", 'must hold exactly one address, e.g. "mailto:tlsrpt@example.com"'],
        [
            "https://user:pw@reports.example.com/",
            'must not contain userinfo ("user@"); reporters send to the host alone',
        ],
        ["https://reports.example.com/v1#x", 'must not contain a "#" fragment'],
        ["https:reports.example.com", 'needs "//" and a host after "https:", e.g. "https://reports.example.com/v1"'],
        ["https://reports..example.com/", 'the host "reports..example.com": has an empty label; remove the extra "."'],
        [
            `https://${"a".repeat(64)}.example.com/`,
            `the host "${"a".repeat(64)}.example.com": label "${"a".repeat(64)}" must be 1 to 63 of a-z, 0-9 and "-", not starting or ending with "-"`,
        ],
        [
            "https://reports-.example.com/",
            'the host "reports-.example.com": label "reports-" must be 1 to 63 of a-z, 0-9 and "-", not starting or ending with "-"',
        ],
        ["https://reports/", 'the host "reports": needs at least two labels, e.g. "example.com"'],
        [
            "https://127.1/",
            'the host "127.1": must be a host name, not an IP address (URL parsers read it as 127.0.0.1)',
        ],
        [
            "https://Reports.example.com/",
            'the host "Reports.example.com" must be written "reports.example.com": lowercase, without a trailing dot',
        ],
        ["https://reports.example.com:0/", 'port "0" must be a number from 1 to 65535'],
        [
            "https://reports.example.com/%zz",
            '"%zz" is not percent-encoding; "%" must start two hex digits (RFC 3986 §2.1)',
        ],
        ["mailto:tlsrpt@example.com%", '"%" is not percent-encoding; "%" must start two hex digits (RFC 3986 §2.1)'],
        [
            "mailto:tlsrpt@[192.0.2.1]",
            'must not contain "[", which RFC 3986 allows only around an IP address; percent-encode it',
        ],
        [
            "mailto:tls..rpt@example.com",
            'the local part "tls..rpt" must be a dot-atom (RFC 5322 §3.2.3); percent-encode anything else',
        ],
        ["mailto:tlsrpt@example..com", 'the domain "example..com": has an empty label; remove the extra "."'],
        [
            "mailto:tlsrpt@xn--a.example",
            'the domain "xn--a.example": label "xn--a" is not valid punycode; an "xn--" label must decode to an internationalised label (RFC 5891 §5.4)',
        ],
        [
            'https://reports.example.com/"x"',
            'must not contain """, which RFC 3986 does not allow in a URI; percent-encode it',
        ],
    ])("rejects %j", (uri, rule) => {
        expect(onlyProblem({ ...valid, tlsRpt: { rua: [uri] } })).toBe(`tlsRpt.rua[0] ${JSON.stringify(uri)}: ${rule}`);
    });

    test("checks every element of a sparse list, holes included", () => {
        // eslint-disable-next-line no-sparse-arrays
        expect(problemsOf({ ...valid, tlsRpt: { rua: [, ,] } })).toEqual([
            'tlsRpt.rua[0] (missing): expected a "mailto:" or "https:" URI, got nothing',
            'tlsRpt.rua[1] (missing): expected a "mailto:" or "https:" URI, got nothing',
        ]);
    });

    test("accepts a port and percent-encoding in an https URI", () => {
        const rua = ["https://reports.example.com:8443/v1/%7Euser"];
        expect(validateMtaStsArgs("site", { ...valid, tlsRpt: { rua } }).args.rua).toEqual(rua);
    });

    test("rejects a record over 255 octets", () => {
        const rua = [
            `https://reports.example.com/${"a".repeat(120)}`,
            `https://reports.example.com/${"b".repeat(120)}`,
        ];
        expect(onlyProblem({ ...valid, tlsRpt: { rua } })).toBe(
            "tlsRpt.rua: the record _smtp._tls.example.com would be 313 octets; keep it at or under 255 so it is one DNS string (use fewer or shorter URIs)",
        );
    });
});

describe("tlsRpt.receiver URIs known only at deployment", () => {
    const url = "https://abcdef0123456789.lambda-url.eu-west-1.on.aws/";

    test("are published after rua, the endpoint before the mailto, each once", () => {
        expect(tlsRptUris(["mailto:a@example.com", url], { endpointUrl: url, mailto: "mailto:b@example.com" })).toEqual(
            ["mailto:a@example.com", url, "mailto:b@example.com"],
        );
    });

    test("pass when each follows the rules and the record fits", () => {
        expect(checkResolvedTlsRpt("example.com", ["mailto:a@example.com"], { endpointUrl: url })).toEqual([]);
    });

    test("an endpoint with userinfo is named", () => {
        expect(checkResolvedTlsRpt("example.com", [], { endpointUrl: "https://user@example.com/" })).toEqual([
            'tlsRpt.receiver.endpointUrl "https://user@example.com/": must not contain userinfo ("user@"); reporters send to the host alone',
        ]);
    });

    test("a mailto that is not one is named", () => {
        expect(checkResolvedTlsRpt("example.com", [], { endpointUrl: url, mailto: url })).toEqual([
            `tlsRpt.receiver.mailto "${url}": must be a "mailto:" URI`,
        ]);
    });

    test("a record over 255 octets with the receiver's URIs is refused", () => {
        const long = `https://reports.example.com/${"a".repeat(200)}`;
        expect(checkResolvedTlsRpt("example.com", ["mailto:tlsrpt@example.com"], { endpointUrl: long })).toEqual([
            "tlsRpt.rua: the record _smtp._tls.example.com would be 270 octets; keep it at or under 255 so it is one DNS string (use fewer or shorter URIs)",
        ]);
    });
});

describe("DNS provider", () => {
    test("requires exactly one provider", () => {
        expect(onlyProblem({ ...valid, route53: undefined })).toBe(
            'route53/cloudflare: neither is set; set exactly one DNS provider, e.g. route53: { zoneId: "Z123..." } or cloudflare: { zoneName: "example.com" }',
        );
        expect(onlyProblem({ ...valid, cloudflare: { zoneName: "example.com" } })).toBe(
            'route53/cloudflare: both are set; set exactly one DNS provider, e.g. route53: { zoneId: "Z123..." } or cloudflare: { zoneName: "example.com" }',
        );
    });

    test("requires exactly one of zoneId and zoneName", () => {
        expect(onlyProblem({ ...valid, route53: {} })).toBe(
            "route53: neither is set; set exactly one of zoneId or zoneName",
        );
        expect(
            onlyProblem({ ...valid, route53: undefined, cloudflare: { zoneId: "abc", zoneName: "example.com" } }),
        ).toBe("cloudflare: both are set; set exactly one of zoneId or zoneName");
    });

    test("requires the zone name to be the domain or a parent of it", () => {
        expect(
            validateMtaStsArgs("site", { ...valid, domain: "mail.example.com", route53: { zoneName: "Example.com." } })
                .args.dns,
        ).toEqual({
            provider: "route53",
            zoneName: "example.com",
        });
        expect(onlyProblem({ ...valid, route53: { zoneName: "example.org" } })).toBe(
            'route53.zoneName "example.org": must be "example.com" or one of its parent domains, because the records are created under example.com',
        );
    });
});

describe("optional arguments", () => {
    test("ttl must be 60 to 86400 seconds", () => {
        expect(onlyProblem({ ...valid, ttl: 30 })).toBe("ttl 30: must be a whole number of seconds from 60 to 86400");
    });

    test("priceClass must be a CloudFront price class", () => {
        expect(onlyProblem({ ...valid, priceClass: "PriceClass_50" })).toBe(
            'priceClass "PriceClass_50": must be one of "PriceClass_100", "PriceClass_200", "PriceClass_All"',
        );
    });

    test("certificateArn must be an ACM certificate in us-east-1", () => {
        const arn = "arn:aws:acm:eu-west-1:123456789012:certificate/0b1c2d3e-0000-4000-8000-000000000000";
        expect(onlyProblem({ ...valid, certificateArn: arn })).toBe(
            `certificateArn "${arn}": must be an ACM certificate ARN in us-east-1 ("arn:aws:acm:us-east-1:<account>:certificate/<id>"), the only region CloudFront accepts; leave it out to have one created`,
        );
        expect(() =>
            validateMtaStsArgs("site", { ...valid, certificateArn: arn.replace("eu-west-1", "us-east-1") }),
        ).not.toThrow();
    });

    test("originAccessControlId must look like a CloudFront id", () => {
        expect(onlyProblem({ ...valid, originAccessControlId: "arn:aws:cloudfront::1:oac/E2Q" })).toBe(
            'originAccessControlId "arn:aws:cloudfront::1:oac/E2Q": must be a CloudFront origin access control id such as "E2QWRUHAPOMQZL"; leave it out to have one created for this domain',
        );
        expect(() => validateMtaStsArgs("site", { ...valid, originAccessControlId: "E2QWRUHAPOMQZL" })).not.toThrow();
    });

    test("tags must map names to strings and avoid the aws: prefix", () => {
        expect(problemsOf({ ...valid, tags: { team: 1, "aws:owner": "x" } })).toEqual([
            "tags.team 1: tag values must be strings",
            'tags.aws:owner: the "aws:" prefix is reserved by AWS; choose another tag name',
        ]);
    });

    test("an unknown argument is reported with a suggestion", () => {
        expect(onlyProblem({ ...valid, maxage: 86400 } as RawMtaStsArgs)).toBe(
            'maxage: unknown argument; did you mean "maxAge"?',
        );
    });
});

describe("values that cannot be turned into text", () => {
    test("are still reported as invalid arguments", () => {
        const circular: Record<string, unknown> = Object.create(null);
        circular.self = circular;
        expect(onlyProblem({ ...valid, mode: circular })).toBe(
            'mode (a value that cannot be shown): must be one of "testing", "enforce", "none"',
        );
    });
});

describe("the error", () => {
    test("lists every problem at once, naming the component", () => {
        expect(() => validateMtaStsArgs("site", { domain: "https://x", mode: "strict", mx: [], maxAge: 0 })).toThrow(
            new MtaStsArgsError("site", [
                'domain "https://x": must be a bare domain name without a scheme, e.g. "example.com"',
                'mode "strict": must be one of "testing", "enforce", "none"',
                'mx []: must be a non-empty list of MX host patterns, e.g. ["mx1.example.com", "*.mail.example.net"]; every mode needs one, because chasquid and Stalwart reject a policy without mx',
                "maxAge 0: must be a whole number of seconds from 1 to 31557600 (RFC 8461 §3.2); 604800 (one week) is the default",
                'route53/cloudflare: neither is set; set exactly one DNS provider, e.g. route53: { zoneId: "Z123..." } or cloudflare: { zoneName: "example.com" }',
            ]).message,
        );
    });

    test("starts with the component name and the count", () => {
        expect(new MtaStsArgsError("site", ["a", "b"]).message).toBe(
            'MtaSts "site": 2 invalid arguments:\n  - a\n  - b',
        );
    });
});
