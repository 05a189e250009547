import { isIP } from "node:net";
import { parseDnsServer } from "./dnsServer";
import { domainToASCII } from "node:url";
import {
    MAX_AGE_LIMIT,
    POLICY_MODES,
    POLICY_SIZE_LIMIT,
    PolicyMode,
    renderPolicy,
    renderTlsRptRecord,
    tlsRptRecordName,
} from "./policy";

/** CloudFront price classes: which edge locations serve the policy. */
export const PriceClass = {
    /** North America and Europe only: the cheapest, and ample for a few requests a day. */
    PriceClass_100: "PriceClass_100",
    /** Adds Asia, the Middle East and Africa. */
    PriceClass_200: "PriceClass_200",
    /** Every edge location. */
    PriceClass_All: "PriceClass_All",
} as const;
export type PriceClass = (typeof PriceClass)[keyof typeof PriceClass];

export const DEFAULT_MODE: PolicyMode = PolicyMode.Testing;
/** One week: RFC 8461 §3.2 suggests weeks for enforce, and it is what most guides publish. */
export const DEFAULT_MAX_AGE = 604800;
/** Five minutes: short enough to fix a mistake quickly, long enough not to matter for load. */
export const DEFAULT_TTL = 300;
export const DEFAULT_PRICE_CLASS: PriceClass = PriceClass.PriceClass_100;

/** Below a day, Google reportedly ignores the policy and Stalwart caches it for a day anyway. */
const SHORT_MAX_AGE = 86400;
/** RFC 8461 §3.2: enforce is meant to be cached for weeks. */
const SHORT_ENFORCE_MAX_AGE = 604800;
/** `_smtp._tls.` plus the domain must fit in a 253-octet DNS name. */
const MAX_DOMAIN_LENGTH = 242;
/** One DNS character-string; the sys4 reporter and others read only the first string. */
const MAX_TXT_STRING = 255;
/** The shortest line, "mx: a.b\r\n", is 9 bytes; a longer list cannot fit in the policy size limit. */
const MAX_MX_PATTERNS = Math.floor(POLICY_SIZE_LIMIT / 9);
const MIN_TTL = 60;
/** Seconds: long enough for a slow resolver, short enough that a black hole does not stall `pulumi up`. */
export const DEFAULT_PREFLIGHT_TIMEOUT = 5;
const MAX_PREFLIGHT_TIMEOUT = 60;
const MAX_TTL = 86400;

export type DnsProviderName = "route53" | "cloudflare";

/** A DNS zone, chosen by id or by name. */
export interface RawDnsZone {
    zoneId?: unknown;
    zoneName?: unknown;
}

/**
 * What the validator accepts: the shape of `MtaStsArgs` with every field
 * unknown, because JavaScript and YAML callers bypass the TypeScript types.
 */
export interface RawMtaStsArgs {
    domain?: unknown;
    mode?: unknown;
    mx?: unknown;
    maxAge?: unknown;
    tlsRpt?: unknown;
    route53?: unknown;
    cloudflare?: unknown;
    ttl?: unknown;
    tags?: unknown;
    priceClass?: unknown;
    certificateArn?: unknown;
    originAccessControlId?: unknown;
    hosting?: unknown;
    cloudFrontManagedCertificate?: unknown;
    preflight?: unknown;
    preflightDnsServer?: unknown;
    preflightTimeout?: unknown;
}

const KNOWN_ARGUMENTS: readonly (keyof RawMtaStsArgs)[] = [
    "domain",
    "mode",
    "mx",
    "maxAge",
    "tlsRpt",
    "route53",
    "cloudflare",
    "ttl",
    "tags",
    "priceClass",
    "certificateArn",
    "originAccessControlId",
    "hosting",
    "cloudFrontManagedCertificate",
    "preflight",
    "preflightDnsServer",
    "preflightTimeout",
];

/** The arguments after validation: normalised, defaults applied. */
export interface ValidatedMtaStsArgs {
    /** Lowercase A-label domain without a trailing dot. */
    domain: string;
    mode: PolicyMode;
    /** Lowercase A-label patterns, deduplicated, in the caller's order. */
    mx: string[];
    maxAge: number;
    /** Absent when TLS-RPT was not asked for; may be empty when a receiver supplies the URIs. */
    rua?: string[];
    /** The receiver whose URIs are added to `rua`, passed through untouched when they are outputs. */
    tlsRptReceiver?: RawTlsRptReceiverRef;
    dns: {
        provider: DnsProviderName;
        /** A string, or a Pulumi output passed through untouched. */
        zoneId?: unknown;
        zoneName?: string;
    };
    ttl: number;
    priceClass: PriceClass;
    certificateArn?: unknown;
    /** A string, or a Pulumi output passed through untouched. */
    originAccessControlId?: unknown;
    /** Absent for standalone hosting; each field a string or a Pulumi output passed through untouched. */
    hosting?: Record<(typeof SHARED_HOSTING_FIELDS)[number], unknown>;
    cloudFrontManagedCertificate: boolean;
    tags?: unknown;
    preflight: boolean;
    /** `ip[:port]`; absent means the system resolver. */
    preflightDnsServer?: string;
    /** The most the preflight waits for DNS, in seconds. */
    preflightTimeout: number;
}

