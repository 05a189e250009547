import { escapeForTerminal } from "../../components/core/terminal";

describe("escaping remote text for the terminal", () => {
    test("plain text, accents and emoji pass through", () => {
        expect(escapeForTerminal("Société Générale ✉")).toBe("Société Générale ✉");
    });

    test("escape sequences and other C0 controls are shown, not obeyed", () => {
        expect(escapeForTerminal("a\u001b[2Jb\r\nc\u0007")).toBe("a\\u{1b}[2Jb\\u{d}\\u{a}c\\u{7}");
    });

    test("C1 controls and DEL are shown", () => {
        expect(escapeForTerminal("\u009b31m\u007f")).toBe("\\u{9b}31m\\u{7f}");
    });

    test("bidirectional overrides and invisible characters are shown", () => {
        expect(escapeForTerminal("abc\u202edef\u2066\u200b\ufeff")).toBe("abc\\u{202e}def\\u{2066}\\u{200b}\\u{feff}");
    });

    test("long text is cut, and the cut is marked", () => {
        expect(escapeForTerminal("x".repeat(300), 10)).toBe("xxxxxxxxxx...");
    });
});
