/**
 * Readers for what a domain publishes, shared by `mta-sts check` and the
 * component's preflight. Each has two levels: the RFC grammar (what a lenient
 * sender accepts) and SPEC.md's canonical form (what the strictest senders
 * accept). Anything between the two is a warning that names who rejects it.
 */
import { MAX_AGE_LIMIT, POLICY_MODES, PolicyMode } from "./policy";
import { checkReportUri } from "./validate";

export interface PolicyDocument {
    version: string;
    mode: PolicyMode;
    mx: string[];
    maxAge: number;
}

export interface PolicyReading {
    /** Set when the RFC 8461 §3.2 grammar accepts the body. */
    policy?: PolicyDocument;
    /** Why the RFC grammar rejects it (senders treat it as "no policy"). */
    errors: string[];
    /** Legal per the RFC, but rejected or mishandled by named real clients. */
    warnings: string[];
}

/** RFC 8461 §3.2's required-once fields. */
const SINGLE_FIELDS = ["version", "mode", "max_age"] as const;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

/**
 * RFC 8461 §3.2's grammar, read line by line in one pass, then SPEC.md §1's
 * canonical form on top. Unknown fields are extensions and ignored.
 */
export function readPolicy(body: string): PolicyReading {
    const errors: string[] = [];
    const warnings: string[] = [];
    if (body.startsWith("\uFEFF")) {
        errors.push("the body starts with a byte-order mark; five clients reject it");
        body = body.slice(1);
    }
    if (hasNonAscii(body)) {
        warnings.push("the body has non-ASCII characters; mx patterns must be A-labels (punycode)");
    }
    // sts-policy-term is LF or CRLF; the last line's term is optional.
    const lines = body.split("\n");
    const terminated = lines.length > 1 && lines[lines.length - 1] === "";
    if (terminated) lines.pop();
    if (!terminated) {
        warnings.push("the last line has no line end; some checkers demand CRLF on every line");
    }
    let bareLf = false;
    const fields: PolicyField[] = [];
    lines.forEach((raw, index) => {
        const crlf = raw.endsWith("\r");
        if (!crlf && (index < lines.length - 1 || terminated)) bareLf = true;
        const line = crlf ? raw.slice(0, -1) : raw;
        const field = readPolicyLine(line, index + 1, errors);
        if (field === undefined) return;
        if (line !== `${field.key}: ${field.value}`) {
            warnings.push(
                `line ${index + 1} ${JSON.stringify(line)} is not "key: value" with one space and no trailing whitespace`,
            );
        }
        fields.push(field);
    });
    if (bareLf) {
        warnings.push("lines end in bare LF; some checkers demand CRLF");
    }

    const byKey = (key: string) => fields.filter((field) => field.key === key);
    for (const key of SINGLE_FIELDS) {
        const found = byKey(key);
        if (found.length > 1) {
            errors.push(
                `${key} appears ${found.length} times (${found.map((f) => `line ${f.line} ${JSON.stringify(f.value)}`).join(", ")}); ` +
                    `RFC 8461 §3.2 requires it exactly once, and senders disagree on which one counts`,
            );
        }
    }
    const [version] = byKey("version");
    const [mode] = byKey("mode");
    const [maxAge] = byKey("max_age");
    const mx = byKey("mx");
    if (version?.value !== "STSv1")
        errors.push(`version must be "STSv1"${version ? `, got ${JSON.stringify(version.value)}` : ""}`);
    else if (fields[0] !== version) warnings.push("version is not the first line; Google requires it first");
    if (!mode || !(POLICY_MODES as readonly string[]).includes(mode.value)) {
        errors.push(`mode must be testing, enforce or none${mode ? `, got ${JSON.stringify(mode.value)}` : ""}`);
    }
    const maxAgeValue = maxAge && /^[0-9]{1,10}$/.test(maxAge.value) ? Number(maxAge.value) : NaN;
    if (!(maxAgeValue >= 0 && maxAgeValue <= MAX_AGE_LIMIT)) {
        errors.push(
            `max_age must be a number of seconds up to ${MAX_AGE_LIMIT}${maxAge ? `, got ${JSON.stringify(maxAge.value)}` : ""}`,
        );
    } else if (maxAgeValue === 0) {
        warnings.push("max_age is 0; chasquid rejects it");
    }
    for (const field of mx) {
        const pattern = field.value.endsWith(".") ? field.value.slice(0, -1) : field.value;
        if (!isMxPattern(pattern)) {
            errors.push(`mx ${JSON.stringify(field.value)} is not a host name or "*." plus a host name`);
        } else if (field.value.endsWith(".")) {
            warnings.push(
                `mx ${field.value} has a trailing dot; mox rejects the policy and mailauth, KumoMTA and Postfix 3.10.5+ never match it`,
            );
        } else if (field.value !== field.value.toLowerCase()) {
            warnings.push(`mx ${field.value} is not lowercase`);
        }
    }
    if (mx.length === 0) {
        if (mode?.value === "none")
            warnings.push("there is no mx line; chasquid and Stalwart reject a policy without one");
        else errors.push("there is no mx line; a testing or enforce policy needs at least one");
    }
    const seen = new Set<string>();
    const duplicate = mx.find((field) => {
        const key = field.value.toLowerCase();
        return seen.has(key) || !seen.add(key);
    });
    if (duplicate) warnings.push(`mx ${duplicate.value} is listed twice`);
    const known = ["version", "mode", "mx", "max_age"];
    const keys = fields.map((field) => field.key).filter((key) => known.includes(key));
    const canonicalOrder = ["version", "mode", ...mx.map(() => "mx"), "max_age"];
    if (errors.length === 0 && keys.join() !== canonicalOrder.join() && fields[0] === version) {
        warnings.push(`the lines are not in the order version, mode, mx..., max_age`);
    }
    if (errors.length > 0) {
        return { errors, warnings };
    }
    return {
        policy: {
            version: "STSv1",
            mode: mode!.value as PolicyMode,
            mx: mx.map((field) => field.value.toLowerCase().replace(/\.$/, "")),
            maxAge: maxAgeValue,
        },
        errors,
        warnings,
    };
}