export interface ValidationResult {
    args: ValidatedMtaStsArgs;
    /** Legal but risky choices, for Pulumi's warning log. */
    warnings: string[];
}

/** Thrown when any argument is invalid; lists every problem at once. */
export class MtaStsArgsError extends Error {
    constructor(
        readonly componentName: string,
        readonly problems: readonly string[],
    ) {
        const count = problems.length === 1 ? "1 invalid argument" : `${problems.length} invalid arguments`;
        super(`MtaSts "${componentName}": ${count}:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
        this.name = "MtaStsArgsError";
    }
}

/** Thrown when an argument of `MtaStsHosting` is invalid; lists every problem at once. */
export class MtaStsHostingArgsError extends Error {
    constructor(
        readonly componentName: string,
        readonly problems: readonly string[],
    ) {
        const count = problems.length === 1 ? "1 invalid argument" : `${problems.length} invalid arguments`;
        super(`MtaStsHosting "${componentName}": ${count}:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
        this.name = "MtaStsHostingArgsError";
    }
}

/** The arguments of `MtaStsHosting`, every field unknown (JavaScript and YAML callers bypass the types). */
export interface RawMtaStsHostingArgs {
    certificateArn?: unknown;
    tags?: unknown;
}

/** Checks `MtaStsHosting`'s arguments, or throws one MtaStsHostingArgsError listing every problem. */
export function validateMtaStsHostingArgs(componentName: string, raw: RawMtaStsHostingArgs): void {
    if (raw === null || typeof raw !== "object") {
        throw new MtaStsHostingArgsError(componentName, [`args: expected an object, got ${describe(raw)}`]);
    }
    const problems = checkUnknownArguments(raw, ["certificateArn", "tags"]);
    checkCertificateArn(raw.certificateArn, problems);
    checkTags(raw.tags, problems);
    if (problems.length > 0) {
        throw new MtaStsHostingArgsError(componentName, problems);
    }
}

/**
 * Checks every rule of SPEC.md §4 and returns normalised arguments, or throws
 * one MtaStsArgsError listing every problem. Pure: no resources, no I/O.
 */
export function validateMtaStsArgs(componentName: string, raw: RawMtaStsArgs): ValidationResult {
    const problems: string[] = [];
    const warnings: string[] = [];

    if (raw === null || typeof raw !== "object") {
        throw new MtaStsArgsError(componentName, [`args: expected an object, got ${describe(raw)}`]);
    }
    problems.push(...checkUnknownArguments(raw));

    const domain = normalizeHostname("domain", raw.domain, problems);
    const mode = checkMode(raw.mode, problems);
    const mx = checkMx(raw.mx, problems, warnings);
    const maxAge = checkMaxAge(raw.maxAge, problems);
    const tlsRpt = checkTlsRpt(raw.tlsRpt, domain, problems, warnings);
    const dns = checkDns(raw, domain, problems);
    const ttl = checkTtl(raw.ttl, problems);
    const priceClass = checkPriceClass(raw.priceClass, problems);
    checkCertificateArn(raw.certificateArn, problems);
    checkOriginAccessControlId(raw.originAccessControlId, problems);
    const hosting = checkHosting(raw, problems);
    checkTags(raw.tags, problems);
    const preflight = checkPreflight(raw, problems);

    if (mode !== undefined && mx !== undefined && maxAge !== undefined) {
        const size = Buffer.byteLength(renderPolicy({ mode, mx, maxAge }));
        if (size > POLICY_SIZE_LIMIT) {
            problems.push(
                `mx (${mx.length} patterns): the policy would be ${size} bytes, over ${POLICY_SIZE_LIMIT}; ` +
                    `chasquid cuts bodies at 10 KiB and loses max_age. Use wildcards such as "*.mail.example.com" to shorten the list`,
            );
        }
        if (maxAge < SHORT_MAX_AGE) {
            warnings.push(
                `maxAge ${maxAge}: below ${SHORT_MAX_AGE} (one day) some senders ignore the policy or cache it for a day anyway`,
            );
        } else if (mode === PolicyMode.Enforce && maxAge < SHORT_ENFORCE_MAX_AGE) {
            warnings.push(
                `maxAge ${maxAge}: enforce is meant to be cached for weeks (RFC 8461 §3.2); consider ${SHORT_ENFORCE_MAX_AGE} or more`,
            );
        }
    }

    if (problems.length > 0) {
        throw new MtaStsArgsError(componentName, problems);
    }
    return {
        // Every field is defined here: each checker pushes a problem when it returns undefined.
        args: {
            domain: domain!,
            mode: mode!,
            mx: mx!,
            maxAge: maxAge!,
            ...(tlsRpt !== undefined ? { rua: tlsRpt.rua } : {}),
            ...(tlsRpt?.receiver !== undefined ? { tlsRptReceiver: tlsRpt.receiver } : {}),
            dns: dns!,
            ttl: ttl!,
            priceClass: priceClass!,
            ...(raw.certificateArn !== undefined ? { certificateArn: raw.certificateArn } : {}),
            ...(raw.originAccessControlId !== undefined ? { originAccessControlId: raw.originAccessControlId } : {}),
            ...(hosting!.shared !== undefined ? { hosting: hosting!.shared } : {}),
            cloudFrontManagedCertificate: hosting!.cloudFrontManagedCertificate,
            ...(raw.tags !== undefined ? { tags: raw.tags } : {}),
            ...preflight!,
        },
        warnings,
    };
}

/**
 * Normalises a host name the way SPEC.md §4 asks (trim, lowercase, one trailing
 * dot allowed, IDN to punycode) and checks the label rules. Returns undefined
 * and records a problem when the value is not a usable host name.
 */
export function normalizeHostname(
    argument: string,
    raw: unknown,
    problems: string[],
    noun = "domain name",
): string | undefined {
    if (typeof raw !== "string") {
        problems.push(`${argument}: expected a ${noun} such as "example.com", got ${describe(raw)}`);
        return undefined;
    }
    const shown = JSON.stringify(raw);
    let name = raw.trim().toLowerCase();
    if (name === "") {
        problems.push(`${argument} ${shown}: must not be empty; give a ${noun} such as "example.com"`);
        return undefined;
    }
    if (/^[a-z][a-z0-9+.-]*:\/\//.test(name)) {
        problems.push(`${argument} ${shown}: must be a bare ${noun} without a scheme, e.g. "example.com"`);
        return undefined;
    }
    if (isIP(name.replace(/^\[|\]$/g, "")) !== 0) {
        problems.push(`${argument} ${shown}: must be a ${noun}, not an IP address`);
        return undefined;
    }
    if (name.includes("/")) {
        problems.push(`${argument} ${shown}: must be a bare ${noun} without a path`);
        return undefined;
    }
    if (name.includes(":")) {
        problems.push(`${argument} ${shown}: must be a bare ${noun} without a port`);
        return undefined;
    }
    if (/[^\x20-\x7e]/.test(name)) {
        const ascii = domainToASCII(name);
        if (ascii === "") {
            problems.push(`${argument} ${shown}: is not a valid internationalised domain name`);
            return undefined;
        }
        name = ascii;
    }
    // After IDN mapping: fullwidth digits and dots become an ordinary IP address.
    if (name.endsWith(".")) {
        name = name.slice(0, -1);
    }
    const numericProblem = checkNumericName(name, noun);
    if (numericProblem !== undefined) {
        problems.push(`${argument} ${shown}: ${numericProblem}`);
        return undefined;
    }
    const labelProblem = checkLabels(name);
    if (labelProblem !== undefined) {
        problems.push(`${argument} ${shown}: ${labelProblem}`);
        return undefined;
    }
    if (name.length > MAX_DOMAIN_LENGTH) {
        problems.push(
            `${argument} ${shown}: is ${name.length} octets; at most ${MAX_DOMAIN_LENGTH} fit, so that "_smtp._tls." plus the name stays within 253`,
        );
        return undefined;
    }
    return name;
}

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** The URL standard reads a host whose last label is a decimal or 0x number as IPv4 ("127.1", "0x7f.1"). */
const NUMERIC_LABEL = /^(?:[0-9]+|0x[0-9a-f]*)$/;

function checkNumericName(name: string, noun: string): string | undefined {
    if (isIP(name) !== 0) {
        return `must be a ${noun}, not an IP address`;
    }
    const last = name.slice(name.lastIndexOf(".") + 1);
    if (!NUMERIC_LABEL.test(last)) {
        return undefined;
    }
    let host: string | undefined;
    try {
        host = new URL(`http://${name}/`).hostname;
    } catch {
        host = undefined;
    }
    if (host !== undefined && isIP(host) === 4) {
        return `must be a ${noun}, not an IP address (URL parsers read it as ${host})`;
    }
    return `the top-level label "${last}" must not be numeric (RFC 3696 §2); URL parsers would read the name as an IPv4 address`;
}

function checkLabels(name: string): string | undefined {
    const labels = name.split(".");
    if (labels.length < 2) {
        return `needs at least two labels, e.g. "example.com"`;
    }
    const empty = labels.findIndex((label) => label === "");
    if (empty !== -1) {
        return `has an empty label; remove the extra "."`;
    }
    if (name.includes("_")) {
        return `must not contain "_": host names are letters, digits and "-"`;
    }
    if (/\s/.test(name)) {
        return `must not contain whitespace`;
    }
    const bad = labels.find((label) => !LABEL.test(label));
    if (bad !== undefined) {
        return `label "${bad}" must be 1 to 63 of a-z, 0-9 and "-", not starting or ending with "-"`;
    }
    const undecodable = labels.find((label) => label.startsWith("xn--") && domainToASCII(label) === "");
    if (undecodable !== undefined) {
        return `label "${undecodable}" is not valid punycode; an "xn--" label must decode to an internationalised label (RFC 5891 §5.4)`;
    }
    return undefined;
}

function checkUnknownArguments(raw: object, known: readonly string[] = KNOWN_ARGUMENTS): string[] {
    return Object.keys(raw)
        .filter((key) => !known.includes(key))
        .map((key) => {
            const suggestion = known.find((name) => name.toLowerCase() === key.toLowerCase());
            const hint = suggestion ? `; did you mean "${suggestion}"?` : `; known arguments are ${known.join(", ")}`;
            return `${key}: unknown argument${hint}`;
        });
}

function checkMode(raw: unknown, problems: string[]): PolicyMode | undefined {
    if (raw === undefined) {
        return DEFAULT_MODE;
    }
    if (typeof raw === "string" && (POLICY_MODES as readonly string[]).includes(raw)) {
        return raw as PolicyMode;
    }
    problems.push(`mode ${show(raw)}: must be one of ${POLICY_MODES.map((mode) => `"${mode}"`).join(", ")}`);
    return undefined;
}

function checkMx(raw: unknown, problems: string[], warnings: string[]): string[] | undefined {
    if (!Array.isArray(raw) || raw.length === 0) {
        problems.push(
            `mx ${show(raw)}: must be a non-empty list of MX host patterns, e.g. ["mx1.example.com", "*.mail.example.net"]; ` +
                `every mode needs one, because chasquid and Stalwart reject a policy without mx`,
        );
        return undefined;
    }
    if (raw.length > MAX_MX_PATTERNS) {
        problems.push(
            `mx (${raw.length} entries): at most ${MAX_MX_PATTERNS} patterns fit in a policy of ${POLICY_SIZE_LIMIT} bytes; ` +
                `use wildcards such as "*.mail.example.com" to shorten the list`,
        );
        return undefined;
    }
    const patterns: string[] = [];
    let valid = true;
    // An index loop, not forEach: forEach skips the holes of a sparse array, which would publish no mx line.
    for (let index = 0; index < raw.length; index++) {
        const entry: unknown = raw[index];
        const pattern = normalizeMxPattern(`mx[${index}]`, entry, problems);
        if (pattern === undefined) {
            valid = false;
        } else if (patterns.includes(pattern)) {
            warnings.push(`mx[${index}] ${show(entry)}: duplicate of "${pattern}"; it is published once`);
        } else {
            patterns.push(pattern);
        }
    }
    return valid ? patterns : undefined;
}

/** One `mx` pattern: a host name, or `*.` plus a host name of two or more labels (RFC 8461 §3.2, §4.1). */
export function normalizeMxPattern(argument: string, raw: unknown, problems: string[]): string | undefined {
    if (typeof raw !== "string") {
        problems.push(`${argument}: expected a host name pattern such as "mx1.example.com", got ${describe(raw)}`);
        return undefined;
    }
    const shown = JSON.stringify(raw);
    if (/\s/.test(raw)) {
        problems.push(`${argument} ${shown}: must not contain whitespace`);
        return undefined;
    }
    if (!raw.includes("*")) {
        return normalizeHostname(argument, raw, problems, "host name");
    }
    if (!raw.startsWith("*.") || raw.indexOf("*", 1) !== -1) {
        problems.push(`${argument} ${shown}: a wildcard may only replace the leftmost label, e.g. "*.example.com"`);
        return undefined;
    }
    if (!raw.slice(2).replace(/\.$/, "").includes(".")) {
        problems.push(`${argument} ${shown}: a wildcard needs a base of at least two labels, e.g. "*.example.com"`);
        return undefined;
    }
    const base = normalizeHostname(`${argument} (after "*.")`, raw.slice(2), problems, "host name");
    return base === undefined ? undefined : `*.${base}`;
}

function checkMaxAge(raw: unknown, problems: string[]): number | undefined {
    if (raw === undefined) {
        return DEFAULT_MAX_AGE;
    }
    if (typeof raw === "number" && Number.isSafeInteger(raw) && raw >= 1 && raw <= MAX_AGE_LIMIT) {
        return raw;
    }
    problems.push(
        `maxAge ${show(raw)}: must be a whole number of seconds from 1 to ${MAX_AGE_LIMIT} (RFC 8461 §3.2); ` +
            `${DEFAULT_MAX_AGE} (one week) is the default`,
    );
    return undefined;
}

/** A report receiver's URIs, as strings or as unresolved Pulumi outputs. */
export interface RawTlsRptReceiverRef {
    endpointUrl: unknown;
    mailto?: unknown;
}

interface CheckedTlsRpt {
    rua: string[];
    receiver?: RawTlsRptReceiverRef;
}

function checkTlsRpt(
    raw: unknown,
    domain: string | undefined,
    problems: string[],
    warnings: string[],
): CheckedTlsRpt | undefined {
    if (raw === undefined) {
        return undefined;
    }
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
        problems.push(`tlsRpt ${show(raw)}: must be an object with rua, receiver or both`);
        return undefined;
    }
    const { rua, receiver, ...unknown } = raw as { rua?: unknown; receiver?: unknown };
    for (const key of Object.keys(unknown)) {
        problems.push(`tlsRpt.${key}: unknown argument; known arguments are rua, receiver`);
    }
    const before = problems.length;
    const checkedReceiver = receiver === undefined ? undefined : checkReceiverRef(receiver, problems);
    if (receiver === undefined && (!Array.isArray(rua) || rua.length === 0)) {
        problems.push(
            `tlsRpt.rua ${show(rua)}: must be a non-empty list of report URIs, e.g. ["mailto:tlsrpt@example.com"], ` +
                `unless tlsRpt.receiver is set; leave tlsRpt out to publish no reporting record`,
        );
        return undefined;
    }
    if (rua !== undefined && !Array.isArray(rua)) {
        problems.push(`tlsRpt.rua ${show(rua)}: must be a list of report URIs, e.g. ["mailto:tlsrpt@example.com"]`);
        return undefined;
    }
    const list: unknown[] = rua ?? [];
    if (list.length > MAX_TXT_STRING) {
        problems.push(
            `tlsRpt.rua (${list.length} entries): the record must fit in one DNS string of ${MAX_TXT_STRING} octets; use fewer URIs`,
        );
        return undefined;
    }
    const uris: string[] = [];
    // An index loop, not forEach: forEach skips holes, which would publish an empty rua.
    for (let index = 0; index < list.length; index++) {
        const entry: unknown = list[index];
        const problem = checkReportUri(entry);
        if (problem !== undefined) {
            problems.push(`tlsRpt.rua[${index}] ${show(entry)}: ${problem}`);
        } else if (uris.includes(entry as string)) {
            warnings.push(`tlsRpt.rua[${index}] ${show(entry)}: duplicate; it is published once`);
        } else {
            uris.push(entry as string);
        }
    }
    if (problems.length > before) {
        return undefined;
    }
    // The receiver's URIs are checked with the rest when known now, and at deployment otherwise.
    const known = checkedReceiver === undefined || typeof checkedReceiver.endpointUrl === "string";
    const mailtoKnown = checkedReceiver?.mailto === undefined || typeof checkedReceiver.mailto === "string";
    if (known && mailtoKnown) {
        const all = tlsRptUris(uris, checkedReceiver as { endpointUrl?: string; mailto?: string } | undefined);
        const problem = tlsRptRecordProblem(domain ?? "<domain>", all);
        if (problem !== undefined) {
            problems.push(problem);
            return undefined;
        }
    }
    return { rua: uris, ...(checkedReceiver !== undefined ? { receiver: checkedReceiver } : {}) };
}

