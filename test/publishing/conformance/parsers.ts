/**
 * Two independent readings of what we publish. The strict one follows the
 * RFC 8461 §3.1/§3.2 and RFC 8460 §3 ABNF as SPEC.md tightens it (CRLF, fixed
 * order, one space, no blank line); the lenient one is what a naive client does
 * (split on ":" and ";"). A correct deployment must read the same through both.
 */

export interface ParsedPolicy {
    version: string;
    mode: string;
    mx: string[];
    maxAge: number;
}

const MX_PATTERN = /^(?:\*\.)?[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

export function parsePolicyStrict(body: string): ParsedPolicy {
    if (!/^[\x20-\x7e\r\n]*$/.test(body)) {
        throw new Error("policy: only printable ASCII and line ends are allowed (no BOM)");
    }
    if (!body.endsWith("\r\n")) {
        throw new Error("policy: every line, the last one too, must end in CRLF");
    }
    const lines = body.slice(0, -2).split("\r\n");
    lines.forEach((line, index) => {
        if (line === "") throw new Error(`policy line ${index + 1}: blank line`);
        if (/[\r\n]/.test(line)) throw new Error(`policy line ${index + 1}: bare CR or LF`);
        if (/\s$/.test(line)) throw new Error(`policy line ${index + 1}: trailing whitespace`);
    });
    const fields = lines.map((line, index) => {
        const match = /^([a-z_]+): (\S+)$/.exec(line);
        if (!match)
            throw new Error(
                `policy line ${index + 1}: not "key: value" with exactly one space: ${JSON.stringify(line)}`,
            );
        return { key: match[1], value: match[2] };
    });
    const keys = fields.map((field) => field.key);
    const expectedKeys = ["version", "mode", ...keys.slice(2, -1).map(() => "mx"), "max_age"];
    if (keys.length < 4 || keys.join() !== expectedKeys.join()) {
        throw new Error(`policy: keys must be version, mode, mx..., max_age; got ${keys.join(", ")}`);
    }
    const [version, mode] = [fields[0].value, fields[1].value];
    if (version !== "STSv1") throw new Error(`policy: version ${version}`);
    if (!["testing", "enforce", "none"].includes(mode)) throw new Error(`policy: mode ${mode}`);
    const mx = fields.slice(2, -1).map((field) => field.value);
    for (const pattern of mx) {
        if (!MX_PATTERN.test(pattern)) throw new Error(`policy: mx ${pattern} is not a lowercase pattern`);
    }
    if (new Set(mx).size !== mx.length) throw new Error("policy: duplicate mx");
    const maxAgeText = fields[fields.length - 1].value;
    const maxAge = Number(maxAgeText);
    if (!/^[0-9]{1,10}$/.test(maxAgeText) || maxAge < 1 || maxAge > 31557600) {
        throw new Error(`policy: max_age ${maxAgeText}`);
    }
    return { version, mode, mx, maxAge };
}

export function parsePolicyLenient(body: string): ParsedPolicy {
    const policy: ParsedPolicy = { version: "", mode: "", mx: [], maxAge: NaN };
    for (const line of body.split(/\r?\n/)) {
        const colon = line.indexOf(":");
        if (colon < 0) continue;
        const key = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        if (key === "version") policy.version = value;
        if (key === "mode") policy.mode = value;
        if (key === "mx") policy.mx.push(value);
        if (key === "max_age") policy.maxAge = Number(value);
    }
    return policy;
}

/** RFC 8461 §3.1 as SPEC.md §1 publishes it: exactly `v=STSv1; id=<1-32 alnum>`. */
export function parseStsRecordStrict(record: string): string {
    const match = /^v=STSv1; id=([A-Za-z0-9]{1,32})$/.exec(record);
    if (!match) throw new Error(`_mta-sts: ${JSON.stringify(record)} is not "v=STSv1; id=<1-32 letters or digits>"`);
    return match[1];
}

export function parseStsRecordLenient(record: string): string | undefined {
    const fields = record.split(";").map((field) => field.trim());
    if (fields[0].toLowerCase() !== "v=stsv1") return undefined;
    const id = fields.find((field) => field.toLowerCase().startsWith("id="));
    return id?.slice(3);
}

const RUA_URI = /^(?:mailto:[^,!;\s?#@]+@[a-z0-9.-]+|https:\/\/[a-z0-9.-]+(?::\d+)?(?:\/[^,!;\s#]*)?)$/;

/** RFC 8460 §3 as SPEC.md §3 publishes it: `v=TLSRPTv1; rua=a,b`. */
export function parseTlsRptRecordStrict(record: string): string[] {
    const match = /^v=TLSRPTv1; rua=([^;\s]+)$/.exec(record);
    if (!match || record.length > 255)
        throw new Error(`_smtp._tls: ${JSON.stringify(record)} is not "v=TLSRPTv1; rua=a,b"`);
    const uris = match[1].split(",");
    for (const uri of uris) {
        if (!RUA_URI.test(uri)) throw new Error(`_smtp._tls: ${uri} is not a single mailto: address or an https: URL`);
    }
    return uris;
}

export function parseTlsRptRecordLenient(record: string): string[] {
    const rua = record
        .split(";")
        .map((field) => field.trim())
        .find((field) => field.startsWith("rua="));
    return rua
        ? rua
              .slice(4)
              .split(",")
              .map((uri) => uri.trim())
        : [];
}

/** RFC 8461 §4.1: `*.` stands for exactly one leftmost label. */
export function rfcMatches(pattern: string, host: string): boolean {
    if (!pattern.startsWith("*.")) return pattern === host;
    const base = pattern.slice(1);
    return host.endsWith(base) && host.length > base.length && !host.slice(0, -base.length).includes(".");
}
