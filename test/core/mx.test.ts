import { findMatchingPattern, matchMx } from "../../components";

describe("matchMx (RFC 8461 §4.1)", () => {
    test.each([
        ["mx1.example.com", "mx1.example.com", true],
        ["mx1.example.com", "MX1.Example.COM", true],
        ["mx1.example.com", "mx1.example.com.", true],
        ["mx1.example.com", "mx2.example.com", false],
        ["mx1.example.com", "a.mx1.example.com", false],
        ["*.example.com", "a.example.com", true],
        ["*.example.com", "A.EXAMPLE.COM.", true],
        ["*.example.com", "a.b.example.com", false],
        ["*.example.com", "example.com", false],
        ["*.example.com", "aexample.com", false],
        ["*.mail.protection.outlook.com", "contoso-com.mail.protection.outlook.com", true],
        ["*.mx.microsoft", "tenant.a-v1.mx.microsoft", false],
        ["*.a-v1.mx.microsoft", "tenant.a-v1.mx.microsoft", true],
    ])("pattern %s against host %s is %s", (pattern, host, expected) => {
        expect(matchMx(pattern, host)).toBe(expected);
    });

    test("findMatchingPattern returns the first covering pattern or undefined", () => {
        const patterns = ["aspmx.l.google.com", "*.aspmx.l.google.com"];
        expect(findMatchingPattern(patterns, "alt1.aspmx.l.google.com")).toBe("*.aspmx.l.google.com");
        expect(findMatchingPattern(patterns, "aspmx.l.google.com")).toBe("aspmx.l.google.com");
        expect(findMatchingPattern(patterns, "mx.example.com")).toBeUndefined();
    });
});