interface PolicyField {
    key: string;
    value: string;
    line: number;
}

/** `name ":" *WSP value *WSP`, where a value is visible characters with inner spaces (RFC 8461 §3.2). */
function readPolicyLine(line: string, number: number, errors: string[]): PolicyField | undefined {
    const shown = JSON.stringify(line);
    if (line === "") {
        errors.push(
            `line ${number} is blank; RFC 8461 §3.2 allows no blank line, and mox, go-mtasts and postfix-tlspol reject the whole policy`,
        );
        return undefined;
    }
    const nameEnd = scanName(line, 0);
    if (nameEnd === 0 || line[nameEnd] !== ":") {
        errors.push(`line ${number} ${shown} is not "key: value"`);
        return undefined;
    }
    let start = nameEnd + 1;
    while (start < line.length && isWsp(line.charCodeAt(start))) start++;
    let end = line.length;
    while (end > start && isWsp(line.charCodeAt(end - 1))) end--;
    const value = line.slice(start, end);
    for (let at = start; at < end; at++) {
        const code = line.charCodeAt(at);
        if (code < 0x20 || code === 0x7f) {
            errors.push(`line ${number} ${shown} has a control character in its value`);
            return undefined;
        }
    }
    if (value === "") {
        errors.push(`line ${number} ${shown} has no value`);
        return undefined;
    }
    return { key: line.slice(0, nameEnd), value, line: number };
}

/** RFC 8461 §3.2 `["*."] Domain`, with RFC 1035's 63-octet labels. */
function isMxPattern(pattern: string): boolean {
    const base = pattern.startsWith("*.") ? pattern.slice(2) : pattern;
    return base.split(".").every((label) => LABEL.test(label));
}

export interface RecordReading<T> {
    value?: T;
    errors: string[];
    warnings: string[];
}

/** RFC 8461 §3.1: `v=STSv1` then fields in any order; `id=<1-32 alnum>` exactly once; canonical form per SPEC.md §1. */
export function readStsRecord(record: string): RecordReading<{ id: string }> {
    const scan = scanTagRecord(record, "v=STSv1");
    if ("error" in scan) return { errors: [scan.error], warnings: [] };
    const ids = scan.fields.filter((field) => field.name === "id");
    if (ids.length !== 1) {
        const reason = ids.length === 0 ? "has no id field" : `has ${ids.length} id fields; RFC 8461 §3.1 requires one`;
        return { errors: [`${JSON.stringify(record)} ${reason}`], warnings: [] };
    }
    const id = ids[0].value;
    if (!/^[A-Za-z0-9]{1,32}$/.test(id)) {
        return {
            errors: [
                `the id ${JSON.stringify(id)} is not 1 to 32 letters or digits (mox and postfix-tlspol reject it)`,
            ],
            warnings: [],
        };
    }
    const warnings =
        record === `v=STSv1; id=${id}` ? [] : [`${JSON.stringify(record)} is not exactly "v=STSv1; id=${id}"`];
    return { value: { id }, errors: [], warnings };
}

