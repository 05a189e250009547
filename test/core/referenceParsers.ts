/**
 * Second, independent readings of RFC 8461 §3.1/§3.2 and RFC 8460 §3, written
 * differently from components/core/parse.ts (split on delimiters, then anchored
 * patterns per piece) so that the fuzz tests compare two implementations of one
 * grammar rather than one implementation with itself. They answer only "what
 * would a sender take from this", or undefined for "no valid record/policy".
 */
import { checkReportUri } from "../../components";

const FIELD = /^([A-Za-z0-9][A-Za-z0-9_.-]{0,31})=([\x21-\x3a\x3c\x3e-\x7e]+)$/;
const WSP_ONLY = /^[ \t]*$/;

function stripWsp(text: string): string {
    let start = 0;
    let end = text.length;
    while (start < end && (text[start] === " " || text[start] === "\t")) start++;
    while (end > start && (text[end - 1] === " " || text[end - 1] === "\t")) end--;
    return text.slice(start, end);
}

/**
 * Splits `version 1*(*WSP ";" *WSP field) [*WSP ";" *WSP]` on ";" (no field
 * value may hold one) and returns the fields' texts, or undefined.
 */
function fieldTexts(record: string, version: string): string[] | undefined {
    if (!record.startsWith(version)) return undefined;
    const parts = record.slice(version.length).split(";");
    if (parts.length < 2 || !WSP_ONLY.test(parts[0])) return undefined;
    const pieces = parts.slice(1);
    const last = pieces[pieces.length - 1];
    if (WSP_ONLY.test(last)) {
        pieces.pop();
    } else if (stripWsp(last) !== last.replace(/^[ \t]+/, "")) {
        // Spaces after the last field would need a ";" after them.
        return undefined;
    }
    if (pieces.length === 0) return undefined;
    return pieces.map(stripWsp);
}

export function referenceStsId(record: string): string | undefined {
    const texts = fieldTexts(record, "v=STSv1");
    if (texts === undefined) return undefined;
    const fields = texts.map((text) => FIELD.exec(text));
    if (fields.some((field) => field === null)) return undefined;
    const ids = fields.filter((field) => field![1] === "id").map((field) => field![2]);
    return ids.length === 1 && /^[A-Za-z0-9]{1,32}$/.test(ids[0]) ? ids[0] : undefined;
}

export function referenceTlsRpt(record: string): string[] | undefined {
    const texts = fieldTexts(record, "v=TLSRPTv1");
    if (texts === undefined) return undefined;
    let rua: string[] | undefined;
    for (const text of texts) {
        if (text.startsWith("rua=")) {
            if (rua !== undefined) return undefined;
            rua = text.slice(4).split(",").map(stripWsp);
        } else if (!FIELD.test(text)) {
            return undefined;
        }
    }
    if (rua === undefined) return undefined;
    const acceptable = (uri: string) =>
        checkReportUri(uri) === undefined || checkReportUri(uri.toLowerCase()) === undefined;
    return rua.every(acceptable) ? rua : undefined;
}

export interface ReferencePolicy {
    mode: string;
    mx: string[];
    maxAge: number;
}

const POLICY_LINE = /^([A-Za-z0-9][A-Za-z0-9_.-]{0,31}):[ \t]*(.*)$/;
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

export function referencePolicy(body: string): ReferencePolicy | undefined {
    if (body.startsWith("\uFEFF") || body === "") return undefined;
    const lines = body.split("\n");
    if (lines[lines.length - 1] === "" && lines.length > 1) lines.pop();
    const values = new Map<string, string[]>();
    for (const raw of lines) {
        const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
        const match = POLICY_LINE.exec(line);
        if (!match) return undefined;
        const value = stripWsp(match[2]);
        if (value === "" || [...value].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) {
            return undefined;
        }
        values.set(match[1], [...(values.get(match[1]) ?? []), value]);
    }
    const one = (key: string) => (values.get(key)?.length === 1 ? values.get(key)![0] : undefined);
    const mode = one("mode");
    const maxAgeText = one("max_age");
    const mx = values.get("mx") ?? [];
    if (one("version") !== "STSv1" || !["testing", "enforce", "none"].includes(mode ?? "")) return undefined;
    if (maxAgeText === undefined || !/^\d{1,10}$/.test(maxAgeText) || Number(maxAgeText) > 31557600) {
        return undefined;
    }
    const validPattern = (pattern: string) => {
        const host = (pattern.startsWith("*.") ? pattern.slice(2) : pattern).replace(/\.$/, "");
        return host.split(".").every((label) => DNS_LABEL.test(label));
    };
    if (!mx.every(validPattern) || (mx.length === 0 && mode !== "none")) return undefined;
    return { mode: mode!, mx: mx.map((p) => p.toLowerCase().replace(/\.$/, "")), maxAge: Number(maxAgeText) };
}