function checkReceiverRef(raw: unknown, problems: string[]): RawTlsRptReceiverRef | undefined {
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
        problems.push(
            `tlsRpt.receiver ${show(raw)}: must be a TlsRptReceiver, or an object with its endpointUrl (and mailto)`,
        );
        return undefined;
    }
    const { endpointUrl, mailto } = raw as { endpointUrl?: unknown; mailto?: unknown };
    const before = problems.length;
    if (endpointUrl === undefined || endpointUrl === null) {
        problems.push(`tlsRpt.receiver.endpointUrl: missing; give the receiver's https:// endpoint`);
    } else if (!isPromiseOrOutput(endpointUrl)) {
        const problem = receiverUriProblem(endpointUrl, "https:");
        if (problem !== undefined) problems.push(`tlsRpt.receiver.endpointUrl ${show(endpointUrl)}: ${problem}`);
    }
    if (mailto !== undefined && !isPromiseOrOutput(mailto)) {
        const problem = receiverUriProblem(mailto, "mailto:");
        if (problem !== undefined) problems.push(`tlsRpt.receiver.mailto ${show(mailto)}: ${problem}`);
    }
    return problems.length > before ? undefined : { endpointUrl, ...(mailto !== undefined ? { mailto } : {}) };
}

/** A receiver URI must be a valid report URI of the one scheme its field names. */
function receiverUriProblem(uri: unknown, scheme: "https:" | "mailto:"): string | undefined {
    const problem = checkReportUri(uri);
    if (problem !== undefined) return problem;
    return (uri as string).startsWith(scheme) ? undefined : `must be a "${scheme}" URI`;
}