/** RFC 8460 §3: `v=TLSRPTv1` then fields in any order; `rua=` exactly once; unknown extensions ignored. */
export function readTlsRptRecord(record: string): RecordReading<{ rua: string[] }> {
    const scan = scanTagRecord(record, "v=TLSRPTv1", "rua");
    if ("error" in scan) return { errors: [scan.error], warnings: [] };
    const ruaFields = scan.fields.filter((field) => field.name === "rua");
    if (ruaFields.length !== 1) {
        const reason =
            ruaFields.length === 0
                ? `has no rua field; it needs "rua=<uri>[,<uri>]"`
                : `has ${ruaFields.length} rua fields; RFC 8460 §3 requires one`;
        return { errors: [`${JSON.stringify(record)} ${reason}`], warnings: [] };
    }
    const warnings: string[] = [];
    const errors: string[] = [];
    const parts = ruaFields[0].value.split(",");
    const rua = parts.map((part) => trimWsp(part));
    if (parts.some((part, index) => part !== rua[index])) {
        warnings.push("there is a space next to a comma in rua; the sys4 reporter then sends the report nowhere");
    }
    for (const uri of rua) {
        const problem = checkReportUri(uri);
        if (problem === undefined) continue;
        // Scheme and host compare case-insensitively (RFC 3986 §6.2.2.1): only SPEC's published form wants lowercase.
        if (checkReportUri(uri.toLowerCase()) === undefined) warnings.push(`rua ${JSON.stringify(uri)}: ${problem}`);
        else errors.push(`rua ${JSON.stringify(uri)}: ${problem}`);
    }
    if (record.length > 255)
        warnings.push(`the record is ${record.length} octets; over 255 it needs several DNS strings`);
    return errors.length > 0 ? { errors, warnings } : { value: { rua }, errors, warnings };
}

interface TagField {
    name: string;
    value: string;
}

/**
 * `version 1*(delim field) [delim]` with `delim = *WSP ";" *WSP` and
 * `field = name "=" value` (RFC 8461 §3.1, RFC 8460 §3), in one left-to-right
 * pass. A `listField` value runs to the next ";" (rua's URI list may hold
 * spaces around commas); any other value is visible characters except "=" and ";".
 */
function scanTagRecord(
    record: string,
    version: string,
    listField?: string,
): { fields: TagField[] } | { error: string } {
    const shown = JSON.stringify(record);
    if (!record.startsWith(version)) {
        return { error: `${shown} does not start with "${version}"` };
    }
    const fields: TagField[] = [];
    let at = version.length;
    while (at < record.length) {
        while (at < record.length && isWsp(record.charCodeAt(at))) at++;
        if (record[at] !== ";") {
            const found = at < record.length ? JSON.stringify(record[at]) : "the end";
            return { error: `${shown}: expected ";" at character ${at + 1}, found ${found}` };
        }
        at++;
        while (at < record.length && isWsp(record.charCodeAt(at))) at++;
        if (at === record.length) break;
        const nameStart = at;
        at = scanName(record, at);
        const name = record.slice(nameStart, at);
        if (name === "" || record[at] !== "=") {
            return {
                error: `${shown}: expected a field "name=value" at character ${nameStart + 1} (a name is a letter or digit, then up to 31 letters, digits, "_", "-" or ".")`,
            };
        }
        at++;
        const valueStart = at;
        let valueEnd: number;
        if (name === listField) {
            while (at < record.length && record[at] !== ";") at++;
            valueEnd = at;
            while (valueEnd > valueStart && isWsp(record.charCodeAt(valueEnd - 1))) valueEnd--;
            // Spaces after the list belong to the next delimiter, which must then follow.
            at = valueEnd;
        } else {
            while (at < record.length && isExtensionValueCharacter(record.charCodeAt(at))) at++;
            valueEnd = at;
        }
        if (valueEnd === valueStart) {
            return { error: `${shown}: the field "${name}" has no value` };
        }
        fields.push({ name, value: record.slice(valueStart, valueEnd) });
    }
    if (fields.length === 0) {
        return { error: `${shown} has no field after "${version}"` };
    }
    return { fields };
}

/** The end of `(ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")` from `start`, or `start` if none. */
function scanName(text: string, start: number): number {
    if (start >= text.length || !isAlphaDigit(text.charCodeAt(start))) return start;
    let at = start + 1;
    while (at < text.length && at - start < 32) {
        const code = text.charCodeAt(at);
        if (!isAlphaDigit(code) && code !== 0x5f && code !== 0x2d && code !== 0x2e) break;
        at++;
    }
    return at;
}

function isAlphaDigit(code: number): boolean {
    return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

function isWsp(code: number): boolean {
    return code === 0x20 || code === 0x09;
}

/** `%x21-3A / %x3C / %x3E-7E`: visible characters except ";" and "=". */
function isExtensionValueCharacter(code: number): boolean {
    return code >= 0x21 && code <= 0x7e && code !== 0x3b && code !== 0x3d;
}

function trimWsp(text: string): string {
    let start = 0;
    let end = text.length;
    while (start < end && isWsp(text.charCodeAt(start))) start++;
    while (end > start && isWsp(text.charCodeAt(end - 1))) end--;
    return text.slice(start, end);
}

function hasNonAscii(text: string): boolean {
    for (let at = 0; at < text.length; at++) {
        if (text.charCodeAt(at) > 0x7f) return true;
    }
    return false;
}