/** The published rua: the explicit URIs first, then the receiver's https and mailto URIs, each once. */
export function tlsRptUris(rua: readonly string[], receiver?: { endpointUrl?: string; mailto?: string }): string[] {
    const all = [...rua];
    for (const uri of [receiver?.endpointUrl, receiver?.mailto]) {
        if (uri !== undefined && !all.includes(uri)) all.push(uri);
    }
    return all;
}

/**
 * Checks what is only known at deployment when the receiver's URIs are outputs: each URI's
 * rules and the record's length. Returns every problem, each naming its argument.
 */
export function checkResolvedTlsRpt(
    domain: string,
    rua: readonly string[],
    receiver: { endpointUrl: string; mailto?: string },
): string[] {
    const problems: string[] = [];
    const endpointProblem = receiverUriProblem(receiver.endpointUrl, "https:");
    if (endpointProblem !== undefined) {
        problems.push(`tlsRpt.receiver.endpointUrl ${show(receiver.endpointUrl)}: ${endpointProblem}`);
    }
    if (receiver.mailto !== undefined) {
        const mailtoProblem = receiverUriProblem(receiver.mailto, "mailto:");
        if (mailtoProblem !== undefined)
            problems.push(`tlsRpt.receiver.mailto ${show(receiver.mailto)}: ${mailtoProblem}`);
    }
    if (problems.length > 0) return problems;
    const recordProblem = tlsRptRecordProblem(domain, tlsRptUris(rua, receiver));
    return recordProblem === undefined ? [] : [recordProblem];
}

function tlsRptRecordProblem(domain: string, uris: readonly string[]): string | undefined {
    const record = renderTlsRptRecord(uris);
    if (record.length <= MAX_TXT_STRING) return undefined;
    return (
        `tlsRpt.rua: the record ${tlsRptRecordName(domain)} would be ${record.length} octets; ` +
        `keep it at or under ${MAX_TXT_STRING} so it is one DNS string (use fewer or shorter URIs)`
    );
}

/** RFC 3986 §2: a URI holds only unreserved and reserved characters and "%". */
const NON_URI_CHARACTER = /[^A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]/;
/** RFC 3986 §2.1: "%" starts exactly two hex digits. */
const BAD_PERCENT = /%(?![0-9A-Fa-f]{2})/;
/** RFC 5322 §3.2.3 dot-atom, restricted to what may stand unencoded in a mailto: URI (RFC 6068 §2). */
const MAILTO_LOCAL_PART = /^[A-Za-z0-9\-_~/$&'*+=%]+(?:\.[A-Za-z0-9\-_~/$&'*+=%]+)*$/;

/**
 * RFC 8460 §3 as the strictest reporters read it (SPEC.md §3): RFC 3986
 * characters, and hosts held to the same rules as MX names. Returns the broken
 * rule, if any.
 */
export function checkReportUri(raw: unknown): string | undefined {
    if (typeof raw !== "string") {
        return `expected a "mailto:" or "https:" URI, got ${describe(raw)}`;
    }
    if (/[^\x21-\x7e]/.test(raw)) {
        return `must be printable ASCII without whitespace; percent-encode anything else`;
    }
    const unsafe = NON_URI_CHARACTER.exec(raw);
    if (unsafe) {
        return `must not contain "${unsafe[0]}", which RFC 3986 does not allow in a URI; percent-encode it`;
    }
    const bracket = /[[\]]/.exec(raw);
    if (bracket) {
        return `must not contain "${bracket[0]}", which RFC 3986 allows only around an IP address; percent-encode it`;
    }
    const percent = BAD_PERCENT.exec(raw);
    if (percent) {
        return `"${raw.slice(percent.index, percent.index + 3)}" is not percent-encoding; "%" must start two hex digits (RFC 3986 §2.1)`;
    }
    const delimiter = /[,!;]/.exec(raw);
    if (delimiter) {
        return `must not contain a raw "${delimiter[0]}" (it delimits the record, RFC 8460 §3); percent-encode it`;
    }
    const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(raw)?.[1];
    if (scheme === "mailto") {
        return checkMailtoUri(raw);
    }
    if (scheme === "https") {
        return checkHttpsUri(raw);
    }
    if (scheme !== undefined && ["mailto", "https"].includes(scheme.toLowerCase())) {
        return `the scheme must be lowercase "${scheme.toLowerCase()}:"`;
    }
    return `must start with "mailto:" or "https:", e.g. "mailto:tlsrpt@example.com"`;
}

function checkMailtoUri(uri: string): string | undefined {
    const address = uri.slice("mailto:".length);
    if (address.includes("?") || address.includes("#")) {
        return `a mailto: URI holds exactly one address, without "?" headers or "#"`;
    }
    const at = address.indexOf("@");
    if (at <= 0 || address.indexOf("@", at + 1) !== -1) {
        return `must hold exactly one address, e.g. "mailto:tlsrpt@example.com"`;
    }
    const localPart = address.slice(0, at);
    if (!MAILTO_LOCAL_PART.test(localPart)) {
        return `the local part "${localPart}" must be a dot-atom (RFC 5322 §3.2.3); percent-encode anything else`;
    }
    return checkUriHost(address.slice(at + 1), "domain");
}

function checkHttpsUri(uri: string): string | undefined {
    if (!uri.startsWith("https://")) {
        return `needs "//" and a host after "https:", e.g. "https://reports.example.com/v1"`;
    }
    const rest = uri.slice("https://".length);
    const end = rest.search(/[/?#]/);
    const authority = end === -1 ? rest : rest.slice(0, end);
    if (authority.includes("@")) {
        return `must not contain userinfo ("user@"); reporters send to the host alone`;
    }
    if (uri.includes("#")) {
        return `must not contain a "#" fragment`;
    }
    const colon = authority.indexOf(":");
    const host = colon === -1 ? authority : authority.slice(0, colon);
    if (host === "") {
        return `needs a host, e.g. "https://reports.example.com/v1"`;
    }
    if (colon !== -1) {
        const port = authority.slice(colon + 1);
        if (!/^[0-9]{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
            return `port "${port}" must be a number from 1 to 65535`;
        }
    }
    const hostProblem = checkUriHost(host, "host");
    if (hostProblem !== undefined) {
        return hostProblem;
    }
    try {
        new URL(uri);
    } catch {
        return `is not a valid URL`;
    }
    return undefined;
}

/** The same rules as MX names, and written the way they are published: lowercase, no trailing dot. */
function checkUriHost(host: string, noun: "domain" | "host"): string | undefined {
    const found: string[] = [];
    const name = normalizeHostname(noun, host, found, "host name");
    if (name === undefined) {
        return `the ${noun} ${found[0].slice(noun.length + 1)}`;
    }
    if (name !== host) {
        return `the ${noun} "${host}" must be written "${name}": lowercase, without a trailing dot`;
    }
    return undefined;
}

function checkDns(
    raw: RawMtaStsArgs,
    domain: string | undefined,
    problems: string[],
): ValidatedMtaStsArgs["dns"] | undefined {
    const providers = (["route53", "cloudflare"] as const).filter((provider) => raw[provider] !== undefined);
    if (providers.length !== 1) {
        const given = providers.length === 0 ? "neither is set" : "both are set";
        problems.push(
            `route53/cloudflare: ${given}; set exactly one DNS provider, e.g. route53: { zoneId: "Z123..." } or cloudflare: { zoneName: "example.com" }`,
        );
        return undefined;
    }
    const provider = providers[0];
    const zone = raw[provider];
    if (zone === null || typeof zone !== "object") {
        problems.push(`${provider} ${show(zone)}: must be an object with zoneId or zoneName`);
        return undefined;
    }
    const { zoneId, zoneName } = zone as RawDnsZone;
    if ((zoneId === undefined) === (zoneName === undefined)) {
        const given = zoneId === undefined ? "neither is set" : "both are set";
        problems.push(`${provider}: ${given}; set exactly one of zoneId or zoneName`);
        return undefined;
    }
    if (zoneId !== undefined) {
        if (zoneId === null || zoneId === "" || (typeof zoneId !== "string" && typeof zoneId !== "object")) {
            problems.push(`${provider}.zoneId ${show(zoneId)}: must be a non-empty zone id`);
            return undefined;
        }
        return { provider, zoneId };
    }
    const name = normalizeHostname(`${provider}.zoneName`, zoneName, problems);
    if (name === undefined) {
        return undefined;
    }
    if (domain !== undefined && domain !== name && !domain.endsWith(`.${name}`)) {
        problems.push(
            `${provider}.zoneName ${show(zoneName)}: must be "${domain}" or one of its parent domains, ` +
                `because the records are created under ${domain}`,
        );
        return undefined;
    }
    return { provider, zoneName: name };
}

function checkTtl(raw: unknown, problems: string[]): number | undefined {
    if (raw === undefined) {
        return DEFAULT_TTL;
    }
    if (typeof raw === "number" && Number.isSafeInteger(raw) && raw >= MIN_TTL && raw <= MAX_TTL) {
        return raw;
    }
    problems.push(`ttl ${show(raw)}: must be a whole number of seconds from ${MIN_TTL} to ${MAX_TTL}`);
    return undefined;
}

function checkPriceClass(raw: unknown, problems: string[]): PriceClass | undefined {
    if (raw === undefined) {
        return DEFAULT_PRICE_CLASS;
    }
    const classes = Object.values(PriceClass) as string[];
    if (typeof raw === "string" && classes.includes(raw)) {
        return raw as PriceClass;
    }
    problems.push(`priceClass ${show(raw)}: must be one of ${classes.map((value) => `"${value}"`).join(", ")}`);
    return undefined;
}

const US_EAST_1_ACM_ARN = /^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[A-Za-z0-9-]+$/;

function checkCertificateArn(raw: unknown, problems: string[]): void {
    // An Output from another resource cannot be checked synchronously; CloudFront checks it at deploy time.
    if (raw === undefined || (raw !== null && typeof raw === "object")) {
        return;
    }
    if (typeof raw !== "string" || !US_EAST_1_ACM_ARN.test(raw)) {
        problems.push(
            `certificateArn ${show(raw)}: must be an ACM certificate ARN in us-east-1 ` +
                `("arn:aws:acm:us-east-1:<account>:certificate/<id>"), the only region CloudFront accepts; leave it out to have one created`,
        );
    }
}

/** CloudFront's OAC ids are short upper-case alphanumerics, e.g. "E2QWRUHAPOMQZL". */
const ORIGIN_ACCESS_CONTROL_ID = /^[A-Z0-9]{1,128}$/;

function checkOriginAccessControlId(raw: unknown, problems: string[]): void {
    if (raw === undefined || isPromiseOrOutput(raw)) {
        return;
    }
    if (typeof raw !== "string" || !ORIGIN_ACCESS_CONTROL_ID.test(raw)) {
        problems.push(
            `originAccessControlId ${show(raw)}: must be a CloudFront origin access control id such as "E2QWRUHAPOMQZL"; ` +
                `leave it out to have one created for this domain`,
        );
    }
}

/** What `hosting` must carry: the outputs of `MtaStsHosting` that a domain attaches to. */
export const SHARED_HOSTING_FIELDS = ["bucketName", "distributionId", "connectionGroupId", "routingEndpoint"] as const;

function checkHosting(
    raw: RawMtaStsArgs,
    problems: string[],
): { shared?: ValidatedMtaStsArgs["hosting"]; cloudFrontManagedCertificate: boolean } | undefined {
    const before = problems.length;
    const managed = raw.cloudFrontManagedCertificate;
    if (managed !== undefined && typeof managed !== "boolean") {
        problems.push(`cloudFrontManagedCertificate ${show(managed)}: must be true or false`);
    }
    if (raw.hosting === undefined) {
        if (managed === true) {
            problems.push(
                `cloudFrontManagedCertificate true: only a domain on shared hosting (a distribution tenant) can have a ` +
                    `CloudFront-managed certificate; set hosting, or leave it out to have an ACM certificate validated through DNS`,
            );
        }
        return problems.length === before ? { cloudFrontManagedCertificate: false } : undefined;
    }
    if (raw.hosting === null || typeof raw.hosting !== "object" || Array.isArray(raw.hosting)) {
        problems.push(
            `hosting ${show(raw.hosting)}: must be an MtaStsHosting, or its outputs { ${SHARED_HOSTING_FIELDS.join(", ")} } read from another stack`,
        );
        return undefined;
    }
    const given = raw.hosting as Record<string, unknown>;
    const shared = {} as Record<(typeof SHARED_HOSTING_FIELDS)[number], unknown>;
    for (const field of SHARED_HOSTING_FIELDS) {
        const value = given[field];
        if ((typeof value === "string" && value.trim() !== "") || isPromiseOrOutput(value)) {
            shared[field] = value;
        } else {
            problems.push(
                `hosting.${field} ${show(value)}: must be a non-empty string or an output, e.g. the ${field} output of an MtaStsHosting`,
            );
        }
    }
    for (const standaloneOnly of ["priceClass", "originAccessControlId"] as const) {
        if (raw[standaloneOnly] !== undefined) {
            problems.push(
                `${standaloneOnly} ${show(raw[standaloneOnly])}: applies to a standalone distribution only; ` +
                    `with hosting the shared multi-tenant distribution decides it, so leave it out`,
            );
        }
    }
    if (managed === true && raw.certificateArn !== undefined) {
        problems.push(
            `cloudFrontManagedCertificate true: certificateArn is set too; use your certificate or CloudFront's, not both`,
        );
    }
    return problems.length === before ? { shared, cloudFrontManagedCertificate: managed === true } : undefined;
}

export function checkTags(raw: unknown, problems: string[]): void {
    if (raw === undefined || isPromiseOrOutput(raw)) {
        return;
    }
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
        problems.push(`tags ${show(raw)}: must be a map of tag names to string values, e.g. { team: "mail" }`);
        return;
    }
    for (const [key, value] of Object.entries(raw)) {
        if (key.toLowerCase().startsWith("aws:")) {
            problems.push(`tags.${key}: the "aws:" prefix is reserved by AWS; choose another tag name`);
        } else if (typeof value !== "string" && !isPromiseOrOutput(value)) {
            problems.push(`tags.${key} ${show(value)}: tag values must be strings`);
        }
    }
}

function checkPreflight(
    raw: RawMtaStsArgs,
    problems: string[],
): Pick<ValidatedMtaStsArgs, "preflight" | "preflightDnsServer" | "preflightTimeout"> | undefined {
    let valid = true;
    if (raw.preflight !== undefined && typeof raw.preflight !== "boolean") {
        problems.push(`preflight ${show(raw.preflight)}: must be true or false`);
        valid = false;
    }
    const server = raw.preflightDnsServer;
    if (server !== undefined && (typeof server !== "string" || parseDnsServer(server) === undefined)) {
        problems.push(
            `preflightDnsServer ${show(server)}: must be an IP address with an optional port, e.g. "192.0.2.53" or "192.0.2.53:5353"`,
        );
        valid = false;
    }
    const timeout = raw.preflightTimeout ?? DEFAULT_PREFLIGHT_TIMEOUT;
    if (
        typeof timeout !== "number" ||
        !Number.isSafeInteger(timeout) ||
        timeout < 1 ||
        timeout > MAX_PREFLIGHT_TIMEOUT
    ) {
        problems.push(
            `preflightTimeout ${show(raw.preflightTimeout)}: must be a whole number of seconds from 1 to ${MAX_PREFLIGHT_TIMEOUT}, ` +
                `the most the preflight waits for DNS (default ${DEFAULT_PREFLIGHT_TIMEOUT})`,
        );
        valid = false;
    }
    if (!valid) return undefined;
    return {
        preflight: raw.preflight === true,
        preflightTimeout: timeout as number,
        ...(typeof server === "string" ? { preflightDnsServer: server } : {}),
    };
}

export function isPromiseOrOutput(value: unknown): boolean {
    return (
        value !== null &&
        typeof value === "object" &&
        (typeof (value as { then?: unknown }).then === "function" ||
            typeof (value as { apply?: unknown }).apply === "function")
    );
}

export function show(value: unknown): string {
    if (value === undefined) {
        return "(missing)";
    }
    try {
        return JSON.stringify(value) ?? String(value);
    } catch {
        // Circular, BigInt inside, a throwing toJSON, or no prototype to convert with.
    }
    try {
        return String(value);
    } catch {
        return "(a value that cannot be shown)";
    }
}

function describe(value: unknown): string {
    if (value === undefined) {
        return "nothing";
    }
    if (value === null) {
        return "null";
    }
    return `${Array.isArray(value) ? "an array" : typeof value} ${show(value)}`;
}
